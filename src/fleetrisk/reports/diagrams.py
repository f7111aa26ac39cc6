"""Inline SVG diagrams laid out in Python: data flows with trust zones, attack paths, risk matrix.

No Graphviz and no script: every diagram is plain SVG text in which all model text is
escaped. Layouts are layered (columns left to right) and deterministic.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping
from html import escape

from fleetrisk.messages import value_word
from fleetrisk.reports.flowgraph import Edge, FlowGraph, Node, Overlay
from fleetrisk.reports.i18n import devices
from fleetrisk.reports.ui_text import band_label, entry_label, outcome_label, position_label, ui
from fleetrisk.results import (
    AttackPath,
    Finding,
)
from fleetrisk.vocab import BANDS

NODE_W, NODE_H = 176, 38
GAP_X, GAP_Y = 26, 12
ZONE_PAD, ZONE_HEAD = 14, 26
COLUMN_GAP = 70
ROWS_PER_COLUMN = 14
FONT = 12


def text_width(text: str, size: int = FONT) -> float:
    """Rough rendered width: East Asian wide characters count double."""
    return sum(size * (1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.58) for ch in text)


def fit(text: str, width: float, size: int = FONT) -> str:
    """``text`` cut with an ellipsis so it fits in ``width`` pixels."""
    if text_width(text, size) <= width:
        return text
    out = ""
    for ch in text:
        if text_width(out + ch + "…", size) > width:
            break
        out += ch
    return out + "…"


def _a(value: str | float) -> str:
    """An attribute value, escaped."""
    if isinstance(value, float):
        value = f"{value:.1f}".removesuffix(".0")
    return escape(str(value), quote=True)


def _svg_open(width: float, height: float, label: str, css_class: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" role="img" '
            f'aria-label="{_a(label)}" width="{_a(width)}" height="{_a(height)}" '
            f'viewBox="0 0 {_a(width)} {_a(height)}">')


_DEFS = (
    '<defs><marker id="fr-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
    'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>'
)


# --- data-flow diagram -------------------------------------------------------------------


def _node_svg(node: Node, x: float, y: float, band: str | None, lang: str, marks: str = "") -> str:
    t = ui(lang)
    risk = f" risk-{band}" if band in ("high", "critical") else ""
    shape = ("rx=\"17\"" if node.kind == "fleet" else "rx=\"3\"") if node.kind != "key" else "rx=\"10\""
    field, _, value = node.detail.partition(":")
    detail = value_word(field, value, lang) if value else node.detail
    second = devices(node.devices, lang) if node.devices is not None else detail
    tip = f"{node.label} ({node.id}) {detail}"
    if band:
        tip += f" - {t['highest']}: {band_label(band, lang)}"
    return (
        f'<g class="node {node.kind}{risk}{marks}" data-id="{_a(node.id)}"><title>{escape(tip)}</title>'
        f'<rect x="{_a(x)}" y="{_a(y)}" width="{NODE_W}" height="{NODE_H}" {shape}/>'
        f'<text x="{_a(x + 8)}" y="{_a(y + 15)}">{escape(fit(node.label, NODE_W - 16))}</text>'
        f'<text class="sub" x="{_a(x + 8)}" y="{_a(y + 30)}">{escape(fit(second, NODE_W - 16, 10))}</text></g>'
    )


def _curve(x1: float, y1: float, x2: float, y2: float, leave: int, arrive: int) -> str:
    """A cubic edge leaving horizontally in direction ``leave`` and arriving from side ``arrive``."""
    bend = max(30.0, abs(x2 - x1) / 2) if leave != arrive else 40.0 + abs(y2 - y1) / 8
    return (f"M{x1:.0f},{y1:.0f} C{x1 + leave * bend:.0f},{y1:.0f} "
            f"{x2 + arrive * bend:.0f},{y2:.0f} {x2:.0f},{y2:.0f}")


def render_flow_diagram(graph: FlowGraph, risk_by_element: Mapping[str, str], lang: str,
                        overlay: Overlay | None = None) -> str:
    """The data-flow diagram: actors column, one box per trust zone, flows as curved edges."""
    t = ui(lang)
    overlay = overlay or Overlay()
    parts: list[str] = []
    where: dict[str, tuple[float, float]] = {}
    x = 10.0
    height = 0.0
    columns: list[tuple[str, str, tuple[Node, ...], str]] = []
    if graph.actors:
        columns.append((f"{t['fleet_list']} / {t['accounts']}", "actors", graph.actors, "untrusted"))
    columns.extend((z.label or t["no_zone"], z.id, z.nodes, z.trust or "none") for z in graph.zones)
    for title, zone_id, nodes, trust in columns:
        cols = max(1, math.ceil(len(nodes) / ROWS_PER_COLUMN))
        rows = min(len(nodes), ROWS_PER_COLUMN)
        inner_w = cols * NODE_W + (cols - 1) * GAP_X
        box_w = inner_w + 2 * ZONE_PAD
        box_h = ZONE_HEAD + rows * NODE_H + max(0, rows - 1) * GAP_Y + 2 * ZONE_PAD
        head = f"{title} [{trust}]" if zone_id not in ("actors", "") else title
        parts.append(
            f'<g class="zone trust-{_a(trust)}"><title>{escape(head)}</title>'
            f'<rect x="{_a(x)}" y="10" width="{_a(box_w)}" height="{_a(box_h)}" rx="6"/>'
            f'<text class="zone-label" x="{_a(x + ZONE_PAD)}" y="30">{escape(fit(head, box_w - 2 * ZONE_PAD))}</text>'
        )
        for i, node in enumerate(nodes):
            col, row = divmod(i, ROWS_PER_COLUMN)
            nx = x + ZONE_PAD + col * (NODE_W + GAP_X)
            ny = 10 + ZONE_HEAD + ZONE_PAD + row * (NODE_H + GAP_Y)
            where[node.id] = (nx, ny)
            parts.append(_node_svg(node, nx, ny, risk_by_element.get(node.id), lang, overlay.node(node.id)))
        parts.append("</g>")
        x += box_w + COLUMN_GAP
        height = max(height, box_h + 20)
    parts.append('<g class="edges">')
    parts.extend(_edge_svg(edge, where, overlay.edge(edge.source, edge.target))
                 for edge in graph.edges if edge.source in where and edge.target in where)
    parts.append("</g>")
    width = max(x - COLUMN_GAP + 10, 200)
    return _svg_open(width, height, t["dfd"], "dfd") + _DEFS + "".join(parts) + "</svg>"


def _edge_svg(edge: Edge, where: Mapping[str, tuple[float, float]], marks: str = "") -> str:
    sx, sy = where[edge.source]
    tx, ty = where[edge.target]
    y1, y2 = sy + NODE_H / 2, ty + NODE_H / 2
    if tx > sx + 1:  # target to the right
        d = _curve(sx + NODE_W, y1, tx, y2, 1, -1)
    elif tx < sx - 1:  # target to the left
        d = _curve(sx, y1, tx + NODE_W, y2, -1, 1)
    else:  # same column: loop out on the right
        d = _curve(sx + NODE_W, y1, tx + NODE_W, y2, 1, 1)
    tip = f"{edge.source} → {edge.target}" + (f" ({edge.label})" if edge.label else "")
    return (f'<path class="edge {edge.style}{marks}" d="{d}" marker-end="url(#fr-arrow)">'
            f'<title>{escape(tip)}</title></path>')


# --- attack paths -------------------------------------------------------------------------

STEP_W, STEP_H, STEP_GAP = 220, 92, 56


def wrap(text: str, width: float, lines: int = 2) -> list[str]:
    """Break ``text`` into at most ``lines`` lines of ``width`` pixels, the last one cut with an ellipsis."""
    out: list[str] = []
    rest = text
    while rest and len(out) < lines - 1:
        head = fit(rest, width).removesuffix("…")
        if head == rest:
            break
        cut = head.rfind(" ")
        head = head[:cut] if cut > len(head) // 2 else head
        out.append(head)
        rest = rest[len(head):].lstrip()
    if rest:
        out.append(fit(rest, width))
    return out


def render_attack_path(path: AttackPath, findings: Mapping[str, Finding], lang: str) -> str:
    """One attack path as a chain: entry, each step (a finding on an element), outcome on the fleet."""
    t = ui(lang)
    boxes: list[tuple[str, list[str], str, str]] = [
        ("entry", [t["entry"], *wrap(entry_label(path.entry, lang), STEP_W - 16)],
         "", "")
    ]
    for i, step in enumerate(path.steps, 1):
        finding = findings.get(step.finding) if step.finding else None
        step_band: str = finding.risk.band if finding else ""
        title = finding.title if finding else step.title
        boxes.append((f"step {step.kind}", [*wrap(f"{t['step']} {i}: {title}", STEP_W - 16),
                                            f"{t['element']}: {step.element}",
                                            f"{t['likelihood']} {step.likelihood}/5"],
                      step_band, f"{title} - {step.finding or step.element}; {t['cut_by']}: {step.cut_by}"))
    outcome = outcome_label(path.outcome, lang)
    boxes.append(("outcome", [*wrap(outcome, STEP_W - 16), f"{t['fleet']}: {path.fleet}",
                              devices(path.devices, lang)], "", ""))
    width = len(boxes) * STEP_W + (len(boxes) - 1) * STEP_GAP + 20
    parts = [_svg_open(width, STEP_H + 20, f"{outcome} / {path.fleet}", "path"), _DEFS]
    for i, (kind, lines, band, tip) in enumerate(boxes):
        x = 10 + i * (STEP_W + STEP_GAP)
        risk = f" risk-{band}" if band else ""
        parts.append(f'<g class="pstep {kind}{risk}"><title>{escape(tip or " / ".join(lines))}</title>'
                     f'<rect x="{x}" y="10" width="{STEP_W}" height="{STEP_H}" rx="5"/>')
        for j, line in enumerate(lines):
            css = "" if j < len(lines) - 1 or j == 0 else ' class="sub"'
            parts.append(f'<text{css} x="{x + 8}" y="{30 + j * 18}">{escape(fit(line, STEP_W - 16))}</text>')
        parts.append("</g>")
        if i:
            gained = path.steps[i - 1].gains[0] if i - 1 < len(path.steps) and path.steps[i - 1].gains else ""
            ax = x - STEP_GAP
            parts.append(f'<path class="edge flow" d="M{ax},{10 + STEP_H // 2} L{x - 2},{10 + STEP_H // 2}" '
                         f'marker-end="url(#fr-arrow)"><title>{escape(position_label(gained, lang))}</title></path>')
    parts.append("</svg>")
    return "".join(parts)


# --- risk matrix -----------------------------------------------------------------------------

CELL = 56


def _band_of(score: int) -> str:
    return "critical" if score >= 16 else "high" if score >= 10 else "medium" if score >= 5 else "low"


def render_risk_matrix(findings: Iterable[Finding], lang: str) -> str:
    """Likelihood (rows, 5 at the top) x impact (columns): open findings counted per cell."""
    t = ui(lang)
    counts: dict[tuple[int, int], int] = {}
    for f in findings:
        if f.status == "open":
            key = (f.likelihood.score, f.impact.score)
            counts[key] = counts.get(key, 0) + 1
    left, top = 70, 10
    size = left + 5 * CELL + 20
    parts = [_svg_open(size, top + 5 * CELL + 50, t["risk_matrix"], "matrix")]
    for li in range(5, 0, -1):
        y = top + (5 - li) * CELL
        parts.append(f'<text class="axis" x="{left - 8}" y="{y + CELL // 2 + 4}" text-anchor="end">{li}</text>')
        for im in range(1, 6):
            x = left + (im - 1) * CELL
            band = _band_of(li * im)
            n = counts.get((li, im), 0)
            tip = f"{t['likelihood']} {li} x {t['impact']} {im} = {li * im} ({band_label(band, lang)}): {n}"
            parts.append(f'<g class="cell band-{band}"><title>{escape(tip)}</title>'
                         f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}"/>'
                         f'<text x="{x + CELL // 2}" y="{y + CELL // 2 + 5}" text-anchor="middle">'
                         f'{n if n else ""}</text></g>')
    for im in range(1, 6):
        parts.append(f'<text class="axis" x="{left + (im - 1) * CELL + CELL // 2}" y="{top + 5 * CELL + 16}" '
                     f'text-anchor="middle">{im}</text>')
    parts.append(f'<text class="axis" x="{left + 5 * CELL // 2}" y="{top + 5 * CELL + 38}" '
                 f'text-anchor="middle">{escape(t["impact"])}</text>')
    parts.append(f'<text class="axis" x="14" y="{top + 5 * CELL // 2}" text-anchor="middle" '
                 f'transform="rotate(-90 14 {top + 5 * CELL // 2})">{escape(t["likelihood"])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def highest_open_band(findings: Iterable[Finding]) -> dict[str, str]:
    """Element id -> highest band among its open findings."""
    best: dict[str, str] = {}
    for f in findings:
        if f.status != "open":
            continue
        current = best.get(f.element)
        if current is None or BANDS.index(f.risk.band) > BANDS.index(current):
            best[f.element] = f.risk.band
    return best
