"""Small hand-built attack graphs for the simulation and plan tests."""

from __future__ import annotations

from fleetrisk.catalog.conditions import ControlExpr
from fleetrisk.engine.graph import AttackGraph, Edge
from fleetrisk.engine.loss_model import EventCount, LossInputs, Pert
from fleetrisk.engine.quant_graph import Pair, QuantGraph, entry_levels
from fleetrisk.engine.reach import compute_reach, derivation


def edge(eid: str, requires: tuple[str, ...], grants: str, likelihood: int, *, entries: tuple[str, ...] = (),
         threshold: int | None = None) -> Edge:
    return Edge(id=eid, kind="authority", element=eid, requires=requires, grants=(grants,),
                likelihood=likelihood, entries=entries, threshold=threshold)


def quant_graph(edges: list[Edge], devices: dict[str, int], cut_by: dict[str, ControlExpr]) -> QuantGraph:
    """A QuantGraph over ``edges``; ``devices`` gives each outcome node's devices (fleet f)."""
    graph = AttackGraph(edges, [], {"f": max(devices.values())}, dict(devices), {})
    entries = sorted({e for edge_ in edges for e in edge_.entries})
    pairs = []
    for entry in entries:
        levels = entry_levels(graph, entry, set())
        sub = AttackGraph([e for e in edges if not e.entries or entry in e.entries], [], {}, dict(devices), {})
        reach = compute_reach(sub)
        for node in sorted(devices):
            if levels.get(node, 0):
                steps = derivation(reach, reach.best[node])
                pairs.append(Pair(entry, node, levels[node], min(steps, key=lambda s: s.likelihood).id))
    return QuantGraph(graph, cut_by, frozenset(), entries, pairs, [], fleet_safety={"f": "none"})


def inputs(frequency: dict[str, tuple[float, float, float]], *, per_event: tuple[float, float, float] = (0, 0, 0),
           per_device: tuple[float, float, float] = (1, 1, 1), success: float | None = None,
           costs: dict[str, float] | None = None) -> LossInputs:
    chances = {1: 0.1, 2: 0.2, 3: 0.4, 4: 0.6, 5: 0.8} if success is None else dict.fromkeys(range(1, 6), success)
    unit = Pert(*per_device)
    return LossInputs(
        currency="USD",
        frequency={e: EventCount(Pert(*f)) for e, f in frequency.items()},
        step_success=chances,
        per_event=Pert(*per_event),
        per_device=dict.fromkeys(("unavailable", "false-information", "hijacked", "code-execution",
                                  "firmware-takeover"), unit),
        per_record={},
        safety_multiplier={"none": 1.0},
        detection=0.0,
        control_costs=costs or {},
    )


def one(control: str) -> ControlExpr:
    return ControlExpr("one", control)
