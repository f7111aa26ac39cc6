"""The command line refuses what would mislead: missing files, implicit inputs, output in the wrong place."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import DEFAULT, run_cli
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


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs file permissions that apply to us")
def test_an_unreadable_model_says_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    path.write_text("fleetrisk: 1\n", encoding="utf-8")
    path.chmod(0)
    try:
        result = run_cli("validate", str(path))
    finally:
        path.chmod(0o600)
    assert result.returncode == 2
    _file_error(result.stderr, path, "model", "permission denied")
