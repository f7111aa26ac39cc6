"""The data-flow picture of a model: zones, nodes and edges, ready to lay out.

This is the small, explicit input the HTML writer takes besides the Assessment
(``render_html(assessment, graph)``); :func:`flow_graph` builds it from a loaded model.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

from fleetrisk.model.schema import ServiceModel
from fleetrisk.results import AttackPath

NodeKind = Literal["fleet", "account", "component", "key"]
EdgeStyle = Literal["flow", "plain", "delivery", "custody"]

#: Left-to-right order of zones by trust: the untrusted side first.
TRUST_ORDER = ("untrusted", "third-party", "dmz", "production", "restricted", "corporate")


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    kind: NodeKind
    detail: str = ""
    devices: int | None = None


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str
    style: EdgeStyle


@dataclass(frozen=True)
class ZoneBox:
    """A trust zone and the nodes drawn inside it (``id`` is empty for unzoned parts)."""

    id: str
    label: str
    trust: str
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class FlowGraph:
    """Actors (fleets and accounts) on one side, then the zones in trust order, then edges."""

    actors: tuple[Node, ...]
    zones: tuple[ZoneBox, ...]
    edges: tuple[Edge, ...] = field(default_factory=tuple)


def flow_graph(model: ServiceModel) -> FlowGraph:
    """Build the data-flow graph of ``model``; order follows the model, so output is stable."""
    actors = [
        Node(f.id, f.name or f.id, "fleet", f"safety:{f.safety}", f.devices) for f in model.fleets
    ] + [Node(a.id, a.name or a.id, "account", f"audience:{a.audience}") for a in model.accounts]
    zone_of = {c.id: c.zone or "" for c in model.components}
    members: dict[str, list[Node]] = {z.id: [] for z in model.zones}
    members.setdefault("", [])
    for c in model.components:
        members.setdefault(c.zone or "", []).append(Node(c.id, c.name or c.id, "component", c.kind))
    for k in model.keys:
        home = zone_of.get(k.holder or "", "")
        members.setdefault(home, []).append(Node(k.id, k.name or k.id, "key", f"custody:{k.custody}"))
    trust = {z.id: z.trust for z in model.zones}
    names = {z.id: z.name or z.id for z in model.zones}
    order = sorted(
        (zid for zid in members if members[zid]),
        key=lambda zid: (zid == "", TRUST_ORDER.index(trust[zid]) if zid in trust else len(TRUST_ORDER)),
    )
    zones = tuple(ZoneBox(zid, names.get(zid, ""), trust.get(zid, ""), tuple(members[zid])) for zid in order)
    edges = [
        Edge(fl.source, fl.target, (fl.protocol or fl.id) + (f": {', '.join(fl.carries)}" if fl.carries else ""),
             "plain" if fl.encryption == "none" else "flow")
        for fl in model.flows
    ]
    for f in model.fleets:
        edges.extend(Edge(a.source, f.id, a.input, "delivery") for a in f.accepts)
    for k in model.keys:
        if k.holder:
            edges.append(Edge(k.id, k.holder, "", "custody"))
    return FlowGraph(tuple(actors), zones, tuple(edges))


@dataclass(frozen=True)
class Overlay:
    """Which drawn attack paths (numbered from 1) pass through each element and each flow.

    A path passes through the elements of its steps and ends on its fleet; it runs along a
    flow when the flow joins two elements the path visits one after the other.
    """

    nodes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    pairs: dict[frozenset[str], tuple[int, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, paths: Iterable[AttackPath]) -> Overlay:
        nodes: dict[str, list[int]] = {}
        pairs: dict[frozenset[str], list[int]] = {}
        for number, path in enumerate(paths, 1):
            chain = list(dict.fromkeys([*(step.element for step in path.steps), path.fleet]))
            for element in chain:
                nodes.setdefault(element, []).append(number)
            for a, b in pairwise(chain):
                pairs.setdefault(frozenset((a, b)), []).append(number)
        return cls({k: tuple(v) for k, v in nodes.items()}, {k: tuple(v) for k, v in pairs.items()})

    def node(self, element: str) -> str:
        """CSS classes (each with a leading space) for the paths through ``element``."""
        return "".join(f" on-p{n}" for n in self.nodes.get(element, ()))

    def edge(self, source: str, target: str) -> str:
        """CSS classes (each with a leading space) for the paths along the flow ``source -> target``."""
        return "".join(f" on-p{n}" for n in self.pairs.get(frozenset((source, target)), ()))
