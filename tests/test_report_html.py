"""HTML report: self-contained, complete, escaped, deterministic (the browser checks are separate)."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

from conftest import DEFAULT, EXAMPLES, run_cli
from fleetrisk import assess, load_model
from fleetrisk.reports import WRITERS, render_report
from fleetrisk.reports.diagrams import fit, highest_open_band, render_flow_diagram, text_width
from fleetrisk.reports.flowgraph import flow_graph
from fleetrisk.reports.html import render_html
from fleetrisk.results import Assessment
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
    assert len(re.findall(r'<svg [^>]*class="dfd', text)) == 1
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
    assert text.count('<svg class="path') == 1  # only the critical path is drawn
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


def test_builtin_diagram_places_every_element() -> None:
    loaded = loaded_default()
    dfd = render_flow_diagram(flow_graph(loaded.model), highest_open_band(default_assessment().findings), "en")
    model = loaded.model
    for element in (*model.fleets, *model.components, *model.keys, *model.accounts):
        assert f'data-id="{element.id}"' in dfd, element.id
    assert dfd.count('class="edge ') >= len(model.flows)
    assert 'class="node key risk-critical"' in dfd  # fw-signing carries a critical finding


def _graphviz_dfd(text: str) -> str:
    start = text.index('class="dfd graphviz"')
    return text[start:text.index("</svg>", start)]


def test_graphviz_diagram_names_every_element_in_full_and_labels_flows() -> None:
    loaded = loaded_default()
    dfd = _graphviz_dfd(html_for())
    model = loaded.model
    words = set(re.findall(r"<text[^>]*>([^<]*)</text>", dfd))
    shown = html.unescape(" ".join(words))
    for element in (*model.fleets, *model.components, *model.keys, *model.accounts):
        assert f"<title>{html.escape(element.id).replace('-', '&#45;')}</title>" in dfd, element.id
        for word in (element.name or element.id).split():
            assert word in shown, (element.id, word)  # wrapped over lines, never cut
    assert "…" not in shown
    assert dfd.count('class="edge"') >= len(model.flows)
    assert "mqtt: appliance-telemetry" in shown  # a flow's protocol and the data it carries
    assert 'class="node key risk&#45;critical on&#45;p1' in dfd  # fw-signing: a critical finding, on path 1
    assert _graphviz_dfd(html_for()) == dfd  # the same model, the same bytes


def test_graphviz_diagram_collapses_a_large_model_into_zones() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from gen_model import generate  # the benchmark generator: 300 components over zones

    from fleetrisk.model.loader import load_model_text
    loaded = load_model_text(generate(300), "large.yaml")  # 300 components: past MAX_NODES
    dfd = _graphviz_dfd(render_html(assess(loaded), flow_graph(loaded.model)))
    assert dfd.count('class="node"') == len(loaded.model.zones) + 1  # each zone, and the fleets and accounts
    assert re.search(r"Components \d+", dfd)


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
    assert re.search(r'class="dfd', (out / "report.html").read_text(encoding="utf-8"))


def test_cli_html_has_diagram(tmp_path: Path) -> None:
    result = run_cli("assess", str(DEFAULT), "--format", "html", "--output", str(tmp_path))
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'class="dfd' in page


def t_top(assessment: Assessment) -> str:
    from fleetrisk.reports.ui_text import ui

    return ui(assessment.lang)["top_open"]


def test_the_top_screen_leads_with_fix_first_and_keeps_assumptions_apart() -> None:
    assessment = default_assessment()
    page = render_html(assessment)
    executive = page[page.index('<section id="executive">'):page.index("</section>", page.index('id="executive"'))]
    table = executive[executive.index('id="fix-first-table"'):]
    first = assessment.fix_first[0]
    assert f">{first.control}</code>" in table[:table.index("</tr>", table.index("<tbody>"))]
    # single points, then what to fix first, then the top findings
    assert executive.index('id="spof"') < executive.index('id="fix-first"') < executive.index(t_top(assessment))
    assert assessment.assumed, "the bundled example has unstated fields that would open outcomes"
    assumed = page[page.index('<section id="assumed">'):]
    assert assumed.index('<section id="assumed">') == 0 and "id=\"assumed\"" not in executive
    assert f"<code>{assessment.assumed[0].missing[0]}</code>" in assumed



def test_a_control_that_only_cuts_paths_is_listed_without_a_finding() -> None:
    """A fix-first control may close no open finding and still cut attack paths (the Markdown shows '-')."""
    assessment = default_assessment()
    cutter = assessment.fix_first[0].model_copy(update={"control": "path-cutter-marker", "closes": [],
                                                        "highest": None, "risk_removed": 0, "paths_cut": 2})
    page = render_html(assessment.model_copy(update={"fix_first": [cutter]}))
    table = page[page.index('id="fix-first-table"'):]
    row = table[table.index("<tbody>"):table.index("</tr>", table.index("<tbody>"))]
    assert ">path-cutter-marker</code></td><td>-</td><td class=\"num\">2</td>" in row

def test_every_examples_first_path_per_outcome_is_the_paths_commands_first() -> None:
    from fleetrisk.engine.assess import explore_paths

    for model in sorted(EXAMPLES.glob("*.yaml")):
        result = assess(load_model(str(model)))
        explored = explore_paths(load_model(str(model)), k=3, minimum="high")
        first_explored: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for path in explored:
            first_explored.setdefault((path.outcome, path.fleet), [(s.kind, s.element) for s in path.steps])
        seen: set[tuple[str, str]] = set()
        for path in result.attack_paths:
            key = (path.outcome, path.fleet)
            if key in seen:
                continue
            seen.add(key)
            assert [(s.kind, s.element) for s in path.steps] == first_explored[key], (model.name, key)


def test_graphviz_diagram_keeps_hostile_names_as_text() -> None:
    from fleetrisk.model.loader import from_data

    hostile = 'gw" ] ; x -> y [label="\\N\\G <script>alert(1)</script>'
    data = {
        "fleetrisk": 1, "service": {"name": "t", "types": ["telemetry"]},
        "fleets": [{"id": "plugs", "devices": 10, "safety": "low"}],
        "components": [{"id": "gw", "name": hostile, "kind": "device-gateway", "exposure": ["internet"]}],
        "flows": [{"id": "f1", "from": "plugs", "to": "gw", "protocol": 'mqtt" ];'}],
    }
    loaded = from_data(data)
    dfd = _graphviz_dfd(render_html(assess(loaded), flow_graph(loaded.model)))
    texts = html.unescape(" ".join(re.findall(r"<text[^>]*>([^<]*)</text>", dfd)))
    assert "<script>" not in dfd and "&lt;script&gt;" in dfd  # escaped as text, not markup
    assert '\\N\\G' in texts.replace(" ", "")  # Graphviz escapes stay literal, not the node's name
    assert dfd.count('class="node') == 2 and dfd.count('class="edge"') == 1  # no node or edge injected


def test_compliance_rows_carry_their_section_title() -> None:
    page = html_for()
    table = page[page.index('data-framework="etsi-en-303-645"'):]
    table = table[:table.index("</table>")]
    assert re.search(r">5\.4-\d+</span> <span class=\"muted\">Securely store sensitive security parameters<", table)
    assert "機微なセキュリティパラメータを安全に保存する" in html_for("ja")


def test_a_fix_first_control_that_only_cuts_paths_has_a_row() -> None:
    """A control can cut attack paths without closing any finding (closes is empty): its row says '-'."""
    loaded = load_model(Path(__file__).parent / "data" / "org-service.yaml")
    result = assess(loaded)
    item = next(x for x in result.fix_first if not x.closes)
    page = render_report("html", result, loaded)
    row = next(r for r in page.split("<tr>") if f'<code class="muted">{item.control}</code>' in r)
    assert f"<td>-</td><td class=\"num\">{item.paths_cut}</td>" in row
