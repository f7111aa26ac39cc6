"""What the commands write, and what they refuse to replace: links, inputs, other people's files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from conftest import DEFAULT, EXAMPLES, run_cli

ALL = "md,json,html,sarif,csv"


def _assess(out: Path, *extra: str, model: Path = DEFAULT, formats: str = ALL):  # type: ignore[no-untyped-def]
    return run_cli("assess", str(model), "--format", formats, "--output", str(out), *extra)


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file() and not p.is_symlink()}


def test_rerunning_into_the_report_folder_replaces_the_reports(tmp_path: Path) -> None:
    """The `make demo` workflow: the same --output again, in either language, in any order."""
    out = tmp_path / "fleetrisk-report"
    for extra in ((), (), ("--lang", "ja"), ()):
        result = _assess(out, *extra)
        assert result.returncode == 0, result.stderr
        assert "wrote" in result.stderr and "note:" not in result.stderr
    assert sorted(p.name for p in out.iterdir()) == [f"report.{n}" for n in sorted(ALL.split(","))]
    again = _assess(out, model=EXAMPLES / "connected-vehicle.yaml", formats="md")
    assert again.returncode == 0, again.stderr
    assert "note: report.json, report.html, report.sarif, report.csv in" in again.stderr  # not this run's


def test_a_symlinked_report_file_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.md"
    victim.write_text("someone else's file\n", encoding="utf-8")
    (out / "report.html").symlink_to(victim)
    result = _assess(out)
    assert result.returncode == 2, result.stderr
    assert f"error[usage]: {out / 'report.html'} is a symbolic link (to {victim})" in result.stderr
    assert "Traceback" not in result.stderr
    assert victim.read_text(encoding="utf-8") == "someone else's file\n"
    assert (out / "report.html").is_symlink()
    assert sorted(p.name for p in out.iterdir()) == ["report.html"]  # the other formats were not written either
    forced = _assess(out, "--force")  # --force replaces files, never links
    assert forced.returncode == 2 and "symbolic link" in forced.stderr
    assert victim.read_text(encoding="utf-8") == "someone else's file\n"


def test_a_symlinked_output_directory_is_followed(tmp_path: Path) -> None:
    """The directory is the caller's choice (a link to a shared drive, say); only files in it are checked."""
    real = tmp_path / "shared"
    real.mkdir()
    (tmp_path / "out").symlink_to(real)
    result = _assess(tmp_path / "out", formats="md,json")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in real.iterdir()) == ["report.json", "report.md"]


def test_a_failure_writes_no_format(tmp_path: Path) -> None:
    """report.html cannot be written (a directory is in the way): the other formats keep the earlier run."""
    out = tmp_path / "out"
    first = _assess(out, model=EXAMPLES / "connected-vehicle.yaml", formats="md,json,csv")
    assert first.returncode == 0, first.stderr
    before = _snapshot(out)
    (out / "report.html").mkdir()
    result = _assess(out)
    assert result.returncode == 2, result.stderr
    assert f"{out / 'report.html'} is a directory" in result.stderr
    assert _snapshot(out) == before
    assert not (out / "report.sarif").exists()
    assert sorted(p.name for p in out.iterdir()) == ["report.csv", "report.html", "report.json", "report.md"]


def test_a_file_fleetrisk_did_not_write_needs_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    notes = out / "report.md"
    notes.write_text("# My own notes\n", encoding="utf-8")
    refused = _assess(out, formats="md,json")
    assert refused.returncode == 2
    assert f"{notes} already exists and is not a fleetrisk Markdown report" in refused.stderr
    assert "add --force to replace it" in refused.stderr
    assert notes.read_text(encoding="utf-8") == "# My own notes\n"
    assert not (out / "report.json").exists()
    forced = _assess(out, "--force", formats="md,json")
    assert forced.returncode == 0, forced.stderr
    assert notes.read_text(encoding="utf-8").startswith("# fleetrisk assessment: ")
    (out / "report.json").write_text("", encoding="utf-8")  # an empty file holds nothing to lose
    assert _assess(out, formats="json").returncode == 0


def test_an_input_of_the_run_is_never_replaced_without_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    model = out / "report.md"
    shutil.copy(DEFAULT, model)
    refused = _assess(out, model=model, formats="md")
    assert refused.returncode == 2
    assert f"{model} is the model this command reads" in refused.stderr
    assert model.read_bytes() == DEFAULT.read_bytes()


def test_init_refuses_a_dangling_link(tmp_path: Path) -> None:
    link = tmp_path / "fleetrisk.yaml"
    link.symlink_to(tmp_path / "elsewhere.yaml")
    result = run_cli("init", str(link))
    assert result.returncode == 2
    assert f"error[usage]: {link} is a symbolic link (to {tmp_path / 'elsewhere.yaml'})" in result.stderr
    assert not (tmp_path / "elsewhere.yaml").exists()
    assert link.is_symlink()


def test_verify_refuses_to_write_its_evidence_over_an_input(tmp_path: Path) -> None:
    """Refused before the scope is even read: nothing is probed for a file that could not be written."""
    model = tmp_path / "model.yaml"
    shutil.copy(DEFAULT, model)
    scope = tmp_path / "scope.yaml"
    scope.write_text("fleetrisk_scope: 1\n", encoding="utf-8")
    for output, what in ((model, "model"), (scope, "scope file")):
        result = run_cli("verify", str(model), "--scope", str(scope), "--output", str(output))
        assert result.returncode == 2, result.stderr
        assert f"{output} is the {what} this command reads" in result.stderr
        assert "--force" in result.stderr
    assert model.read_bytes() == DEFAULT.read_bytes()
    assert scope.read_text(encoding="utf-8") == "fleetrisk_scope: 1\n"
    other = tmp_path / "notes.json"
    other.write_text('{"mine": true}\n', encoding="utf-8")
    result = run_cli("verify", str(model), "--scope", str(scope), "--output", str(other), "--dry-run")
    assert result.returncode == 2 and "is not a fleetrisk evidence file" in result.stderr


def test_export_and_import_refuse_their_own_input(tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    shutil.copy(DEFAULT, model)
    result = run_cli("export", str(model), "--to", "otm", "--output", str(model))
    assert result.returncode == 2 and f"{model} is the model this command reads" in result.stderr
    assert model.read_bytes() == DEFAULT.read_bytes()
    link = tmp_path / "out.json"
    link.symlink_to(tmp_path / "nowhere.json")
    forced = run_cli("export", str(model), "--to", "otm", "--output", str(link), "--force")
    assert forced.returncode == 2 and "symbolic link" in forced.stderr
    assert not (tmp_path / "nowhere.json").exists() and os.path.islink(link)


def test_import_writes_the_model_and_its_report_or_neither(tmp_path: Path) -> None:
    source = Path(__file__).parent / "importers" / "data" / "otm_small.json"
    model = tmp_path / "model.yaml"
    result = run_cli("import", "--from", "otm", str(source), "--output", str(model),
                     "--report", str(tmp_path / "missing-dir" / "mapping.md"))
    assert result.returncode == 2
    assert f"cannot write {tmp_path / 'missing-dir' / 'mapping.md'}: No such file or directory" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    both = run_cli("import", "--from", "otm", str(source), "--output", str(model), "--report", str(tmp_path / "m.md"))
    assert both.returncode == 0, both.stderr
    assert model.is_file() and (tmp_path / "m.md").is_file()
