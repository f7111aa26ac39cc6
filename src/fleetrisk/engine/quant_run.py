"""Run the loss simulation and the countermeasure plan on a loaded model.

Shared by ``fleetrisk simulate``, ``fleetrisk plan`` and ``fleetrisk assess --loss/--budget``,
so they give the same figures for the same model, iterations and seed: the plan is chosen on
exact expected losses (no seed involved), then the years are simulated once, as modelled, with
the plan, and with the plan short of each of its controls, all on the same draws.
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
from fleetrisk.quant_results import LossView, PlannedControl, PlanReport, SimulatedRisk

MAX_ITERATIONS = 100_000_000
#: A control's benefit is within noise below this many standard errors of its paired difference.
NOISE_Z = 2.0
#: ... or when fewer simulated years than this show any difference at all.
NOISE_YEARS = 10


@dataclass(frozen=True)
class LossSetup:
    """A model ready to simulate: its attack graph for the quantitative run, its loss inputs
    and their exact expectations."""

    loaded: LoadedModel
    catalog: Catalog
    quant: QuantGraph
    inputs: LossInputs
    losses: dict[str, simulation.OutcomeLoss]
    exact: simulation.Expectation

    @property
    def levels(self) -> list[int]:
        return [p.level for p in self.quant.pairs]


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
    inputs = loss_inputs(loaded, catalog)
    losses = simulation.outcome_losses(quant, inputs)
    return LossSetup(loaded, catalog, quant, inputs, losses, simulation.expectation(quant, inputs, losses))


def choose_plan(setup: LossSetup, objective: str, budget: float) -> Plan:
    """The controls to fund: ``loss`` (least expected loss) or ``critical-paths``."""
    if objective == "loss":
        return plan_loss(setup.quant, setup.exact, setup.inputs.control_costs, budget)
    return plan_critical(setup.quant, setup.inputs.control_costs, budget)


def simulate_plan(setup: LossSetup, chosen: Plan, iterations: int, seed: int,
                  progress: simulation.Progress | None = None
                  ) -> tuple[simulation.Simulation, dict[str, tuple[float, list[int]]]]:
    """The years as modelled (0), with the plan (1) and with the plan short of each of its
    controls (2, 3, ...), on the same draws; and each control's exact marginal value."""
    marginals = marginal_values(setup.quant, setup.exact, chosen)
    scenarios = [chosen.levels, *(marginals[c][1] for c in chosen.controls)]
    sim = simulation.simulate(setup.quant, setup.inputs, iterations, seed, scenarios, progress, setup.losses)
    return sim, marginals


def plan_report(setup: LossSetup, sim: simulation.Simulation, chosen: Plan,
                marginals: dict[str, tuple[float, list[int]]], *, objective: str, budget: float, lang: str,
                tool: str) -> PlanReport:
    """The JSON-ready summary of a plan: exact risk before and after, and the same on the
    simulated years with standard errors; each control flagged when its benefit is within noise."""
    quant, costs = setup.quant, setup.inputs.control_costs
    critical = set(quant.critical)
    before, after = setup.exact.total(setup.levels), setup.exact.total(chosen.levels)
    controls = []
    for k, control in enumerate(chosen.controls, start=2):
        value = marginals[control][0]
        _, stderr, differing = sim.difference(k, 1)
        controls.append(PlannedControl(
            id=control, title=setup.catalog.controls[control].title.get(lang), cost=costs[control],
            marginal_value=value, marginal_stderr=stderr,
            within_noise=value <= NOISE_Z * stderr or differing < NOISE_YEARS,
        ))
    reduction, reduction_stderr, _ = sim.difference(0, 1)
    return PlanReport(
        tool=tool,
        model=setup.loaded.file,
        objective="critical-paths" if objective == "critical-paths" else "loss",
        currency=setup.inputs.currency,
        budget=budget,
        cost=chosen.cost,
        controls=sorted(controls, key=lambda c: (c.within_noise, -c.marginal_value, c.id)),
        risk_before=before,
        risk_after=after,
        simulated=SimulatedRisk(before=sim.mean(0), before_stderr=sim.stderr(0), after=sim.mean(1),
                                after_stderr=sim.stderr(1), reduction=reduction, reduction_stderr=reduction_stderr),
        critical_outcomes=[n.removeprefix("outcome:") for n in quant.critical],
        critical_cut=not any(level and p.outcome in critical for p, level in zip(quant.pairs, chosen.levels,
                                                                                  strict=True)),
        iterations=sim.iterations,
        seed=sim.seed,
        solver=chosen.status,
        provenance=simulation.provenance(setup.inputs, before),
    )


def run_plan(setup: LossSetup, objective: str, budget: float, iterations: int, seed: int, *, lang: str,
             tool: str, progress: simulation.Progress | None = None) -> tuple[PlanReport, simulation.Simulation]:
    """Choose the plan, simulate it beside the model on the same years, and report it."""
    chosen = choose_plan(setup, objective, budget)
    sim, marginals = simulate_plan(setup, chosen, iterations, seed, progress)
    report = plan_report(setup, sim, chosen, marginals, objective=objective, budget=budget, lang=lang, tool=tool)
    return report, sim


def loss_view(loaded: LoadedModel, iterations: int, seed: int, budget: float | None, *, lang: str,
              tool: str, as_of: dt.date | None = None, evidence: Evidence | None = None,
              catalog: Catalog | None = None) -> LossView:
    """Simulate the model; with a budget, also plan for least loss exactly as ``fleetrisk plan``
    does (same plan, same years), so the two curves and the plan's figures are those of ``plan``."""
    check_iterations(iterations)
    setup = loss_setup(loaded, catalog, as_of=as_of, evidence=evidence)
    if budget is not None:
        check_budget(budget, setup.inputs)
    expected = setup.exact.total(setup.levels)
    provenance = simulation.provenance(setup.inputs, expected)
    if budget is None:
        sim = simulation.simulate(setup.quant, setup.inputs, iterations, seed, losses=setup.losses)
        return LossView(setup.inputs.currency, iterations, seed, simulation.exceedance_curve(sim.totals[0]),
                        expected, provenance)
    report, sim = run_plan(setup, "loss", budget, iterations, seed, lang=lang, tool=tool)
    return LossView(setup.inputs.currency, iterations, seed, simulation.exceedance_curve(sim.totals[0]), expected,
                    provenance, simulation.exceedance_curve(sim.totals[1]), report)
