"""Tracking rules: one entry per finding, blanket patterns dated and justified, wildcard decisions counted."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import run_cli
from fleetrisk.engine.assess import assess
from fleetrisk.engine.tracking import blanket_sides
from fleetrisk.errors import ModelValidationError
from fleetrisk.model.loader import from_data, load_model_text
from test_assess import BASE, FINDING  # the one-key signing service the assessment tests use

TODAY = dt.date(2026, 6, 1)


def entry(entry_id: str, status: str = "accepted", **extra: Any) -> dict[str, Any]:
    return {"id": entry_id, "status": status, "justification": "reviewed", "owner": "secops", **extra}


def with_tracking(*entries: dict[str, Any]) -> str:
    data = copy.deepcopy(BASE)
    data["tracking"] = list(entries)
    return yaml.safe_dump(data, sort_keys=False)


def run(*entries: dict[str, Any], as_of: dt.date = TODAY):  # type: ignore[no-untyped-def]
    return assess(load_model_text(with_tracking(*entries), "m.yaml"), as_of=as_of)


def problems(*entries: dict[str, Any]) -> str:
    with pytest.raises(ModelValidationError) as info:
        run(*entries)
    return info.value.render()


def test_two_entries_for_one_finding_are_an_error_at_the_second() -> None:
    rendered = problems(entry(FINDING), entry(FINDING, "false-positive"))
    assert f"error[input]: duplicate tracking entry '{FINDING}' (first at line" in rendered
    lines = with_tracking(entry(FINDING), entry(FINDING)).splitlines()
    first, second = (n for n, line in enumerate(lines, 1) if line.endswith(f"id: {FINDING}"))
    assert f"m.yaml:{second}:" in rendered and f"(first at line {first})" in rendered


def test_two_patterns_covering_one_finding_are_an_error() -> None:
    rendered = problems(entry("T6.*@fw"), entry("T6.online-*@fw"))
    assert "tracking entries 'T6.*@fw' (line" in rendered and f"and 'T6.online-*@fw' both cover '{FINDING}'" in rendered


def test_an_exact_entry_decides_over_a_pattern_wherever_it_stands() -> None:
    for order in ((entry("T6.*@fw", "in-progress"), entry(FINDING, "mitigated")),
                  (entry(FINDING, "mitigated"), entry("T6.*@fw", "in-progress"))):
        findings = {f.id: f for f in run(*order).findings}
        assert findings[FINDING].status == "mitigated"
        others = [f for f in findings.values() if f.id.startswith("T6.") and f.element == "fw" and f.id != FINDING]
        assert others and all(f.status == "in-progress" for f in others)
    # two patterns overlapping only where an exact entry decides are no conflict
    run(entry("T6.*@fw"), entry("T6.online-*@fw"), entry(FINDING))


@pytest.mark.parametrize("pattern, sides", [
    ("*@*", ["every scenario", "every element"]),
    ("*@fw", ["every scenario"]),
    ("T*@fw", ["every scenario"]),
    ("T6.online-signing-key@*", ["every element"]),
    ("T6.*@[a-z]*", ["every element"]),
    ("T6.*@fw", []),
    (FINDING, []),
])
def test_blanket_sides(pattern: str, sides: list[str]) -> None:
    assert blanket_sides(pattern, ["T1.a", "T6.online-signing-key"], {"washers", "ota", "fw", "service"}) == sides


@pytest.mark.parametrize("pattern", ["*@*", "*@fw", "T6.online-signing-key@*"])
def test_a_blanket_entry_needs_an_expiry_and_a_justification(pattern: str) -> None:
    rendered = problems(entry(pattern, "false-positive"))
    assert f"tracking entry '{pattern}' covers every" in rendered and "needs an expiry date" in rendered
    blank = problems(entry(pattern, "false-positive", expires=dt.date(2027, 1, 1), justification="   "))
    assert "needs a justification" in blank and "needs an expiry" not in blank
    result = run(entry(pattern, "false-positive", expires=dt.date(2027, 1, 1)))
    decided = [f for f in result.findings if f.tracking is not None]
    assert decided and all(f.status == "false-positive" for f in decided)
    assert result.summary.suppressed_by_wildcard == {pattern: len(decided)}


def test_the_count_leaves_out_expired_entries_and_exact_ones() -> None:
    pattern = entry("*@*", "accepted", expires=dt.date(2027, 1, 1))
    live = run(pattern, entry(FINDING, "mitigated"))
    total = len(live.findings)
    assert live.summary.suppressed_by_wildcard == {"*@*": total - 1}
    expired = run(pattern, as_of=dt.date(2027, 1, 2))
    assert expired.summary.suppressed_by_wildcard == {}
    assert {f.status for f in expired.findings} <= {"open", "unknown"}
    assert run(entry(FINDING)).summary.suppressed_by_wildcard == {}


def test_the_library_without_positions_still_checks() -> None:
    data = copy.deepcopy(BASE)
    data["tracking"] = [entry("*@*"), entry("*@*")]
    with pytest.raises(ModelValidationError) as info:
        assess(from_data(data))
    assert "duplicate tracking entry '*@*'" in info.value.render()


def test_a_dated_blanket_passes_the_gate_and_says_so_everywhere(tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text(with_tracking(entry("*@*", "false-positive", expires="2099-01-01",
                                         justification="pilot, torn down at the end of the quarter")),
                     encoding="utf-8")
    gate = run_cli("assess", str(model), "--fail-on", "low")
    assert gate.returncode == 0, gate.stderr
    count = json.loads(run_cli("assess", str(model), "--format", "json").stdout)["summary"]["suppressed_by_wildcard"]
    assert list(count) == ["*@*"] and count["*@*"] > 0
    assert f"Findings decided by wildcard tracking entries: {count['*@*']} (*@* {count['*@*']})" in gate.stdout
    japanese = run_cli("assess", str(model), "--lang", "ja")
    assert f"ワイルドカードの追跡エントリで判断された指摘: {count['*@*']}件" in japanese.stdout
    out = tmp_path / "out"  # with every finding tracked, a fix-first control closes none: the HTML once crashed
    written = run_cli("assess", str(model), "--format", "md,html", "--output", str(out))
    assert written.returncode == 0, written.stderr
    markdown = (out / "report.md").read_text(encoding="utf-8")
    tracked = markdown.split("## Tracked decisions", 1)[1]
    assert tracked.lstrip().startswith(f"Findings decided by wildcard tracking entries: {count['*@*']} (`*@*`")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="wildcard-tracking">Findings decided by wildcard tracking entries: <code>*@*</code>' in html

    undated = tmp_path / "undated.yaml"
    undated.write_text(with_tracking(entry("*@*", "false-positive")), encoding="utf-8")
    refused = run_cli("assess", str(undated), "--fail-on", "low")
    assert refused.returncode == 2
    assert f"{undated}:" in refused.stderr and "needs an expiry date" in refused.stderr
    assert "Traceback" not in refused.stderr
