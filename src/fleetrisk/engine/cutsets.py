"""Minimal cut sets: the smallest sets of components and keys whose compromise yields an outcome.

The question is "if these fall, what follows?", so every component (``control:C``) and every
single key (``hold:K``) is a basic event that may simply be given; threshold keys fall only
through k of their holders. Entries are open, but footholds are left out: they say how a
component falls, and here it is assumed fallen. A finding on a component or key that needs
only an entry counts as that element falling, and so does each component or key that a
finding elsewhere (on the service) hands over from an entry alone. A cut set of size 0 means
the outcome is reachable without compromising any component or key at all.

Families of minimal sets are propagated to a fixpoint over the AND/OR graph, keeping only
sets up to ``max_size``; the result is exact up to that size (checked against brute force
in the tests). ``cap`` bounds the sets kept per node on very large models, and the nodes
where it bit are reported.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
from dataclasses import dataclass, field

from fleetrisk.engine.graph import AttackGraph, Edge
from fleetrisk.scc import strongly_connected

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


def _combine(families: list[CutFamily], max_size: int, width: int) -> tuple[set[frozenset[str]], bool]:
    """Minimal unions taking one set from each family; (sets, whether an input was cut to ``width``).

    Families are ordered smallest first, so cutting an input to its first ``width`` sets keeps
    the smallest ways; the caller marks what depends on a cut input as truncated.
    """
    if len(families) == 1:  # a family is minimal already: only the size limit applies
        return {s for s in families[0] if len(s) <= max_size}, False
    cut = any(len(f) > width for f in families)
    families = [f[:width] for f in families]
    acc: set[frozenset[str]] = {frozenset()}
    for family in families:
        acc = {a | b for a in acc for b in family if len(a | b) <= max_size}
        if not acc:
            return acc, cut
        acc = set(minimize(acc))
    return acc, cut


def compute_cut_sets(graph: AttackGraph, max_size: int = 3, cap: int = 500, width: int = 64) -> CutSets:
    """Minimal cut sets (up to ``max_size`` members) for every node of the graph.

    Drive positions that reach one another (a ring of components that can each make the next
    act) are one position for this purpose, and edges are taken in topological order of the
    positions they need, so each is combined about once. ``cap`` bounds the sets kept per
    node and ``width`` the sets of each input combined by an AND step; where either bites, the
    node is reported as truncated.
    """
    result = CutSets(max_size=max_size)
    families = result.families
    for basic in graph.basic_events:
        families[basic] = [frozenset([basic])]
    alias = _drive_rings(_cut_edges(graph))
    edges = _collapse(_cut_edges(graph), alias)
    users: dict[str, list[Edge]] = {}
    for edge in edges:
        for node in dict.fromkeys(_needs(edge)):
            users.setdefault(node, []).append(edge)
    rank = _ranks(edges)
    order = {edge.id: i for i, edge in enumerate(edges)}

    def position(edge: Edge) -> tuple[int, int]:
        return max((rank.get(n, 0) for n in _needs(edge)), default=0), order[edge.id]

    heap: list[tuple[int, int, str]] = [(*position(e), e.id) for e in edges]
    heapq.heapify(heap)
    by_id = {e.id: e for e in edges}
    queued = set(by_id)
    # What edges produce for a position waits until every edge of a lower rank has run, then
    # is merged into its family at once: a position many edges feed is minimised once, not
    # once per edge.
    pending: dict[str, set[frozenset[str]]] = {}
    while heap:
        _, order_or_flush, item = heapq.heappop(heap)
        if order_or_flush == _FLUSH:  # a position's turn to take in what it was given
            if not _merge(item, pending.pop(item), families, result, cap):
                continue
            for user in users.get(item, ()):
                if user.id not in queued:
                    queued.add(user.id)
                    heapq.heappush(heap, (*position(user), user.id))
            continue
        queued.discard(item)
        edge = by_id[item]
        needs = _needs(edge)
        narrowed = False
        if edge.threshold is not None:
            available = [n for n in needs if n in families]  # a ring's position counts once per member
            produced: set[frozenset[str]] = set()
            for group in itertools.combinations(available, edge.threshold):
                sets, cut = _combine([families[n] for n in group], max_size, width)
                produced |= sets
                narrowed |= cut
        elif any(node not in families for node in needs):
            continue
        else:
            produced, narrowed = _combine([families[n] for n in needs], max_size, width)
        if narrowed or any(n in result.truncated for n in needs):  # what a cut family gives is cut too
            result.truncated.update(edge.grants)
        if not produced:
            continue
        for node in edge.grants:
            old = families.get(node, [])
            if not any(not any(o <= new for o in old) for new in produced):
                continue  # nothing produced here is smaller than what the node has
            if node not in pending:
                pending[node] = set()
                heapq.heappush(heap, (rank.get(node, 0), _FLUSH, node))
            pending[node] |= produced
    for node, representative in alias.items():
        if representative in families:
            families[node] = families[representative]
        if representative in result.truncated:
            result.truncated.add(node)
    return result


_FLUSH = -1  # heap entries with this order merge a position; the others run an edge


def _merge(node: str, produced: set[frozenset[str]], families: dict[str, CutFamily], result: CutSets,
           cap: int) -> bool:
    """Merge what edges produced into a position's family; whether the family changed."""
    old = families.get(node, [])
    merged = minimize(set(old) | produced)
    if len(merged) > cap:
        merged = merged[:cap]
        result.truncated.add(node)
    families[node] = merged
    return merged != old


def _drive_rings(edges: list[Edge]) -> dict[str, str]:
    """Drive position -> the first position of its ring, for rings of more than one position.

    A drive edge needs one drive position and grants another, unconditionally: positions on a
    cycle of such edges fall together, so they share one family of cut sets.
    """
    succ: dict[str, list[str]] = {}
    for edge in edges:
        if edge.kind == "drive" and len(edge.requires) == 1 and edge.requires[0].startswith("drive:"):
            for node in edge.grants:
                succ.setdefault(edge.requires[0], []).append(node)
                succ.setdefault(node, [])
    alias: dict[str, str] = {}
    for ring in strongly_connected(list(succ), lambda node: succ.get(node, ())):
        if len(ring) > 1:
            first = min(ring)
            alias.update({node: first for node in ring if node != first})
    return alias


def _collapse(edges: list[Edge], alias: dict[str, str]) -> list[Edge]:
    """The edges with every ring position replaced by its ring's first; steps inside a ring go."""
    if not alias:
        return edges
    result: list[Edge] = []
    for edge in edges:
        requires = tuple(alias.get(n, n) for n in edge.requires)  # a threshold keeps one entry per member
        grants = tuple(dict.fromkeys(alias.get(n, n) for n in edge.grants))
        if edge.threshold is None:
            grants = tuple(g for g in grants if g not in requires)
        if not grants:
            continue
        same = requires == edge.requires and grants == edge.grants
        result.append(edge if same else dataclasses.replace(edge, requires=requires, grants=grants))
    return result


def _ranks(edges: list[Edge]) -> dict[str, int]:
    """Topological rank of every position (positions on a cycle share one), sources lowest."""
    succ: dict[str, list[str]] = {}
    for edge in edges:
        for need in _needs(edge):
            succ.setdefault(need, []).extend(edge.grants)
        for node in edge.grants:
            succ.setdefault(node, [])
    rings = strongly_connected(list(succ), lambda node: succ.get(node, ()))
    rank: dict[str, int] = {}
    for i, ring in enumerate(reversed(rings)):  # Tarjan lists sinks first
        for node in ring:
            rank[node] = i
    return rank


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
