"""Choose controls by exact integer programming on the attack graph.

Both objectives model reachability on the AND/OR graph with node variables, never by listing
paths. A variable ``r[n]`` may be 0 only if no edge into ``n`` can fire: for an edge that is not
cut, ``r[grant] >= sum(r[requires]) - (|requires| - 1)`` (AND); a k-of-n edge needs
``(n - k + 1) r[grant] >= sum(r[requires]) - (k - 1)``; several edges into one node each give a
row (OR). Cutting an edge lifts its row; the cut may be 1 only when the edge's control
expression holds for the chosen controls ``x``.

- ``loss``: minimise the exact expected annual loss within the budget (engine/simulate.py,
  :class:`Expectation`: it does not depend on the seed, so neither does the plan). Each entry
  and likelihood level t has its own shrunk layer (engine/plan_layers.py: forced nodes are
  constants, only nodes that lead to loss are kept, equivalent nodes are merged); a pair at
  level L adds, for each t <= L, what level t adds to its expected loss times ``r[outcome]`` of
  layer t. Only the controls and the grants of k-of-n steps are integers: for whole controls the
  least reach is whole, and the objective pushes every weighted outcome down to it. A greedy plan
  (best loss removed per unit of cost, evaluated on the layers) is the solver's first incumbent.
  Among plans of equal loss the cheapest is taken.
- ``critical-paths``: every outcome whose qualitative risk is critical must become unreachable
  from every entry, at minimum cost.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from highspy import HighsModelStatus

from fleetrisk.catalog.conditions import ControlExpr
from fleetrisk.engine.loss_model import LossInputs
from fleetrisk.engine.milp import INF, Milp, status_name
from fleetrisk.engine.plan_layers import Layers, build_layers
from fleetrisk.engine.quant_graph import QuantGraph, entry_levels, usable
from fleetrisk.engine.simulate import Expectation
from fleetrisk.errors import InputError

Objective = str  # "loss" | "critical-paths"


@dataclass
class Plan:
    controls: list[str]
    cost: float
    levels: list[int]  # each pair's level with the plan
    status: str
    layers: Layers | None = None  # the loss plan's layers, for marginal values


class _Program:
    """The integer program under construction: control, cut and reachability variables."""

    def __init__(self, candidates: list[str], costs: dict[str, float], budget: float | None) -> None:
        self.milp = Milp()
        self.controls = {c: self.milp.var() for c in candidates}
        self.costs = {c: costs[c] for c in self.controls}
        self.expressions: dict[str, tuple[ControlExpr, int]] = {}  # describe() -> (expression, column)
        self._one: int | None = None
        if budget is not None:  # in units of the dearest control: HiGHS's tolerances are absolute
            unit = max(self.costs.values(), default=1.0) or 1.0
            self.milp.row(-INF, budget / unit, ((v, self.costs[c] / unit) for c, v in self.controls.items()))

    def expression(self, expr: ControlExpr) -> int:
        """A column that may be 1 only if ``expr`` holds for the chosen controls."""
        key = expr.describe()
        if key in self.expressions:
            return self.expressions[key][1]
        if expr.op == "one":
            assert expr.control is not None
            column = self.controls.get(expr.control)
            if column is None:  # held already, so always true
                column = self._constant_one()
        else:
            column = self.milp.var(integer=False)
            children = [self.expression(child) for child in expr.children]
            if expr.op == "all":
                for child in children:
                    self.milp.row(-INF, 0.0, ((column, 1.0), (child, -1.0)))
            else:
                self.milp.row(-INF, 0.0, [(column, 1.0), *((child, -1.0) for child in children)])
        self.expressions[key] = (expr, column)
        return column

    def _constant_one(self) -> int:
        if self._one is None:
            self._one = self.milp.var(1.0, 1.0)
        return self._one

    def chosen(self, values: list[float]) -> list[str]:
        return sorted(c for c, v in self.controls.items() if values[v] > 0.5)


def plan_loss(quant: QuantGraph, exact: Expectation, costs: dict[str, float], budget: float) -> Plan:
    """Controls within ``budget`` that leave the least expected annual loss (then the cheapest)."""
    layers = build_layers(quant)
    weights = exact.bands([p.level for p in quant.pairs])
    used = sorted({c for layer in layers.layers for row in layer.rows if row.cut >= 0
                   for c in layers.cuts[row.cut].controls()} - quant.held)
    program = _Program(used, costs, budget)
    milp = program.milp
    cut_columns = [program.expression(expr) for expr in layers.cuts]
    columns: list[list[int]] = []
    objective_terms: list[tuple[int, float]] = []
    for layer in layers.layers:
        integer = {row.grant for row in layer.rows if row.threshold}
        r = [milp.var(integer=v in integer) for v in range(layer.size)]
        columns.append(r)
        for row in layer.rows:
            # AND: r[grant] >= sum(r[requires]) - (n - 1); k of n: (n - k + 1) r[grant] >= sum - (k - 1);
            # no input needed (need 0): r[grant] >= 1. A cut lifts the row by its weight.
            weight = float(len(row.requires) - row.need + 1) if row.threshold and row.need else 1.0
            terms = [(r[row.grant], weight), *((r[v], -1.0) for v in row.requires)]
            if row.cut >= 0:
                terms.append((cut_columns[row.cut], weight))
            milp.row(1.0 - row.need, INF, terms)
        for i, v in layer.pairs:
            w = float(sum(weights[i, level - 1] for level in layer.levels))
            if w > 0:
                objective_terms.append((r[v], w))
    objective = [0.0] * len(milp.cost)
    for column, weight in objective_terms:
        objective[column] += weight
    start = _start(program, layers, columns, _greedy(layers, weights, program.costs, budget))
    status, values = milp.solve(objective, start)
    _check_optimal(status)
    best = sum(objective[c] * values[c] for c in range(len(values)))
    # Second pass: the cheapest plan with that loss (HiGHS's tolerances allowed for).
    milp.row(-INF, best + abs(best) * 1e-9 + 1e-6, objective_terms)
    dearest = max(program.costs.values(), default=1.0) or 1.0  # costs in units of the dearest control
    for control, cost in program.costs.items():
        milp.cost[program.controls[control]] = cost / dearest
    status, values = milp.solve(None, {c: values[c] for c in range(len(values))})
    _check_optimal(status)
    controls = program.chosen(values)
    return Plan(controls, sum(program.costs[c] for c in controls), layers.levels(controls), status_name(status),
                layers)


def _check_optimal(status: HighsModelStatus) -> None:
    if status != HighsModelStatus.kOptimal:
        raise InputError(f"the plan's integer program ended with status {status_name(status)}")


def _greedy(layers: Layers, weights: npt.NDArray[np.float64], costs: dict[str, float], budget: float) -> list[str]:
    """Controls added one at a time, each the most expected loss removed per unit of cost that
    still fits the budget, while one removes any. Lazy: a control's gain from an earlier round
    bounds its gain now (mostly; this is a warm start, not the answer), so it is evaluated again
    only when it comes first; and only the layers whose cuts it changes are evaluated."""
    weighed = layers.weighed(weights)
    touching: dict[int, list[int]] = {}  # cut -> layers with a row it cuts
    for k, layer in enumerate(layers.layers):
        for cut in layer.by_cut:
            touching.setdefault(cut, []).append(k)
    chosen: list[str] = []
    flags = layers.cut_flags(chosen)
    by_layer = layers.layer_losses(flags, weighed)
    spent, current = 0.0, sum(by_layer.values())

    def trial(control: str) -> tuple[float, list[bool], dict[int, float]]:
        after = layers.cut_flags([*chosen, control])
        changed = {k for c, (a, b) in enumerate(zip(flags, after, strict=True)) if a != b for k in touching.get(c, ())}
        losses = layers.layer_losses(after, weighed, sorted(changed))
        return current - sum(losses.values()) + sum(by_layer[k] for k in losses), after, losses

    queue = [(-math.inf, control) for control in sorted(costs)]
    while queue:
        heapq.heapify(queue)
        best: tuple[str, list[bool], dict[int, float]] | None = None
        while queue:
            _, control = heapq.heappop(queue)
            if spent + costs[control] > budget:
                continue
            gain, after, losses = trial(control)
            score = gain / max(costs[control], 1e-12)
            if queue and score < -queue[0][0]:
                heapq.heappush(queue, (-score, control))  # no longer first: look at the next
                continue
            if gain > 1e-9 * max(current, 1.0):
                best = (control, after, losses)
            break
        if best is None:
            break
        control, flags, losses = best
        chosen.append(control)
        spent += costs[control]
        by_layer.update(losses)
        current = sum(by_layer.values())
    return sorted(chosen)


def _start(program: _Program, layers: Layers, columns: list[list[int]], controls: list[str]) -> dict[int, float]:
    """A complete feasible assignment for ``controls``: the warm start."""
    chosen = set(controls)
    holds = (chosen | layers.held).__contains__
    start = {column: float(c in chosen) for c, column in program.controls.items()}
    for expr, column in program.expressions.values():
        start.setdefault(column, float(expr.evaluate(holds)))
    if program._one is not None:
        start[program._one] = 1.0
    flags = layers.cut_flags(controls)
    for layer, r in zip(layers.layers, columns, strict=True):
        reached, _ = layer.reach(flags)
        for v, column in enumerate(r):
            start[column] = float(reached[v])
    return start


def plan_critical(quant: QuantGraph, costs: dict[str, float], budget: float | None) -> Plan:
    """The cheapest controls that leave no way from any entry to a critical outcome."""
    program = _Program(quant.candidates, costs, budget)
    reachable = {n for n, v in entry_levels(quant.graph, None, set()).items() if v > 0}
    _reach_rows(quant, program, reachable, frozenset(quant.critical) & reachable)
    for column, cost in zip(program.controls.values(), program.costs.values(), strict=True):
        program.milp.cost[column] = cost
    status, values = program.milp.solve()
    if status == HighsModelStatus.kInfeasible:
        raise _infeasible(quant, costs, budget)
    _check_optimal(status)
    controls = program.chosen(values)
    return Plan(controls, sum(program.costs[c] for c in controls), quant.levels(controls), status_name(status))


def _reach_rows(quant: QuantGraph, program: _Program, nodes: set[str], zero: frozenset[str]) -> None:
    """Reachability variables for ``nodes`` from any entry, those in ``zero`` held at 0."""
    milp = program.milp
    r = {n: milp.var(0.0, 0.0 if n in zero else 1.0) for n in sorted(nodes)}
    for edge in quant.graph.edges:
        if not usable(edge, None):
            continue
        grants = [g for g in edge.grants if g in r]
        needs = [n for n in dict.fromkeys(edge.requires) if n in r]
        if not grants:
            continue
        if edge.threshold is None:
            if len(needs) < len(set(edge.requires)):
                continue
            slack, weight = 1.0 - len(needs), 1.0
        else:
            if len(needs) < edge.threshold:
                continue
            slack, weight = 1.0 - edge.threshold, float(len(needs) - edge.threshold + 1)
        cut = quant.cut_by.get(edge.id)
        cut_column = program.expression(cut) if cut is not None else None
        for grant in grants:
            terms = [(r[grant], weight), *((r[n], -1.0) for n in needs)]
            if cut_column is not None:
                terms.append((cut_column, weight))
            milp.row(slack, INF, terms)


def _infeasible(quant: QuantGraph, costs: dict[str, float], budget: float | None) -> InputError:
    if budget is not None:
        try:
            cheapest = plan_critical(quant, costs, None)
        except InputError as exc:
            return exc
        return InputError(f"cutting every path to a critical outcome costs {cheapest.cost:,.0f}, "
                          f"more than the budget {budget:,.0f}",
                          hint="raise --budget, or use --objective loss to spend the budget where it cuts most loss")
    return InputError("some critical outcome is reachable through steps no control cuts",
                      hint="see the attack paths in 'fleetrisk assess'; steps with an empty cut_by need a model change")


def marginal_values(quant: QuantGraph, exact: Expectation, plan: Plan) -> dict[str, tuple[float, list[int]]]:
    """For each control of the plan: the exact expected annual loss dropping it would give back,
    and the pairs' levels without it (incremental on the plan's layers)."""
    layers = plan.layers or build_layers(quant)
    after = exact.total(plan.levels)
    fewer = layers.without_each(plan.controls)
    return {c: (exact.total(levels) - after, levels) for c, levels in fewer.items()}


def check_budget(budget: float, inputs: LossInputs) -> None:
    if not (math.isfinite(budget) and budget >= 0):
        raise InputError(f"--budget must be a finite amount, zero or more, got {budget}",
                         hint=f"a yearly amount in {inputs.currency}")
