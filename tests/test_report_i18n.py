"""Japanese reports carry no English catalog text and no English labels (HTML, SARIF, CSV)."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser

import pytest

from fleetrisk.catalog.loader import load_catalog
from fleetrisk.reports import render_report
from fleetrisk.reports.csv_report import BOM
from fleetrisk.reports.ui_text import format_date, ui
from report_fixtures import default_assessment, loaded_default


def english_catalog_strings() -> set[str]:
    cat = load_catalog()
    found: set[str] = set()
    for s in cat.scenarios:
        spec = s.spec
        found |= {spec.title.en, spec.description.en, spec.fleet_impact.en, spec.remediation.en}
    for c in cat.controls.values():
        found |= {c.title.en, c.description.en, c.evidence.en}
    tax = cat.taxonomy
    for fam in tax.families:
        found |= {fam.title.en, fam.summary.en}
    for group in (tax.service_types, tax.effect_outcomes, tax.facets.plane, tax.facets.entry,
                  tax.facets.outcome):
        found |= {item.label.en for item in group if item.label.en != item.label.ja}
    return found


def english_phrases() -> set[str]:
    """Multi-word English labels (single words could also be model text)."""
    en, ja = ui("en"), ui("ja")
    return {v for k, v in en.items() if " " in v and v != ja[k] and "{" not in v}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.headers: list[str] = []
        self._tag = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag = tag
        for name, value in attrs:
            if name in ("title", "aria-label") and value:
                self.text.append(value)

    def handle_data(self, data: str) -> None:
        if self._tag not in ("script", "style"):
            self.text.append(data)
        if self._tag in ("th", "h2", "h3", "option", "button", "summary", "b") and data.strip():
            self.headers.append(data.strip())


@pytest.fixture(scope="module")
def ja_html() -> _Text:
    parser = _Text()
    parser.feed(render_report("html", default_assessment("ja"), loaded_default()))
    return parser


def test_html_has_no_english_catalog_text(ja_html: _Text) -> None:
    text = "\n".join(ja_html.text)
    leftovers = [s for s in english_catalog_strings() if s in text]
    assert not leftovers, leftovers[:5]
    phrases = [p for p in english_phrases() if p in text]
    assert not phrases, phrases[:5]


def test_html_headings_are_japanese(ja_html: _Text) -> None:
    english = {v for k, v in ui("en").items() if v != ui("ja")[k]}
    assert not [h for h in ja_html.headers if h in english]
    assert not [h for h in ja_html.headers if re.fullmatch(r"(Step|Entry|Element|Likelihood)\b.*", h)]


def test_english_report_does_use_the_english_strings() -> None:
    """The check above could only fail if the English text would otherwise be there."""
    text = render_report("html", default_assessment("en"), loaded_default())
    assert sum(1 for s in english_catalog_strings() if s in text) > 50


def test_sarif_help_text_is_japanese() -> None:
    log = json.loads(render_report("sarif", default_assessment("ja")))
    run = log["runs"][0]
    english = english_catalog_strings() | english_phrases()
    texts = []
    for rule in run["tool"]["driver"]["rules"]:
        texts += [rule["shortDescription"]["text"], rule["fullDescription"]["text"], rule["help"]["text"],
                  rule["help"]["markdown"]]
    texts += [r["message"]["text"] for r in run["results"]]
    blob = "\n".join(texts)
    assert not [s for s in english if s in blob]
    assert all(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", t) for t in texts)


def test_csv_is_japanese() -> None:
    text = render_report("csv", default_assessment("ja"))
    table = list(csv.reader(io.StringIO(text.removeprefix(BOM), newline="")))
    english = english_catalog_strings() | {v for k, v in ui("en").items() if k.startswith("csv_")} - {"ID"}
    assert not [h for h in table[0] if h in english]
    cells = {c for row in table[1:] for c in row}
    assert not cells & english_catalog_strings()
    status, band = table[0].index("状態"), table[0].index("リスク区分")
    assert {r[band] for r in table[1:]} <= {"低", "中", "高", "重大"}
    assert not {r[status] for r in table[1:]} & {"open", "unknown", "in progress"}


def test_dates_and_numbers() -> None:
    assert format_date("2026-03-05", "ja") == "2026年3月5日"
    assert format_date("2026-03-05", "en") == "2026-03-05"
