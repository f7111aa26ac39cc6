"""What `simulate` and `plan` produce: the source of their JSON shapes.

Amounts are yearly, in ``currency``; probabilities are per year.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from fleetrisk.results import Out

QUANT_SCHEMA_VERSION = "2.0"


class LossStats(Out):
    """Annual loss: the exact expectation and the simulated years' spread."""

    mean: float = Field(description="Mean of the simulated years.")
    mean_stderr: float = Field(description="Standard error of that mean (Monte Carlo noise).")
    expected: float = Field(description="Exact expected annual loss of the inputs: the mean converges to it.")
    p50: float
    p90: float
    p99: float
    probability_of_loss: float = Field(description="Share of years with any loss.")
    share_of_revenue: float | None = Field(description="expected / loss.revenue, when the model gives revenue.")


class Source(Out):
    """A publication (or fleetrisk's stated assumption) behind the defaults used."""

    id: str
    citation: str


class Provenance(Out):
    """Where the loss figures come from (catalog/data/loss-defaults.yaml, docs/loss-model.md)."""

    defaults_version: str
    defaults_used: list[str] = Field(description="Loss inputs taken from the sourced defaults.")
    sources: list[Source] = Field(description="The sources of the defaults used.")
    revenue: float | None = Field(description="The provider's annual revenue, from the model's loss section.")
    revenue_band: list[float] = Field(
        description="Plausible expected annual loss as shares of revenue [low, high] (docs/loss-model.md)."
    )
    within_band: bool | None = Field(
        description="Whether the expected annual loss lies in the band (None: no revenue)."
    )
    max_outcome_frequency: float = Field(
        description="The most loss events a year any outcome can have with these inputs (below 1 with the defaults)."
    )


class ExceedancePoint(Out):
    """The chance per year that the annual loss exceeds ``loss``."""

    probability: float
    loss: float


class Contribution(Out):
    """Exact expected annual loss from one outcome, fleet or entry."""

    id: str
    expected_loss: float
    share: float = Field(description="Fraction of the total expected annual loss.")
    events: float = Field(description="Expected loss events per year (its annual frequency).")


class SimulationReport(Out):
    schema_version: str = QUANT_SCHEMA_VERSION
    tool: str
    model: str
    currency: str
    iterations: int
    seed: int
    annual_loss: LossStats
    exceedance: list[ExceedancePoint]
    by_outcome: list[Contribution]
    by_fleet: list[Contribution] = Field(description="Fleet id, or data:<id> for a data set.")
    by_entry: list[Contribution]
    detection: float = Field(description="Chance of detection before full rollout used for device counts.")
    defaults_used: list[str] = Field(description="Loss inputs taken from the sourced defaults.")
    provenance: Provenance


class PlannedControl(Out):
    id: str
    title: str
    cost: float = Field(description="Yearly cost, in the plan's currency.")
    marginal_value: float = Field(
        description="Exact expected annual loss the plan would give back without this control."
    )
    marginal_stderr: float = Field(
        description="Monte Carlo standard error of that difference on the simulated years (paired draws)."
    )
    within_noise: bool = Field(
        description="The simulated years cannot tell the benefit from zero (below twice its standard error): "
        "not a decision on its own."
    )


class SimulatedRisk(Out):
    """The plan's risk on the simulated years: before and after on the same draws."""

    before: float = Field(description="Mean annual loss as modelled.")
    before_stderr: float
    after: float = Field(description="Mean annual loss with the plan.")
    after_stderr: float
    reduction: float = Field(description="Mean of before - after, year by year.")
    reduction_stderr: float = Field(description="Its standard error (paired: the same years before and after).")


class PlanReport(Out):
    schema_version: str = QUANT_SCHEMA_VERSION
    tool: str
    model: str
    objective: Literal["loss", "critical-paths"]
    currency: str
    budget: float
    cost: float
    controls: list[PlannedControl]
    risk_before: float = Field(description="Exact expected annual loss as modelled.")
    risk_after: float = Field(description="Exact expected annual loss with the plan.")
    simulated: SimulatedRisk
    critical_outcomes: list[str] = Field(description="Outcomes whose qualitative risk is critical.")
    critical_cut: bool = Field(description="Whether the plan leaves no way to any critical outcome.")
    iterations: int
    seed: int
    solver: str = Field(description="HiGHS model status of the final solve.")
    provenance: Provenance


@dataclass(frozen=True)
class LossView:
    """What the HTML report shows of the quantitative results (``assess --loss``).

    ``after`` and ``plan`` are set together, when a budget was given; both curves come from
    the same simulated years.
    """

    currency: str
    iterations: int
    seed: int
    before: list[ExceedancePoint]
    expected_before: float
    provenance: Provenance
    after: list[ExceedancePoint] | None = None
    plan: PlanReport | None = None
