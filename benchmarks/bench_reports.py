#!/usr/bin/env python3
"""Time `fleetrisk assess --format html,sarif,csv,md,json` end to end on synthetic models.

Usage: python benchmarks/bench_reports.py [--sizes 1000] [--repeat 3]

For each size N it writes a model of N components and 2N flows (gen_model.py) and runs the
command line in a fresh process REPEAT times, writing every format to one directory. Reports
the median wall time, the peak RSS of the child process and the size of each report.
Not a test: figures go in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
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

FORMATS = ("html", "sarif", "csv", "md", "json")
TIMER = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "wall = time.perf_counter() - t\n"
    "print(r.returncode, wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def run_once(model: Path, out: Path) -> tuple[float, int]:
    cmd = [sys.executable, "-c", TIMER, sys.executable, "-m", "fleetrisk", "assess", str(model),
           "--format", ",".join(FORMATS), "--output", str(out)]
    code, wall, rss = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()
    if code not in ("0", "1"):
        raise SystemExit(f"assess failed on {model}: exit {code}")
    return float(wall), int(rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"# fleetrisk assess, all formats, {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"{time.strftime('%Y-%m-%d')}")
    print("| components | flows | wall (median) | wall (max) | peak RSS | " + " | ".join(FORMATS) + " |")
    print("|---:|---:|---:|---:|---:|" + "---:|" * len(FORMATS))
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            model = Path(tmp) / f"model-{n}.yaml"
            model.write_text(generate(n), encoding="utf-8")
            out = Path(tmp) / f"out-{n}"
            runs = [run_once(model, out) for _ in range(args.repeat)]
            sizes = " | ".join(f"{(out / f'report.{f}').stat().st_size / 1e6:.1f} MB" for f in FORMATS)
            print(f"| {n:,} | {2 * n:,} | {statistics.median(r[0] for r in runs):.2f} s | "
                  f"{max(r[0] for r in runs):.2f} s | {max(r[1] for r in runs) / 1024:.0f} MB | {sizes} |")


if __name__ == "__main__":
    main()
