"""Choose controls by exact integer programming on the attack graph.

Both objectives model reachability on the AND/OR graph with binary node variables, never by
listing paths. A variable ``r[n]`` may be 0 only if no edge into ``n`` can fire: for an edge
that is not cut, ``r[grant] >= sum(r[requires]) - (|requires| - 1)`` (AND); a k-of-n edge
needs ``(n - k + 1) r[grant] >= sum(r[requires]) - (k - 1)``; several edges into one node each
give a row (OR). Cutting an edge (``y = 1``) lifts its row; ``y`` may be 1 only when the edge's
control expression holds for the chosen controls ``x``.

- ``loss``: minimise the expected annual loss within the budget. For each entry and each
  likelihood level t, the nodes reachable from that entry by steps of level >= t get their own
  variables; the simulation kept each (entry, outcome) pair's loss by level band
  (engine/simulate.py), so the objective equals the loss measured on the very same draws.
  Among plans of equal loss the cheapest is taken.
- ``critical-paths``: every outcome whose qualitative risk is critical must become unreachable
  from every entry, at minimum cost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from highspy import HighsModelStatus

from fleetrisk.catalog.conditions import ControlExpr
from fleetrisk.engine.loss_model import LossInputs
from fleetrisk.engine.milp import INF, Milp, status_name
from fleetrisk.engine.quant_graph import QuantGraph, entry_levels, usable
from fleetrisk.engine.simulate import Simulation
from fleetrisk.errors import InputError

Objective = str  # "loss" | "critical-paths"


@dataclass
class Plan:
    controls: list[str]
    cost: float
    levels: list[int]  # each pair's level with the plan
    status: str


class _Program:
    """The integer program under construction: control, cut and reachability variables."""

    def __init__(self, quant: QuantGraph, costs: dict[str, float], budget: float | None) -> None:
        self.quant = quant
        self.milp = Milp()
        self.controls = {c: self.milp.var() for c in quant.candidates}
        self.costs = {c: costs[c] for c in self.controls}
        self._expr: dict[str, int] = {}
        self._one: int | None = None
        if budget is not None:
            self.milp.row(-INF, budget, ((v, self.costs[c]) for c, v in self.controls.items()))

    def expression(self, expr: ControlExpr) -> int:
        """A binary that may be 1 only if ``expr`` holds for the chosen controls."""
        key = expr.describe()
        if key in self._expr:
            return self._expr[key]
        if expr.op == "one":
            assert expr.control is not None
            column = self.controls.get(expr.control)
            if column is None:  # held already, so always true
                column = self._constant_one()
        else:
            column = self.milp.var()
            children = [self.expression(child) for child in expr.children]
            if expr.op == "all":
                for child in children:
                    self.milp.row(-INF, 0.0, ((column, 1.0), (child, -1.0)))
            else:
                self.milp.row(-INF, 0.0, [(column, 1.0), *((child, -1.0) for child in children)])
        self._expr[key] = column
        return column

    def _constant_one(self) -> int:
        if self._one is None:
            self._one = self.milp.var(1.0, 1.0)
        return self._one

    def reach(
        self, entry: str | None, level: int, nodes: set[str], zero: frozenset[str] = frozenset()
    ) -> dict[str, int]:
        """Reachability variables for ``nodes`` (those reachable at ``level`` before any cut)."""
        r = {n: self.milp.var(0.0, 0.0 if n in zero else 1.0) for n in sorted(nodes)}
        for edge in self.quant.graph.edges:
            if edge.likelihood < level or not usable(edge, entry):
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
            cut = self.quant.cut_by.get(edge.id)
            cut_column = self.expression(cut) if cut is not None else None
            for grant in grants:
                terms = [(r[grant], weight), *((r[n], -1.0) for n in needs)]
                if cut_column is not None:
                    terms.append((cut_column, weight))
                self.milp.row(slack, INF, terms)
        return r

    def chosen(self, values: list[float]) -> list[str]:
        return sorted(c for c, v in self.controls.items() if values[v] > 0.5)


def plan_loss(quant: QuantGraph, sim: Simulation, costs: dict[str, float], budget: float) -> Plan:
    """Controls within ``budget`` that leave the least expected annual loss (then the cheapest)."""
    program = _Program(quant, costs, budget)
    milp = program.milp
    loss_terms: list[tuple[int, float]] = []
    by_entry: dict[str, list[int]] = {}
    for i, pair in enumerate(quant.pairs):
        by_entry.setdefault(pair.entry, []).append(i)
    for entry, members in sorted(by_entry.items()):
        reached = entry_levels(quant.graph, entry, set())
        for level in range(1, 6):
            weighted = [(i, sim.weights[i, level] / sim.iterations) for i in members
                        if quant.pairs[i].level >= level and sim.weights[i, level] > 0]
            if not weighted:
                continue
            reach = program.reach(entry, level, {n for n, v in reached.items() if v >= level})
            loss_terms += [(reach[quant.pairs[i].outcome], w) for i, w in weighted]
    objective = [0.0] * len(milp.cost)
    for column, weight in loss_terms:
        objective[column] += weight
    status, values = milp.solve(objective)
    if status != HighsModelStatus.kOptimal:
        raise InputError(f"the plan's integer program ended with status {status_name(status)}")
    best = sum(objective[c] * values[c] for c in range(len(values)))
    # Second pass: the cheapest plan with that loss (HiGHS's tolerances allowed for).
    milp.row(-INF, best + abs(best) * 1e-9 + 1e-6, loss_terms)
    status, values = milp.solve()
    if status != HighsModelStatus.kOptimal:
        raise InputError(f"the plan's integer program ended with status {status_name(status)}")
    return _plan(quant, program, values, status)


def plan_critical(quant: QuantGraph, costs: dict[str, float], budget: float | None) -> Plan:
    """The cheapest controls that leave no way from any entry to a critical outcome."""
    program = _Program(quant, costs, budget)
    reachable = {n for n, v in entry_levels(quant.graph, None, set()).items() if v > 0}
    program.reach(None, 1, reachable, zero=frozenset(quant.critical) & reachable)
    for column, cost in zip(program.controls.values(), program.costs.values(), strict=True):
        program.milp.cost[column] = cost
    status, values = program.milp.solve()
    if status == HighsModelStatus.kInfeasible:
        raise _infeasible(quant, costs, budget)
    if status != HighsModelStatus.kOptimal:
        raise InputError(f"the plan's integer program ended with status {status_name(status)}")
    return _plan(quant, program, values, status)


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


def _plan(quant: QuantGraph, program: _Program, values: list[float], status: HighsModelStatus) -> Plan:
    controls = program.chosen(values)
    return Plan(controls, sum(program.costs[c] for c in controls), quant.levels(controls), status_name(status))


def marginal_values(quant: QuantGraph, sim: Simulation, plan: Plan) -> dict[str, float]:
    """What dropping each control would give back, in expected annual loss."""
    after = sim.expected(plan.levels)
    return {c: sim.expected(quant.levels([o for o in plan.controls if o != c])) - after for c in plan.controls}


def check_budget(budget: float, inputs: LossInputs) -> None:
    if not (math.isfinite(budget) and budget >= 0):
        raise InputError(f"--budget must be a finite amount, zero or more, got {budget}",
                         hint=f"a yearly amount in {inputs.currency}")

