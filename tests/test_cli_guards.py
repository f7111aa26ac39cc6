"""The command line refuses what would mislead: missing files, implicit inputs, output in the wrong place."""

from __future__ import annotations

import enum
import inspect
import json
import typing
from pathlib import Path

import pytest
import typer
from rich.cells import cell_len

from conftest import DEFAULT, ROOT, run_cli, wildcard_read_refuted
from fleetrisk.errors import FileAccessError
from fleetrisk.model.loader import load_model


def _file_error(result_stderr: str, path: Path | str, what: str, reason: str) -> None:
    assert f"{path}: error[file]: cannot read the {what}: {reason}" in result_stderr, result_stderr
    assert "error[syntax]" not in result_stderr and ":1:1:" not in result_stderr
    assert "Traceback" not in result_stderr


def test_a_missing_model_is_a_file_error_with_a_hint(tmp_path: Path) -> None:
    result = run_cli("validate", "no-such-model.yaml", cwd=ROOT)
    assert result.returncode == 2
    _file_error(result.stderr, "no-such-model.yaml", "model", "no such file")
    assert f"hint: check the path; it is relative to the current directory, {ROOT}" in result.stderr
    with pytest.raises(FileAccessError):  # the library says the same
        load_model(tmp_path / "nope.yaml")


def test_every_input_file_is_checked_the_same_way(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    scope = tmp_path / "scope.yaml"
    scope.write_text("fleetrisk_scope: 1\nbudget_seconds: 10\n", encoding="utf-8")
    cases = {
        "evidence file": ["assess", str(DEFAULT), "--evidence", str(missing)],
        "scope file": ["verify", str(DEFAULT), "--scope", str(missing)],
        "secrets file": ["verify", str(DEFAULT), "--scope", str(scope), "--secrets", str(missing)],
        "report": ["diff", str(missing), str(DEFAULT)],
        "pytm file": ["import", "--from", "pytm", str(missing)],
        "model": ["paths", str(missing)],
    }
    for what, args in cases.items():
        result = run_cli(*args)
        assert result.returncode == 2, (args, result.stderr)
        _file_error(result.stderr, missing, what, "no such file")


def test_a_directory_is_not_a_model(tmp_path: Path) -> None:
    result = run_cli("assess", str(tmp_path))
    assert result.returncode == 2
    _file_error(result.stderr, tmp_path, "model", "it is a directory")
    assert "hint: name the model itself, not its directory" in result.stderr


def test_a_model_path_through_a_file_is_a_file_error(tmp_path: Path) -> None:
    """Unreadable for any user, root included (a permission test would not run as root)."""
    parent = tmp_path / "model.yaml"
    parent.write_text("fleetrisk: 1\n", encoding="utf-8")
    path = parent / "child.yaml"
    result = run_cli("validate", str(path))
    assert result.returncode == 2
    assert "error[file]" in result.stderr and str(path) in result.stderr
    assert "Traceback" not in result.stderr


def _written(tmp_path: Path, name: str, *args: str) -> Path:
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    path = tmp_path / name
    path.write_text(result.stdout, encoding="utf-8")
    return path


def test_validate_names_a_file_that_is_not_a_model(tmp_path: Path) -> None:
    files = {
        "a fleetrisk report": _written(tmp_path, "report.json", "assess", str(DEFAULT), "--format", "json"),
        "a SARIF log": _written(tmp_path, "report.sarif", "assess", str(DEFAULT), "--format", "sarif"),
        "an Open Threat Model (OTM) file": _written(tmp_path, "model.otm.json", "export", "--to", "otm", str(DEFAULT)),
        "a fleetrisk evidence file": wildcard_read_refuted(tmp_path / "evidence.json"),
        "a Threat Dragon model": ROOT / "tests" / "importers" / "data" / "threat_dragon_small.json",
        "a Threagile model": ROOT / "tests" / "importers" / "data" / "threagile_small.yaml",
    }
    for what, path in files.items():
        result = run_cli("validate", str(path))
        assert result.returncode == 2, (what, result.stderr)
        assert result.stderr.startswith(f"{path}: error[input]: this is {what}, not a fleetrisk model\n  hint: ")
        assert len(result.stderr.splitlines()) == 2, result.stderr  # one problem, not one per key
    report = run_cli("validate", str(files["a fleetrisk report"]))
    assert "give the model file (YAML, 'fleetrisk: 1') it was made from" in report.stderr
    otm = run_cli("validate", str(files["an Open Threat Model (OTM) file"]))
    assert f"fleetrisk import --from otm {files['an Open Threat Model (OTM) file']} -o model.yaml" in otm.stderr


def test_every_command_that_reads_a_model_names_a_report_given_instead(tmp_path: Path) -> None:
    report = _written(tmp_path, "report.sarif", "assess", str(DEFAULT), "--format", "sarif")
    for args in (["assess", str(report)], ["paths", str(report)], ["export", "--to", "otm", str(report)],
                 ["diff", str(report), str(DEFAULT)]):
        result = run_cli(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert "this is a SARIF log, not a fleetrisk model" in result.stderr
        assert "unknown key" not in result.stderr


def test_a_model_without_its_version_key_still_gets_the_model_checks(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    path.write_text("service: {name: t, types: [telemetry]}\nfindings: []\n", encoding="utf-8")
    result = run_cli("validate", str(path))
    assert result.returncode == 2
    assert "not a fleetrisk model" not in result.stderr
    assert "required key 'fleetrisk' is missing" in result.stderr


NOTICE = "no model given: using the bundled example smart-appliance-cloud"


def test_an_implicit_model_is_said_on_stderr() -> None:
    for args in (["assess", "--format", "json"], ["paths", "-k", "1", "--format", "json"]):
        result = run_cli(*args, cwd=ROOT)
        assert result.returncode == 0, result.stderr
        assert NOTICE in result.stderr
        assert NOTICE not in result.stdout  # the JSON stays clean
        json.loads(result.stdout)
    explicit = run_cli("assess", str(DEFAULT), "--format", "json")
    assert "no model given" not in explicit.stderr


def test_fail_on_without_a_model_is_refused() -> None:
    result = run_cli("assess", "--fail-on", "high", cwd=ROOT)
    assert result.returncode == 2  # not 1 (or 0) from gating the example
    assert "error[usage]: --fail-on needs a MODEL" in result.stderr
    assert "hint: name the model to gate: fleetrisk assess MODEL --fail-on high" in result.stderr
    assert result.stdout == ""
    assert run_cli("assess", "--fail-on", "none", "--format", "json", cwd=ROOT).returncode == 0


def test_html_needs_an_output_directory(tmp_path: Path) -> None:
    result = run_cli("assess", str(DEFAULT), "--format", "html")
    assert result.returncode == 2
    assert result.stdout == ""  # no page poured into the terminal
    assert "error[usage]: the HTML report is a file for a browser: it needs --output DIR" in result.stderr
    assert "hint: add --output DIR to write DIR/report.html" in result.stderr
    written = run_cli("assess", str(DEFAULT), "--format", "html", "--output", str(tmp_path))
    assert written.returncode == 0, written.stderr
    assert (tmp_path / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("fmt", ["md", "json", "sarif", "csv"])
def test_text_formats_go_to_stdout(fmt: str) -> None:
    result = run_cli("assess", str(DEFAULT), "--format", fmt)
    assert result.returncode == 0, result.stderr
    assert result.stdout
    if fmt in ("json", "sarif"):
        json.loads(result.stdout)


def test_output_naming_a_report_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    result = run_cli("assess", str(DEFAULT), "--format", "html", "--output", str(target))
    assert result.returncode == 2
    assert f"--output {target} looks like a file name, but it is the directory for the reports" in result.stderr
    assert f"hint: --output {tmp_path} writes {tmp_path}/report.html" in result.stderr
    assert not target.exists()  # no directory called report.html
    existing = tmp_path / "reports.json"  # a directory that happens to have such a name is fine
    existing.mkdir()
    assert run_cli("assess", str(DEFAULT), "--format", "json", "--output", str(existing)).returncode == 0
    assert (existing / "report.json").is_file()


def test_every_choice_option_ignores_case() -> None:
    from fleetrisk.cli import app

    checked = []
    for command in app.registered_commands:
        assert command.callback is not None
        hints = typing.get_type_hints(command.callback, include_extras=True)
        for name, hint in hints.items():
            if typing.get_origin(hint) is not typing.Annotated:
                continue
            base, *meta = typing.get_args(hint)
            if isinstance(base, type) and issubclass(base, enum.Enum):
                info = next(m for m in meta if isinstance(m, typer.models.ParameterInfo))
                assert info.case_sensitive is False, f"{command.callback.__name__} {name}"
                checked.append(name)
    assert {"lang", "fmt", "fail_on", "min_risk", "source", "target", "objective"} <= set(checked)


def test_choices_and_names_in_any_case() -> None:
    catalog = run_cli("catalog", "--family", "t6", "--lang", "JA", "--format", "JSON")
    assert catalog.returncode == 0, catalog.stderr
    assert {s["family"] for s in json.loads(catalog.stdout)["scenarios"]} == {"T6"}
    refused = run_cli("assess", str(DEFAULT), "--format", "HTML")  # recognised as html, so refused without --output
    assert refused.returncode == 2 and "needs --output DIR" in refused.stderr
    paths = run_cli("paths", str(DEFAULT), "--outcome", "Firmware-Takeover", "--min-risk", "HIGH", "-f", "Json",
                    "-k", "1")
    assert paths.returncode == 0, paths.stderr
    assert {p["outcome"] for p in json.loads(paths.stdout)} == {"firmware-takeover"}
    assert run_cli("assess", str(DEFAULT), "--fail-on", "HIGH", "--format", "JSON").returncode == 1
    assert run_cli("schema", "--kind", "Report").returncode == 0


def test_bad_values_are_said_in_our_words() -> None:
    cases = {
        ("catalog", "--lang", "xx"): "error[usage]: --lang: 'xx' is not one of 'en', 'ja'",
        ("paths", str(DEFAULT), "-k", "0"): "error[usage]: -k: 0 is below the minimum, 1",
        ("simulate", str(DEFAULT), "--iterations", "many"): "error[usage]: --iterations: 'many' is not a whole number",
        ("diff", str(DEFAULT), str(DEFAULT), "--fail-on-new", "severe"): "error[usage]: --fail-on-new: 'severe' is not",
        ("export", str(DEFAULT)): "error[usage]: missing option '--to'. Choose from: otm",
        ("assess", "--nope"): "error[usage]: no such option: --nope",
    }
    for args, expected in cases.items():
        result = run_cli(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.startswith(expected), result.stderr
        assert f"hint: see 'python -m fleetrisk {args[0]} --help'" in result.stderr
        for leak in ("Value error", "Invalid value", "Input should", "Usage:", "Error:", "Traceback"):
            assert leak not in result.stderr, (args, result.stderr)


NUMERIC_CASES = {
    ("simulate", "--seed", "-1"): "--seed: -1 is below the minimum, 0",
    ("plan", "--budget", "1000", "--seed", "-1"): "--seed: -1 is below the minimum, 0",
    ("assess", "--loss", "--seed", "-1"): "--seed: -1 is below the minimum, 0",
    ("simulate", "--iterations", "0"): "--iterations must be between 1 and 100,000,000, got 0",
    ("simulate", "--iterations", "-5"): "--iterations must be between 1 and 100,000,000, got -5",
    ("plan", "--budget", "1000", "--iterations", "100000000000"): "--iterations must be between 1",
    ("assess", "--loss", "--iterations", "0"): "--iterations must be between 1",
    ("plan", "--budget", "nan"): "--budget: nan is not an amount",
    ("plan", "--budget", "inf"): "--budget: inf is not an amount",
    ("plan", "--budget=-5"): "--budget: -5 is below zero",
    ("assess", "--budget", "nan"): "--budget: nan is not an amount",
    ("assess", "--budget=-1e400"): "--budget: -inf is not an amount",
}


@pytest.mark.parametrize("args", sorted(NUMERIC_CASES), ids=" ".join)
def test_numeric_options_out_of_range_are_usage_errors(args: tuple[str, ...]) -> None:
    """A seed below zero once reached numpy as a traceback; an infinite budget crashed the plan's table."""
    result = run_cli(args[0], str(DEFAULT), *args[1:])
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert f"error[usage]: {NUMERIC_CASES[args]}" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_seed_zero_is_a_seed() -> None:
    first = run_cli("simulate", str(DEFAULT), "--seed", "0", "--iterations", "200", "--format", "json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["seed"] == 0
    again = run_cli("simulate", str(DEFAULT), "--seed", "0", "--iterations", "200", "--format", "json")
    assert again.stdout == first.stdout


def test_no_command_still_shows_the_help() -> None:
    result = run_cli()
    assert result.returncode == 2
    assert "Commands:" in result.stderr and "error[" not in result.stderr
    assert run_cli("--help").returncode == 0


def test_help_lists_each_command_with_its_whole_summary() -> None:
    from fleetrisk.cli import app

    result = run_cli("--help", env={"COLUMNS": "80"})
    assert result.returncode == 0
    listing = " ".join(result.stdout.split("Commands:", 1)[1].split())
    assert "..." not in listing
    for command in app.registered_commands:
        summary = " ".join((inspect.getdoc(command.callback) or "").split("\n\n")[0].split())
        assert summary and summary in listing, summary
    assert max(cell_len(line) for line in result.stdout.splitlines()) <= 80


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_assess_summary_fits_80_columns(lang: str) -> None:
    result = run_cli("assess", str(DEFAULT), "--lang", lang, "--loss", "--iterations", "200", env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) > 10
    too_wide = [line for line in lines if cell_len(line) > 80]
    assert not too_wide, too_wide
    assert "T8" in result.stdout and ("4,457,000" in result.stdout or "445.7万" in result.stdout)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_paths_fit_80_columns(lang: str) -> None:
    result = run_cli("paths", str(DEFAULT), "--lang", lang, "--min-risk", "high", env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) > 10
    too_wide = [line for line in lines if cell_len(line) > 80]
    assert not too_wide, too_wide
