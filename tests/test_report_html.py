"""HTML report: self-contained, complete, escaped, deterministic (the browser checks are separate)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from conftest import DEFAULT, run_cli
from fleetrisk import assess, load_model
from fleetrisk.reports import WRITERS, render_report
from fleetrisk.reports.diagrams import fit, text_width
from fleetrisk.reports.flowgraph import flow_graph
from fleetrisk.reports.html import render_html
from report_fixtures import PAYLOADS, default_assessment, hostile_model, loaded_default


class _Collector(HTMLParser):
    """Tags, attributes and script bodies of a document."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def parse(text: str) -> _Collector:
    collector = _Collector()
    collector.feed(text)
    return collector


def html_for(lang: str = "en") -> str:
    return render_report("html", default_assessment(lang), loaded_default())


def test_sections_present() -> None:
    text = html_for()
    for anchor in ("executive", "dfd", "paths", "matrices", "findings", "controls"):
        assert f'<section id="{anchor}">' in text
    assert text.count('<svg xmlns="http://www.w3.org/2000/svg" class="dfd"') == 1
    assert 'class="matrix"' in text
    assert 'id="findings-table"' in text
    assert 'data-framework="etsi-en-303-645"' in text
    assert 'data-framework="nist-ir-8259a"' in text
    assert 'data-framework="owasp-isvs"' in text


def test_every_label_resolves_to_text() -> None:
    for lang in ("en", "ja"):
        text = html_for(lang)
        assert "built-in method" not in text and "bound method" not in text
        assert "該当なし" in text if lang == "ja" else ">clear<" in text


def test_one_row_per_finding_with_filter_attributes() -> None:
    result = default_assessment()
    rows = [attrs for tag, attrs in parse(html_for()).tags if tag == "tr" and "data-status" in attrs]
    assert len(rows) == len(result.findings)
    assert [r["data-status"] for r in rows] == [f.status for f in result.findings]
    assert {r["data-band"] for r in rows} <= {"low", "medium", "high", "critical"}


def test_attack_graph_results_rendered() -> None:
    text = html_for()
    spof = text[text.index('<table id="spof">'):]
    spof = spof[:spof.index("</table>")]
    assert "<code>fw-signing</code>" in spof  # the size-1 cut set
    assert "command-service" not in spof  # the size-2 one is not a single point
    assert "firmware taken over" in spof
    assert text.count('class="path"') == 1  # only the critical path is drawn
    assert "ota reached from the internet" in text
    assert ">Step 2: Firmware signing" in text
    assert '<table id="blast">' in text and "4,457,000" in text


def test_without_attack_results_says_so() -> None:
    result = default_assessment().model_copy(update={"attack_paths": [], "blast_radius": [], "cut_sets": [],
                                                     "single_points": []})
    text = render_html(result, flow_graph(loaded_default().model))
    assert "Cut sets were not computed for this assessment." in text
    assert "No attack paths were computed for this assessment." in text


def test_writer_table_entry_works_without_model() -> None:
    text = WRITERS["html"](default_assessment())
    assert "The data-flow diagram needs the model" in text
    assert 'class="dfd"' not in text


def test_diagram_places_every_element() -> None:
    loaded = loaded_default()
    text = html_for()
    dfd = text[text.index('class="dfd"'):]
    dfd = dfd[:dfd.index("</svg>")]
    model = loaded.model
    for element in (*model.fleets, *model.components, *model.keys, *model.accounts):
        assert f'data-id="{element.id}"' in dfd, element.id
    assert dfd.count('class="edge ') >= len(model.flows)
    assert 'class="node key risk-critical"' in dfd  # fw-signing carries a critical finding


def test_self_contained_no_outside_references() -> None:
    text = html_for()
    for tag, attrs in parse(text).tags:
        for name in ("src", "href", "action", "formaction", "poster", "data"):
            value = attrs.get(name)
            if value is not None and not (tag == "a" and value.startswith("#")):
                raise AssertionError(f"outside reference {tag} {name}={value}")
    assert "@import" not in text and "url(" not in text.replace("url(#fr-arrow)", "")
    assert "default-src 'none'" in text


def test_script_allowed_only_by_its_hash() -> None:
    import base64
    import hashlib

    text = html_for()
    scripts = parse(text).scripts
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in text


def test_hostile_text_is_escaped(tmp_path: Path) -> None:
    loaded = load_model(hostile_model(tmp_path))
    text = render_report("html", assess(loaded), loaded)
    assert len(parse(text).scripts) == 1
    for payload in PAYLOADS[:5]:
        assert payload not in text
    tags = parse(text).tags
    assert not [t for t, _ in tags if t in ("img", "iframe")]
    assert not [a for _, a in tags if any(k.startswith("on") for k in a)]
    assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in text


def test_deterministic() -> None:
    loaded = load_model(DEFAULT)
    first = render_report("html", assess(loaded), loaded)
    second = render_report("html", assess(load_model(DEFAULT)), load_model(DEFAULT))
    assert first == second


def test_japanese_labels_and_numbers() -> None:
    text = html_for("ja")
    assert '<html lang="ja">' in text
    assert "エグゼクティブサマリー" in text and "データフロー図" in text
    assert "445.7万" in text  # 4,457,000 devices, written the Japanese way
    assert "2027年9月30日" in text  # the tracking expiry date
    assert "ファームウェア掌握" in text  # outcome label from the taxonomy


def test_fit_and_width() -> None:
    assert fit("short", 100) == "short"
    cut = fit("a rather long component name that will not fit", 80)
    assert cut.endswith("…") and text_width(cut) <= 80
    assert text_width("日本") == 2 * text_width("日", 12)


def test_cli_writes_every_format(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("assess", str(DEFAULT), "--format", "html,sarif,csv,md,json", "--output", str(out))
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == ["report.csv", "report.html", "report.json", "report.md", "report.sarif"]
    assert re.search(r'class="dfd"', (out / "report.html").read_text(encoding="utf-8"))


def test_cli_html_has_diagram(tmp_path: Path) -> None:
    result = run_cli("assess", str(DEFAULT), "--format", "html", "--output", str(tmp_path))
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and 'class="dfd"' in html
