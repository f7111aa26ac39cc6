"""Writes are atomic: the old file or the new one, never half, and no temporary left behind."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from conftest import DEFAULT, run_cli
from fleetrisk.atomic import write_atomic


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_a_write_replaces_the_file_and_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    write_atomic(target, "new ✓")
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert _leftovers(tmp_path) == []


def test_a_new_file_follows_the_umask(tmp_path: Path) -> None:
    mask = os.umask(0o027)
    try:
        write_atomic(tmp_path / "a.md", b"bytes")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "a.md").stat().st_mode) == 0o640


def test_a_failed_write_leaves_the_old_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    target.write_text("the previous report", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "half \udc80 written")  # a lone surrogate cannot be encoded
    assert target.read_text(encoding="utf-8") == "the previous report"
    assert _leftovers(tmp_path) == []


def test_exclusive_refuses_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "model.yaml"
    target.write_text("mine", encoding="utf-8")
    with pytest.raises(FileExistsError):
        write_atomic(target, "starter", exclusive=True)
    assert target.read_text(encoding="utf-8") == "mine"
    assert _leftovers(tmp_path) == []
    write_atomic(tmp_path / "other.yaml", "starter", exclusive=True)
    assert (tmp_path / "other.yaml").read_text(encoding="utf-8") == "starter"


def test_assess_replaces_reports_in_place_and_leaves_no_temporary(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.json").write_text("stale", encoding="utf-8")
    result = run_cli("assess", str(DEFAULT), "--format", "md,json", "--output", str(out))
    assert result.returncode in (0, 1), result.stderr
    assert (out / "report.json").read_text(encoding="utf-8").startswith("{")
    assert (out / "report.md").read_text(encoding="utf-8").startswith("#")
    assert _leftovers(out) == []
