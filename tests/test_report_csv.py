"""CSV: one row per finding, stable columns, RFC 4180 quoting, BOM for Japanese, no formulas."""

from __future__ import annotations

import csv
import io

from fleetrisk.reports.csv_report import BOM, COLUMNS, neutralise, render_csv
from report_fixtures import default_assessment


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix(BOM), newline="")))


def test_one_row_per_finding_in_order() -> None:
    result = default_assessment()
    table = rows(render_csv(result))
    assert table[0][:3] == ["id", "scenario", "family"]
    assert len(table[0]) == len(COLUMNS)
    assert [r[0] for r in table[1:]] == [f.id for f in result.findings]
    assert all(len(r) == len(COLUMNS) for r in table)
    first = dict(zip(table[0], table[1], strict=True))
    f = result.findings[0]
    assert first["line"] == str(f.location.line) and first["risk_score"] == str(f.risk.score)


def test_crlf_quoting_and_no_bom_in_english() -> None:
    text = render_csv(default_assessment())
    assert not text.startswith(BOM)
    assert text.endswith("\r\n") and "\r\n" in text.split("\n", 1)[0] + "\n"
    justification = next(f.tracking.justification for f in default_assessment().findings if f.tracking)
    assert "," in justification or "%" in justification
    assert justification in {r[COLUMNS.index("tracking_justification")] for r in rows(text)}


def test_japanese_has_bom_and_japanese_headers() -> None:
    text = render_csv(default_assessment("ja"))
    assert text.startswith(BOM)
    header = rows(text)[0]
    assert header[0] == "ID" and "状態" in header and "リスク区分" in header
    assert {r[header.index("状態")] for r in rows(text)[1:]} <= {"未対応", "情報不足", "対応中", "リスク受容",
                                                                  "対策済み", "誤検知"}


def test_formulas_neutralised() -> None:
    result = default_assessment()
    tracked = next(f for f in result.findings if f.tracking)
    assert tracked.tracking is not None
    evil = tracked.model_copy(update={"tracking": tracked.tracking.model_copy(
        update={"justification": '=HYPERLINK("http://x","y")', "owner": "@team"})})
    edited = result.model_copy(update={"findings": [evil if f is tracked else f for f in result.findings]})
    row = next(r for r in rows(render_csv(edited)) if r[0] == tracked.id)
    assert row[COLUMNS.index("tracking_justification")] == "'=HYPERLINK(\"http://x\",\"y\")"
    assert row[COLUMNS.index("tracking_owner")] == "'@team"
    assert neutralise("plain") == "plain" and neutralise("-1") == "'-1"


def test_deterministic() -> None:
    assert render_csv(default_assessment()) == render_csv(default_assessment())
