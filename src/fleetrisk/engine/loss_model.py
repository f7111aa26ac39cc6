"""Loss inputs for the simulation: sourced defaults, the model's overrides, and samplers.

Every default is in US dollars and sits, with the sources it rests on, in
``catalog/data/loss-defaults.yaml`` (docs/loss-model.md gives the reasoning). The model's
``loss`` section overrides any of them; ``defaults_used`` lists those it did not, and
``sources`` the publications behind them.

Samplers draw by inverse CDF from tables built once per distribution, so every draw costs one
uniform number and a table lookup:

- :class:`Pert` is the beta-PERT of a three-point estimate (shape ``1 + 4 (mode - low) /
  (high - low)``), whose mode is the given mode and whose mean is ``(low + 4 mode + high) / 6``.
- :class:`EventCount` is the number of threat events in a year: Poisson with a rate that is
  itself uncertain (PERT), i.e. the Poisson-PERT mixture, tabulated exactly up to a tail of 1e-12.

Both know the exact mean of what they draw (the tables' own), which is what the expected
losses of engine/simulate.py use: the simulated years' mean converges to them.
"""

from __future__ import annotations

import itertools
import math
import typing
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from fleetrisk.catalog.loader import Catalog, default_root
from fleetrisk.catalog.loss_defaults import LossDefaults, load_loss_defaults
from fleetrisk.errors import InputError
from fleetrisk.model.loader import LoadedModel
from fleetrisk.model.schema import Estimate, Loss
from fleetrisk.vocab import LikelihoodName

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

LEVELS: tuple[str, ...] = typing.get_args(LikelihoodName)
#: Kinds of data whose records are people or accounts; the other kinds are readings, clips or
#: commands of the fleet's devices and concern at most one household per device.
PER_PERSON_KINDS = frozenset({"personal", "credentials"})

#: Points of the quantile tables; draws interpolate linearly between them.
TABLE_POINTS = 4096
GUIDE = 1024


class Pert:
    """Beta-PERT on [low, high] with the given mode, sampled by its quantile function."""

    def __init__(self, low: float, mode: float, high: float) -> None:
        self.low, self.mode, self.high = float(low), float(mode), float(high)
        self.table = _pert_quantiles(self.low, self.mode, self.high)
        #: The mean of the draws (of the interpolated table): (low + 4 mode + high) / 6 to 1e-6.
        self.mean = self.low if self.low == self.high else float((self.table[:-1] + self.table[1:]).mean() / 2)

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
        #: The mean count of the draws (of the tabulated mixture), the rate's mean to 1e-9.
        self.mean = float(np.dot(k, np.diff(self.cdf, prepend=0.0)))
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
    records_knee: float = math.inf  # exposed records up to which a breach costs per record
    records_exponent: float = 1.0  # growth of the cost with the records beyond the knee
    revenue: float | None = None  # the provider's annual revenue, in ``currency``
    revenue_band: tuple[float, float] | None = None  # plausible expected loss, as shares of revenue
    sources: dict[str, str] = field(default_factory=dict)  # id -> citation, behind the defaults used
    defaults_version: str = ""

    def thresholds(self) -> FloatArray:
        """Success chances by level, index 0 (unreachable) .. 5."""
        return np.array([0.0] + [self.step_success[level] for level in range(1, 6)])

    def counted_records(self, records: float, kind: str, devices: float) -> float:
        """What ``records`` exposed records of ``kind`` cost, in records at the per-record loss.

        Records of the fleet's devices (not people or accounts) count at most ``devices``; beyond
        the knee the count grows as ``knee x (records / knee) ^ exponent``.
        """
        counted = records if kind in PER_PERSON_KINDS else min(records, devices)
        if counted <= self.records_knee:
            return float(counted)
        return float(self.records_knee * (counted / self.records_knee) ** self.records_exponent)

    def max_outcome_frequency(self) -> float:
        """The most loss events a year any one outcome can have: every entry's mean threat
        events through a way at the highest level."""
        return sum(count.mean for count in self.frequency.values()) * self.step_success[5]


def loss_inputs(loaded: LoadedModel, catalog: Catalog) -> LossInputs:
    """The loss inputs of a model: its ``loss`` section over the sourced defaults."""
    loss = loaded.model.loss or Loss()
    # A catalog of one's own without the file falls back to the bundled defaults.
    defaults = load_loss_defaults(catalog.root if (catalog.root / "loss-defaults.yaml").exists()
                                  else default_root())
    scale = _usd_scale(loaded, loss)
    used: list[str] = []

    def pick(given: Estimate | None, default: tuple[float, float, float], name: str, money: bool = True) -> Pert:
        if given is not None:
            return Pert.of(given)
        used.append(name)
        return Pert.of(default, scale if money else 1.0)

    def value(given: float | None, default: float, name: str) -> float:
        if given is not None:
            return given
        used.append(name)
        return default

    given_frequency: dict[str, Estimate] = {str(k): v for k, v in loss.threat_event_frequency.items()}
    given_success: dict[str, float] = {str(k): v for k, v in loss.step_success.items()}
    given_device: dict[str, Estimate] = {str(k): v for k, v in loss.per_device.items()}
    given_record: dict[str, Estimate] = {str(k): v for k, v in loss.per_record.items()}
    given_safety: dict[str, float] = {str(k): v for k, v in loss.safety_multiplier.items()}
    frequency = {
        entry: EventCount(pick(given_frequency.get(entry), default.triple, f"threat_event_frequency.{entry}",
                               money=False))
        for entry, default in defaults.threat_event_frequency.items()
    }
    success = {i: value(given_success.get(name), defaults.step_success[name].value, f"step_success.{name}")
               for i, name in enumerate(LEVELS, start=1)}
    chances = [success[i] for i in range(1, 6)]
    if any(a > b for a, b in itertools.pairwise(chances)):
        raise InputError("loss.step_success must not fall as the likelihood level rises",
                         location=loaded.document.locate(("loss", "step_success")),
                         hint=f"got {dict(zip(LEVELS, chances, strict=True))}")
    detection = loss.detection
    if detection is None:
        if loaded.model.practices.anomaly_detection:
            detection = value(None, defaults.detection.value, "detection")
        else:
            detection = 0.0
    costs = {cid: amount * scale for cid, amount in catalog.control_costs.items()}
    for cid, amount in loss.control_costs.items():
        if cid not in catalog.controls:
            raise InputError(f"loss.control_costs names unknown control {cid!r}",
                             location=loaded.document.locate(("loss", "control_costs", cid)),
                             hint="see 'fleetrisk catalog' for control ids")
        costs[cid] = amount
    inputs = LossInputs(
        currency=loss.currency,
        frequency=frequency,
        step_success=success,
        per_event=pick(loss.per_event, defaults.per_event.triple, "per_event"),
        per_device={o: pick(given_device.get(o), d.triple, f"per_device.{o}") for o, d in defaults.per_device.items()},
        per_record={k: pick(given_record.get(k), d.triple, f"per_record.{k}") for k, d in defaults.per_record.items()},
        safety_multiplier={k: value(given_safety.get(k), d.value, f"safety_multiplier.{k}")
                           for k, d in defaults.safety_multiplier.items()},
        detection=detection,
        control_costs=costs,
        records_knee=value(loss.records_knee, defaults.records.knee.value, "records.knee"),
        records_exponent=value(loss.records_exponent, defaults.records.exponent.value, "records.exponent"),
        revenue=loss.revenue,
        revenue_band=(defaults.revenue_band.low, defaults.revenue_band.high),
        defaults_version=defaults.version,
    )
    used.sort()
    inputs.defaults_used = used
    inputs.sources = _sources(defaults, used)
    return inputs


def _sources(defaults: LossDefaults, used: list[str]) -> dict[str, str]:
    """The publications behind the defaults ``used``, by id, in the file's order."""
    figures = defaults.figures()
    cited = {source for name in used for source in figures[name].source}
    return {sid: s.citation if str(s.year) in s.citation else f"{s.citation} ({s.year})"
            for sid, s in defaults.sources.items() if sid in cited}


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
