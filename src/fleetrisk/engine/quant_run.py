"""Run the loss simulation and the countermeasure plan on a loaded model.

Shared by ``fleetrisk simulate``, ``fleetrisk plan`` and ``fleetrisk assess --loss``, so the
three give the same figures for the same model, iterations and seed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fleetrisk.catalog.loader import Catalog
from fleetrisk.catalog.organisation import catalog_for
from fleetrisk.engine import simulate as simulation
from fleetrisk.engine.loss_model import LossInputs, loss_inputs
from fleetrisk.engine.plan import Plan, check_budget, marginal_values, plan_critical, plan_loss
from fleetrisk.engine.quant_graph import QuantGraph, prepare
from fleetrisk.errors import UsageError
from fleetrisk.evidence import Evidence
from fleetrisk.model.loader import LoadedModel
from fleetrisk.quant_results import LossView, PlannedControl, PlanReport

MAX_ITERATIONS = 100_000_000


@dataclass(frozen=True)
class LossSetup:
    """A model ready to simulate: its attack graph for the quantitative run and its loss inputs."""

    loaded: LoadedModel
    catalog: Catalog
    quant: QuantGraph
    inputs: LossInputs


def check_iterations(iterations: int) -> None:
    if not 1 <= iterations <= MAX_ITERATIONS:
        raise UsageError(f"--iterations must be between 1 and {MAX_ITERATIONS:,}, got {iterations}")


def loss_setup(
    loaded: LoadedModel,
    catalog: Catalog | None = None,
    *,
    as_of: dt.date | None = None,
    evidence: Evidence | None = None,
) -> LossSetup:
    """The one analysis of the model (with its evidence and date), ready to simulate."""
    catalog = catalog or catalog_for(loaded)
    quant = prepare(loaded, catalog, as_of, evidence)
    return LossSetup(loaded, catalog, quant, loss_inputs(loaded, catalog))


def choose_plan(setup: LossSetup, sim: simulation.Simulation, objective: str, budget: float) -> Plan:
    """The controls to fund: ``loss`` (least expected loss) or ``critical-paths``."""
    if objective == "loss":
        return plan_loss(setup.quant, sim, setup.inputs.control_costs, budget)
    return plan_critical(setup.quant, setup.inputs.control_costs, budget)


def plan_report(setup: LossSetup, sim: simulation.Simulation, chosen: Plan, *, objective: str, budget: float,
                lang: str, tool: str) -> PlanReport:
    """The JSON-ready summary of a plan, with risk before and after on the same draws."""
    quant, costs = setup.quant, setup.inputs.control_costs
    values = marginal_values(quant, sim, chosen)
    cut = quant.levels(chosen.controls)
    critical = set(quant.critical)
    return PlanReport(
        tool=tool,
        model=setup.loaded.file,
        objective="critical-paths" if objective == "critical-paths" else "loss",
        currency=setup.inputs.currency,
        budget=budget,
        cost=chosen.cost,
        controls=[PlannedControl(id=c, title=setup.catalog.controls[c].title.get(lang), cost=costs[c],
                                 marginal_value=values[c])
                  for c in sorted(chosen.controls, key=lambda c: (-values[c], c))],
        risk_before=sim.expected([p.level for p in quant.pairs]),
        risk_after=sim.expected(chosen.levels),
        critical_outcomes=[n.removeprefix("outcome:") for n in quant.critical],
        critical_cut=not any(level and p.outcome in critical for p, level in zip(quant.pairs, cut, strict=True)),
        iterations=sim.iterations,
        seed=sim.seed,
        solver=chosen.status,
    )


def loss_view(loaded: LoadedModel, iterations: int, seed: int, budget: float | None, *, lang: str,
              tool: str, as_of: dt.date | None = None, evidence: Evidence | None = None,
              catalog: Catalog | None = None) -> LossView:
    """Simulate the model; with a budget, also plan for least loss and simulate the plan on the
    same draws (the same seed gives the same years, so the two curves compare like for like)."""
    check_iterations(iterations)
    setup = loss_setup(loaded, catalog, as_of=as_of, evidence=evidence)
    if budget is not None:
        check_budget(budget, setup.inputs)
    sim = simulation.simulate(setup.quant, setup.inputs, iterations, seed)
    before = simulation.exceedance_curve(sim.totals[0])
    expected = sim.expected([p.level for p in setup.quant.pairs])
    if budget is None:
        return LossView(setup.inputs.currency, iterations, seed, before, expected)
    chosen = choose_plan(setup, sim, "loss", budget)
    report = plan_report(setup, sim, chosen, objective="loss", budget=budget, lang=lang, tool=tool)
    with_plan = simulation.simulate(setup.quant, setup.inputs, iterations, seed, scenarios=[chosen.levels])
    after = simulation.exceedance_curve(with_plan.totals[1])
    return LossView(setup.inputs.currency, iterations, seed, before, expected, after, report)
