#!/usr/bin/env python3
"""fleetrisk's loss simulation against pyfair on the same inputs, side by side in one run.

Usage: python benchmarks/bench_quant.py [--scenarios 100] [--iterations 1000000] [--repeat 3]

pyfair 0.1a13 lives in its own virtualenv, benchmarks/.venv-pyfair (created on first use,
ignored by git). Each run is a fresh process, interleaved so that both see the same load:
  1. fleetrisk engine: S independent scenarios (entry -> step -> outcome), each with its own
     threat event frequency (PERT), step success chance and loss per event (PERT), simulated
     for N years in one call of fleetrisk.engine.simulate.simulate;
  2. pyfair: the same S scenarios as FairModels (TEF PERT, vulnerability constant, loss
     magnitude PERT), N simulations each, calculate_all();
  3. `fleetrisk simulate --iterations N` on the default example, end to end.
Reported: median wall time with its range (min-max), peak RSS, each side's expected annual loss
next to the analytic one (sum of mean TEF x chance x mean loss), and the speed ratio of each
round (pyfair over fleetrisk, run back to back) as a median and range, never the best round.
Not a test: figures go in README.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peer_venv import peer_python

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYFAIR_VENV = HERE / ".venv-pyfair"
PYFAIR_VERSION = "0.1a13"
LEVEL_CHANCE = {1: 0.02, 2: 0.08, 3: 0.2, 4: 0.4, 5: 0.7}

_MEASURE = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "wall = time.perf_counter() - t\n"
    "print(r.returncode, wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "print(r.stdout.strip().splitlines()[-1] if r.stdout.strip() else '-')\n"
)


def scenarios(count: int) -> list[dict[str, float]]:
    """Deterministic, varied inputs: TEF (low, mode, high), level, loss per event (low, mode, high)."""
    rows = []
    for i in range(count):
        mode = 0.5 + (i % 7) * 0.5
        level = 1 + i % 5
        loss_mode = 10_000.0 * (1 + i % 11)
        rows.append({"tef_low": mode / 4, "tef_mode": mode, "tef_high": mode * 3, "level": level,
                     "chance": LEVEL_CHANCE[level], "loss_low": loss_mode / 5, "loss_mode": loss_mode,
                     "loss_high": loss_mode * 8})
    return rows


def analytic_mean(rows: list[dict[str, float]]) -> float:
    def pert_mean(low: float, mode: float, high: float) -> float:
        return (low + 4 * mode + high) / 6

    return sum(pert_mean(r["tef_low"], r["tef_mode"], r["tef_high"]) * r["chance"]
               * pert_mean(r["loss_low"], r["loss_mode"], r["loss_high"]) for r in rows)


FLEETRISK_RUNNER = """
import json, sys
from fleetrisk.engine.graph import AttackGraph, Edge
from fleetrisk.engine.loss_model import EventCount, LossInputs, Pert
from fleetrisk.engine.quant_graph import Pair, QuantGraph
from fleetrisk.engine.simulate import OutcomeLoss, simulate
rows, iterations = json.loads(sys.argv[1]), int(sys.argv[2])
edges, pairs, frequency, per_device = [], [], {}, {}
for i, r in enumerate(rows):
    entry, node = f"e{i}", f"outcome:hijacked@f{i}"
    edges.append(Edge(id=f"s{i}", kind="authority", element=f"s{i}", requires=(), grants=(node,),
                      likelihood=r["level"], entries=(entry,)))
    pairs.append(Pair(entry, node, r["level"], f"s{i}"))
    frequency[entry] = EventCount(Pert(r["tef_low"], r["tef_mode"], r["tef_high"]))
graph = AttackGraph(edges, [], {}, {p.outcome: 0 for p in pairs}, {})
quant = QuantGraph(graph, {}, frozenset(), sorted(frequency), pairs, [])
inputs = LossInputs("USD", frequency, {1: 0.02, 2: 0.08, 3: 0.2, 4: 0.4, 5: 0.7}, Pert(0, 0, 0), {}, {}, {}, 0.0, {})
# Each scenario's loss per event: one unit at a PERT amount.
losses = {p.outcome: OutcomeLoss(p.outcome, 1.0, Pert(r["loss_low"], r["loss_mode"], r["loss_high"]))
          for p, r in zip(pairs, rows)}
result = simulate(quant, inputs, iterations, seed=1, losses=losses)
print(result.totals[0].mean())
"""

PYFAIR_RUNNER = """
import json, sys
from pyfair import FairModel
rows, iterations = json.loads(sys.argv[1]), int(sys.argv[2])
total = 0.0
for i, r in enumerate(rows):
    model = FairModel(name=f"s{i}", n_simulations=iterations)
    model.input_data("Threat Event Frequency", low=r["tef_low"], mode=r["tef_mode"], high=r["tef_high"])
    model.input_data("Vulnerability", constant=r["chance"])
    model.input_data("Loss Magnitude", low=r["loss_low"], mode=r["loss_mode"], high=r["loss_high"])
    model.calculate_all()
    total += float(model.export_results()["Risk"].mean())
print(total)
"""


def pyfair_python() -> Path:
    """The benchmark venv's interpreter, with pyfair installed (created or reused)."""
    return peer_python(PYFAIR_VENV, "pyfair", PYFAIR_VERSION)


def measure(cmd: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (MB) and last output line of ``cmd`` in a fresh child process."""
    result = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], capture_output=True, text=True, check=True,
                            cwd=ROOT)
    first, last = result.stdout.strip().splitlines()[:2]
    code, wall, rss = first.split()
    if code != "0":
        raise SystemExit(f"failed with exit {code}: {' '.join(cmd[:3])}")
    return float(wall), round(int(rss) / 1024), last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=100)
    parser.add_argument("--iterations", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-pyfair", action="store_true", help="only fleetrisk (no pyfair venv)")
    args = parser.parse_args()
    rows = scenarios(args.scenarios)
    payload = json.dumps(rows)
    steps: dict[str, list[str]] = {
        "fleetrisk engine": [sys.executable, "-c", FLEETRISK_RUNNER, payload, str(args.iterations)],
        "fleetrisk simulate (default example)": [sys.executable, "-m", "fleetrisk", "simulate", "--iterations",
                                                 str(args.iterations), "--format", "json"],
    }
    if not args.skip_pyfair:
        steps["pyfair"] = [str(pyfair_python()), "-c", PYFAIR_RUNNER, payload, str(args.iterations)]
    runs: dict[str, list[tuple[float, int, str]]] = {name: [] for name in steps}
    for _ in range(args.repeat):
        for name, cmd in steps.items():
            runs[name].append(measure(cmd))
    print(f"{args.scenarios} scenarios x {args.iterations:,} iterations, {args.repeat} interleaved rounds; "
          f"analytic mean {analytic_mean(rows):,.0f}")
    print("| step | wall, median (min-max) | peak RSS | expected annual loss |")
    print("|---|---:|---:|---:|")
    for name, results in runs.items():
        walls = [r[0] for r in results]
        value = results[0][2]
        shown = f"{float(value):,.0f}" if name != "fleetrisk simulate (default example)" else "(JSON)"
        print(f"| {name} | {statistics.median(walls):.2f} s ({min(walls):.2f}-{max(walls):.2f}) | "
              f"{max(r[1] for r in results)} MB | {shown} |")
    if "pyfair" in runs:
        # Each round ran both tools back to back: the ratio of each round, then their median and range.
        ratios = [p[0] / f[0] for p, f in zip(runs["pyfair"], runs["fleetrisk engine"], strict=True)]
        print(f"\npyfair / fleetrisk engine, per round: median {statistics.median(ratios):.1f}x "
              f"(range {min(ratios):.1f}-{max(ratios):.1f}x over {len(ratios)} rounds)")


if __name__ == "__main__":
    main()
