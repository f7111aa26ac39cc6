"""Loss inputs for the simulation: documented defaults, the model's overrides, and samplers.

Every default is in US dollars and follows from a qualitative level already in the model or
catalog (entry exposure, likelihood level, outcome severity, fleet safety class); the model's
``loss`` section overrides any of them (docs/quantitative.md lists them all).

Samplers draw by inverse CDF from tables built once per distribution, so every draw costs one
uniform number and a table lookup:

- :class:`Pert` is the beta-PERT of a three-point estimate (shape ``1 + 4 (mode - low) /
  (high - low)``), whose mode is the given mode and whose mean is ``(low + 4 mode + high) / 6``.
- :class:`EventCount` is the number of threat events in a year: Poisson with a rate that is
  itself uncertain (PERT), i.e. the Poisson-PERT mixture, tabulated exactly up to a tail of 1e-12.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from fleetrisk.catalog.loader import Catalog
from fleetrisk.errors import InputError
from fleetrisk.model.loader import LoadedModel
from fleetrisk.model.schema import Estimate, Loss

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

LEVELS = ("rare", "unlikely", "possible", "likely", "almost-certain")

#: Threat events per year from each entry (low, most likely, high), in the spirit of the
#: foothold likelihoods in engine/graph.py: the internet most often, suppliers least.
DEFAULT_FREQUENCY: dict[str, tuple[float, float, float]] = {
    "internet": (1.0, 4.0, 12.0),
    "device": (0.5, 2.0, 6.0),
    "customer": (0.5, 2.0, 6.0),
    "network": (0.2, 1.0, 3.0),
    "dependency": (0.2, 1.0, 3.0),
    "partner": (0.1, 0.5, 2.0),
    "insider": (0.05, 0.2, 1.0),
    "corporate": (0.1, 0.5, 2.0),
    "supplier": (0.02, 0.1, 0.5),
}
#: Chance per year that a step at each likelihood level is open to the attackers of that year.
DEFAULT_STEP_SUCCESS = {"rare": 0.02, "unlikely": 0.08, "possible": 0.2, "likely": 0.4, "almost-certain": 0.7}
#: Loss per affected device by fleet outcome, in USD; the order follows the outcome severity.
DEFAULT_PER_DEVICE: dict[str, tuple[float, float, float]] = {
    "unavailable": (0.5, 2.0, 10.0),              # support calls, service credits
    "false-information": (0.2, 1.0, 5.0),         # corrections, complaints
    "hijacked": (2.0, 10.0, 50.0),                # field visits, resets, claims
    "code-execution": (5.0, 25.0, 100.0),         # clean-up, re-provisioning
    "firmware-takeover": (10.0, 60.0, 250.0),     # recovery or recall of bricked devices
    # The data of the fleet's devices (feeds, recordings, readings) exposed where the model names
    # no data set for it: notification, support and claims for each device's owner.
    "data-exposed": (0.5, 3.0, 30.0),
}
DEFAULT_PER_EVENT = (20_000.0, 100_000.0, 1_000_000.0)  # response, forensics, notification
#: Loss per exposed record by kind of data, in USD: personal data costs notification, support
#: and fines; a telemetry row alone costs little.
DEFAULT_PER_RECORD: dict[str, tuple[float, float, float]] = {
    "credentials": (2.0, 10.0, 100.0),
    "personal": (1.0, 5.0, 50.0),
    "location": (1.0, 5.0, 50.0),
    "media": (0.5, 2.0, 20.0),
    "commands": (0.001, 0.01, 0.1),
    "telemetry": (0.001, 0.01, 0.1),
    "other": (0.001, 0.01, 0.1),
}
#: Per-device loss multiplier by the fleet's safety class.
DEFAULT_SAFETY_MULTIPLIER = {"none": 1.0, "low": 1.2, "moderate": 1.5, "high": 2.5, "critical": 4.0}
DEFAULT_DETECTION_WITH_MONITORING = 0.5

#: Points of the quantile tables; draws interpolate linearly between them.
TABLE_POINTS = 4096
GUIDE = 1024


class Pert:
    """Beta-PERT on [low, high] with the given mode, sampled by its quantile function."""

    def __init__(self, low: float, mode: float, high: float) -> None:
        self.low, self.mode, self.high = float(low), float(mode), float(high)
        self.mean = (self.low + 4 * self.mode + self.high) / 6
        self.table = _pert_quantiles(self.low, self.mode, self.high)

    @classmethod
    def of(cls, estimate: Estimate | tuple[float, float, float], scale: float = 1.0) -> Pert:
        low, mode, high = (estimate.low, estimate.mode, estimate.high) if isinstance(estimate, Estimate) else estimate
        return cls(low * scale, mode * scale, high * scale)

    def quantile(self, u: FloatArray) -> FloatArray:
        """Values at probabilities ``u`` in [0, 1)."""
        if self.low == self.high:
            return np.full(u.shape, self.low)
        position = u * TABLE_POINTS
        index = position.astype(np.intp)
        low = self.table[index]
        result: FloatArray = low + (position - index) * (self.table[index + 1] - low)
        return result

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return self.quantile(rng.random(size))


def _pert_quantiles(low: float, mode: float, high: float) -> FloatArray:
    if high == low:
        return np.full(TABLE_POINTS + 1, low)
    alpha = 1 + 4 * (mode - low) / (high - low)
    beta = 1 + 4 * (high - mode) / (high - low)
    # Both shapes are >= 1, so the density is bounded: integrate it on a fine grid, invert.
    x = np.linspace(0.0, 1.0, 1 << 16)
    log_density = np.zeros_like(x)
    inner = slice(1, -1)
    log_density[inner] = (alpha - 1) * np.log(x[inner]) + (beta - 1) * np.log1p(-x[inner])
    density = np.exp(log_density - log_density[inner].max())
    density[0] = 1.0 if alpha == 1 else 0.0
    density[-1] = 1.0 if beta == 1 else 0.0
    cdf = np.concatenate(([0.0], np.cumsum((density[1:] + density[:-1]) / 2)))
    cdf /= cdf[-1]
    table = np.interp(np.linspace(0.0, 1.0, TABLE_POINTS + 1), cdf, x)
    result: FloatArray = low + table * (high - low)
    return result


class EventCount:
    """Events per year: Poisson whose rate is a PERT estimate (one rate uncertainty, one count)."""

    def __init__(self, rate: Pert) -> None:
        self.rate = rate
        # The mixture's probabilities, averaging Poisson(k; rate) over the rate's quantiles.
        rates = rate.quantile((np.arange(2048) + 0.5) / 2048)
        top = int(rate.high + 12 * math.sqrt(rate.high + 1) + 20)
        k = np.arange(top + 1, dtype=np.float64)
        log_factorial = np.concatenate(([0.0], np.cumsum(np.log(np.arange(1, top + 1)))))
        with np.errstate(divide="ignore"):
            log_rates = np.log(rates)[:, None]
        log_pmf = k[None, :] * log_rates - rates[:, None] - log_factorial[None, :]
        log_pmf[:, 0] = -rates  # 0 * log(0) is 0 for a zero rate
        pmf = np.exp(log_pmf).mean(axis=0)
        self.cdf = np.cumsum(pmf)
        self.cdf[-1] = 1.0
        self.mean = rate.mean
        #: A uniform below this means no event: a year's count is ``invert(u)``.
        self.none = float(self.cdf[0])
        # Guide table: where to start looking for each 1/GUIDE of probability.
        self._guide = np.searchsorted(self.cdf, np.arange(GUIDE) / GUIDE, side="right")

    def invert(self, u: FloatArray) -> IntArray:
        """The counts at probabilities ``u``: the least k with cdf[k] > u."""
        k = self._guide[(u * GUIDE).astype(np.intp)]
        while True:
            below = self.cdf[k] <= u
            if not below.any():
                return k.astype(np.int64)
            k += below

    def sample(self, rng: np.random.Generator, size: int) -> IntArray:
        return self.invert(rng.random(size))


@dataclass
class LossInputs:
    """Every loss input, defaults filled in, amounts in ``currency``."""

    currency: str
    frequency: dict[str, EventCount]
    step_success: dict[int, float]  # likelihood level 1..5 -> chance per year
    per_event: Pert
    per_device: dict[str, Pert]
    per_record: dict[str, Pert]  # by kind of data
    safety_multiplier: dict[str, float]
    detection: float
    control_costs: dict[str, float]
    defaults_used: list[str] = field(default_factory=list)

    def thresholds(self) -> FloatArray:
        """Success chances by level, index 0 (unreachable) .. 5."""
        return np.array([0.0] + [self.step_success[level] for level in range(1, 6)])


def loss_inputs(loaded: LoadedModel, catalog: Catalog) -> LossInputs:
    """The loss inputs of a model: its ``loss`` section over the documented defaults."""
    loss = loaded.model.loss or Loss()
    scale = _usd_scale(loaded, loss)
    used: list[str] = []

    def pick(given: Estimate | None, default: tuple[float, float, float], name: str, money: bool = True) -> Pert:
        if given is not None:
            return Pert.of(given)
        used.append(name)
        return Pert.of(default, scale if money else 1.0)

    given_frequency: dict[str, Estimate] = {str(k): v for k, v in loss.threat_event_frequency.items()}
    given_success: dict[str, float] = {str(k): v for k, v in loss.step_success.items()}
    given_device: dict[str, Estimate] = {str(k): v for k, v in loss.per_device.items()}
    given_record: dict[str, Estimate] = {str(k): v for k, v in loss.per_record.items()}
    frequency = {
        entry: EventCount(pick(given_frequency.get(entry), default, f"threat_event_frequency.{entry}", money=False))
        for entry, default in DEFAULT_FREQUENCY.items()
    }
    success = {i: given_success.get(name, DEFAULT_STEP_SUCCESS[name]) for i, name in enumerate(LEVELS, start=1)}
    chances = [success[i] for i in range(1, 6)]
    if any(a > b for a, b in itertools.pairwise(chances)):
        raise InputError("loss.step_success must not fall as the likelihood level rises",
                         location=loaded.document.locate(("loss", "step_success")),
                         hint=f"got {dict(zip(LEVELS, chances, strict=True))}")
    detection = loss.detection
    if detection is None:
        detection = DEFAULT_DETECTION_WITH_MONITORING if loaded.model.practices.anomaly_detection else 0.0
    costs = {cid: amount * scale for cid, amount in catalog.control_costs.items()}
    for cid, amount in loss.control_costs.items():
        if cid not in catalog.controls:
            raise InputError(f"loss.control_costs names unknown control {cid!r}",
                             location=loaded.document.locate(("loss", "control_costs", cid)),
                             hint="see 'fleetrisk catalog' for control ids")
        costs[cid] = amount
    return LossInputs(
        currency=loss.currency,
        frequency=frequency,
        step_success=success,
        per_event=pick(loss.per_event, DEFAULT_PER_EVENT, "per_event"),
        per_device={o: pick(given_device.get(o), d, f"per_device.{o}") for o, d in DEFAULT_PER_DEVICE.items()},
        per_record={k: pick(given_record.get(k), d, f"per_record.{k}") for k, d in DEFAULT_PER_RECORD.items()},
        safety_multiplier={**DEFAULT_SAFETY_MULTIPLIER, **{str(k): v for k, v in loss.safety_multiplier.items()}},
        detection=detection,
        control_costs=costs,
        defaults_used=used,
    )


def _usd_scale(loaded: LoadedModel, loss: Loss) -> float:
    """How many units of the model's currency one US dollar of the defaults is."""
    if loss.currency == "USD":
        return 1.0
    if loss.usd_rate is None:
        raise InputError(f"loss.currency is {loss.currency} but loss.usd_rate is not given",
                         location=loaded.document.locate(("loss", "currency")),
                         hint="state how many units of the currency one US dollar is (e.g. usd_rate: 150 for JPY): "
                              "the built-in defaults are in US dollars")
    return loss.usd_rate
