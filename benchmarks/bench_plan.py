#!/usr/bin/env python3
"""Time the countermeasure plan (`fleetrisk plan --budget`) on synthetic models, stage by stage.

Usage: python benchmarks/bench_plan.py [--sizes 10000,30000] [--repeat 5] [--budget 500000]
                                       [--iterations 100000] [--cli]

Each size's model is written once by gen_model.py. Each repeat is a fresh process that reads it
through the Python API (``from_data``: a model of 30,000 components is past the limits of a model
file) and times, as ``fleetrisk plan`` runs them:

  read    start-up, the YAML and the model's index (the command line reads a file instead);
  setup   the stated attack graph (matching, tracking, graph), each entry's reach and bottlenecks,
          the loss inputs and the exact expectations;
  plan    the shrunk layers, the greedy warm start and the two HiGHS solves;
  years   the simulated years (as modelled, with the plan, and short of each control, on the same
          draws), the marginal values and the report.

With ``--cli``, ``fleetrisk plan FILE --budget B --format json`` also runs end to end, in a fresh
process, for the sizes whose file the command reads. Reported: median and range (min-max) of each
stage over the repeats. Not a test: figures go in README.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

RUNNER = """
import gc, json, sys, time
import yaml
gc.disable()  # as the command line runs
t0 = time.perf_counter()
from fleetrisk import __version__
from fleetrisk.engine.quant_run import choose_plan, loss_setup, plan_report, simulate_plan
from fleetrisk.model.loader import from_data
path, budget, iterations = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
with open(path, encoding="utf-8") as handle:
    data = yaml.load(handle, Loader=yaml.CSafeLoader)
loaded = from_data(data)
loaded.index
t1 = time.perf_counter()
setup = loss_setup(loaded)
t2 = time.perf_counter()
chosen = choose_plan(setup, "loss", budget)
t3 = time.perf_counter()
sim, marginals = simulate_plan(setup, chosen, iterations, 1)
report = plan_report(setup, sim, chosen, marginals, objective="loss", budget=budget, lang="en", tool="bench")
t4 = time.perf_counter()
print(json.dumps({"read": t1 - t0, "setup": t2 - t1, "plan": t3 - t2, "years": t4 - t3, "total": t4 - t1,
                  "controls": report.controls and [c.id for c in report.controls], "pairs": len(setup.quant.pairs),
                  "edges": len(setup.quant.graph.edges), "before": report.risk_before, "after": report.risk_after}))
"""


def generate(n: int, directory: Path) -> Path:
    path = directory / f"model-{n}.yaml"
    with path.open("w", encoding="utf-8") as out:
        subprocess.run([sys.executable, str(HERE / "gen_model.py"), str(n)], stdout=out, check=True, cwd=ROOT)
    return path


def cli_seconds(path: Path, budget: float) -> float | None:
    """Wall time of `fleetrisk plan` end to end, or None when the command does not read the file."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "fleetrisk", "plan", str(path), "--budget", str(budget),
                           "--format", "json"], capture_output=True, text=True, check=False, cwd=ROOT)
    wall = time.perf_counter() - start
    return wall if done.returncode == 0 else None


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,30000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--budget", type=float, default=500_000)
    parser.add_argument("--iterations", type=int, default=100_000)
    parser.add_argument("--cli", action="store_true", help="also time `fleetrisk plan` end to end")
    args = parser.parse_args()
    print(f"# plan --budget {args.budget:,.0f}, {args.iterations:,} simulated years, {args.repeat} runs each, "
          f"{time.strftime('%Y-%m-%d')}; median (min-max)")
    print("| components | graph edges | pairs | read (API) | setup | plan | years | setup + plan + years "
          "| `fleetrisk plan` |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            path = generate(n, Path(tmp))
            runs, cli = [], []
            for _ in range(args.repeat):
                done = subprocess.run([sys.executable, "-c", RUNNER, str(path), str(args.budget), str(args.iterations)],
                                      capture_output=True, text=True, check=True, cwd=ROOT)
                runs.append(json.loads(done.stdout))
                if args.cli:
                    seconds = cli_seconds(path, args.budget)
                    if seconds is not None:
                        cli.append(seconds)
            first = runs[0]
            assert all(r["controls"] == first["controls"] for r in runs)  # the same plan every run
            column = {k: spread([r[k] for r in runs]) for k in ("read", "setup", "plan", "years", "total")}
            shown = spread(cli) if cli else ("-" if not args.cli else "file refused")
            print(f"| {n:,} | {first['edges']:,} | {first['pairs']:,} | {column['read']} | {column['setup']} "
                  f"| {column['plan']} "
                  f"| {column['years']} | {column['total']} | {shown} |")
            print(f"<!-- {n}: {len(first['controls'] or [])} controls, expected loss {first['before']:,.0f} -> "
                  f"{first['after']:,.0f} -->")


if __name__ == "__main__":
    main()
