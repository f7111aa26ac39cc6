#!/usr/bin/env python3
"""Time the attack-graph analysis on a synthetic model: graph, reach, cut sets, blast radius, paths.

Usage: python benchmarks/bench_graph.py [--sizes 1000,10000] [--max-cut-size 2] [--repeat 3]

The model (gen_model.py) is loaded and matched once; then, REPEAT times, the graph is built
from the matches and analysed: reachability, minimal cut sets up to --max-cut-size, blast
radius of every component and key, and the easiest attack paths. Median wall time per stage.
Not a test: figures go in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen_model import generate  # noqa: E402

from fleetrisk.catalog.loader import load_catalog  # noqa: E402
from fleetrisk.engine.assess import _prepare  # noqa: E402
from fleetrisk.engine.paths import attack_paths, blast_radius, cut_sets  # noqa: E402
from fleetrisk.model.loader import load_model  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--max-cut-size", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    catalog = load_catalog()
    gc.disable()
    print(f"# attack-graph analysis, max cut size {args.max_cut_size}, {time.strftime('%Y-%m-%d')}")
    print("| components | graph edges | reach + cut sets | blast radius + cut-set list | attack paths | total |")
    print("|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"model-{n}.yaml"
            path.write_text(generate(n), encoding="utf-8")
            loaded = load_model(path)
            rows: list[tuple[float, float, float, float]] = []
            edges = 0
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                state = _prepare(loaded, catalog, "en", dt.date(2026, 1, 1), None, args.max_cut_size)
                t1 = time.perf_counter()
                blast_radius(loaded.index, state.analysis)
                cut_sets(state.analysis)
                t2 = time.perf_counter()
                attack_paths(loaded.index, state.analysis, limit=40)
                t3 = time.perf_counter()
                edges = len(state.analysis.graph.edges)
                rows.append((t1 - t0, t2 - t1, t3 - t2, t3 - t0))
            med = [statistics.median(r[i] for r in rows) for i in range(4)]
            print(f"| {n:,} | {edges:,} | {med[0]:.2f} s | {med[1]:.2f} s | {med[2]:.2f} s | {med[3]:.2f} s |")
    print("\n(reach + cut sets includes matching the scenarios, which the graph is built from)")


if __name__ == "__main__":
    main()
