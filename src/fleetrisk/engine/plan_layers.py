"""The plan's reachability, shrunk before anything is solved: one small system per entry and level.

For an entry e and a likelihood level t, a node is reached when steps usable from e, each at
level t or above and none cut, lead to it (AND needs every input, a k-of-n step k of them).
A pair (e, outcome) is at level t with a plan when its outcome is reached in layer (e, t).
Each layer is made small first:

- **forced nodes**: a node that steps no control can cut reach at level t is reached whatever
  the plan: a constant, not a variable. Nodes not reached even with nothing cut are dropped;
- **only what leads to loss**: only ancestors of the outcomes of e's pairs at level t are kept;
- **merged equivalent nodes**: a node whose one way in is one uncut step from one node is that
  node (a chain of components), and nodes with the same ways in (same inputs, same cut) are one
  node (components of the same kind, reached and cut alike). Repeated until nothing merges.

The layers evaluate any set of controls exactly (a least fixpoint by counting each step's
inputs), and a plan without one of its controls incrementally: from the plan's own counts,
only the steps that control alone cut are reopened and only what they reach is raised.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from fleetrisk.catalog.conditions import ControlExpr
from fleetrisk.engine.quant_graph import QuantGraph


@dataclass(frozen=True)
class Row:
    """``grant`` is reached when at least ``need`` of ``requires`` are (each counted as often as
    it is listed) and the step is not cut."""

    grant: int
    requires: tuple[int, ...]
    need: int
    cut: int  # index into Layers.cuts, or -1: no control cuts it
    threshold: bool  # a k-of-n step (its grant stays a whole number in the program)


@dataclass
class Layer:
    """One entry's shrunk system for one or more consecutive levels that share it."""

    entry: str
    levels: list[int]  # the levels whose systems are this one (ascending)
    size: int  # variables after merging
    rows: list[Row]
    pairs: list[tuple[int, int]]  # (pair index, variable of its outcome)
    forced: list[int]  # pairs whose outcome is reached at this level whatever the plan
    by_require: list[list[int]] = field(default_factory=list)  # variable -> rows it is an input of
    by_cut: dict[int, list[int]] = field(default_factory=dict)  # cut -> its rows

    def __post_init__(self) -> None:
        self.by_require = [[] for _ in range(self.size)]
        for r, row in enumerate(self.rows):
            for v in row.requires:
                self.by_require[v].append(r)
            if row.cut >= 0:
                self.by_cut.setdefault(row.cut, []).append(r)

    def reach(self, cut: list[bool]) -> tuple[list[bool], list[int]]:
        """Which variables are reached with the steps ``cut`` (by cut index) closed, and each
        row's count of reached inputs."""
        reached = [False] * self.size
        counts = [0] * len(self.rows)
        queue = [row.grant for row in self.rows if row.need == 0 and (row.cut < 0 or not cut[row.cut])]
        self._spread(queue, reached, counts, cut)
        return reached, counts

    def raise_(self, reached: list[bool], counts: list[int], cut: list[bool], reopened: Iterable[int]) -> list[bool]:
        """``reached`` and ``counts`` of a plan, raised after the cuts ``reopened`` (now False in
        ``cut``) open their rows again. Returns a new list; the inputs are left as they were."""
        reached, counts = list(reached), list(counts)
        queue = [self.rows[r].grant for c in reopened for r in self.by_cut.get(c, ())
                 if counts[r] >= self.rows[r].need and not reached[self.rows[r].grant]]
        self._spread(queue, reached, counts, cut)
        return reached

    def _spread(self, queue: list[int], reached: list[bool], counts: list[int], cut: list[bool]) -> None:
        rows, by_require = self.rows, self.by_require
        while queue:
            v = queue.pop()
            if reached[v]:
                continue
            reached[v] = True
            for r in by_require[v]:
                counts[r] += 1
                row = rows[r]
                if counts[r] == row.need and not reached[row.grant] and (row.cut < 0 or not cut[row.cut]):
                    queue.append(row.grant)


@dataclass
class Layers:
    """Every entry's layers, and the distinct cut expressions their rows refer to."""

    layers: list[Layer]
    cuts: list[ControlExpr]
    held: frozenset[str]
    pair_count: int

    def cut_flags(self, controls: Iterable[str]) -> list[bool]:
        chosen = set(controls) | self.held
        return [expr.evaluate(chosen.__contains__) for expr in self.cuts]

    def levels(self, controls: Iterable[str]) -> list[int]:
        """Each pair's level with ``controls`` in place (exactly ``QuantGraph.levels``)."""
        return self.levels_from([layer.reach(self.cut_flags(controls))[0] for layer in self.layers])

    def levels_from(self, reached: list[list[bool]]) -> list[int]:
        levels = [0] * self.pair_count
        for layer, flags in zip(self.layers, reached, strict=True):
            top = layer.levels[-1]
            for i in layer.forced:
                levels[i] = max(levels[i], top)
            for i, v in layer.pairs:
                if flags[v]:
                    levels[i] = max(levels[i], top)
        return levels

    def weighed(self, weights: npt.NDArray[np.float64]) -> list[tuple[float, list[tuple[int, float]]]]:
        """Each layer's expected loss whatever the plan, and what each reached variable adds, from
        ``weights`` [pair, level 1..5 -> column 0..4]: what each level adds to a pair's loss
        (``Expectation.bands``). The sum over layers of a plan's reached variables is its loss."""
        result = []
        for layer in self.layers:
            columns = [level - 1 for level in layer.levels]
            fixed = float(weights[layer.forced][:, columns].sum()) if layer.forced else 0.0
            adds: dict[int, float] = {}
            for i, v in layer.pairs:
                adds[v] = adds.get(v, 0.0) + float(weights[i, columns].sum())
            result.append((fixed, sorted(adds.items())))
        return result

    def layer_losses(self, flags: list[bool], weighed: list[tuple[float, list[tuple[int, float]]]],
                     only: Iterable[int] | None = None) -> dict[int, float]:
        """The expected loss of each layer (or of the layers ``only``) with the cuts ``flags``."""
        result = {}
        for k in range(len(self.layers)) if only is None else only:
            reached = self.layers[k].reach(flags)[0]
            fixed, adds = weighed[k]
            result[k] = fixed + sum(w for v, w in adds if reached[v])
        return result

    def without_each(self, controls: list[str]) -> dict[str, list[int]]:
        """The levels of the plan ``controls`` without each one of them, raised incrementally
        from the plan's own fixpoint."""
        flags = self.cut_flags(controls)
        base = [layer.reach(flags) for layer in self.layers]
        result: dict[str, list[int]] = {}
        for control in controls:
            fewer = self.cut_flags(c for c in controls if c != control)
            reopened = [i for i, (a, b) in enumerate(zip(flags, fewer, strict=True)) if a and not b]
            raised = [layer.raise_(reached, counts, fewer, reopened) if reopened else reached
                      for layer, (reached, counts) in zip(self.layers, base, strict=True)]
            result[control] = self.levels_from(raised)
        return result


class _Graph:
    """The attack graph as integer arrays, built once per plan: node and edge numbers, each
    edge's distinct inputs, how many it needs, its level, its cut and who may use it."""

    def __init__(self, quant: QuantGraph) -> None:
        node: dict[str, int] = {}
        self.node = node
        cut_index: dict[str, int] = {}  # describe() -> index
        by_object: dict[int, int] = {}  # id(expression) -> index: scenarios share theirs
        self.cuts: list[ControlExpr] = []
        self.requires: list[tuple[int, ...]] = []  # distinct for AND, as listed for k-of-n
        self.grants: list[tuple[int, ...]] = []
        self.need: list[int] = []
        self.level: list[int] = []
        self.threshold: list[bool] = []
        self.cut: list[int] = []
        self.entries: list[tuple[str, ...]] = []  # empty: any entry
        cut_by = quant.cut_by
        for edge in quant.graph.edges:
            listed = [node.setdefault(n, len(node)) for n in edge.requires]
            if edge.threshold is None:
                requires = tuple(dict.fromkeys(listed)) if len(listed) > 1 else tuple(listed)
                self.need.append(len(requires))
            else:
                requires = tuple(listed)
                self.need.append(edge.threshold)
            self.requires.append(requires)
            self.grants.append(tuple(node.setdefault(n, len(node)) for n in edge.grants))
            self.level.append(edge.likelihood)
            self.threshold.append(edge.threshold is not None)
            self.entries.append(edge.entries)
            expr = cut_by.get(edge.id)
            if expr is None:
                self.cut.append(-1)
                continue
            index = by_object.get(id(expr))
            if index is None:
                key = expr.describe()
                index = cut_index.get(key)
                if index is None:
                    index = cut_index[key] = len(self.cuts)
                    self.cuts.append(expr)
                by_object[id(expr)] = index
            self.cut.append(index)
        size = len(node)
        self.into: list[list[int]] = [[] for _ in range(size)]
        self.out: list[list[int]] = [[] for _ in range(size)]
        for e, (requires, grants) in enumerate(zip(self.requires, self.grants, strict=True)):
            for g in grants:
                self.into[g].append(e)
            for r in requires:
                self.out[r].append(e)

    def usable(self, entry: str) -> list[bool]:
        return [not entries or entry in entries for entries in self.entries]

    def forced(self, open_: list[bool]) -> list[int]:
        """Max-min reach through the ``open_`` edges alone: levels are settled from 5 down, so a
        node's first level is its best, and an edge fires at the level its last input arrived."""
        value = [0] * len(self.node)
        remaining = list(self.need)
        ready: list[list[int]] = [[] for _ in range(6)]
        for e, need in enumerate(remaining):
            if need == 0 and open_[e]:
                ready[self.level[e]].append(e)
        grants, out, level_of = self.grants, self.out, self.level
        for level in range(5, 0, -1):
            stack = ready[level]
            while stack:
                for g in grants[stack.pop()]:
                    if value[g]:
                        continue
                    value[g] = level
                    for e in out[g]:
                        if open_[e]:
                            remaining[e] -= 1
                            if remaining[e] == 0:
                                ready[min(level_of[e], level)].append(e)
        return value


def build_layers(quant: QuantGraph) -> Layers:
    """The shrunk layers of every entry that has pairs (see the module's docstring)."""
    graph = _Graph(quant)
    by_entry: dict[str, list[int]] = defaultdict(list)
    for i, pair in enumerate(quant.pairs):
        by_entry[pair.entry].append(i)
    layers: list[Layer] = []
    for entry in sorted(by_entry):
        members = by_entry[entry]
        usable_ = graph.usable(entry)
        modelled = [0] * len(graph.node)
        for name, value in quant.values(entry).items():
            number = graph.node.get(name)
            if number is not None:
                modelled[number] = value
        forced = graph.forced([u and c < 0 for u, c in zip(usable_, graph.cut, strict=True)])
        # The steps into each node this entry can use, that fire with nothing cut at some level.
        into: dict[int, list[tuple[int, int]]] = {}
        previous: _Raw | None = None
        for level in range(1, 6):
            at = [i for i in members if quant.pairs[i].level >= level]
            if not at:
                continue
            raw = _raw(quant, graph, level, at, modelled, forced, usable_, into)
            if previous is not None and raw.same(previous):
                layers[-1].levels.append(level)  # the same system as the level below: one layer for both
                continue
            layers.append(_layer(graph, entry, level, raw))
            previous = raw
    return Layers(layers, graph.cuts, quant.held, len(quant.pairs))


@dataclass
class _Raw:
    """A layer before merging: its variables (graph node -> variable), its steps (grant
    variable, edge) and its pairs, those whose outcome is forced apart."""

    variable: dict[int, int]
    steps: list[tuple[int, int]]
    pairs: list[tuple[int, int]]  # (pair index, graph node of its outcome)
    fixed: list[int]
    held: dict[int, int]  # k-of-n edge -> how many of its inputs are forced

    def same(self, other: _Raw) -> bool:
        return (self.steps == other.steps and self.variable == other.variable and self.pairs == other.pairs
                and self.fixed == other.fixed and self.held == other.held)


def _raw(quant: QuantGraph, graph: _Graph, level: int, members: list[int], modelled: list[int],
         forced: list[int], usable_: list[bool], into: dict[int, list[tuple[int, int]]]) -> _Raw:
    requires_of, need_of, threshold_of = graph.requires, graph.need, graph.threshold

    def edges_into(node: int) -> list[tuple[int, int]]:
        """The steps into ``node`` usable from this entry, each with the highest level at which it
        fires with nothing cut (its level, or its weakest needed input's), if it fires at all."""
        found = into.get(node)
        if found is None:
            found = []
            for e in graph.into[node]:
                if not usable_[e]:
                    continue
                need = need_of[e]
                if need == 0:
                    found.append((e, graph.level[e]))
                    continue
                values = sorted((modelled[n] for n in requires_of[e]), reverse=True)
                if len(values) >= need and values[need - 1] > 0:
                    found.append((e, min(graph.level[e], values[need - 1])))
            into[node] = found
        return found

    variable: dict[int, int] = {}
    stack: list[int] = []
    for i in members:
        node = graph.node[quant.pairs[i].outcome]
        if forced[node] < level and node not in variable:
            variable[node] = len(variable)
            stack.append(node)
    raw: list[tuple[int, int]] = []
    while stack:
        node = stack.pop()
        for e, fires in edges_into(node):
            if fires < level:
                continue
            requires = requires_of[e]
            raw.append((variable[node], e))
            for needed in requires:
                if needed not in variable and modelled[needed] >= level and forced[needed] < level:
                    variable[needed] = len(variable)
                    stack.append(needed)
    pairs, fixed = [], []
    for i in members:
        node = graph.node[quant.pairs[i].outcome]
        if forced[node] >= level:
            fixed.append(i)
        else:
            pairs.append((i, node))
    held = {e: sum(1 for n in requires_of[e] if forced[n] >= level) for _, e in raw if threshold_of[e]}
    return _Raw(variable, raw, pairs, fixed, held)


def _layer(graph: _Graph, entry: str, level: int, raw: _Raw) -> Layer:
    variable = raw.variable
    rows: list[tuple[int, tuple[int, ...], int, int, bool]] = []
    for grant, e in raw.steps:
        needs = tuple(sorted(variable[n] for n in graph.requires[e] if n in variable))
        if graph.threshold[e]:
            rows.append((grant, needs, max(graph.need[e] - raw.held[e], 0), graph.cut[e], True))
        else:
            rows.append((grant, needs, len(needs), graph.cut[e], False))
    size, merged, alias = _merge(len(variable), rows)
    pairs = [(i, alias[variable[node]]) for i, node in raw.pairs]
    return Layer(entry, [level], size, [Row(*row) for row in merged], pairs, raw.fixed)


def _merge(size: int, rows: list[tuple[int, tuple[int, ...], int, int, bool]]
           ) -> tuple[int, list[tuple[int, tuple[int, ...], int, int, bool]], list[int]]:
    """Merge equivalent variables until nothing merges; (new size, new rows, old -> new).

    A row is (grant, requires, need, cut, k-of-n)."""
    parent = list(range(size))

    def find(v: int) -> int:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    while True:
        rows = _canonical(rows, find)
        ways: dict[int, list[tuple[tuple[int, ...], int, int, bool]]] = defaultdict(list)
        for grant, requires, need, cut, threshold in rows:
            ways[grant].append((requires, need, cut, threshold))
        merged = False
        by_signature: dict[tuple[tuple[tuple[int, ...], int, int, bool], ...], int] = {}
        for v in sorted(ways):
            signature = tuple(sorted(ways[v]))
            if len(signature) == 1:
                requires, need, cut, threshold = signature[0]
                if cut < 0 and need == 1 and len(requires) == 1 and not threshold and find(requires[0]) != v:
                    parent[v] = requires[0]  # one uncut way in, from one node: that node
                    merged = True
                    continue
            other = by_signature.setdefault(signature, v)
            if other != v:
                parent[v] = other
                merged = True
        if not merged:
            break
    roots = sorted({find(v) for v in range(size)})
    number = {root: n for n, root in enumerate(roots)}
    alias = [number[find(v)] for v in range(size)]
    final = [(number[grant], tuple(number[v] for v in requires), need, cut, threshold)
             for grant, requires, need, cut, threshold in rows]
    return len(roots), final, alias


def _canonical(rows: list[tuple[int, tuple[int, ...], int, int, bool]], find: Callable[[int], int]
               ) -> list[tuple[int, tuple[int, ...], int, int, bool]]:
    """Rows over the current representatives: AND inputs once each, self-loops and repeats gone."""
    seen: set[tuple[int, tuple[int, ...], int, int, bool]] = set()
    result = []
    for given, inputs, count, cut, threshold in rows:
        grant = find(given)
        need = count
        if threshold and count == 0:
            requires: tuple[int, ...] = ()  # fires whatever its inputs
        elif threshold:
            requires = tuple(sorted(find(v) for v in inputs))
        else:
            requires = tuple(sorted({find(v) for v in inputs}))
            if grant in requires:
                continue  # an AND step that needs its own grant never reaches it
            need = len(requires)
        row = (grant, requires, need, cut, threshold)
        if row not in seen:
            seen.add(row)
            result.append(row)
    return result
