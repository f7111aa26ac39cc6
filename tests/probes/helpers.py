"""Running probes directly: a gate over a loopback scope, and a target from a URL."""

from __future__ import annotations

from pathlib import Path

from fleetrisk.probes.scope import Gate, Scope, ScopeFile
from fleetrisk.probes.targets import Target, parse_target
from probes.deployment import scope_data


def gate_for(*ports: int, budget: float = 60, burst: int = 20, cache: Path = Path("cache")) -> Gate:
    spec = ScopeFile.model_validate(scope_data(list(ports), budget=budget, burst=burst))
    return Gate(Scope(spec, "scope.yaml", cache))


def target(url: str, protocol: str) -> Target:
    return parse_target(url, protocol)
