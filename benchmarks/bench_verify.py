"""Wall time of `fleetrisk verify` against the loopback deployment (examples/loopback-deployment).

    .venv/bin/python benchmarks/bench_verify.py [--repeat 3]

Starts the deployment on free loopback ports, then runs the safe tier (and, for reference,
the intrusive tier) through the real command line in a fresh process each time.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples" / "loopback-deployment"))
sys.path.insert(0, str(ROOT / "tests"))

from serve import PORTS, running  # noqa: E402

from probes.servers import free_port  # noqa: E402

SAFE_TIER_TARGET_S = 15.0


def verify(deployment_dir: Path, *extra: str) -> tuple[float, dict[str, int]]:
    command = [sys.executable, "-m", "fleetrisk", "verify", str(deployment_dir / "model.yaml"),
               "--scope", str(deployment_dir / "scope.yaml"),
               "--secrets", str(deployment_dir / "fleetrisk-secrets.yaml"), "--format", "json", *extra]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False, cwd=ROOT)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"verify failed ({result.returncode}): {result.stderr}")
    checks = json.loads(result.stdout)["checks"]
    counts = {s: sum(1 for c in checks if c["status"] == s) for s in ("verified", "refuted", "inconclusive")}
    return elapsed, counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ports = {name: free_port() for name in PORTS}
        with running(Path(tmp), ports) as deployment:
            deployment.rewrite("model.yaml")
            deployment.rewrite("scope.yaml")
            for tier, extra in (("safe", ()), ("safe + intrusive", ("--intrusive",))):
                times, counts = [], {}
                for _ in range(args.repeat):
                    elapsed, counts = verify(Path(tmp), *extra)
                    times.append(elapsed)
                print(f"{tier:17} median {statistics.median(times):5.2f} s  max {max(times):5.2f} s  "
                      f"checks {counts}")
                if tier == "safe" and max(times) > SAFE_TIER_TARGET_S:
                    raise SystemExit(f"safe tier over {SAFE_TIER_TARGET_S} s")


if __name__ == "__main__":
    main()
