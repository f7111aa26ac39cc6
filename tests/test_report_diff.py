"""`fleetrisk diff`: new, resolved and changed findings; the gate on new open risks; bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import DEFAULT, HARDENED, run_cli
from fleetrisk.reports.diff import diff_assessments, gating_changes, render_diff_md
from report_fixtures import default_assessment


@pytest.fixture(scope="module")
def hardening() -> dict:  # type: ignore[type-arg]
    result = run_cli("diff", str(DEFAULT), str(HARDENED), "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_hardening_lists_resolved_findings(hardening: dict) -> None:  # type: ignore[type-arg]
    resolved = {c["id"] for c in hardening["resolved"]}
    assert "T6.online-signing-key@fw-signing" in resolved
    assert "T3.customer-account-takeover@app-users" in resolved
    assert len(resolved) > 50
    assert hardening["open_score"][1] < hardening["open_score"][0]


def test_markdown_diff_and_gate_pass() -> None:
    result = run_cli("diff", str(DEFAULT), str(HARDENED), "--fail-on-new", "high")
    assert result.returncode == 0, result.stderr
    assert "### Resolved findings" in result.stdout
    assert "`T6.online-signing-key@fw-signing`" in result.stdout
    assert "adds no open finding at or above high" in result.stdout


def test_gate_fails_when_high_findings_are_added() -> None:
    result = run_cli("diff", str(HARDENED), str(DEFAULT), "--fail-on-new", "high")
    assert result.returncode == 1
    assert "add an open finding at or above high" in result.stderr
    assert "### New findings" in result.stdout


def test_json_reports_as_inputs(tmp_path: Path) -> None:
    for name, model in (("old", DEFAULT), ("new", HARDENED)):
        out = run_cli("assess", str(model), "--format", "json")
        assert out.returncode == 0
        (tmp_path / f"{name}.json").write_text(out.stdout, encoding="utf-8")
    result = run_cli("diff", str(tmp_path / "old.json"), str(tmp_path / "new.json"), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert "T6.online-signing-key@fw-signing" in {c["id"] for c in json.loads(result.stdout)["resolved"]}


@pytest.mark.parametrize("content", ["{", '{"findings": 3}', "[]"])
def test_bad_input_exits_2(tmp_path: Path, content: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    result = run_cli("diff", str(bad), str(DEFAULT))
    assert result.returncode == 2
    assert "bad.json" in result.stderr and "Traceback" not in result.stderr


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = run_cli("diff", str(tmp_path / "nope.yaml"), str(DEFAULT))
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_gate_honours_acceptance_and_counts_rises() -> None:
    old = default_assessment()
    target = next(f for f in old.findings if f.status == "open" and f.risk.band == "medium")
    rest = [f for f in old.findings if f.id != target.id]
    accepted = target.model_copy(update={"status": "accepted", "risk": target.risk.model_copy(
        update={"band": "critical", "score": 20})})
    new = old.model_copy(update={"findings": [*rest, accepted]})
    assert gating_changes(diff_assessments(old, new), "high") == []  # accepted: not open
    raised = target.model_copy(update={"risk": target.risk.model_copy(update={"band": "high", "score": 12})})
    new = old.model_copy(update={"findings": [*rest, raised]})
    failing = gating_changes(diff_assessments(old, new), "high")
    assert [c.id for c in failing] == [target.id]
    assert gating_changes(diff_assessments(old, new), "critical") == []


def test_blast_radius_and_cut_set_changes() -> None:
    old = default_assessment()
    new = old.model_copy(update={"cut_sets": old.cut_sets[1:], "blast_radius": []})
    diff = diff_assessments(old, new)
    assert diff.cut_sets_removed == ["firmware-takeover@washers: {fw-signing}"]
    assert diff.blast_radius == {"fw-signing": (4_457_000, 0)}
    text = render_diff_md(diff, "ja")
    assert "なくなったカットセット" in text and "影響範囲の変化" in text
    assert "変化した指摘はない。" in text


def test_a_data_set_target_keeps_its_whole_id() -> None:
    old = default_assessment()
    on_data = old.cut_sets[0].model_copy(update={"outcome": "data-exposed", "fleet": "data:device-credentials"})
    before = old.model_copy(update={"cut_sets": [*old.cut_sets, on_data]})
    text = render_diff_md(diff_assessments(before, old), "en")
    assert "`data:device-credentials`" in text  # not cut at the colon
