"""Self-contained HTML writer: inline CSS, inline SVG, a small filter script, no outside requests.

``render_html(assessment, graph=None, loss=None)``: the optional :class:`FlowGraph` (built from
the model by :func:`fleetrisk.reports.flowgraph.flow_graph`) adds the data-flow diagram; without
it the report says the diagram needs the model. The optional :class:`LossView` (``assess --loss``)
adds the quantitative-loss section; without it the report is exactly as before. Everything
from the model or the catalog is escaped by Jinja2's autoescape or by the SVG builders, and a
Content-Security-Policy allows only the report's own script (by hash), so an injected script
would not run even if escaping failed. The finished document goes through
:func:`fleetrisk.textsafe.inert`: control and invisible characters (bidirectional overrides,
zero-width spaces) from the model show as escapes; the packaged CSS, script and template hold
none, so the pass changes nothing else.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from fleetrisk.messages import check_result, explain_finding, word_expression
from fleetrisk.quant_results import LossView
from fleetrisk.reports import dot_layout
from fleetrisk.reports.compliance import control_rows, framework_coverage
from fleetrisk.reports.diagrams import highest_open_band, render_attack_path, render_flow_diagram, render_risk_matrix
from fleetrisk.reports.flowgraph import FlowGraph, Overlay
from fleetrisk.reports.i18n import devices, join, money, number
from fleetrisk.reports.loss_svg import render_exceedance_curve, render_risk_comparison
from fleetrisk.reports.quant_text import percent, plan_labels
from fleetrisk.reports.ui_text import (
    FRAMEWORK_NAMES,
    band_label,
    element_type_label,
    entry_label,
    format_date,
    framework_name,
    likelihood_label,
    outcome_label,
    reference_id,
    requirement_title,
    service_type_label,
    status_label,
    ui,
)
from fleetrisk.results import (
    STATUSES,
    Assessment,
    AttackPath,
    Finding,
)
from fleetrisk.textsafe import inert
from fleetrisk.vocab import BANDS

TOP_RISKS = 5
#: Controls in the fix-first list at the top, and unknown-driven outcomes in their own section.
FIX_FIRST_LIMIT = 6
#: Lines of single points (one per outcome of an element) shown on the first screen; the rest
#: open from a line below them.
SPOF_LINES = 5
ASSUMED_LIMIT = 15
PATH_LIMIT = 12
BLAST_LIMIT = 10
#: Attack paths the data-flow diagram can highlight (the stylesheet has a rule for each).
OVERLAY_LIMIT = 8
#: Outcomes that put devices under an attacker's control: their paths are drawn first.
CRITICAL_OUTCOMES = ("firmware-takeover", "code-execution", "hijacked")


class _Labels:
    """Labels for the template: ``t.name`` and ``t["name"]`` both look up a label, and no
    label can be shadowed by a dict method (``t.items`` or ``t.clear`` would otherwise be one)."""

    __slots__ = ("_labels",)

    def __init__(self, labels: dict[str, str]) -> None:
        self._labels = labels

    def __getitem__(self, key: str) -> str:
        return self._labels[key]

    def __getattr__(self, key: str) -> str:
        try:
            return self._labels[key]
        except KeyError:
            raise AttributeError(key) from None


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("fleetrisk.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@functools.cache
def _asset(name: str) -> str:
    return (resources.files("fleetrisk.reports") / "templates" / name).read_text(encoding="utf-8")


def render_html(assessment: Assessment, graph: FlowGraph | None = None, loss: LossView | None = None) -> str:
    """The whole report as one HTML document."""
    lang = assessment.lang
    script = _asset("report.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    by_id = {f.id: f for f in assessment.findings}
    drawn = _paths_to_draw(assessment)
    overlay = Overlay.of(drawn[:OVERLAY_LIMIT])
    context: dict[str, Any] = {
        "a": assessment,
        "t": _Labels(ui(lang)),
        "lang": lang,
        "css": Markup(_asset("report.css")),  # noqa: S704 - our own packaged file
        "script": Markup(script),  # noqa: S704 - our own packaged file, allowed by hash in the CSP
        "script_hash": f"sha256-{digest}",
        "num": lambda v: number(v, lang),
        "devices": lambda v: devices(v, lang),
        "expression": lambda e: word_expression(e, lang),
        "band": lambda b: band_label(b, lang),
        "status": lambda s: status_label(s, lang),
        "check_result": lambda e: check_result(e, lang),
        "as_of": format_date(assessment.as_of, lang),
        "service_types": [(st, service_type_label(st, lang)) for st in assessment.service.types],
        "top": [f for f in assessment.findings if f.status == "open"][:TOP_RISKS],
        "spof": _single_points(assessment),
        "spof_limit": _first_screen_rows(assessment),
        "fix_first": [(item, assessment.controls[item.control].title if item.control in assessment.controls
                       else item.control) for item in assessment.fix_first[:FIX_FIRST_LIMIT]],
        "assumed_limit": ASSUMED_LIMIT,
        "analysis_ran": bool(assessment.attack_paths or assessment.blast_radius or assessment.cut_sets),
        "blast": sorted(assessment.blast_radius, key=lambda b: (-b.devices_at_risk, b.element))[:BLAST_LIMIT],
        "fleets_at_risk": _fleets_at_risk(assessment, graph),
        "dfd": Markup(_flow_diagram(graph, highest_open_band(assessment.findings), lang, overlay))  # noqa: S704
        if graph is not None else None,
        "overlay": [(n, p) for n, p in enumerate(drawn[:OVERLAY_LIMIT], 1) if graph is not None],
        "paths": list(zip(drawn, _path_diagrams(drawn, by_id, lang), strict=True)),
        "paths_total": len(assessment.attack_paths),
        "outcome": lambda o: outcome_label(o, lang),
        "entry": lambda e: entry_label(e, lang),
        "matrix_svg": Markup(render_risk_matrix(assessment.findings, lang)),  # noqa: S704
        "heat": _heatmap(assessment),
        "rows": [_finding_row(assessment, f) for f in assessment.findings],
        "statuses": [(s, status_label(s, lang)) for s in STATUSES
                     if any(f.status == s for f in assessment.findings)],
        "bands": [(b, band_label(b, lang)) for b in reversed(BANDS)],
        "families": [fam.family for fam in assessment.families],
        "controls": control_rows(assessment),
        "coverage": [(FRAMEWORK_NAMES[lang][c.framework], c,
                      [(reference_id(c.framework, r.identifier, lang),
                        requirement_title(c.framework, r.identifier, lang), r) for r in c.rows])
                     for c in framework_coverage(assessment)],
        "loss": _loss_context(loss, lang) if loss is not None else None,
        "show_catalogs": len(assessment.catalogs) > 1 or bool(assessment.disabled),
    }
    return inert(_environment().get_template("report.html.j2").render(context))


def _path_diagrams(paths: list[AttackPath], by_id: dict[str, Finding], lang: str) -> list[Markup]:
    """Each drawn path's diagram: laid out by Graphviz in one run when it is installed, else built in."""
    laid = dot_layout.render_paths(paths, by_id, lang)
    svgs = laid if laid is not None else [render_attack_path(p, by_id, lang) for p in paths]
    return [Markup(svg) for svg in svgs]  # noqa: S704 - built with escaping


def _flow_diagram(graph: FlowGraph, risk: dict[str, str], lang: str, overlay: Overlay) -> str:
    """Laid out by Graphviz when it is installed, else by the built-in column layout."""
    return dot_layout.render(graph, risk, lang, overlay) or render_flow_diagram(graph, risk, lang, overlay)


def _loss_context(loss: LossView, lang: str) -> dict[str, Any]:
    """The quantitative-loss section: its labels, charts, amounts and where the figures come from."""
    labels = plan_labels(lang)
    plan = loss.plan
    cur = loss.currency

    def amount(value: float) -> str:
        return money(value, cur, lang)

    source = loss.provenance
    share = None
    if source.revenue:
        low, high = source.revenue_band
        share = labels["share_line"].format(share=percent(loss.expected_before / source.revenue),
                                            revenue=amount(source.revenue), low=percent(low), high=percent(high))
        if source.within_band is False:
            above = loss.expected_before / source.revenue > high
            share += " " + labels["share_above" if above else "share_below"]
    simulated = None
    if plan is not None:
        sim = plan.simulated
        simulated = labels["simulated_line"].format(
            before=amount(sim.before), before_se=amount(sim.before_stderr), after=amount(sim.after),
            after_se=amount(sim.after_stderr), reduction=amount(sim.reduction),
            reduction_se=amount(sim.reduction_stderr))
    return {
        "q": _Labels(labels),
        "view": loss,
        "plan": plan,
        "note": labels["loss_note"].format(iterations=f"{loss.iterations:,}", seed=loss.seed, currency=cur),
        "money": amount,
        "share": share or labels["no_revenue"],
        "simulated": simulated,
        "noise": labels["noise_note"].format(z="2") if plan is not None and any(c.within_noise for c in plan.controls)
        else None,
        "provenance": labels["provenance"].format(count=len(source.defaults_used), version=source.defaults_version),
        "frequency": labels["max_frequency"].format(value=f"{source.max_outcome_frequency:.2f}"),
        "curve": Markup(render_exceedance_curve(loss.before, loss.after, cur, lang)),  # noqa: S704
        "comparison": Markup(render_risk_comparison(plan.risk_before, plan.risk_after,  # noqa: S704
                                                    cur, lang)) if plan is not None else None,
    }


def _first_screen_rows(assessment: Assessment) -> int:
    """How many single points fit in :data:`SPOF_LINES` lines (at least one)."""
    used = rows = 0
    for point in assessment.single_points:
        used += max(1, len(point.hits))
        if used > SPOF_LINES and rows:
            break
        rows += 1
    return rows


def _single_points(assessment: Assessment) -> list[dict[str, Any]]:
    """The analysis' single points, as the template's rows."""
    return [{"member": p.element, "hits": [(h.outcome, h.fleets) for h in p.hits], "devices": p.devices}
            for p in assessment.single_points]


def _fleets_at_risk(assessment: Assessment, graph: FlowGraph | None) -> list[tuple[str, int]]:
    """Fleets reached by an open high or critical finding, with their size when the model is known."""
    fleets = sorted({fl for f in assessment.findings if f.status == "open" and f.risk.band in ("high", "critical")
                     for fl in f.fleets})
    sizes = {n.id: n.devices or 0 for n in graph.actors} if graph is not None else {}
    return sorted(((fl, sizes.get(fl, 0)) for fl in fleets), key=lambda x: (-x[1], x[0]))


def _paths_to_draw(assessment: Assessment) -> list[AttackPath]:
    """Paths to critical outcomes (device control first), the most devices first."""
    chosen = [p for p in assessment.attack_paths
              if p.band == "critical" or p.outcome.split("@")[0] in CRITICAL_OUTCOMES]
    chosen.sort(key=lambda p: (p.band != "critical", -p.risk, -p.devices, p.outcome, p.fleet, -p.likelihood,
                               len(p.steps), p.entry))  # within an outcome, the order 'fleetrisk paths' uses
    seen: set[tuple[str, str]] = set()
    first = []  # the easiest path to each outcome on each fleet comes before alternatives
    for p in chosen:
        if (p.outcome, p.fleet) not in seen:
            seen.add((p.outcome, p.fleet))
            first.append(p)
    rest = [p for p in chosen if all(p is not q for q in first)]
    return (first + rest)[:PATH_LIMIT]


def _heatmap(assessment: Assessment) -> list[tuple[str, str, list[tuple[str, int]]]]:
    cells = {(c.family, c.service_type): c for c in assessment.matrix}
    rows = []
    for fam in assessment.families:
        row = [(str(cells[(fam.family, st)].relevance), cells[(fam.family, st)].open)
               for st in assessment.service.types if (fam.family, st) in cells]
        rows.append((fam.family, fam.title, row))
    return rows


def _finding_row(assessment: Assessment, f: Finding) -> dict[str, Any]:
    lang = assessment.lang
    scenario = assessment.scenarios[f.scenario]
    return {
        "f": f,
        "remediation": scenario.remediation,
        "why": explain_finding(assessment, f),
        "element_type": element_type_label(f.element_type, lang),
        "likelihood": likelihood_label(f.likelihood.level, lang),
        "devices": number(f.impact.devices, lang),
        "references": [(framework_name(name, lang), join([reference_id(name, i, lang) for i in ids], lang))
                       for name, ids in scenario.references.items()],
        "expires": format_date(f.tracking.expires, lang) if f.tracking else "",
    }
