"""Diagrams laid out by Graphviz ``dot``: the data-flow diagram (trust zones as clusters, full
names, flows labelled with their protocol and the data they carry, the drawn attack paths
marked for the overlay) and each attack path as a chain of full-text steps.

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
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping, Sequence

from fleetrisk.messages import value_word
from fleetrisk.reports.flowgraph import Edge, FlowGraph, Node, Overlay
from fleetrisk.reports.i18n import devices
from fleetrisk.reports.ui_text import entry_label, labelled, outcome_label, position_label, step_label, ui
from fleetrisk.results import AttackPath, Finding

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


def render(graph: FlowGraph, risk_by_element: Mapping[str, str], lang: str,
           overlay: Overlay | None = None, link: Callable[[str], str] | None = None) -> str | None:
    """The diagram as an SVG element, or None when Graphviz is not installed.

    ``overlay`` marks the elements and flows of the drawn attack paths with classes
    (``on-p1`` …) that the report's stylesheet highlights when the reader picks a path.
    ``link`` gives each element a link (the workbench's page of that element).
    """
    size = len(graph.actors) + sum(len(z.nodes) for z in graph.zones)
    source = _collapsed(graph, lang) if size > MAX_NODES else _detailed(graph, risk_by_element, lang,
                                                                         overlay or Overlay(), link)
    laid = _laid_out([(source, ui(lang)["dfd"])], "dfd graphviz")
    return laid[0] if laid else None


def render_paths(paths: Sequence[AttackPath], findings: Mapping[str, Finding], lang: str) -> list[str] | None:
    """Each attack path as a left-to-right chain with every label in full (one ``dot`` run for
    all of them), or None without Graphviz."""
    return _laid_out([_path_source(path, findings, lang) for path in paths], "path graphviz") if paths else []


def _path_source(path: AttackPath, findings: Mapping[str, Finding], lang: str) -> tuple[str, str]:
    """The DOT source of one attack path, and the diagram's accessible name."""
    t = ui(lang)
    out = _head(lang)
    out[1] = out[1].replace("ranksep=0.9", "ranksep=0.5")
    entry = entry_label(path.entry, lang)
    out.append(f'  "entry" [label="{_lines(t["entry"], entry)}", shape=box, style="rounded,filled", '
               f'fillcolor="#f7f9fc", class="pstep entry"];')
    previous = "entry"
    for i, step in enumerate(path.steps, 1):
        finding = findings.get(step.finding) if step.finding else None
        title = finding.title if finding else step.title
        band = finding.risk.band if finding else ""
        colour = _RISK.get(band, "#5b6675")
        name = f"s{i}"
        label = _lines(step_label(i, title, lang), labelled(t["element"], step.element, lang),
                       f"{t['likelihood']} {step.likelihood}/5")
        out.append(f'  {name} [label="{label}", shape=box, style=filled, fillcolor="#ffffff", color="{colour}", '
                   f'penwidth={2.2 if band in _RISK else 1}, class={_quote(f"pstep step {step.kind}")}];')
        gained = path.steps[i - 2].gains[0] if i > 1 and path.steps[i - 2].gains else ""
        edge_label = f', label="{_lines(position_label(gained, lang))}"' if gained else ""
        out.append(f'  {_quote(previous)} -> {name} [color="#5b6675"{edge_label}, fontsize=9];')
        previous = name
    outcome = outcome_label(path.outcome, lang)
    fleet = labelled(t["fleet"], path.fleet, lang)
    out.append(f'  "outcome" [label="{_lines(outcome, fleet, devices(path.devices, lang))}", '
               'shape=box, style="rounded,filled", fillcolor="#fbeaea", color="#a61b1b", class="pstep outcome"];')
    last = path.steps[-1].gains[0] if path.steps and path.steps[-1].gains else ""
    edge_label = f', label="{_lines(position_label(last, lang))}"' if last and not last.startswith("outcome:") else ""
    out.append(f'  {_quote(previous)} -> "outcome" [color="#a61b1b"{edge_label}, fontsize=9];')
    out.append("}")
    return "\n".join(out), f"{outcome} / {path.fleet}"


def _laid_out(sources: list[tuple[str, str]], css_class: str) -> list[str] | None:
    """Each (DOT source, title) laid out by one ``dot`` run as a cleaned SVG element, in order
    (None when dot is missing or fails)."""
    dot = dot_path()
    if dot is None:
        return None
    source = "\n".join(text for text, _ in sources)
    try:
        done = subprocess.run([dot, "-Tsvg"], input=source.encode("utf-8"), capture_output=True,  # noqa: S603
                              timeout=TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    documents = [d for d in re.split(r"(?=<\?xml )", done.stdout.decode("utf-8")) if "<svg" in d]
    if done.returncode != 0 or len(documents) != len(sources):
        return None
    return [_clean(document, title, css_class) for document, (_, title) in zip(documents, sources, strict=True)]


def _quote(text: str) -> str:
    """A DOT quoted string: backslashes and quotes escaped, control characters dropped."""
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _lines(*parts: str) -> str:
    """Label lines, each wrapped at :data:`WRAP` columns, joined by DOT centred line breaks."""
    wrapped = [line for part in parts if part for line in wrap_columns(part, WRAP)]
    return "\\n".join(_quote(line)[1:-1] for line in wrapped)


_NO_BREAK_BEFORE = set("、。，．）」』】〕・ー々ぁぃぅぇぉっゃゅょァィゥェォッャュョ！？：；")
_NO_BREAK_AFTER = set("（「『【〔")


def _columns(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def wrap_columns(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns (a wide character counts two), never cut.

    Lines break at spaces, and between two wide characters except before closing or after
    opening punctuation; a word longer than a line stays whole on its own line.
    """
    pieces: list[str] = []  # each piece ends where a line may break
    for word in text.split():
        start = 0
        for i in range(1, len(word)):
            a, b = word[i - 1], word[i]
            wide = _columns(a) == 2 or _columns(b) == 2
            if wide and b not in _NO_BREAK_BEFORE and a not in _NO_BREAK_AFTER and not (a.isascii() and b.isascii()):
                pieces.append(word[start:i])
                start = i
        pieces.append(word[start:] + " ")
    lines: list[str] = []
    line, used = "", 0
    for piece in pieces:
        core = piece.rstrip(" ")
        size = sum(_columns(ch) for ch in core)
        if line and used + size > width:
            lines.append(line.rstrip(" "))
            line, used = "", 0
        line += piece
        used += size + (len(piece) - len(core))
    if line.strip():
        lines.append(line.rstrip(" "))
    return lines


def _node(node: Node, risk: str | None, lang: str, marks: str = "", href: str | None = None) -> str:
    field, _, value = node.detail.partition(":")
    detail = devices(node.devices, lang) if node.devices is not None else (
        value_word(field, value, lang) if value else node.detail)
    name = node.label if node.label == node.id else f"{node.label} ({node.id})"
    shape = {"fleet": "box, style=\"rounded,filled\"", "account": "box, style=\"rounded,filled\"",
             "key": "note, style=filled"}.get(node.kind, "box, style=filled")
    colour = _RISK.get(risk or "", "#5b6675")
    width = "2.2" if risk in _RISK else "1"
    classes = (f"{node.kind} risk-{risk}" if risk in _RISK else node.kind) + marks
    target = f", href={_quote(href)}, target=\"_top\", tooltip={_quote(name)}" if href else ""
    return (f'  {_quote(node.id)} [label="{_lines(name, detail)}", shape={shape}, fillcolor="{_FILL[node.kind]}", '
            f'color="{colour}", penwidth={width}, class={_quote(classes)}{target}];')


def _edge(edge: Edge, marks: str = "") -> str:
    style = {"plain": 'style=dashed, color="#a61b1b"', "delivery": 'color="#2471a3"',
             "custody": 'style=dotted, color="#8a6d1f", arrowhead=odot'}.get(edge.style, 'color="#5b6675"')
    label = f', label="{_lines(edge.label)}"' if edge.label else ""
    css = f", class={_quote(marks.strip())}" if marks else ""
    return f"  {_quote(edge.source)} -> {_quote(edge.target)} [{style}{label}{css}, fontsize=9];"


def _head(lang: str) -> list[str]:
    font = "Noto Sans CJK JP" if lang == "ja" else "DejaVu Sans"
    return ["digraph dfd {", '  graph [rankdir=LR, nodesep=0.25, ranksep=0.9, fontsize=11, '
            f'fontname="{font}", compound=true];', f'  node [fontsize=10, fontname="{font}", margin="0.12,0.06"];',
            f'  edge [fontname="{font}", arrowsize=0.7];']


def _detailed(graph: FlowGraph, risk_by_element: Mapping[str, str], lang: str, overlay: Overlay,
              link: Callable[[str], str] | None = None) -> str:
    t = ui(lang)
    out = _head(lang)
    if graph.actors:
        out.append(f'  subgraph cluster_actors {{ label="{_lines(t["fleet_list"] + " / " + t["accounts"])}"; '
                   'style="rounded,filled"; fillcolor="#f7f9fc"; color="#c5cdd8";')
        out += ["  " + _node(n, risk_by_element.get(n.id), lang, overlay.node(n.id), link(n.id) if link else None)
                for n in graph.actors]
        out.append("  }")
    for i, zone in enumerate(graph.zones):
        title = zone.label or t["no_zone"]
        head = f"{title} [{zone.trust}]" if zone.id else title
        fill = _TRUST.get(zone.trust or "none", "#fafafa")
        out.append(f'  subgraph cluster_{i} {{ label="{_lines(head)}"; style="rounded,filled"; '
                   f'fillcolor="{fill}"; color="#9aa5b1"; class={_quote("zone trust-" + (zone.trust or "none"))};')
        out += ["  " + _node(n, risk_by_element.get(n.id), lang, overlay.node(n.id), link(n.id) if link else None)
                for n in zone.nodes]
        out.append("  }")
    known = {n.id for n in graph.actors} | {n.id for z in graph.zones for n in z.nodes}
    out += [_edge(e, overlay.edge(e.source, e.target)) for e in graph.edges if e.source in known and e.target in known]
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


def _clean(svg: str, title: str, css_class: str) -> str:
    """The ``<svg>`` element alone: no prolog, doctype or comments; our class and accessible name."""
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r'id="page\d+,\d+_(graph\d+)"', r'id="\1"', svg)  # a later graph of a multi-graph run
    svg = re.sub(r"<svg\b", f'<svg class="{css_class}" role="img" aria-label={_attr(title)}', svg, count=1)
    return "\n".join(line for line in svg.splitlines() if line.strip())


def _attr(text: str) -> str:
    return '"' + html.escape(text, quote=True) + '"'
