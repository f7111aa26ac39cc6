"""Inline SVG for the quantitative results: a loss-exceedance curve and risk before and after.

Both functions return a complete ``<svg>`` element as a string, with every text escaped, no
script, no outside reference and fixed number formatting, so the same input gives the same
bytes. The HTML writer can place them as they are (see docs/quantitative.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from fleetrisk.quant_results import ExceedancePoint
from fleetrisk.reports.i18n import compact_money
from fleetrisk.reports.quant_text import plan_labels

WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 72, 20, 36, 48
COLOURS = {"before": "#c0392b", "after": "#2471a3"}




def render_exceedance_curve(
    before: Sequence[ExceedancePoint],
    after: Sequence[ExceedancePoint] | None,
    currency: str,
    lang: str = "en",
) -> str:
    """Chance per year (y) that the annual loss exceeds each amount (x, log scale)."""
    t = plan_labels(lang)
    series = [("before", before)] + ([("after", after)] if after is not None else [])
    positive = [p.loss for _, points in series for p in points if p.loss > 0]
    parts = [_open(t["exceedance_title"])]
    if not positive:
        parts.append(_text(WIDTH / 2, HEIGHT / 2, "0 " + escape(currency), "middle"))
        return "".join(parts) + "</svg>"
    low = math.floor(math.log10(min(positive)))
    high = max(math.ceil(math.log10(max(positive))), low + 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(loss: float) -> float:
        return LEFT + (math.log10(loss) - low) / (high - low) * plot_w

    def y(probability: float) -> float:
        return TOP + (1 - probability) * plot_h

    parts.append(f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#999"/>')
    for power in range(low, high + 1):
        px = x(10.0**power)
        parts.append(f'<line x1="{px:.1f}" y1="{TOP}" x2="{px:.1f}" y2="{TOP + plot_h}" stroke="#eee"/>')
        parts.append(_text(px, TOP + plot_h + 16, escape(compact_money(10.0**power, currency, lang)), "middle", 10))
    for probability in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(_text(LEFT - 6, y(probability) + 4, f"{probability:.0%}", "end", 10))
    for name, points in series:
        kept = [(x(p.loss), y(p.probability)) for p in points if p.loss > 0]
        if kept:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in kept)
            parts.append(f'<polyline class="lec-{name}" points="{path}" fill="none" '
                         f'stroke="{COLOURS[name]}" stroke-width="2"/>')
    parts.append(_text(LEFT + plot_w / 2, HEIGHT - 8, escape(t["exceedance_x"]), "middle"))
    parts.append(_text(14, TOP - 14, escape(t["exceedance_y"]), "start"))
    parts.extend(_legend([(t[name], COLOURS[name]) for name, _ in series]))
    return "".join(parts) + "</svg>"


def render_risk_comparison(before: float, after: float, currency: str, lang: str = "en") -> str:
    """Two horizontal bars: expected annual loss as modelled and with the plan."""
    t = plan_labels(lang)
    height = 120
    top = max(before, after, 0.0) or 1.0
    parts = [_open(t["risk_title"], height)]
    for row, (name, value) in enumerate((("before", before), ("after", after))):
        y = 24 + row * 44
        width = (WIDTH - 260) * max(value, 0.0) / top
        parts.append(_text(8, y + 18, escape(t[name]), "start"))
        parts.append(f'<rect class="risk-{name}" x="150" y="{y}" width="{width:.1f}" height="26" '
                     f'fill="{COLOURS[name]}"/>')
        parts.append(_text(156 + width, y + 18, escape(compact_money(value, currency, lang)), "start"))
    return "".join(parts) + "</svg>"


def _open(title: str, height: int = HEIGHT) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
            f'height="{height}" role="img" font-family="sans-serif" font-size="12">'
            f"<title>{escape(title)}</title>")


def _text(x: float, y: float, content: str, anchor: str, size: int = 12) -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}">{content}</text>'


def _legend(entries: list[tuple[str, str]]) -> list[str]:
    parts = []
    for i, (label, colour) in enumerate(entries):
        x = WIDTH - RIGHT - 150
        y = TOP + 14 + i * 18
        parts.append(f'<line x1="{x}" y1="{y - 4}" x2="{x + 20}" y2="{y - 4}" stroke="{colour}" stroke-width="2"/>')
        parts.append(_text(x + 26, y, escape(label), "start", 11))
    return parts
