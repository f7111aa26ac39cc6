#!/usr/bin/env python3
"""Time the attack-graph analysis on a synthetic model: graph, reach, cut sets, blast radius, paths.

Usage: python benchmarks/bench_graph.py [--sizes 1000,10000] [--max-cut-size 2] [--repeat 3]
                                        [--shape layered|random]

The model (gen_model.py) is read through the Python API (``from_data``: a model of 100,000
components is past the 10 MB a model file may have) and indexed, which is timed on its own
(the index holds both reach relations); then, REPEAT times, the one analysis is made (match,
track, attack graph, reach in both views, cut sets up to --max-cut-size), followed by the blast
radius and cut-set list and the easiest attack paths. Median wall time per stage, and the peak
resident memory of the process. Not a test: figures go in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import resource
import statistics
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen_model import generate  # noqa: E402

from fleetrisk.catalog.loader import load_catalog  # noqa: E402
from fleetrisk.engine.assess import analyse_model  # noqa: E402
from fleetrisk.engine.paths import attack_paths, blast_radius, cut_sets  # noqa: E402
from fleetrisk.model.loader import from_data  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--max-cut-size", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--shape", choices=("layered", "random"), default="layered")
    args = parser.parse_args()
    catalog = load_catalog()
    gc.disable()
    print(f"# attack-graph analysis, {args.shape} flows, max cut size {args.max_cut_size}, "
          f"{time.strftime('%Y-%m-%d')}")
    print("| components | graph edges | index | analysis | blast radius + cut-set list | attack paths | total "
          "| peak RSS |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in (int(s) for s in args.sizes.split(",")):
        data = yaml.load(generate(n, shape=args.shape), Loader=yaml.CSafeLoader)
        t0 = time.perf_counter()
        loaded = from_data(data)
        loaded.index  # noqa: B018 (built on first use)
        index_s = time.perf_counter() - t0
        rows: list[tuple[float, float, float, float]] = []
        edges = 0
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            state = analyse_model(loaded, catalog, as_of=dt.date(2026, 1, 1), max_cut_size=args.max_cut_size)
            t1 = time.perf_counter()
            blast_radius(loaded.index, state.analysis)
            cut_sets(state.analysis)
            t2 = time.perf_counter()
            attack_paths(loaded.index, state.analysis, state.step_words(catalog, "en"), limit=40)
            t3 = time.perf_counter()
            edges = len(state.analysis.graph.edges)
            rows.append((t1 - t0, t2 - t1, t3 - t2, t3 - t0))
        med = [statistics.median(r[i] for r in rows) for i in range(4)]
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"| {n:,} | {edges:,} | {index_s:.2f} s | {med[0]:.2f} s | {med[1]:.2f} s | {med[2]:.2f} s "
              f"| {index_s + med[3]:.2f} s | {rss:.0f} MB |")
    print("\n(the analysis includes matching the scenarios, which the graph is built from)")


if __name__ == "__main__":
    main()
