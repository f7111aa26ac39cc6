"""Open FAIR-style Monte Carlo of annual loss over the attack graph, vectorised in numpy.

One iteration is one year. Per year, and drawn once each (so that what is shared stays
correlated):

- each entry's threat events: Poisson with a PERT-uncertain rate (engine/loss_model.py);
- each bottleneck step's state: one uniform number, compared with the step-success chance of
  the level of every way that goes through it (engine/quant_graph.py).

An outcome reached from an entry suffers one loss event per threat event from that entry that
year (compound Poisson). Each event loses a fixed amount plus devices affected x loss per device
(x the fleet's safety multiplier), or records exposed x loss per record, each drawn from its
PERT. Devices affected = fleet size x rollout reach (``graph.reach_devices``) x (1 - chance of
detection before full rollout); a denial of service is not shortened by detection.

Besides each year's total, the loss of every (entry, outcome) pair is kept by the level band in
which its bottleneck draw fell: the loss with any lower level of that pair's easiest way is then
an exact partial sum (``weights``), which gives the plan's "after" on the very same draws.
Iterations run in chunks, so memory stays bounded by the chunk plus one number per iteration.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from fleetrisk.engine.graph import parse_outcome
from fleetrisk.engine.loss_model import FloatArray, IntArray, LossInputs, Pert
from fleetrisk.engine.quant_graph import QuantGraph
from fleetrisk.quant_results import Contribution, ExceedancePoint, LossStats, SimulationReport

CHUNK = 1 << 16
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class OutcomeLoss:
    """What one loss event on an outcome costs: ``fixed + units x unit``."""

    node: str
    units: float  # devices affected (safety-weighted) or records exposed
    unit: Pert


@dataclass
class Simulation:
    """The draws' results: yearly totals per scenario and the per-pair, per-level loss sums."""

    iterations: int
    seed: int
    totals: list[FloatArray]  # one array of yearly losses per level scenario (index 0: as modelled)
    weights: FloatArray  # [pair, level 0..5]: summed loss of years whose draw needs at least that level
    events: FloatArray  # [pair]: summed loss events

    def expected(self, levels: Sequence[int]) -> float:
        """Expected annual loss when each pair's easiest way is at ``levels`` (exact on these draws)."""
        cumulative = np.cumsum(self.weights, axis=1)
        picked = cumulative[np.arange(len(levels)), np.asarray(levels, dtype=np.intp)]
        return float(picked.sum() / self.iterations)


def outcome_losses(quant: QuantGraph, inputs: LossInputs) -> dict[str, OutcomeLoss]:
    graph = quant.graph
    result: dict[str, OutcomeLoss] = {}
    for node in sorted({p.outcome for p in quant.pairs}):
        outcome, target = parse_outcome(node)
        if target.startswith("data:"):
            kind = quant.data_kind[target.removeprefix("data:")]
            result[node] = OutcomeLoss(node, float(graph.data_records.get(node) or 0), inputs.per_record[kind])
            continue
        detection = 0.0 if outcome == "unavailable" else inputs.detection
        multiplier = inputs.safety_multiplier[quant.fleet_safety[target]]
        devices = graph.reach_devices[node] * (1 - detection) * multiplier
        result[node] = OutcomeLoss(node, devices, inputs.per_device[outcome])
    return result


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
    events cost (default: :func:`outcome_losses`)."""
    rng = np.random.default_rng(seed)
    pairs = quant.pairs
    base = [p.level for p in pairs]
    level_sets = [base, *[list(s) for s in scenarios]]
    thresholds = inputs.thresholds()
    losses = losses or outcome_losses(quant, inputs)
    entries = sorted({p.entry for p in pairs})
    bottlenecks = sorted({p.bottleneck for p in pairs})
    totals = [np.zeros(iterations) for _ in level_sets]
    weights = np.zeros((len(pairs), 6))
    events = np.zeros(len(pairs))
    done = 0
    while done < iterations:
        size = min(CHUNK, iterations - done)
        # One uniform per entry (its year's count) and per bottleneck (its year's state).
        counts = {e: rng.random(size) for e in entries}
        states = {b: rng.random(size) for b in bottlenecks}
        for i, pair in enumerate(pairs):
            frequency = inputs.frequency[pair.entry]
            state = states[pair.bottleneck]
            hit = np.flatnonzero((state < thresholds[pair.level]) & (counts[pair.entry] >= frequency.none))
            if hit.size == 0:
                continue
            per_year = frequency.invert(counts[pair.entry][hit])
            year_loss = _event_losses(rng, per_year, inputs.per_event, losses[pair.outcome])
            drawn = state[hit]
            band = np.ones(hit.size, dtype=np.intp)  # the lowest level at which the year is hit
            for level in range(1, pair.level):
                band += drawn >= thresholds[level]
            weights[i] += np.bincount(band, weights=year_loss, minlength=6)
            events[i] += per_year.sum()
            for levels, total in zip(level_sets, totals, strict=True):
                if levels[i] == pair.level:
                    total[done + hit] += year_loss
                elif levels[i] > 0:
                    kept = state[hit] < thresholds[levels[i]]
                    total[done + hit[kept]] += year_loss[kept]
        done += size
        if progress is not None:
            progress(done, iterations)
    return Simulation(iterations, seed, totals, weights, events)


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


def loss_stats(totals: FloatArray) -> LossStats:
    ordered = np.sort(totals)
    n = ordered.size
    p50, p90, p99 = np.quantile(ordered, [0.5, 0.9, 0.99])
    stderr = float(ordered.std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0
    return LossStats(mean=float(ordered.mean()), mean_stderr=stderr, p50=float(p50), p90=float(p90),
                     p99=float(p99), probability_of_loss=float(np.count_nonzero(ordered) / n))


def exceedance_curve(totals: FloatArray) -> list[ExceedancePoint]:
    """Points (probability, loss): the loss exceeded with that chance per year."""
    quantiles = np.quantile(totals, [1 - p for p in EXCEEDANCE])
    return [ExceedancePoint(probability=p, loss=float(q)) for p, q in zip(EXCEEDANCE, quantiles, strict=True)]


def simulation_report(
    quant: QuantGraph, inputs: LossInputs, sim: Simulation, *, model: str, tool: str
) -> SimulationReport:
    """The JSON-ready summary of a simulation as modelled."""
    per_pair = np.cumsum(sim.weights, axis=1)[np.arange(len(quant.pairs)), [p.level for p in quant.pairs]]
    total = float(per_pair.sum())

    def grouped(key: Callable[[int], str]) -> list[Contribution]:
        loss: dict[str, float] = {}
        events: dict[str, float] = {}
        for i in range(len(quant.pairs)):
            name = key(i)
            loss[name] = loss.get(name, 0.0) + float(per_pair[i])
            events[name] = events.get(name, 0.0) + float(sim.events[i])
        rows = [Contribution(id=name, expected_loss=value / sim.iterations,
                             share=value / total if total else 0.0, events=events[name] / sim.iterations)
                for name, value in loss.items()]
        return sorted(rows, key=lambda c: (-c.expected_loss, c.id))

    pairs = quant.pairs
    return SimulationReport(
        tool=tool,
        model=model,
        currency=inputs.currency,
        iterations=sim.iterations,
        seed=sim.seed,
        annual_loss=loss_stats(sim.totals[0]),
        exceedance=exceedance_curve(sim.totals[0]),
        by_outcome=grouped(lambda i: pairs[i].outcome.removeprefix("outcome:")),
        by_fleet=grouped(lambda i: parse_outcome(pairs[i].outcome)[1]),
        by_entry=grouped(lambda i: pairs[i].entry),
        detection=inputs.detection,
        defaults_used=inputs.defaults_used,
    )
