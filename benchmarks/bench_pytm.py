#!/usr/bin/env python3
"""fleetrisk against OWASP pytm on the same architecture, side by side in one run.

Usage: python benchmarks/bench_pytm.py [--sizes 1000,3000] [--repeat 3]

pytm 1.4.0 lives in its own virtualenv, benchmarks/.venv-pytm (created on first use, ignored by
git). For each size N, benchmarks/gen_pytm.py writes a pytm model of N elements and about
2N flows; then, each in a fresh process:
  1. pytm's own run:     python model.py --json out.json
  2. fleetrisk import:   fleetrisk import --from pytm out.json -o model.yaml
  3. fleetrisk assess:   fleetrisk assess model.yaml --format json --output DIR
Reported: median wall time and peak RSS over REPEAT runs, and findings per element.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peer_venv import peer_python

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GENERATOR = ROOT / "benchmarks" / "gen_pytm.py"
PYTM_VENV = HERE / ".venv-pytm"
PYTM_VERSION = "1.4.0"

_MEASURE = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "wall = time.perf_counter() - t\n"
    "print(r.returncode, wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def pytm_python() -> Path:
    """The benchmark venv's interpreter, with pytm==1.4.0 installed (created or reused)."""
    return peer_python(PYTM_VENV, "pytm", PYTM_VERSION)


def measure(cmd: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (MB) of ``cmd`` run in a fresh child process."""
    result = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], capture_output=True, text=True, check=True,
                            cwd=cwd)
    code, wall, rss = result.stdout.split()
    if code not in ("0", "1"):
        raise SystemExit(f"failed with exit {code}: {' '.join(cmd)}")
    return float(wall), round(int(rss) / 1024)


def summarise(runs: list[tuple[float, int]]) -> dict[str, float]:
    return {"wall": statistics.median(r[0] for r in runs), "rss": max(r[1] for r in runs)}


def bench(n: int, work: Path, python: Path, times: int) -> list[dict[str, object]]:
    model_py, pytm_json = work / f"model_{n}.py", work / f"pytm_{n}.json"
    model_yaml, out_dir = work / f"model_{n}.yaml", work / f"report_{n}"
    subprocess.run([sys.executable, str(GENERATOR), str(n), "-o", str(model_py)], check=True)
    fleetrisk = [sys.executable, "-m", "fleetrisk"]
    steps = (
        [str(python), str(model_py), "--json", str(pytm_json)],
        [*fleetrisk, "import", "--from", "pytm", str(pytm_json), "-o", str(model_yaml), "--force"],
        [*fleetrisk, "assess", str(model_yaml), "--format", "json", "--output", str(out_dir)],
    )
    runs: list[list[tuple[float, int]]] = [[], [], []]
    for _ in range(times):  # interleaved, so that every step sees the same machine load
        for step, cmd in enumerate(steps):
            runs[step].append(measure(cmd, work))
    pytm_run, imported, assessed = (summarise(r) for r in runs)
    pytm_data = json.loads(pytm_json.read_text(encoding="utf-8"))
    elements, flows = len(pytm_data["elements"]), len(pytm_data["flows"])
    pytm_findings = len(pytm_data["findings"])
    del pytm_data
    report = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
    statuses: dict[str, int] = {}
    for finding in report["findings"]:
        statuses[finding["status"]] = statuses.get(finding["status"], 0) + 1
    ours = len(report["findings"])
    base = {"n": n, "flows": flows}
    return [
        {**base, "step": "pytm --json", **pytm_run, "findings": pytm_findings, "per": pytm_findings / elements,
         "detail": "one list, no states"},
        {**base, "step": "fleetrisk import", **imported, "findings": None, "per": None,
         "detail": f"JSON {pytm_json.stat().st_size / 1e6:.0f} MB -> YAML {model_yaml.stat().st_size / 1e6:.1f} MB"},
        {**base, "step": "fleetrisk assess", **assessed, "findings": ours, "per": ours / elements,
         "detail": ", ".join(f"{k} {v:,}" for k, v in sorted(statuses.items())),
         "speedup": pytm_run["wall"] / assessed["wall"]},
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,3000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    python = pytm_python()
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            rows.extend(bench(n, Path(tmp), python, args.repeat))
    print(f"# pytm {PYTM_VERSION} vs fleetrisk, {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"{time.strftime('%Y-%m-%d')}, median of {args.repeat}")
    print("| elements | flows | step | wall (median) | peak RSS | findings | per element | notes |")
    print("|---:|---:|---|---:|---:|---:|---:|---|")
    for r in rows:
        findings = "-" if r["findings"] is None else f"{r['findings']:,}"
        per = "-" if r["per"] is None else f"{r['per']:.1f}"
        print(f"| {r['n']:,} | {r['flows']:,} | {r['step']} | {r['wall']:.2f} s | {r['rss']} MB | {findings} | "
              f"{per} | {r['detail']} |")
    for r in rows:
        if "speedup" in r:
            print(f"N={r['n']:,}: fleetrisk assess is {r['speedup']:.1f}x faster than pytm's own run")


if __name__ == "__main__":
    main()
