"""The reader under hostile input: tags, YAML 1.1 readings, budgets, line ends and what is not a file.

Read in-process where a failure cannot hang the run; FIFOs go through the command line in a
subprocess with a timeout.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DEFAULT, ROOT, run_cli
from fleetrisk.errors import FileAccessError, FleetriskError, InputError, ModelSyntaxError, ModelValidationError
from fleetrisk.evidence import load_evidence
from fleetrisk.importers.writer import scalar
from fleetrisk.model.loader import load_model_text
from fleetrisk.model.yamlio import MAX_NUMBER, MAX_PEER_SCALAR, MAX_SCALAR, decode, load_path, parse
from fleetrisk.probes.scope import load_scope
from fleetrisk.probes.secrets import load_secrets
from fleetrisk.reading import json_value, read_at_most, read_regular


def refused(text: str, **options: bool) -> ModelSyntaxError:
    with pytest.raises(ModelSyntaxError) as caught:
        parse(text, "t.yaml", **options)
    assert caught.value.location is not None and caught.value.location.line is not None
    return caught.value


# --- tags ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "message", "hint"), [
    ("!!bool abc", "'abc' is not a valid !!bool value", "write true or false"),
    ("!!bool yes", "'yes' is not a valid !!bool value", "write true or false"),
    ('!!int ""', "'' is not a valid !!int value", "a whole number in decimal"),
    ("!!int 1_0", "'1_0' is not a valid !!int value", "a whole number in decimal"),
    ("!!int 0x1F", "'0x1F' is not a valid !!int value", "a whole number in decimal"),
    ("!!float ''", "'' is not a valid !!float value", "a decimal number"),
    ("!!float .inf", "'.inf' is not a valid !!float value", "a decimal number"),
    ("!!float 1e999", "'1e999' is not a valid !!float value", "a decimal number"),
    ("!!float 1.0e+999", "too large a number", "a smaller number"),
    ("!!timestamp abc", "'abc' is not a valid !!timestamp value", "YYYY-MM-DD"),
    ("!!timestamp 2027-02-30", "not a valid date", "YYYY-MM-DD"),
    ("!!timestamp 2027-03-31T10:00:00Z", "not a valid !!timestamp value", "YYYY-MM-DD"),
    ("!!null abc", "'abc' is not a valid !!null value", "null, ~ or nothing"),
    ("!!map abc", "a !!map tag on a single value", "remove the !!map tag"),
    ("!<tag:yaml.org,2002:int> ten", "'ten' is not a valid !!int value", "decimal"),
    ("!!binary aGk=", "tag '!!binary' is not allowed", "remove the '!' tag"),
])
def test_a_tag_that_does_not_fit_its_value_is_a_located_error(value: str, message: str, hint: str) -> None:
    error = refused(f"a: 1\nb: {value}\n")
    assert message in error.message
    assert error.hint is not None and hint in error.hint
    assert (error.location.line, error.location.column) == (2, 4)  # type: ignore[union-attr]


@pytest.mark.parametrize(("text", "expected"), [
    ("!!str 017", "017"), ("!!int 17", 17), ("!!int -3", -3), ("!!float 1", 1.0), ("!!float 0.5", 0.5),
    ("!!bool true", True), ("!!null ~", None), ("!!null", None), ("!!timestamp 2027-03-31", dt.date(2027, 3, 31)),
    ("! 12", "12"), ('!!str "x"', "x"),
])
def test_a_tag_that_fits_gives_its_value(text: str, expected: object) -> None:
    assert parse(f"v: {text}\n", "t.yaml").data == {"v": expected}


@pytest.mark.parametrize(("text", "message"), [
    ("v: !!str {a: 1}\n", "tag '!!str' on a mapping"),
    ("v: !!map [1]\n", "tag '!!map' on a sequence"),
    ("v: !!seq {a: 1}\n", "tag '!!seq' on a mapping"),
])
def test_a_collection_takes_only_its_own_tag(text: str, message: str) -> None:
    assert message in refused(text).message
    assert parse("v: !!map {a: 1}\nw: !!seq [1]\n", "t.yaml").data == {"v": {"a": 1}, "w": [1]}


# --- YAML 1.1 against YAML 1.2 -------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("true", True), ("False", False), ("TRUE", True), ("null", None), ("~", None), ("", None), ("Null", None),
    ("0", 0), ("-0", 0), ("+12", 12), ("1000000", 1_000_000), ("1.5", 1.5), ("-.5", -0.5), (".5", 0.5),
    ("5.", 5.0), ("1.5e+3", 1500.0), ("2.5E-2", 0.025), ("2027-03-31", dt.date(2027, 3, 31)),
    ("1.0.0", "1.0.0"), ("127.0.0.1", "127.0.0.1"), ("0:20", "0:20"), ("2027-3-31", "2027-3-31"),
    ("online", "online"), ("none", "none"), ("nope", "nope"), ("offline", "offline"), ("-x", "-x"),
    ("<<", "<<"), ("=", "="), ("9" * MAX_NUMBER, int("9" * MAX_NUMBER)),
])
def test_plain_values_both_versions_agree_on_are_read(text: str, expected: object) -> None:
    assert parse(f"v: {text}\n", "t.yaml").data == {"v": expected}


@pytest.mark.parametrize(("text", "message", "hint"), [
    ("1:20", "'1:20' reads as 80 in YAML 1.1 and as text in YAML 1.2", 'write 80 for the number, or "1:20"'),
    ("12:30:00", "reads as 45000 in YAML 1.1", '"12:30:00" for the text'),
    ("017", "'017' reads as 15 in YAML 1.1 and as 17 in YAML 1.2", 'write 15 or 17, whichever is meant, or "017"'),
    ("08", "'08' reads as text in YAML 1.1 and as 8 in YAML 1.2", "write 8 for the number"),
    ("0o17", "reads as text in YAML 1.1 and as 15 in YAML 1.2", "write 15"),
    ("0b1010", "'0b1010' reads as 10 in YAML 1.1", 'write 10 for the number, or "0b1010"'),
    ("0x1F", "'0x1F' is not written as a decimal number", 'write 31 for the number, or "0x1F"'),
    ("1_000", "reads as 1000 in YAML 1.1 and as text", "write 1000"),
    ("1e3", "reads as text in YAML 1.1 and as 1000.0 in YAML 1.2", 'write 1000.0 for the number, or "1e3"'),
    ("1.5e3", "reads as text in YAML 1.1 and as 1500.0", "write 1500.0"),
    ("on", "'on' reads as true in YAML 1.1 and as text in YAML 1.2", 'write true for the boolean, or "on"'),
    ("Off", "reads as false in YAML 1.1", 'write false for the boolean, or "Off"'),
    ("yes", "reads as true", '"yes" for the text'),
    ("NO", "reads as false", '"NO" for the text'),
    ("y", "reads as true", '"y" for the text'),
    ("n", "reads as false", '"n" for the text'),
    ("2027-03-31T10:00:00Z", "reads as a time in YAML 1.1 and as text", "a date alone as YYYY-MM-DD"),
    ("2027-03-31 10:00:00", "reads as a time", "YYYY-MM-DD"),
    (".inf", "'.inf' is not a finite number", "write a number"),
    ("-.Inf", "not a finite number", "write a number"),
    (".NaN", "not a finite number", "write a number"),
    ("1e400", "too large a number", "a smaller number"),
    ("1.0e+400", "too large a number", "a smaller number"),
    ("9" * (MAX_NUMBER + 1), f"a number of {MAX_NUMBER + 1} characters; the limit is {MAX_NUMBER}", "quote it"),
    ("1" * 5000 + ".5", "a number of 5,002 characters", "quote it"),
    ("1_" * 3000, "a number of 6,000 characters", "quote it"),
    ("2027-02-30", "'2027-02-30' is not a valid date", "YYYY-MM-DD"),
])
def test_plain_values_the_versions_read_differently_are_refused(text: str, message: str, hint: str) -> None:
    error = refused(f"a: 1\nv: {text}\n")
    assert message in error.message
    assert error.hint is not None and hint in error.hint
    assert (error.location.line, error.location.column) == (2, 4)  # type: ignore[union-attr]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789+-._:eExXoObBinfaINF", max_size=60), st.integers(0, 3), st.booleans())
def test_number_like_values_are_read_or_refused_never_crash(text: str, repeat: int, peer: bool) -> None:
    value = text * (1 + repeat * 120)  # up to thousands of characters: past every digit limit
    try:
        doc = parse(f"v: {value}\n", "t.yaml", peer=peer)
    except ModelSyntaxError as exc:
        assert exc.location is not None and exc.location.line is not None
    else:
        read = doc.data["v"]
        assert read is None or read == value or isinstance(read, bool | int | dt.date) or (
            isinstance(read, float) and abs(read) < float("inf")), read


def test_quoted_values_are_text_and_keys_are_read_as_written() -> None:
    data = parse('a: "on"\nb: \'1:20\'\nc: "017"\non: 1\nyes: 2\n017: 3\n&k off: 4\n', "t.yaml").data
    assert data == {"a": "on", "b": "1:20", "c": "017", "on": 1, "yes": 2, "017": 3, "off": 4}


def test_a_yaml_version_header_does_not_change_the_reading() -> None:
    for version in ("1.1", "1.2"):
        assert parse(f"%YAML {version}\n---\na: true\nb: 10\n", "t.yaml").data == {"a": True, "b": 10}
        assert "reads as true in YAML 1.1" in refused(f"%YAML {version}\n---\na: on\n").message
    assert "YAML syntax error" in refused("%YAML 2.0\n---\na: 1\n").message


def test_peer_files_keep_values_the_versions_disagree_on_as_text() -> None:
    text = "a: on\nb: 017\nc: 1:20\nd: 1e3\ne: 2027-02-30\nf: 2027-03-31\nbase: &b {x: 1}\ng: {<<: *b}\n"
    assert parse(text, "peer.yaml", peer=True).data == {
        "a": "on", "b": "017", "c": "1:20", "d": "1e3", "e": "2027-02-30", "f": dt.date(2027, 3, 31),
        "base": {"x": 1}, "g": {"x": 1}}
    # what is wrong in any version stays an error
    assert "not a valid !!bool value" in refused("a: !!bool abc\n", peer=True).message
    assert "not a finite number" in refused("a: .inf\n", peer=True).message
    assert "a number of 5,000 characters" in refused("a: " + "9" * 5000 + "\n", peer=True).message


def test_writer_quotes_what_the_reader_would_not_read_back() -> None:
    texts = ["1e3", "0o17", "y", "N", "12:30", "017", "2027-02-30", "2027-03-31", "on", "1_000", ".inf",
             "plain words", "1.0.0"]
    written = "".join(f"k{i}: {scalar(text)}\n" for i, text in enumerate(texts))
    assert parse(written, "t.yaml").data == {f"k{i}": text for i, text in enumerate(texts)}
    numbers = [1e20, 1e-05, 2.5, -3.0, 12, True]
    written = "".join(f"k{i}: {scalar(n)}\n" for i, n in enumerate(numbers))
    assert parse(written, "t.yaml").data == {f"k{i}": n for i, n in enumerate(numbers)}


# --- sizes and budgets ---------------------------------------------------------------------


def test_a_text_over_the_limit_is_refused_where_it_starts() -> None:
    assert parse("a: " + "x" * MAX_SCALAR + "\n", "t.yaml").data == {"a": "x" * MAX_SCALAR}
    error = refused("a: 1\nb: |\n  " + "x" * MAX_SCALAR + "\n  y\n")
    assert f"a text of {MAX_SCALAR + 3:,} characters; the limit is {MAX_SCALAR:,}" in error.message
    assert error.location is not None and error.location.line == 2
    assert "a text of" in refused("? " + "k" * (MAX_SCALAR + 1) + "\n: 1\n").message  # keys too
    assert "a text of" in refused("a: !!str " + "x" * (MAX_SCALAR + 1) + "\n").message  # tagged too
    long_key = parse("a: &t " + "x" * (MAX_SCALAR + 1) + "\n", "peer.yaml", peer=True)
    assert len(long_key.data["a"]) == MAX_SCALAR + 1
    assert "the limit is 100,000" in refused("a: " + "x" * (MAX_PEER_SCALAR + 1) + "\n", peer=True).message


def _aliased(copies: int, size: int = 1000) -> str:
    """A text aliased 100 times in a list, that list aliased ``copies`` times."""
    return ("t: &t " + "x" * size + "\nl: &l [" + ", ".join(["*t"] * 100) + "]\n"
            + "m: [" + ", ".join(["*l"] * copies) + "]\n")


def test_aliases_cost_the_characters_they_expand_to() -> None:
    # a small file may grow by a million characters: 100,000 per copy of the list, 1,000 per text
    doc = parse(_aliased(8), "t.yaml")
    assert len(doc.data["m"]) == 8 and doc.data["m"][0][0] == "x" * 1000
    error = refused(_aliased(10))
    assert "the document expands to more than 1,00" in error.message and "characters of text" in error.message
    assert error.location is not None and (error.location.line, error.location.column) == (3, 41)  # the 10th
    # a larger file may grow by its own size: 2.07 M characters of text, so 2.07 M more
    padding = "".join(f"p{i}: {'y' * 9000}\n" for i in range(230))
    assert len(parse(padding + _aliased(18), "t.yaml").data["m"]) == 18
    assert "expands to more than 4,1" in refused(padding + _aliased(22)).message


def test_a_file_is_read_only_up_to_the_limit(tmp_path: Path) -> None:
    reading, writing = os.pipe()
    try:
        os.write(writing, b"x" * 5000)
        os.close(writing)
        assert len(read_at_most(reading, 100)) == 101  # stops one byte past the limit
    finally:
        os.close(reading)
    path = tmp_path / "f.yaml"
    path.write_bytes(b"x" * 100)
    assert read_regular(path, 100) == b"x" * 100
    with pytest.raises(FileAccessError, match="the file is 100 bytes; the limit is 99"):
        read_regular(path, 99)


# --- line ends ----------------------------------------------------------------------------

MODEL_LINES = [
    "fleetrisk: 1", "service: {name: x, types: [telemetry]}", "fleets:",
    "  - {id: f1, devices: ten, safety: low}", "components:", "  - {id: c1, kind: device-gateway}",
]


@pytest.mark.parametrize("end", ["\r", "\r\n", "\n"])
def test_every_line_end_gives_the_same_positions(end: str) -> None:
    raw = end.join(MODEL_LINES).encode() + end.encode()
    with pytest.raises(ModelValidationError) as caught:
        load_model_text(decode(raw, "m.yaml"), "m.yaml")
    location = caught.value.problems[0].location
    assert location is not None and (location.line, location.column) == (4, 14)
    doc = parse(decode(b"a: 1\rb: [x,\r  z]\rc: 3\r", "t.yaml"), "t.yaml")
    assert doc.data == {"a": 1, "b": ["x", "z"], "c": 3}
    assert [doc.locate(p).line for p in (("a",), ("b", 1), ("c",))] == [1, 3, 4]


def test_byte_errors_after_old_mac_line_ends_name_the_right_line() -> None:
    with pytest.raises(ModelSyntaxError) as caught:
        decode(b"a: 1\rb: 2\rc: \xff\r", "t.yaml")
    assert caught.value.location is not None and caught.value.location.line == 3
    with pytest.raises(ModelSyntaxError) as caught:
        decode(b"a: 1\r\nb: \x00\r\n", "t.yaml")
    assert caught.value.location is not None and caught.value.location.line == 2


@pytest.mark.parametrize("separator", ["\x85", "\u2028", "\u2029"])
def test_line_separators_only_yaml_11_reads_as_breaks_are_refused(separator: str) -> None:
    with pytest.raises(ModelSyntaxError) as caught:
        decode(f"a: 1\nb: x{separator}y\n".encode(), "t.yaml")
    assert f"U+{ord(separator):04X}" in caught.value.message
    assert caught.value.location is not None
    assert (caught.value.location.line, caught.value.location.column) == (2, 5)
    assert parse('a: "x\\u2028y"\n', "t.yaml").data == {"a": "x\u2028y"}  # written as an escape: fine


# --- dates ---------------------------------------------------------------------------------

TRACKED = ("fleetrisk: 1\nservice: {name: x, types: [telemetry]}\nfleets: [{id: f1, devices: 1, safety: low}]\n"
           "components:\n"
           "  - {id: c1, kind: device-gateway}\ntracking:\n"
           "  - {id: '*@c1', status: accepted, justification: j, owner: me, expires: EXPIRES}\n")


@pytest.mark.parametrize("expires", ["4102444800", "'4102444800'", "0", "true", "'2027-03-31T00:00:00Z'", "[]"])
def test_a_date_field_takes_only_a_date(expires: str) -> None:
    with pytest.raises(ModelValidationError) as caught:
        load_model_text(TRACKED.replace("EXPIRES", expires), "m.yaml")
    problems = [p for p in caught.value.problems if "expires" in p.render()]
    assert len(problems) == 1, caught.value.render()  # said once, not again by the schema
    assert "must be a date written YYYY-MM-DD" in problems[0].message
    assert problems[0].location is not None and problems[0].location.line == 7


@pytest.mark.parametrize("expires", ["2027-03-31", "'2027-03-31'", "null"])
def test_dates_written_as_dates_are_read(expires: str) -> None:
    loaded = load_model_text(TRACKED.replace("EXPIRES", expires), "m.yaml")
    assert loaded.model.tracking[0].expires == (None if expires == "null" else dt.date(2027, 3, 31))


# --- probe files and evidence --------------------------------------------------------------


@pytest.mark.parametrize("value", ["!!bool abc", "!!int ''", "!!float ''", "!!timestamp abc", "on", "1:20"])
def test_scope_and_secrets_files_refuse_bad_scalars_with_a_line(tmp_path: Path, value: str) -> None:
    scope = tmp_path / "scope.yaml"
    scope.write_text(f"fleetrisk_scope: 1\nbudget_seconds: {value}\n", encoding="utf-8")
    with pytest.raises(ModelSyntaxError) as caught:
        load_scope(scope)
    assert caught.value.location is not None and caught.value.location.line == 2
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text(f"fleetrisk_secrets: 1\ntrust:\n  ca_file: {value}\n", encoding="utf-8")
    with pytest.raises(ModelSyntaxError) as caught:
        load_secrets(secrets)
    assert caught.value.location is not None and caught.value.location.line == 3


def test_a_secrets_file_naming_something_that_is_not_a_file_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "ca.pem")
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text("fleetrisk_secrets: 1\ntrust:\n  ca_file: ca.pem\n", encoding="utf-8")
    with pytest.raises(ModelValidationError) as caught:
        load_secrets(secrets)
    assert "not a regular file" in caught.value.problems[0].message
    assert caught.value.problems[0].location is not None and caught.value.problems[0].location.line == 3


@pytest.mark.parametrize(("text", "message", "line"), [
    ('{"fleetrisk_evidence": 1,\n "checks": [],\n "n": ' + "9" * 5000 + "}", "a number of 5,000 characters", 3),
    ('{"fleetrisk_evidence": 1,\n "s": "' + "9" * 5000 + '",\n\n "n": ' + "9" * 5000 + "}",
     "a number of 5,000 characters", 4),  # the same digits inside a string earlier are not the number
    ('{"fleetrisk_evidence": 1,\r "checks": [,]}', "not valid JSON", 2),
    ('{"fleetrisk_evidence": NaN}', "NaN is not a JSON number", None),
    ('{"fleetrisk_evidence": 1e999}', "too large a number", None),
    ("[" * 100_000, "nested too deeply", None),
    ("  \n", "the file is empty", None),
])
def test_evidence_json_problems_are_input_errors(tmp_path: Path, text: str, message: str, line: int | None) -> None:
    path = tmp_path / "evidence.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_evidence(path)
    assert message in caught.value.message
    assert caught.value.location is not None and caught.value.location.line == line


def test_json_numbers_within_the_limit_are_read() -> None:
    assert json_value('{"a": ' + "9" * 100 + ', "b": 1.5}', "x.json", "h") == {"a": int("9" * 100), "b": 1.5}


# --- what is not a regular file ------------------------------------------------------------


def test_directories_devices_and_sockets_are_refused_before_reading(tmp_path: Path) -> None:
    with pytest.raises(FileAccessError, match="it is a directory"):
        load_path(tmp_path)
    if Path(os.devnull).exists() and sys.platform != "win32":
        with pytest.raises(FileAccessError, match="it is a character device, not a regular file"):
            load_path(Path(os.devnull))
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(tmp_path / "s"))
        with pytest.raises(FileAccessError, match="it is a socket, not a regular file"):
            read_regular(tmp_path / "s", 100, "model")


def _fifo(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    os.mkfifo(path)
    return path


def test_fifos_are_refused_by_every_command_that_reads_a_file(tmp_path: Path) -> None:
    model = str(DEFAULT)
    scope = tmp_path / "scope.yaml"
    scope.write_text("fleetrisk_scope: 1\nbudget_seconds: 1\n", encoding="utf-8")
    loopback = str(ROOT / "examples" / "loopback-deployment" / "model.yaml")
    commands = {
        "model": ["validate", str(_fifo(tmp_path, "m.yaml"))],
        "evidence file": ["assess", model, "--evidence", str(_fifo(tmp_path, "e.json"))],
        "scope file": ["verify", loopback, "--scope", str(_fifo(tmp_path, "s.yaml")), "--dry-run"],
        "secrets file": ["verify", loopback, "--scope", str(scope), "--secrets", str(_fifo(tmp_path, "x.yaml")),
                         "--dry-run"],
        "pytm file": ["import", "--from", "pytm", str(_fifo(tmp_path, "p.json"))],
        "threagile file": ["import", "--from", "threagile", str(_fifo(tmp_path, "t.yaml"))],
        "report": ["diff", str(_fifo(tmp_path, "old.json")), model],
    }
    for what, args in commands.items():
        result = run_cli(*args, timeout=60)
        assert result.returncode == 2, (what, result.stderr)
        assert f"error[file]: cannot read the {what}: it is a FIFO (named pipe), not a regular file" \
            in result.stderr, (what, result.stderr)
        assert "Traceback" not in result.stderr


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    path = _fifo(tmp_path, "pipe.yaml")
    outcome: list[BaseException] = []

    def attempt() -> None:
        try:
            read_regular(path, 100, "model")
        except FleetriskError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=attempt, daemon=True)  # a regression blocks this thread, not the run
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive(), "reading a FIFO waited for a writer"
    assert outcome and "it is a FIFO (named pipe), not a regular file" in str(outcome[0])


def test_a_threagile_file_with_yaml_11_values_imports_without_taking_them_as_facts(tmp_path: Path) -> None:
    source = (ROOT / "tests" / "importers" / "data" / "threagile_small.yaml").read_text(encoding="utf-8")
    assert "    redundant: false\n" in source
    peer = tmp_path / "threagile.yaml"
    peer.write_text(source.replace("    redundant: false\n", "    redundant: no\n    owner: 017\n"), encoding="utf-8")
    out = tmp_path / "model.yaml"
    result = run_cli("import", "--from", "threagile", str(peer), "-o", str(out))
    assert result.returncode == 0, result.stderr
    written = out.read_text(encoding="utf-8")
    plain = tmp_path / "plain.yaml"
    assert run_cli("import", "--from", "threagile", str(ROOT / "tests" / "importers" / "data" / "threagile_small.yaml"),
                   "-o", str(plain)).returncode == 0
    assert "redundancy: single" in plain.read_text(encoding="utf-8")  # 'false' is a fact
    assert "redundancy: single" not in written  # 'no' is not taken as one
    checked = run_cli("validate", str(out))  # the strict reader reads the draft it wrote
    assert checked.returncode == 0, checked.stderr
