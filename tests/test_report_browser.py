"""The HTML report in a real headless Chromium: no console errors, no outside requests,
working filters, readable without JavaScript, and no script from hostile model text."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from conftest import EXAMPLES
from fleetrisk import assess, load_model
from fleetrisk.engine.quant_run import loss_view
from fleetrisk.model.loader import LoadedModel
from fleetrisk.reports import render_report
from report_fixtures import default_assessment, hostile_model, loaded_default


@dataclass
class Watched:
    page: Page
    console: list[tuple[str, str]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def open_report(browser: Browser, path: Path, javascript: bool = True) -> Watched:
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(15_000)
    watched = Watched(page)
    page.on("console", lambda m: watched.console.append((m.type, m.text)))
    page.on("pageerror", lambda exc: watched.console.append(("pageerror", str(exc))))
    page.on("request", lambda r: watched.requests.append(r.url))

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        watched.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(path.as_uri(), wait_until="load")
    return watched


def errors(watched: Watched) -> list[str]:
    """Console errors and warnings (a CSP violation is one), and uncaught page errors."""
    return [text for kind, text in watched.console if kind in ("error", "warning", "pageerror")]


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render_report("html", default_assessment(), loaded_default()), encoding="utf-8")
    return path


def visible_rows(page: Page) -> list[str]:
    return page.eval_on_selector_all(
        "#findings-table tbody tr", "rows => rows.filter(r => r.offsetParent !== null).map(r => r.dataset.band)")


def test_loads_clean_with_only_its_own_request(browser: Browser, report_file: Path) -> None:
    watched = open_report(browser, report_file)
    assert errors(watched) == []
    assert watched.requests == [report_file.as_uri()]
    assert watched.page.locator("svg.dfd").is_visible()
    assert watched.page.locator("#filters").is_visible()
    watched.page.context.close()


def test_filter_click_hides_and_shows_rows(browser: Browser, report_file: Path) -> None:
    watched = open_report(browser, report_file)
    page = watched.page
    total = len(visible_rows(page))
    assert total == len(default_assessment().findings)
    page.click("#filters button[data-band='critical']")
    shown = visible_rows(page)
    assert 0 < len(shown) < total and set(shown) == {"critical"}
    assert page.inner_text("#f-count") == str(len(shown))
    page.select_option("#f-status", "unknown")
    assert all(b == "critical" for b in visible_rows(page))
    page.click("#filters button[data-band='']")
    page.select_option("#f-status", "")
    assert len(visible_rows(page)) == total
    page.fill("#f-search", "fw-signing")
    narrowed = page.eval_on_selector_all(
        "#findings-table tbody tr", "rows => rows.filter(r => r.offsetParent !== null).map(r => r.textContent)")
    assert narrowed and all("fw-signing" in t for t in narrowed) and len(narrowed) < total
    assert errors(watched) == []
    page.context.close()


def test_readable_without_javascript(browser: Browser, report_file: Path) -> None:
    watched = open_report(browser, report_file, javascript=False)
    page = watched.page
    assert not page.locator("#filters").is_visible()  # controls that need script stay hidden
    assert len(visible_rows(page)) == len(default_assessment().findings)
    assert page.locator("#executive h2").is_visible()
    assert page.locator("svg.dfd").is_visible()
    assert "Firmware signing key sits online" in page.inner_text("#findings")
    page.click("#findings-table tbody tr:first-child details summary")  # native disclosure, no script
    assert page.locator("#findings-table tbody tr:first-child details p").first.is_visible()
    assert errors(watched) == [] and watched.requests == [report_file.as_uri()]
    page.context.close()


def test_hostile_model_runs_no_script(browser: Browser, tmp_path: Path) -> None:
    loaded = load_model(hostile_model(tmp_path))
    path = tmp_path / "hostile.html"
    path.write_text(render_report("html", assess(loaded), loaded), encoding="utf-8")
    watched = open_report(browser, path)
    page = watched.page
    page.wait_for_timeout(300)
    page.hover("svg.dfd g.node >> nth=0")
    page.click("#findings-table tbody tr:first-child details summary")
    assert page.evaluate("() => window.__xss === undefined")
    assert watched.dialogs == []
    assert errors(watched) == []  # not even a blocked inline script: it was never markup
    assert watched.requests == [path.as_uri()]
    assert "<script>window.__xss = 1</script>" in page.inner_text("h1")
    page.context.close()


def test_japanese_report_loads_clean(browser: Browser, tmp_path: Path) -> None:
    path = tmp_path / "ja.html"
    path.write_text(render_report("html", default_assessment("ja"), loaded_default()), encoding="utf-8")
    watched = open_report(browser, path)
    assert errors(watched) == []
    assert watched.page.inner_text("#executive h2") == "エグゼクティブサマリー"
    watched.page.context.close()


def test_loss_section_loads_clean(browser: Browser, tmp_path: Path) -> None:
    path = tmp_path / "loss.html"
    loss = loss_view(loaded_default(), 5_000, 1, 500_000, lang="en", tool="fleetrisk test")
    path.write_text(render_report("html", default_assessment(), loaded_default(), loss), encoding="utf-8")
    watched = open_report(browser, path)
    assert errors(watched) == []
    assert watched.requests == [path.as_uri()]
    assert watched.page.locator("#loss svg").count() == 2
    assert watched.page.locator("#loss polyline.lec-after").is_visible()
    assert loss.plan is not None and loss.plan.controls
    assert watched.page.locator("#plan-table tbody tr").count() == len(loss.plan.controls)
    watched.page.context.close()


def _generated(components: int) -> LoadedModel:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from gen_model import generate  # the benchmark generator

    from fleetrisk.model.loader import load_model_text

    return load_model_text(generate(components), f"generated-{components}.yaml")


FIRST_SCREEN_MODELS = {
    "bundled": loaded_default,
    "hardened": lambda: load_model(str(EXAMPLES / "smart-appliance-cloud-hardened.yaml")),
    "generated-150": lambda: _generated(150),
}


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("model", sorted(FIRST_SCREEN_MODELS))
def test_the_first_screen_holds_the_single_points_and_what_to_fix_first(
    browser: Browser, tmp_path: Path, lang: str, model: str
) -> None:
    loaded = FIRST_SCREEN_MODELS[model]()
    result = assess(loaded, lang=lang)
    path = tmp_path / f"report-{lang}.html"
    path.write_text(render_report("html", result, loaded), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    selectors = ["#single-points", "#single-points + *"]  # the heading and its table or its "none" line
    if result.fix_first:
        selectors += ["#fix-first", f"#fix-first-table tbody tr:nth-child({min(3, len(result.fix_first))})"]
    for selector in selectors:
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 900, (selector, box)  # wholly on the first screen
    assert bool(result.single_points) == (page.locator("#spof").count() == 1)
    assert requests == [path.as_uri()]
    context.close()


def _diagram_nodes(browser: Browser, tmp_path: Path, loaded: LoadedModel) -> tuple[Watched, list[list[Any]]]:
    """The report's data-flow diagram in Chromium: each node's text and bounding box."""
    path = tmp_path / "report.html"
    path.write_text(render_report("html", assess(loaded), loaded), encoding="utf-8")
    watched = open_report(browser, path)
    nodes: list[list[Any]] = watched.page.eval_on_selector_all(
        "svg.dfd g.node", "nodes => nodes.map(n => { const b = n.getBoundingClientRect(); "
        "return [n.textContent, b.left, b.top, b.right, b.bottom]; })")
    for i, (_, l1, t1, r1, b1) in enumerate(nodes):
        for _, l2, t2, r2, b2 in nodes[i + 1:]:
            assert r1 <= l2 or r2 <= l1 or b1 <= t2 or b2 <= t1, "two nodes of the diagram overlap"
    return watched, nodes


def test_the_laid_out_data_flow_diagram_has_no_overlapping_nodes(browser: Browser, tmp_path: Path) -> None:
    loaded = loaded_default()
    watched, nodes = _diagram_nodes(browser, tmp_path, loaded)
    model = loaded.model
    assert len(nodes) == len(model.fleets) + len(model.accounts) + len(model.components) + len(model.keys)
    assert not errors(watched) and all(u.startswith("file:") for u in watched.requests)


def test_a_150_component_diagram_shows_every_name_without_overlap(browser: Browser, tmp_path: Path) -> None:
    loaded = _generated(150)
    watched, nodes = _diagram_nodes(browser, tmp_path, loaded)
    model = loaded.model
    assert len(nodes) == len(model.fleets) + len(model.components) + len(model.keys)  # one by one, not collapsed
    text = " ".join(n[0] for n in nodes)
    for component in model.components:
        assert component.id in text  # every name in full
    assert not errors(watched)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_attack_path_diagram_shows_its_step_titles_in_full(browser: Browser, tmp_path: Path, lang: str) -> None:
    loaded = loaded_default()
    assessment = assess(loaded, lang=lang)
    path = tmp_path / "report.html"
    path.write_text(render_report("html", assessment, loaded), encoding="utf-8")
    watched = open_report(browser, path)
    drawn: list[str] = watched.page.eval_on_selector_all("svg.path", "svgs => svgs.map(s => s.textContent)")
    assert len(drawn) >= 8
    titles = {f.id: f.title for f in assessment.findings}
    shown = ["".join(text.split()) for text in drawn]  # lines joined: wrapping moves text, never cuts it
    from fleetrisk.reports.html import _paths_to_draw

    paths = _paths_to_draw(assessment)
    assert len(drawn) == len(paths)
    for text, flat, attack in zip(drawn, shown, paths, strict=True):
        for step in attack.steps:
            title = titles.get(step.finding or "", step.title)
            assert "".join(title.split()) in flat, (lang, attack.outcome, title)
        assert "…" not in text
    watched.page.context.close()


def test_picking_an_attack_path_highlights_it_on_the_data_flow_diagram(browser: Browser, report_file: Path) -> None:
    watched = open_report(browser, report_file, javascript=False)  # a CSS control: works without script
    page = watched.page
    opacity = ("nodes => nodes.map(n => [n.getAttribute('class').split(' ').includes('on-p1'), "
               "getComputedStyle(n).opacity])")
    before = page.eval_on_selector_all("svg.dfd g.node", opacity)
    assert {o for _, o in before} == {"1"}  # nothing dimmed until a path is picked
    page.click("#ov-1")
    after = page.eval_on_selector_all("svg.dfd g.node", opacity)
    on = [o for marked, o in after if marked]
    off = [o for marked, o in after if not marked]
    assert len(on) >= 2 and set(on) == {"1"}
    assert off and set(off) == {"0.25"}
    page.click("#ov-0")
    assert {o for _, o in page.eval_on_selector_all("svg.dfd g.node", opacity)} == {"1"}
    watched.page.context.close()
