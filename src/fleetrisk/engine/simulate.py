"""Open FAIR-style annual loss over the attack graph: exact expectations and a Monte Carlo.

One iteration is one year. Per year, and drawn once each (so that what is shared stays
correlated):

- each entry's threat events: Poisson with a PERT-uncertain rate (engine/loss_model.py);
- each bottleneck step's state: one uniform number, compared with the step-success chance of
  the level of every way that goes through it (engine/quant_graph.py).

An outcome reached from an entry suffers one loss event per threat event from that entry that
year (compound Poisson). Each event loses a fixed amount plus devices affected x loss per device
(x the fleet's safety multiplier), or counted records x loss per record, each drawn from its
PERT. Devices affected = fleet size x rollout reach (``graph.reach_devices``) x (1 - chance of
detection before full rollout); a denial of service is not shortened by detection. Records
count as :meth:`LossInputs.counted_records` says (at most one household per device for the
devices' own data, and growing as a power of the records beyond a knee).

**Exact expectations.** A pair's yearly loss is (its bottleneck is open) x (sum over its
events of what each costs), three independent parts, so its expected annual loss is exactly
mean events x chance of its level x mean loss per event; the whole is the sum over pairs
(:class:`Expectation`). These are what the plan optimises and what the tables of expected
loss show: they do not depend on the seed.

**The simulated years** give what the mean cannot: the spread (percentiles, the exceedance
curve, the chance of any loss) and, for the mean, a Monte Carlo standard error that checks the
simulation against the exact figure. Extra level vectors (``scenarios``: the plan, the plan
without one control) are simulated on the very same draws (common random numbers), so their
differences are paired and their standard errors small. Iterations run in chunks, so memory
stays bounded by the chunk plus one number per iteration and scenario.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from fleetrisk.engine.graph import parse_outcome
from fleetrisk.engine.loss_model import FloatArray, IntArray, LossInputs, Pert
from fleetrisk.engine.quant_graph import QuantGraph
from fleetrisk.quant_results import Contribution, ExceedancePoint, LossStats, Provenance, SimulationReport, Source

CHUNK = 1 << 16
#: Above this chance a bottleneck's years are drawn one uniform each, below it as geometric gaps.
DENSE = 0.25
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class OutcomeLoss:
    """What one loss event on an outcome costs: ``fixed + units x unit``."""

    node: str
    units: float  # devices affected (safety-weighted) or records counted
    unit: Pert


def outcome_losses(quant: QuantGraph, inputs: LossInputs) -> dict[str, OutcomeLoss]:
    graph = quant.graph
    devices = float(sum(graph.fleet_devices.values()))
    result: dict[str, OutcomeLoss] = {}
    for node in sorted({p.outcome for p in quant.pairs}):
        outcome, target = parse_outcome(node)
        if target.startswith("data:"):
            kind = quant.data_kind[target.removeprefix("data:")]
            records = inputs.counted_records(float(graph.data_records.get(node) or 0), kind, devices)
            result[node] = OutcomeLoss(node, records, inputs.per_record[kind])
            continue
        detection = 0.0 if outcome == "unavailable" else inputs.detection
        multiplier = inputs.safety_multiplier[quant.fleet_safety[target]]
        affected = graph.reach_devices[node] * (1 - detection) * multiplier
        result[node] = OutcomeLoss(node, affected, inputs.per_device[outcome])
    return result


@dataclass(frozen=True)
class Expectation:
    """Exact expected annual loss of every (entry, outcome) pair at any level of its easiest way."""

    rate: FloatArray  # [pair]: mean threat events a year from the pair's entry
    loss: FloatArray  # [pair]: mean loss of one loss event on the pair's outcome
    chance: FloatArray  # [level 0..5]: step-success chance (0 for unreachable)

    def frequency(self, levels: Sequence[int]) -> FloatArray:
        """Mean loss events a year of each pair at ``levels``."""
        result: FloatArray = self.rate * self.chance[np.asarray(levels, dtype=np.intp)]
        return result

    def by_pair(self, levels: Sequence[int]) -> FloatArray:
        result: FloatArray = self.frequency(levels) * self.loss
        return result

    def total(self, levels: Sequence[int]) -> float:
        """Expected annual loss when each pair's easiest way is at ``levels``."""
        return float(self.by_pair(levels).sum())

    def bands(self, top: Sequence[int]) -> FloatArray:
        """[pair, level 1..5 -> column 0..4]: what each level adds to a pair's expected loss,
        up to the pair's level in ``top`` (the sum of a row's first t columns is its loss at t)."""
        steps = np.diff(self.chance)  # chance[t] - chance[t - 1], t = 1..5
        cap = np.asarray(top, dtype=np.intp)[:, None]
        kept = np.arange(1, 6)[None, :] <= cap
        result: FloatArray = (self.rate * self.loss)[:, None] * steps[None, :] * kept
        return result


def expectation(quant: QuantGraph, inputs: LossInputs, losses: dict[str, OutcomeLoss] | None = None) -> Expectation:
    losses = losses or outcome_losses(quant, inputs)
    rate = np.array([inputs.frequency[p.entry].mean for p in quant.pairs], dtype=np.float64)
    loss = np.array([inputs.per_event.mean + losses[p.outcome].units * losses[p.outcome].unit.mean
                     for p in quant.pairs], dtype=np.float64)
    return Expectation(rate, loss, inputs.thresholds())


@dataclass
class Simulation:
    """The simulated years: one array of yearly losses per level scenario (index 0: as modelled)."""

    iterations: int
    seed: int
    totals: list[FloatArray]

    def mean(self, scenario: int = 0) -> float:
        return float(self.totals[scenario].mean())

    def stderr(self, scenario: int = 0) -> float:
        """Standard error of the scenario's mean annual loss (Monte Carlo noise)."""
        return _stderr(self.totals[scenario])

    def difference(self, first: int, second: int) -> tuple[float, float, int]:
        """Mean and standard error of ``first - second``, year by year (paired on the same draws),
        and how many years differ at all."""
        paired = self.totals[first] - self.totals[second]
        return float(paired.mean()), _stderr(paired), int(np.count_nonzero(paired))


def _stderr(values: FloatArray) -> float:
    return float(values.std(ddof=1) / np.sqrt(values.size)) if values.size > 1 else 0.0


def simulate(
    quant: QuantGraph,
    inputs: LossInputs,
    iterations: int,
    seed: int,
    scenarios: Sequence[Sequence[int]] = (),
    progress: Progress | None = None,
    losses: dict[str, OutcomeLoss] | None = None,
) -> Simulation:
    """Simulate ``iterations`` years; ``scenarios`` are extra level vectors (e.g. after a plan)
    whose yearly totals are computed on the same draws. ``losses`` replaces what each outcome's
    events cost (default: :func:`outcome_losses`).

    A bottleneck's yearly state is a uniform number compared with the success chances of the
    levels of the ways through it; only the years in which it falls below the highest of those
    chances can matter, so only they are drawn: their positions as a Bernoulli process (geometric
    gaps) and their states uniform below that chance, which is the same joint law as a uniform
    per year. Three independent streams (event counts, states, losses) come from the seed.

    Scenarios after the first are accumulated as differences from the first (a plan without
    one of its controls differs from the plan on a few pairs only) and added to it at the end.
    """
    counts_rng, states_rng, loss_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))
    pairs = quant.pairs
    level_sets = [[p.level for p in pairs], *[list(s) for s in scenarios]]
    reference = level_sets[1] if len(level_sets) > 1 else None
    thresholds = inputs.thresholds()
    losses = losses or outcome_losses(quant, inputs)
    entries = sorted({p.entry for p in pairs})
    by_bottleneck: dict[str, list[int]] = {}
    for i, pair in enumerate(pairs):
        by_bottleneck.setdefault(pair.bottleneck, []).append(i)
    bottlenecks = sorted(by_bottleneck)
    widest = {b: float(max(thresholds[pairs[i].level] for i in members)) for b, members in by_bottleneck.items()}
    totals = [np.zeros(iterations) for _ in level_sets]
    done = 0
    while done < iterations:
        size = min(CHUNK, iterations - done)
        counts = {e: counts_rng.random(size) for e in entries}  # one uniform per entry and year
        for bottleneck in bottlenecks:
            chance = widest[bottleneck]
            if chance > DENSE:  # most years may be open: one uniform per year is cheaper than gaps
                uniform = states_rng.random(size)
                years = np.flatnonzero(uniform < chance)
                states = uniform[years]
            else:
                years = _open_years(states_rng, size, chance)
                states = chance * states_rng.random(years.size)
            for i in by_bottleneck[bottleneck]:
                pair = pairs[i]
                frequency = inputs.frequency[pair.entry]
                drawn_counts = counts[pair.entry][years]
                open_ = (drawn_counts >= frequency.none) & (states < thresholds[pair.level])
                hit = years[open_]
                if hit.size == 0:
                    continue
                per_year = frequency.invert(drawn_counts[open_])
                year_loss = _event_losses(loss_rng, per_year, inputs.per_event, losses[pair.outcome])
                drawn = states[open_]
                at = done + hit
                for s, levels in enumerate(level_sets):
                    level = levels[i]
                    if s >= 2 and reference is not None:
                        if level == reference[i]:
                            continue  # as in the reference scenario, added at the end
                        _add(totals[s], at, drawn, year_loss, reference[i], pair.level, thresholds, -1.0)
                    _add(totals[s], at, drawn, year_loss, level, pair.level, thresholds, 1.0)
        done += size
        if progress is not None:
            progress(done, iterations)
    for scenario in totals[2:]:
        np.add(scenario, totals[1], out=scenario)
    return Simulation(iterations, seed, totals)


def _open_years(rng: np.random.Generator, size: int, chance: float) -> IntArray:
    """The years (of ``size``) in which a uniform number falls below ``chance``, in order:
    a Bernoulli process drawn as geometric gaps."""
    if chance <= 0.0:
        return np.zeros(0, dtype=np.int64)
    if chance >= 1.0:
        return np.arange(size, dtype=np.int64)
    found: list[IntArray] = []
    last = -1
    while last < size - 1:
        expected = (size - 1 - last) * chance
        batch = int(expected + 6 * np.sqrt(expected) + 16)
        positions = last + np.cumsum(rng.geometric(chance, batch))
        found.append(positions)
        last = int(positions[-1])
    years = np.concatenate(found)
    result: IntArray = years[years < size]
    return result


def _add(total: FloatArray, at: IntArray, drawn: FloatArray, year_loss: FloatArray, level: int, modelled: int,
         thresholds: FloatArray, sign: float) -> None:
    """Add the pair's loss in the years its bottleneck is open at ``level`` (at most ``modelled``)."""
    if level <= 0:
        return
    if level >= modelled:
        total[at] += sign * year_loss
        return
    kept = drawn < thresholds[level]
    total[at[kept]] += sign * year_loss[kept]


def _event_losses(rng: np.random.Generator, per_year: IntArray, fixed: Pert, outcome: OutcomeLoss) -> FloatArray:
    """Each year's summed loss over its ``per_year`` events, every event drawn on its own."""
    n = int(per_year.sum())
    loss = fixed.sample(rng, n)
    if outcome.units:
        loss += outcome.units * outcome.unit.sample(rng, n)
    if n == per_year.size:  # one event each: nothing to sum
        return loss
    owner = np.repeat(np.arange(per_year.size), per_year)
    summed: FloatArray = np.bincount(owner, weights=loss, minlength=per_year.size).astype(np.float64)
    return summed


#: Exceedance probabilities listed in reports (the curve's points).
EXCEEDANCE = (0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001)


def loss_stats(totals: FloatArray, expected: float, revenue: float | None = None) -> LossStats:
    ordered = np.sort(totals)
    n = ordered.size
    p50, p90, p99 = np.quantile(ordered, [0.5, 0.9, 0.99])
    return LossStats(mean=float(ordered.mean()), mean_stderr=_stderr(ordered), expected=expected,
                     p50=float(p50), p90=float(p90), p99=float(p99),
                     probability_of_loss=float(np.count_nonzero(ordered) / n),
                     share_of_revenue=expected / revenue if revenue else None)


def exceedance_curve(totals: FloatArray) -> list[ExceedancePoint]:
    """Points (probability, loss): the loss exceeded with that chance per year."""
    quantiles = np.quantile(totals, [1 - p for p in EXCEEDANCE])
    return [ExceedancePoint(probability=p, loss=float(q)) for p, q in zip(EXCEEDANCE, quantiles, strict=True)]


def provenance(inputs: LossInputs, expected: float) -> Provenance:
    """Where the figures come from: the defaults used, their sources, and the plausibility band."""
    low, high = inputs.revenue_band or (0.0, 1.0)
    share = expected / inputs.revenue if inputs.revenue else None
    return Provenance(
        defaults_version=inputs.defaults_version,
        defaults_used=inputs.defaults_used,
        sources=[Source(id=sid, citation=citation) for sid, citation in inputs.sources.items()],
        revenue=inputs.revenue,
        revenue_band=[low, high],
        within_band=None if share is None else low <= share <= high,
        max_outcome_frequency=inputs.max_outcome_frequency(),
    )


def simulation_report(
    quant: QuantGraph, inputs: LossInputs, sim: Simulation, *, model: str, tool: str,
    exact: Expectation | None = None,
) -> SimulationReport:
    """The JSON-ready summary of a simulation as modelled: exact expectations by outcome, fleet
    and entry; the simulated years' spread."""
    exact = exact or expectation(quant, inputs)
    levels = [p.level for p in quant.pairs]
    per_pair = exact.by_pair(levels)
    frequency = exact.frequency(levels)
    total = float(per_pair.sum())

    def grouped(key: Callable[[int], str]) -> list[Contribution]:
        loss: dict[str, float] = {}
        events: dict[str, float] = {}
        for i in range(len(quant.pairs)):
            name = key(i)
            loss[name] = loss.get(name, 0.0) + float(per_pair[i])
            events[name] = events.get(name, 0.0) + float(frequency[i])
        rows = [Contribution(id=name, expected_loss=value, share=value / total if total else 0.0,
                             events=events[name])
                for name, value in loss.items()]
        return sorted(rows, key=lambda c: (-c.expected_loss, c.id))

    pairs = quant.pairs
    return SimulationReport(
        tool=tool,
        model=model,
        currency=inputs.currency,
        iterations=sim.iterations,
        seed=sim.seed,
        annual_loss=loss_stats(sim.totals[0], total, inputs.revenue),
        exceedance=exceedance_curve(sim.totals[0]),
        by_outcome=grouped(lambda i: pairs[i].outcome.removeprefix("outcome:")),
        by_fleet=grouped(lambda i: parse_outcome(pairs[i].outcome)[1]),
        by_entry=grouped(lambda i: pairs[i].entry),
        detection=inputs.detection,
        defaults_used=inputs.defaults_used,
        provenance=provenance(inputs, total),
    )
