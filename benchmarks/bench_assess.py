#!/usr/bin/env python3
"""Time `fleetrisk assess` end to end on synthetic models, as a user runs it.

Usage: python benchmarks/bench_assess.py [--sizes 1000,10000] [--repeat 3] [--shape layered|random]

For each size N it writes a model of N components and 2N flows (gen_model.py), then runs
`python -m fleetrisk assess MODEL --format json -o DIR` in a fresh process REPEAT times and
reports the median wall time and the peak resident memory of the child process.
Not a test: figures go in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen_model import generate  # noqa: E402


def run_once(model: Path, out: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one CLI run in a fresh child process."""
    code = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
        "wall = time.perf_counter() - t\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(r.returncode, wall, rss)\n"
    )
    cmd = [sys.executable, "-c", code, sys.executable, "-m", "fleetrisk", "assess", str(model),
           "--format", "json", "--output", str(out)]
    result = subprocess.run(cmd, capture_output=True, text=True, check=True)
    code_s, wall_s, rss_s = result.stdout.split()
    if code_s not in ("0", "1"):
        raise SystemExit(f"assess failed on {model}: exit {code_s}")
    return float(wall_s), int(rss_s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--shape", choices=("layered", "random"), default="layered")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            model = Path(tmp) / f"model-{n}.yaml"
            model.write_text(generate(n, shape=args.shape), encoding="utf-8")
            runs = [run_once(model, Path(tmp) / f"out-{n}") for _ in range(args.repeat)]
            report = json.loads((Path(tmp) / f"out-{n}" / "report.json").read_text(encoding="utf-8"))
            rows.append({
                "components": n,
                "flows": 2 * n,
                "model_bytes": model.stat().st_size,
                "findings": len(report["findings"]),
                "wall_s_median": round(statistics.median(r[0] for r in runs), 2),
                "wall_s_max": round(max(r[0] for r in runs), 2),
                "peak_rss_mb": round(max(r[1] for r in runs) / 1024),
            })
    print(f"# fleetrisk assess, {args.shape} flows, {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"{time.strftime('%Y-%m-%d')}")
    print("| components | flows | model size | findings | wall (median) | wall (max) | peak RSS |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['components']:,} | {r['flows']:,} | {r['model_bytes'] / 1e6:.1f} MB | {r['findings']:,} | "
              f"{r['wall_s_median']} s | {r['wall_s_max']} s | {r['peak_rss_mb']} MB |")


if __name__ == "__main__":
    main()
