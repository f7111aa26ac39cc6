"""Untrusted text reaches terminals, Markdown, CSV, HTML and JSON as inert text.

The model in tests/data/hostile-valid/markup-and-escapes.yaml is valid; its names, owner and
tracking text carry rich markup, ESC sequences (colour, OSC 8 hyperlinks, a window title), C1
controls, a carriage return, bidirectional overrides and a zero-width space.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import shlex
import shutil
import struct
import subprocess
import sys
import termios
import time
import unicodedata
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from fleetrisk.errors import InputError, Location
from fleetrisk.model.loader import load_model
from fleetrisk.textsafe import UNSAFE, inert, json_inert

HOSTILE_VALID = ROOT / "tests" / "data" / "hostile-valid" / "markup-and-escapes.yaml"
#: What a raw control sequence from the model would look like in the output.
RAW = ("\x1b[31m", "\x1b]8;;", "\x1b]0;", "\x07", "\x9b", "\u202e", "\u200b", "\u2066", "\r\x1b")


def _no_raw_controls(text: str) -> None:
    found = sorted({f"U+{ord(ch):04X}" for ch in UNSAFE.findall(text)})
    assert not found, found


# --- the rule ------------------------------------------------------------------------------


def test_inert_shows_acting_characters_as_escapes() -> None:
    assert inert("a\x1b[31mb") == "a\\x1b[31mb"
    assert inert("\u202egnp.exe") == "\\u202egnp.exe"
    assert inert("x\u200by") == "x\\u200by"
    assert inert("\x9b2J\r\x7f") == "\\x9b2J\\x0d\\x7f"
    assert inert("tag\U000e0041") == "tag\\U000e0041"
    assert inert("lone \udcff") == "lone \\udcff"


def test_inert_leaves_ordinary_text_alone() -> None:
    text = "Kaden Connect: 洗濯機 [/x] <b> tab\there\nnew line é ü 😀"
    assert inert(text) is text
    escaped = inert("\x1b\u202e")
    assert inert(escaped) == escaped  # nothing left to escape


def test_every_control_and_format_character_is_caught_and_nothing_printable() -> None:
    everything = "".join(chr(c) for c in range(0x110000))
    caught = set(UNSAFE.findall(everything))
    wanted = {ch for ch in everything
              if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs") and ch not in "\t\n"}
    assert wanted <= caught, sorted(f"U+{ord(c):04X}" for c in wanted - caught)[:10]
    assert not [ch for ch in caught if ch.isprintable()]
    assert "\t" not in caught and "\n" not in caught


def test_json_inert_keeps_the_exact_text() -> None:
    value = {"name": "a\x1b[31m\u202e\u200b\x9b b\U000e0041 洗濯機", "plain": "x"}
    document = json.dumps(value, ensure_ascii=False, indent=2)
    inert_document = json_inert(document)
    _no_raw_controls(inert_document)
    assert json.loads(inert_document) == value
    assert "\\u202e" in inert_document and "\\udb40\\udc41" in inert_document
    clean = json.dumps({"name": "洗濯機"}, ensure_ascii=False)
    assert json_inert(clean) is clean


def test_error_messages_show_echoed_input_as_escapes() -> None:
    error = InputError("unknown key '\x1b]8;;http://evil\x07x'", location=Location("m\x1b[2J.yaml", 3, 4),
                       hint="did you mean '\u202eabc'?")
    rendered = error.render()
    _no_raw_controls(rendered)
    assert rendered == ("m\\x1b[2J.yaml:3:4: error[input]: unknown key '\\x1b]8;;http://evil\\x07x'\n"
                        "  hint: did you mean '\\u202eabc'?")


# --- the command line ----------------------------------------------------------------------


def test_summary_of_a_hostile_model_prints_markup_and_escapes_as_text() -> None:
    result = run_cli("assess", str(HOSTILE_VALID), env={"COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    _no_raw_controls(result.stdout + result.stderr)
    title = result.stdout.splitlines()[0]
    assert title.startswith("[/x] [link=https://evil.example]click[/link] \\x1b[31mRED\\x1b[0m "
                            "\\x1b]8;;http://evil.example/\\x07osc8\\x1b]8;;\\x07 \\u202egnp.exe")


def test_validate_and_errors_echo_hostile_text_inertly(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text('fleetrisk: 1\nservice: {name: x, types: [telemetry], "\\e]8;;http://evil\\a[/x]\\u202e": 1}\n',
                   encoding="utf-8")
    result = run_cli("validate", str(bad))
    assert result.returncode == 2
    _no_raw_controls(result.stderr)
    assert "unknown key '\\x1b]8;;http://evil\\x07[/x]\\u202e'" in result.stderr
    missing = run_cli("validate", str(tmp_path / "\x1b[31mnope[/x].yaml"))
    assert missing.returncode == 2
    _no_raw_controls(missing.stderr)
    assert "\\x1b[31mnope[/x].yaml: error[file]: cannot read the model: no such file" in missing.stderr
    option = run_cli("assess", "--format", "\x1b]8;;http://evil\x07md[/x]")
    assert option.returncode == 2
    _no_raw_controls(option.stderr)
    assert "'\\x1b]8;;http://evil\\x07md[/x]'" in option.stderr


# --- the reports ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("reports")
    result = run_cli("assess", str(HOSTILE_VALID), "--format", "md,json,html,sarif,csv", "--output", str(out))
    assert result.returncode == 0, result.stderr
    _no_raw_controls(result.stderr)
    return {name: (out / f"report.{name}").read_text(encoding="utf-8")
            for name in ("md", "json", "html", "sarif", "csv")}


@pytest.mark.parametrize("name", ["md", "json", "html", "sarif", "csv"])
def test_no_report_holds_a_raw_control_character(reports: dict[str, str], name: str) -> None:
    _no_raw_controls(reports[name])
    for raw in RAW:
        assert raw not in reports[name]


@pytest.mark.parametrize(("name", "shown"), [
    ("md", "\\x1b\\[31mRED\\x1b\\[0m \\x1b\\]8;;http://evil.example/\\x07osc8"),  # a reader sees \x1b[31mRED
    ("html", "\\x1b[31mRED\\x1b[0m \\x1b]8;;http://evil.example/\\x07osc8\\x1b]8;;\\x07 \\u202egnp.exe"),
    ("csv", "\\x1b[31m [/x] \\u202eevil"),  # the tracking justification: the CSV has no service name
])
def test_readable_reports_show_the_hostile_text_as_escapes(reports: dict[str, str], name: str, shown: str) -> None:
    assert shown in reports[name]


def test_csv_cells_are_escaped_and_still_defused(reports: dict[str, str]) -> None:
    assert "\"'=HYPERLINK(\"\"http://evil.example\"\") \\x1b[31m [/x] \\u202eevil `code` | pipe\"" in reports["csv"]
    assert "\\x1b]8;;http://evil.example/\\x07owner\\x1b]8;;\\x07" in reports["csv"]


def test_json_and_sarif_keep_the_models_exact_text(reports: dict[str, str]) -> None:
    name = load_model(HOSTILE_VALID).model.service.name
    assert "\x1b" in name and "\u202e" in name
    assert json.loads(reports["json"])["service"]["name"] == name
    assert "\\u001b[31mRED" in reports["json"] and "\\u202egnp.exe" in reports["json"]
    sarif = json.loads(reports["sarif"])
    assert sarif["runs"][0]["results"], "the hostile model has findings to report"


def test_html_assets_hold_nothing_the_document_pass_would_change() -> None:
    templates = ROOT / "src" / "fleetrisk" / "reports" / "templates"
    for asset in sorted(templates.iterdir()):
        assert UNSAFE.search(asset.read_text(encoding="utf-8")) is None, asset.name


def test_questions_and_diff_markdown_are_inert(tmp_path: Path) -> None:
    questions = run_cli("questions", str(HOSTILE_VALID))
    assert questions.returncode == 0, questions.stderr
    _no_raw_controls(questions.stdout)
    changed = tmp_path / "changed.yaml"
    changed.write_text(HOSTILE_VALID.read_text(encoding="utf-8").replace("status: accepted", "status: in-progress"),
                       encoding="utf-8")
    diff = run_cli("diff", str(HOSTILE_VALID), str(changed))
    assert diff.returncode == 0, diff.stderr
    assert "T6." in diff.stdout  # the change is there to show
    _no_raw_controls(diff.stdout)
    as_json = run_cli("diff", str(HOSTILE_VALID), str(changed), "--format", "json")
    _no_raw_controls(as_json.stdout)
    json.loads(as_json.stdout)



# --- a real terminal -----------------------------------------------------------------------

#: The styles rich itself writes on a colour terminal (SGR: ESC [ ... m); anything else is not ours.
_SGR = re.compile(rb"\x1b\[[0-9;]*m")


def _run_in_terminal(*args: str, columns: int = 160, rows: int = 50, timeout: float = 60) -> tuple[int, bytes]:
    """Run ``fleetrisk ARGS`` with a pseudo-terminal of ``columns`` x ``rows`` as its stdin, stdout and stderr."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "TERM")}
    env["TERM"] = "xterm-256color"
    process = subprocess.Popen([sys.executable, "-m", "fleetrisk", *args], cwd=ROOT, stdin=slave, stdout=slave,
                               stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the program ended and closed its side
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
    return process.wait(timeout=10), b"".join(chunks)


def test_a_terminal_shows_the_hostile_summary_as_inert_text() -> None:
    code, raw = _run_in_terminal("assess", str(HOSTILE_VALID))
    assert code == 0, raw.decode("utf-8", "replace")
    assert _SGR.search(raw), "rich styles its table on a colour terminal: the output did come from one"
    unstyled = _SGR.sub(b"", raw)
    assert b"\x1b" not in unstyled  # every ESC in the output starts one of rich's own styles
    assert b"\x07" not in raw and b"\x1b]" not in raw  # no bell, no OSC (hyperlink, window title)
    text = unstyled.decode("utf-8")
    _no_raw_controls(text.replace("\r\n", "\n"))  # the terminal itself turns line feeds into CR LF
    assert "Traceback" not in text
    assert "[/x] [link=https://evil.example]click[/link] \\x1b[31mRED\\x1b[0m" in text
    assert "\\x1b]8;;http://evil.example/\\x07osc8" in text and "\\u202egnp.exe" in text


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_tmux_screen_shows_the_hostile_text_literally(tmp_path: Path) -> None:
    """What a person sees: tmux interprets every byte as a terminal would, then shows its screen."""
    socket = str(tmp_path / "tmux.sock")
    tmux = ["tmux", "-S", socket, "-f", "/dev/null"]
    command = shlex.join([sys.executable, "-m", "fleetrisk", "assess", str(HOSTILE_VALID)])
    subprocess.run([*tmux, "new-session", "-d", "-x", "200", "-y", "60", "-c", str(ROOT),
                    f"{command}; echo EXIT=$?; sleep 60"], check=True, timeout=10,
                   env={**os.environ, "TERM": "xterm-256color"})
    try:
        screen = ""
        deadline = time.monotonic() + 60
        while "EXIT=" not in screen and time.monotonic() < deadline:
            time.sleep(0.2)
            screen = subprocess.run([*tmux, "capture-pane", "-p", "-J"], capture_output=True, text=True,
                                    timeout=10, check=True).stdout
    finally:
        subprocess.run([*tmux, "kill-server"], timeout=10, check=False, capture_output=True)
    assert "EXIT=0" in screen, screen
    assert "[/x] [link=https://evil.example]click[/link] \\x1b[31mRED\\x1b[0m" in screen, screen
    assert "\\x1b]8;;http://evil.example/\\x07osc8\\x1b]8;;\\x07 \\u202egnp.exe: Threats by family" in screen


def test_verify_dry_run_shows_hostile_endpoint_urls_as_text(tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text(
        "fleetrisk: 1\nservice: {name: t, types: [telemetry]}\nfleets:\n  - {id: f1, devices: 10, safety: low}\n"
        "components:\n  - id: api\n    kind: device-gateway\n    endpoints:\n"
        '      - {url: "http://127.0.0.1:9/[/x][link=https://evil]a[/link]\\u202e/\\e]8;;http://evil\\a",'
        " protocol: http, protected: true}\n", encoding="utf-8")
    scope = tmp_path / "scope.yaml"
    scope.write_text("fleetrisk_scope: 1\nbudget_seconds: 5\ntargets:\n  - {host: 127.0.0.1, ports: [9]}\n",
                     encoding="utf-8")
    for fmt in ("table", "json"):
        result = run_cli("verify", str(model), "--scope", str(scope), "--dry-run", "--format", fmt,
                         env={"COLUMNS": "250"})
        assert result.returncode == 0, result.stderr
        _no_raw_controls(result.stdout + result.stderr)
    assert "GET http://127.0.0.1:9/[/x][link=https://evil]a[/link]\\u202e/\\x1b]8;;http://evil\\x07 without" \
        in run_cli("verify", str(model), "--scope", str(scope), "--dry-run", env={"COLUMNS": "250"}).stdout
    actions = json.loads(result.stdout)["actions"]
    assert actions[0]["target"] == "http://127.0.0.1:9/[/x][link=https://evil]a[/link]\u202e/\x1b]8;;http://evil\x07"
