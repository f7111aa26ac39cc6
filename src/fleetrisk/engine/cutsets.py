"""Minimal cut sets: the smallest sets of components and keys whose compromise yields an outcome.

The question is "if these fall, what follows?", so every component (``control:C``) and every
single key (``hold:K``) is a basic event that may simply be given; threshold keys fall only
through k of their holders. Entries are open, but footholds are left out: they say how a
component falls, and here it is assumed fallen. A finding on a component or key that needs
only an entry counts as that element falling. A cut set of size 0 means the outcome is
reachable without compromising any component or key at all.

Families of minimal sets are propagated to a fixpoint over the AND/OR graph, keeping only
sets up to ``max_size``; the result is exact up to that size (checked against brute force
in the tests). ``cap`` bounds the sets kept per node on very large models, and the nodes
where it bit are reported.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field

from fleetrisk.engine.graph import AttackGraph, Edge

CutFamily = list[frozenset[str]]


@dataclass
class CutSets:
    families: dict[str, CutFamily] = field(default_factory=dict)
    truncated: set[str] = field(default_factory=set)
    max_size: int = 3


def _cut_edges(graph: AttackGraph) -> list[Edge]:
    return [e for e in graph.edges if e.kind != "foothold"]


def _needs(edge: Edge) -> tuple[str, ...]:
    if not edge.requires and edge.basic is not None:
        return (edge.basic,)
    return edge.requires


def minimize(sets: set[frozenset[str]] | list[frozenset[str]], cap: int | None = None) -> CutFamily:
    """Drop every set that contains another; order by size, then members.

    Sets are visited smallest first, so a set is kept unless one of its proper subsets was
    kept already; with sets of at most a few members, looking those subsets up is cheaper than
    comparing against every kept set.
    """
    ordered = sorted(set(sets), key=lambda s: (len(s), sorted(s)))
    kept: CutFamily = []
    seen: set[frozenset[str]] = set()
    for candidate in ordered:
        if _has_kept_subset(candidate, seen):
            continue
        kept.append(candidate)
        seen.add(candidate)
        if cap is not None and len(kept) >= cap:
            break
    return kept


def _has_kept_subset(candidate: frozenset[str], seen: set[frozenset[str]]) -> bool:
    if not seen:
        return False
    if len(seen) <= 1 << len(candidate):  # few kept sets: compare with each
        return any(other <= candidate for other in seen)
    return any(
        frozenset(part) in seen
        for size in range(len(candidate))
        for part in itertools.combinations(candidate, size)
    )


def _combine(families: list[CutFamily], max_size: int) -> set[frozenset[str]]:
    if len(families) == 1:  # a family is minimal already: only the size limit applies
        return {s for s in families[0] if len(s) <= max_size}
    acc: set[frozenset[str]] = {frozenset()}
    for family in families:
        acc = {a | b for a in acc for b in family if len(a | b) <= max_size}
        if not acc:
            return acc
        acc = set(minimize(acc))
    return acc


def compute_cut_sets(graph: AttackGraph, max_size: int = 3, cap: int = 500) -> CutSets:
    """Minimal cut sets (up to ``max_size`` members) for every node of the graph."""
    result = CutSets(max_size=max_size)
    families = result.families
    for basic in graph.basic_events:
        families[basic] = [frozenset([basic])]
    edges = _cut_edges(graph)
    users: dict[str, list[Edge]] = {}
    for edge in edges:
        for node in _needs(edge):
            users.setdefault(node, []).append(edge)
    queue: deque[Edge] = deque(edges)
    queued = {e.id for e in edges}
    while queue:
        edge = queue.popleft()
        queued.discard(edge.id)
        needs = _needs(edge)
        if edge.threshold is not None:
            available = [n for n in dict.fromkeys(needs) if n in families]
            produced: set[frozenset[str]] = set()
            for group in itertools.combinations(available, edge.threshold):
                produced |= _combine([families[n] for n in group], max_size)
        elif any(node not in families for node in needs):
            continue
        else:
            produced = _combine([families[n] for n in needs], max_size)
        if not produced:
            continue
        for node in edge.grants:
            old = families.get(node, [])
            if not any(not any(o <= new for o in old) for new in produced):
                continue  # nothing produced here is smaller than what the node has
            merged = minimize(set(old) | produced)
            if len(merged) > cap:
                merged = merged[:cap]
                result.truncated.add(node)
            if merged != old:
                families[node] = merged
                for user in users.get(node, ()):
                    if user.id not in queued:
                        queued.add(user.id)
                        queue.append(user)
    return result


def closure(graph: AttackGraph, given: frozenset[str]) -> set[str]:
    """Everything that follows when the positions in ``given`` have fallen (cut-set semantics)."""
    held = set(given)
    changed = True
    edges = _cut_edges(graph)
    while changed:
        changed = False
        for edge in edges:
            needs = _needs(edge)
            if edge.threshold is not None:
                ok = sum(1 for n in needs if n in held) >= edge.threshold
            else:
                ok = all(n in held for n in needs)
            if ok and not all(g in held for g in edge.grants):
                held.update(edge.grants)
                changed = True
    return held


def brute_force_cut_sets(graph: AttackGraph, node: str, max_size: int) -> CutFamily:
    """Reference answer for tests: try every set of basic events up to ``max_size``."""
    found: list[frozenset[str]] = []
    for size in range(max_size + 1):
        for combo in itertools.combinations(sorted(graph.basic_events), size):
            candidate = frozenset(combo)
            if any(f <= candidate for f in found):
                continue
            if node in closure(graph, candidate):
                found.append(candidate)
    return minimize(found)
