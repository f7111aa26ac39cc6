"""The data-flow diagram laid out by Graphviz ``dot``: trust zones as clusters, full names,
flows labelled with their protocol and the data they carry.

The model's text reaches Graphviz only inside quoted DOT strings with backslashes and quotes
escaped (so ``\\N`` or ``\\G`` in a name stays literal), and Graphviz escapes it again as
XML in the SVG. The SVG is cleaned of its XML prolog and comments (which carry the Graphviz
version) so the same model gives the same bytes. Above :data:`MAX_NODES` nodes each zone is
drawn as one box with counts, so a large model stays readable and fast to lay out. When
``dot`` is not installed, :func:`render` returns None and the writer uses its built-in layout.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import textwrap
from collections import Counter
from collections.abc import Mapping

from fleetrisk.messages import value_word
from fleetrisk.reports.flowgraph import Edge, FlowGraph, Node
from fleetrisk.reports.i18n import devices
from fleetrisk.reports.ui_text import ui

#: Above this many nodes, each zone is collapsed into one box (150 components still show one by one).
MAX_NODES = 200
#: Characters per label line (labels wrap, never cut).
WRAP = 30
#: Seconds ``dot`` may take.
TIMEOUT = 60

_FILL = {"fleet": "#eef4fb", "account": "#f3eefb", "component": "#ffffff", "key": "#fff8e6"}
_RISK = {"critical": "#a61b1b", "high": "#d35400"}
_TRUST = {"untrusted": "#fbeaea", "third-party": "#f6efe4", "dmz": "#fdf4e3", "production": "#eaf5ee",
          "restricted": "#e9eef8", "corporate": "#f1f1f1", "none": "#fafafa"}


def dot_path() -> str | None:
    """Where Graphviz ``dot`` is installed, if it is."""
    return shutil.which("dot")


def render(graph: FlowGraph, risk_by_element: Mapping[str, str], lang: str) -> str | None:
    """The diagram as an SVG element, or None when Graphviz is not installed."""
    dot = dot_path()
    if dot is None:
        return None
    size = len(graph.actors) + sum(len(z.nodes) for z in graph.zones)
    source = _collapsed(graph, lang) if size > MAX_NODES else _detailed(graph, risk_by_element, lang)
    try:
        done = subprocess.run([dot, "-Tsvg"], input=source.encode("utf-8"), capture_output=True,  # noqa: S603
                              timeout=TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return _clean(done.stdout.decode("utf-8"), ui(lang)["dfd"])


def _quote(text: str) -> str:
    """A DOT quoted string: backslashes and quotes escaped, control characters dropped."""
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _lines(*parts: str) -> str:
    """Label lines, each wrapped at :data:`WRAP` characters, joined by DOT centred line breaks."""
    wrapped = [line for part in parts if part
               for line in textwrap.wrap(part, WRAP, break_long_words=False, break_on_hyphens=False)]
    return "\\n".join(_quote(line)[1:-1] for line in wrapped)


def _node(node: Node, risk: str | None, lang: str) -> str:
    field, _, value = node.detail.partition(":")
    detail = devices(node.devices, lang) if node.devices is not None else (
        value_word(field, value, lang) if value else node.detail)
    name = node.label if node.label == node.id else f"{node.label} ({node.id})"
    shape = {"fleet": "box, style=\"rounded,filled\"", "account": "box, style=\"rounded,filled\"",
             "key": "note, style=filled"}.get(node.kind, "box, style=filled")
    colour = _RISK.get(risk or "", "#5b6675")
    width = "2.2" if risk in _RISK else "1"
    classes = f"{node.kind} risk-{risk}" if risk in _RISK else node.kind
    return (f'  {_quote(node.id)} [label="{_lines(name, detail)}", shape={shape}, fillcolor="{_FILL[node.kind]}", '
            f'color="{colour}", penwidth={width}, class={_quote(classes)}];')


def _edge(edge: Edge) -> str:
    style = {"plain": 'style=dashed, color="#a61b1b"', "delivery": 'color="#2471a3"',
             "custody": 'style=dotted, color="#8a6d1f", arrowhead=odot'}.get(edge.style, 'color="#5b6675"')
    label = f', label="{_lines(edge.label)}"' if edge.label else ""
    return f"  {_quote(edge.source)} -> {_quote(edge.target)} [{style}{label}, fontsize=9];"


def _head(lang: str) -> list[str]:
    font = "Noto Sans CJK JP" if lang == "ja" else "DejaVu Sans"
    return ["digraph dfd {", '  graph [rankdir=LR, nodesep=0.25, ranksep=0.9, fontsize=11, '
            f'fontname="{font}", compound=true];', f'  node [fontsize=10, fontname="{font}", margin="0.12,0.06"];',
            f'  edge [fontname="{font}", arrowsize=0.7];']


def _detailed(graph: FlowGraph, risk_by_element: Mapping[str, str], lang: str) -> str:
    t = ui(lang)
    out = _head(lang)
    if graph.actors:
        out.append(f'  subgraph cluster_actors {{ label="{_lines(t["fleet_list"] + " / " + t["accounts"])}"; '
                   'style="rounded,filled"; fillcolor="#f7f9fc"; color="#c5cdd8";')
        out += ["  " + _node(n, risk_by_element.get(n.id), lang) for n in graph.actors]
        out.append("  }")
    for i, zone in enumerate(graph.zones):
        title = zone.label or t["no_zone"]
        head = f"{title} [{zone.trust}]" if zone.id else title
        fill = _TRUST.get(zone.trust or "none", "#fafafa")
        out.append(f'  subgraph cluster_{i} {{ label="{_lines(head)}"; style="rounded,filled"; '
                   f'fillcolor="{fill}"; color="#9aa5b1"; class={_quote("zone trust-" + (zone.trust or "none"))};')
        out += ["  " + _node(n, risk_by_element.get(n.id), lang) for n in zone.nodes]
        out.append("  }")
    known = {n.id for n in graph.actors} | {n.id for z in graph.zones for n in z.nodes}
    out += [_edge(e) for e in graph.edges if e.source in known and e.target in known]
    out.append("}")
    return "\n".join(out)


def _collapsed(graph: FlowGraph, lang: str) -> str:
    """One box per zone (and one for the fleets and accounts) with counts; flows counted between them."""
    t = ui(lang)
    out = _head(lang)
    home: dict[str, str] = {}
    boxes: list[tuple[str, str]] = []
    if graph.actors:
        kinds = Counter(n.kind for n in graph.actors)
        boxes.append(("actors", f"{t['fleet_list']} / {t['accounts']}: {kinds['fleet']} / {kinds['account']}"))
        home.update((n.id, "actors") for n in graph.actors)
    for i, zone in enumerate(graph.zones):
        name = f"zone{i}"
        title = zone.label or t["no_zone"]
        head = f"{title} [{zone.trust}]" if zone.id else title
        boxes.append((name, f"{head}: {t['components']} {len(zone.nodes)}"))
        home.update((n.id, name) for n in zone.nodes)
    out += [f'  {_quote(name)} [label="{_lines(label)}", shape=box, style="rounded,filled", fillcolor="#f7f9fc"];'
            for name, label in boxes]
    flows = Counter((home[e.source], home[e.target]) for e in graph.edges
                    if e.source in home and e.target in home and home[e.source] != home[e.target])
    out += [f'  {_quote(a)} -> {_quote(b)} [label="{n}", penwidth={min(4.0, 1 + n / 50):.1f}];'
            for (a, b), n in sorted(flows.items())]
    out.append("}")
    return "\n".join(out)


def _clean(svg: str, title: str) -> str:
    """The ``<svg>`` element alone: no prolog, doctype or comments; our class and accessible name."""
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r"<svg\b", f'<svg class="dfd graphviz" role="img" aria-label={_attr(title)}', svg, count=1)
    return "\n".join(line for line in svg.splitlines() if line.strip())


def _attr(text: str) -> str:
    return '"' + html.escape(text, quote=True) + '"'
