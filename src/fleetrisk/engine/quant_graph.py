"""The attack graph as the loss simulation and the plan see it.

A threat event starts at one entry. In a simulated year an outcome is reached from an entry
when the year's attackers from it get through the *bottleneck* of the easiest way there: the
hardest step of the best derivation (engine/reach.py, AND = hardest step, OR = easiest way).
The chance of that is the step-success chance of the way's likelihood level, and it is drawn
once per bottleneck step per year: outcomes behind the same step (a shared component, key or
authority) fall together; outcomes behind different steps fall independently.

Cutting edges (buying controls) can only lower the level of the easiest remaining way, so the
same draws give the loss after a plan exactly; that is what makes the plan's integer program
exact on the simulated draws (see engine/plan.py). Steps that need positions only another
entry reaches are not combined: each entry's threat events are followed on their own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from fleetrisk.catalog.conditions import ControlExpr
from fleetrisk.catalog.loader import Catalog
from fleetrisk.catalog.organisation import catalog_for
from fleetrisk.engine.assess import stated_graph
from fleetrisk.engine.cutsets import CutSets
from fleetrisk.engine.graph import AttackGraph, Edge
from fleetrisk.engine.paths import FleetAnalysis, outcome_risk
from fleetrisk.engine.reach import compute_reach, derivation
from fleetrisk.engine.score import band
from fleetrisk.evidence import Evidence
from fleetrisk.model.loader import LoadedModel
from fleetrisk.vocab import HOLDING_STATES


@dataclass(frozen=True)
class Pair:
    """An entry that reaches an outcome: the level of its easiest way and that way's bottleneck."""

    entry: str
    outcome: str
    level: int
    bottleneck: str


@dataclass
class QuantGraph:
    graph: AttackGraph
    cut_by: dict[str, ControlExpr]  # edge id -> what cuts it (edges absent here cannot be cut)
    held: frozenset[str]  # controls the model already holds service-wide
    entries: list[str]
    pairs: list[Pair]
    critical: list[str]  # outcome nodes whose qualitative risk is critical
    fleet_safety: dict[str, str] = field(default_factory=dict)
    data_kind: dict[str, str] = field(default_factory=dict)
    #: Each entry's reach as modelled (nothing cut), filled on first use.
    entry_values: dict[str, dict[str, int]] = field(default_factory=dict)

    def values(self, entry: str) -> dict[str, int]:
        """The max-min reach of every node from ``entry`` alone, as modelled."""
        found = self.entry_values.get(entry)
        if found is None:
            found = self.entry_values[entry] = entry_levels(self.graph, entry, set())
        return found

    @property
    def candidates(self) -> list[str]:
        """Controls that would cut at least one edge and are not held yet."""
        return sorted({c for expr in self.cut_by.values() for c in expr.controls()} - self.held)

    def cut_edges(self, controls: Iterable[str]) -> set[str]:
        chosen = set(controls) | self.held
        return {eid for eid, expr in self.cut_by.items() if expr.evaluate(chosen.__contains__)}

    def levels(self, controls: Iterable[str] = ()) -> list[int]:
        """Level (0..5) of each pair's easiest way once ``controls`` are in place."""
        cut = self.cut_edges(controls)
        per_entry = {e: entry_levels(self.graph, e, cut) for e in {p.entry for p in self.pairs}}
        return [per_entry[p.entry].get(p.outcome, 0) for p in self.pairs]


def usable(edge: Edge, entry: str | None) -> bool:
    """Whether an attacker from ``entry`` can take ``edge`` (None: from any entry)."""
    return entry is None or not edge.entries or entry in edge.entries


def subgraph(graph: AttackGraph, edges: list[Edge]) -> AttackGraph:
    return graph.with_edges(edges)


def entry_levels(graph: AttackGraph, entry: str | None, cut: set[str]) -> dict[str, int]:
    """Max-min reach of every node from ``entry`` alone, without the ``cut`` edges."""
    if not cut:
        return compute_reach(graph, None if entry is None else frozenset((entry,))).value
    edges = [e for e in graph.edges if e.id not in cut and usable(e, entry)]
    return compute_reach(subgraph(graph, edges)).value


def prepare(
    loaded: LoadedModel,
    catalog: Catalog | None = None,
    as_of: dt.date | None = None,
    evidence: Evidence | None = None,
) -> QuantGraph:
    """The stated attack graph of the one analysis (evidence and date included), with every
    entry's outcomes. Controls live evidence refuted do not hold; unknown findings are no edges."""
    catalog = catalog or catalog_for(loaded)
    loaded, full = stated_graph(loaded, catalog, as_of=as_of, evidence=evidence)
    index = loaded.index
    cut_by: dict[str, ControlExpr] = {}
    for edge in full.edges:
        if edge.scenario is not None:
            cut_by[edge.id] = catalog.scenario(edge.scenario).mitigated_by
        elif edge.cut_by:
            cut_by[edge.id] = ControlExpr("one", edge.cut_by)
    held = frozenset(cid for cid, status in loaded.model.controls.items() if status in HOLDING_STATES
                     and (evidence is None or evidence.verdict(cid, None) != "refuted"))
    # Findings arrive with their status decided per element, evidence included; service-wide
    # controls only cut the graph's own steps (authority, custody, lateral movement).
    findings = {e.id for e in full.edges if e.scenario is not None}
    gone = {eid for eid, expr in cut_by.items() if eid not in findings and expr.evaluate(held.__contains__)}
    graph = subgraph(full, [e for e in full.edges if e.id not in gone])
    entries = sorted({entry for edge in graph.edges for entry in edge.entries})
    pairs: list[Pair] = []
    values: dict[str, dict[str, int]] = {}
    for entry in entries:
        reach = compute_reach(graph, frozenset((entry,)))  # the edges usable from this entry alone
        values[entry] = reach.value
        for node in graph.outcome_nodes:
            level = reach.value.get(node, 0)
            if level > 0:
                steps = derivation(reach, reach.best[node])
                hardest = min(steps, key=lambda s: s.likelihood)  # the first (most upstream) on ties
                pairs.append(Pair(entry, node, level, hardest.id))
    joint = compute_reach(graph)
    analysis = FleetAnalysis(graph, joint, CutSets())
    critical = [n for n in graph.outcome_nodes
                if joint.value.get(n, 0) and band(outcome_risk(index, analysis, n)[1]) == "critical"]
    return QuantGraph(graph, {k: v for k, v in cut_by.items() if k not in gone}, held, entries, pairs, critical,
                      fleet_safety={f.id: f.safety for f in loaded.model.fleets},
                      data_kind={d.id: d.kind for d in loaded.model.data}, entry_values=values)
