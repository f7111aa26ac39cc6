"""Writes are atomic: the old file or the new one, never half, and no temporary left behind."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from conftest import DEFAULT, run_cli
from fleetrisk.atomic import LinkTargetError, write_all_atomic, write_atomic


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith((".tmp", ".old")))


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
    first = run_cli("assess", str(DEFAULT), "--format", "md,json", "--output", str(out), "--lang", "ja")
    assert first.returncode in (0, 1), first.stderr
    inode = (out / "report.json").stat().st_ino
    result = run_cli("assess", str(DEFAULT), "--format", "md,json", "--output", str(out))
    assert result.returncode in (0, 1), result.stderr
    assert (out / "report.json").stat().st_ino != inode  # renamed over, not rewritten in place
    assert '"lang": "en"' in (out / "report.json").read_text(encoding="utf-8")
    assert (out / "report.md").read_text(encoding="utf-8").startswith("# fleetrisk assessment: ")
    assert _leftovers(out) == []


def test_a_link_is_neither_written_through_nor_replaced(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    link = tmp_path / "report.md"
    link.symlink_to(victim)
    for write in (lambda: write_atomic(link, "report"), lambda: write_all_atomic({link: "report"})):
        with pytest.raises(LinkTargetError, match="symbolic link"):
            write()
        assert link.is_symlink() and os.readlink(link) == str(victim)
        assert victim.read_text(encoding="utf-8") == "keep me"
    dangling = tmp_path / "model.yaml"
    dangling.symlink_to(tmp_path / "nowhere" / "model.yaml")
    with pytest.raises(LinkTargetError):
        write_atomic(dangling, "starter", exclusive=True)
    assert not (tmp_path / "nowhere").exists()
    assert _leftovers(tmp_path) == []


def test_write_all_writes_nothing_when_one_file_cannot_be_staged(tmp_path: Path) -> None:
    old = tmp_path / "report.md"
    old.write_text("the previous report", encoding="utf-8")
    files = {old: "new", tmp_path / "report.json": "{}", tmp_path / "gone" / "report.csv": "a,b"}
    with pytest.raises(FileNotFoundError):
        write_all_atomic(files)
    assert old.read_text(encoding="utf-8") == "the previous report"
    assert not (tmp_path / "report.json").exists()
    assert _leftovers(tmp_path) == []


def test_write_all_puts_back_what_it_renamed_when_a_later_rename_fails(tmp_path: Path) -> None:
    old = tmp_path / "report.md"
    old.write_text("the previous report", encoding="utf-8")
    old.chmod(0o640)
    blocker = tmp_path / "report.html"
    blocker.mkdir()
    (blocker / "inside").write_text("x", encoding="utf-8")  # a directory a file cannot be renamed over
    files = {old: "new markdown", tmp_path / "report.json": "{}", blocker: "<html>"}
    with pytest.raises(OSError):
        write_all_atomic(files)
    assert old.read_text(encoding="utf-8") == "the previous report"
    assert stat.S_IMODE(old.stat().st_mode) == 0o640
    assert not (tmp_path / "report.json").exists()
    assert (blocker / "inside").read_text(encoding="utf-8") == "x"
    assert _leftovers(tmp_path) == []
    write_all_atomic({old: "new markdown", tmp_path / "report.json": "{}"})
    assert old.read_text(encoding="utf-8") == "new markdown"
    assert (tmp_path / "report.json").read_text(encoding="utf-8") == "{}"
    assert _leftovers(tmp_path) == []


def test_a_failed_write_names_the_target_alone(tmp_path: Path) -> None:
    """The error names the file the caller asked for, with no temporary name or '-> None' beside it."""
    target = tmp_path / "report.md"
    target.mkdir()
    with pytest.raises(OSError) as caught:
        write_atomic(target, "text")
    assert caught.value.filename == str(target)
    assert "-> " not in str(caught.value)
