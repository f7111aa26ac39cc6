"""What `simulate` and `plan` produce: the source of their JSON shapes.

Amounts are yearly, in ``currency``; probabilities are per year.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from fleetrisk.results import Out

QUANT_SCHEMA_VERSION = "1.0"


class LossStats(Out):
    """Annual loss over the simulated years."""

    mean: float
    mean_stderr: float = Field(description="Standard error of the mean (Monte Carlo noise).")
    p50: float
    p90: float
    p99: float
    probability_of_loss: float = Field(description="Share of years with any loss.")


class ExceedancePoint(Out):
    """The chance per year that the annual loss exceeds ``loss``."""

    probability: float
    loss: float


class Contribution(Out):
    """Expected annual loss from one outcome, fleet or entry."""

    id: str
    expected_loss: float
    share: float = Field(description="Fraction of the total expected annual loss.")
    events: float = Field(description="Expected loss events per year.")


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
    defaults_used: list[str] = Field(description="Loss inputs taken from the documented defaults.")


class PlannedControl(Out):
    id: str
    title: str
    cost: float = Field(description="Yearly cost, in the plan's currency.")
    marginal_value: float = Field(
        description="Expected annual loss the plan would give back without this control."
    )


class PlanReport(Out):
    schema_version: str = QUANT_SCHEMA_VERSION
    tool: str
    model: str
    objective: Literal["loss", "critical-paths"]
    currency: str
    budget: float
    cost: float
    controls: list[PlannedControl]
    risk_before: float = Field(description="Expected annual loss as modelled.")
    risk_after: float = Field(description="Expected annual loss with the plan, on the same draws.")
    critical_outcomes: list[str] = Field(description="Outcomes whose qualitative risk is critical.")
    critical_cut: bool = Field(description="Whether the plan leaves no way to any critical outcome.")
    iterations: int
    seed: int
    solver: str = Field(description="HiGHS model status of the final solve.")


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
    after: list[ExceedancePoint] | None = None
    plan: PlanReport | None = None
