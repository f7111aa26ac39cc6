"""How reachable each position and outcome is from the attacker's entries, and the easiest paths.

Likelihoods are 1..5. Along a path AND takes the hardest step (min) and OR the easiest way
(max). All entries are open to an attacker (likelihood 5); what it costs to get further is
in the edges. The values are computed exactly with a best-first search over the AND/OR
graph (a generalisation of Dijkstra's algorithm to max-min, which is monotone).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from fleetrisk.engine.graph import AttackGraph, Edge


@dataclass
class Reach:
    """Best likelihood of every node, the edge that gives it, and each fired edge's value."""

    value: dict[str, int] = field(default_factory=dict)
    best: dict[str, Edge] = field(default_factory=dict)
    edge_value: dict[str, int] = field(default_factory=dict)
    chosen: dict[str, tuple[str, ...]] = field(default_factory=dict)  # threshold edge -> holders used


def compute_reach(
    graph: AttackGraph, entries: frozenset[str] | None = None, only: list[Edge] | None = None
) -> Reach:
    """Best likelihood of every node from the entries (all of them by default).

    ``only`` restricts the search to those of the graph's edges (e.g. the edges that can lead
    to the outcomes of interest).

    On a tie, a named step (a finding, authority or custody) is preferred to a generic
    foothold, so that paths explain themselves.
    """
    result = Reach()
    remaining: dict[str, int] = {}
    settled_inputs: dict[str, list[str]] = {}
    heap: list[tuple[int, str]] = []
    settled: set[str] = set()

    def fire(edge: Edge, value: int) -> None:
        result.edge_value[edge.id] = value
        for node in edge.grants:
            old = result.value.get(node, 0)
            better = value > old or (
                value == old and node not in settled and _named(edge) and not _named(result.best[node])
            )
            if better:
                result.value[node] = value
                result.best[node] = edge
                if value > old:
                    heapq.heappush(heap, (-value, node))

    for edge in graph.edges if only is None else only:
        if entries is not None and edge.entries and entries.isdisjoint(edge.entries):
            continue
        needed = len(set(edge.requires)) if edge.threshold is None else edge.threshold
        remaining[edge.id] = needed
        settled_inputs[edge.id] = []
        if needed == 0:
            fire(edge, edge.likelihood)
    while heap:
        negative, node = heapq.heappop(heap)
        if node in settled or -negative != result.value.get(node):
            continue
        settled.add(node)
        current = -negative
        for edge in graph.out_of.get(node, ()):
            if remaining.get(edge.id, 0) <= 0:
                continue
            settled_inputs[edge.id].append(node)
            remaining[edge.id] -= 1
            if remaining[edge.id] == 0:
                if edge.threshold is not None:
                    result.chosen[edge.id] = tuple(settled_inputs[edge.id])
                # Inputs settle in decreasing order, so the last one is the weakest.
                fire(edge, min(edge.likelihood, current))
    return result


def edges_towards(graph: AttackGraph, targets: list[str]) -> set[str]:
    """Ids of the edges that can contribute to reaching any of ``targets``."""
    wanted = set(targets)
    stack = list(targets)
    edges: set[str] = set()
    while stack:
        node = stack.pop()
        for edge in graph.into.get(node, ()):
            if edge.id in edges:
                continue
            edges.add(edge.id)
            for needed in edge.requires:
                if needed not in wanted:
                    wanted.add(needed)
                    stack.append(needed)
    return edges


def _named(edge: Edge) -> bool:
    return edge.kind != "foothold"


def derivation(reach: Reach, edge: Edge) -> list[Edge]:
    """The steps (post-order) that fire ``edge`` by the best ways to its requirements."""
    steps: list[Edge] = []
    seen: set[str] = set()

    def visit(current: Edge) -> None:
        if current.id in seen:
            return
        seen.add(current.id)
        needed = reach.chosen.get(current.id, current.requires)
        for node in needed:
            before = reach.best.get(node)
            if before is not None:
                visit(before)
        steps.append(current)

    visit(edge)
    return steps


def easiest_ways(graph: AttackGraph, reach: Reach, node: str, k: int) -> list[tuple[Edge, int]]:
    """Up to ``k`` fired edges into ``node``, easiest first (ties by id, for determinism).

    A fan edge (one position handing an outcome to many fleets) is seen through: the ways into
    its position are the ways into the outcome, so alternatives behind it are not lost.
    """
    into: list[Edge] = []
    for edge in graph.into.get(node, ()):
        if edge.kind == "fan":
            into.extend(graph.into.get(edge.requires[0], ()))
        else:
            into.append(edge)
    fired = [(e, reach.edge_value[e.id]) for e in into if e.id in reach.edge_value]
    fired.sort(key=lambda pair: (-pair[1], pair[0].id))
    return fired[:k]


def entry_of(steps: list[Edge], allowed: frozenset[str] | None = None) -> str:
    """Where a path starts: the entry of its first step that needs one."""
    for step in steps:
        for entry in step.entries:
            if allowed is None or entry in allowed:
                return entry
    return "none"
