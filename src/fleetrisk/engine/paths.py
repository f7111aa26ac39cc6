"""Fleet-level analysis on the attack graph: attack paths, blast radius and cut sets."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from fleetrisk.catalog.conditions import show_value
from fleetrisk.catalog.loader import Catalog
from fleetrisk.engine.cutsets import CutSets, compute_cut_sets
from fleetrisk.engine.graph import AttackGraph, Edge, parse_outcome
from fleetrisk.engine.reach import Reach, compute_reach, derivation, easiest_ways, edges_towards, entry_of
from fleetrisk.engine.score import DEVICE_BANDS, RECORD_BANDS, SAFETY_LEVEL, band, impact_score, log_band
from fleetrisk.evidence import Evidence
from fleetrisk.messages import word, word_reason
from fleetrisk.model.queries import Handle, ModelIndex
from fleetrisk.model.schema import Fleet
from fleetrisk.results import (
    AssumedOutcome,
    AttackPath,
    BlastRadius,
    CutSet,
    FindingReason,
    PathStep,
    SinglePoint,
    SinglePointHit,
)

#: Service-characteristic severity of each fleet outcome (1..5).
OUTCOME_SEVERITY = {
    "firmware-takeover": 5,
    "code-execution": 5,
    "hijacked": 4,
    "data-exposed": 4,
    "unavailable": 3,
    "false-information": 3,
}
#: Cut sets listed per outcome in reports (all of size 0 and 1 are always listed).
CUT_SETS_PER_OUTCOME = 10


class StepWords:
    """The facts behind the steps of a path, as data, and their words in one language.

    A finding step is titled by its scenario and rests on the finding's reasons; any other
    step is titled from the message catalogue and rests on the model fields it names, located
    in the model file only here, for the few steps a path shows.
    """

    def __init__(self, catalog: Catalog, lang: str, reasons: Mapping[str, list[FindingReason]],
                 line_of: Callable[[Handle, str | None], int | None], evidence: Evidence | None = None) -> None:
        self.catalog = catalog
        self.lang = lang
        self._reasons = reasons
        self._line_of = line_of
        self._seen = {(c.check, c.element): c for c in evidence.checks} if evidence is not None else {}
        self._entries = {item.id: item.label.get(lang) for item in catalog.taxonomy.facets.entry}

    def title(self, edge: Edge) -> str:
        if edge.scenario is not None:
            return self.catalog.scenario(edge.scenario).spec.title.get(self.lang)
        return word(edge.title, self.lang, self._entry_label) if edge.title is not None else ""

    def _entry_label(self, entry: str) -> str:
        return self._entries.get(entry, entry)

    def reasons(self, edge: Edge) -> list[FindingReason]:
        if edge.finding is not None:
            return [r for r in self._reasons.get(edge.finding, ()) if r.code != "unstated"]
        return [
            FindingReason.model_construct(
                code="field", element=handle.id, element_type=handle.type, name=name, value=show_value(value),
                rule=None, negated=False, line=self._line_of(handle, name) if located else None, observed=False,
                check=None, stated=None,
            )
            for handle, name, value, located in edge.why
        ]

    def why(self, reasons: list[FindingReason]) -> list[str]:
        return list(dict.fromkeys(
            word_reason(r, self.lang, self._seen.get((r.check or "", r.element))) for r in reasons
        ))


@dataclass
class FleetAnalysis:
    """The stated view (graph, reach, cut sets) and, beside it, reach with the unknowns assumed bad."""

    graph: AttackGraph
    reach: Reach
    cuts: CutSets
    assumed_graph: AttackGraph | None = None  # None: no unknown finding adds an edge
    assumed_reach: Reach | None = None


def analyse(graph: AttackGraph, max_cut_size: int | None = 3) -> FleetAnalysis:
    """Reach and cut sets on the stated facts; reach again with every unknown finding assumed open.

    ``max_cut_size=None`` skips the cut sets (for callers that only follow paths).
    """
    stated = graph.stated()
    reach = compute_reach(stated)
    cuts = CutSets() if max_cut_size is None else compute_cut_sets(stated, max_cut_size)
    if stated is graph:
        return FleetAnalysis(stated, reach, cuts)
    return FleetAnalysis(stated, reach, cuts, graph, compute_reach(graph))


def assumed_outcomes(
    index: ModelIndex, analysis: FleetAnalysis, words: StepWords, missing: dict[str, list[str]]
) -> list[AssumedOutcome]:
    """Outcomes that unknown findings open or make easier, with the fields that would settle them.

    ``missing`` gives each unknown finding's unstated fields.
    """
    graph, reach = analysis.assumed_graph, analysis.assumed_reach
    if graph is None or reach is None:
        return []
    view = FleetAnalysis(graph, reach, CutSets())
    result: list[AssumedOutcome] = []
    for node in graph.outcome_nodes:
        stated = analysis.reach.value.get(node, 0)
        likelihood, risk = outcome_risk(index, view, node)
        if likelihood <= stated:
            continue
        steps: list[Edge] = []
        for edge, value in easiest_ways(graph, reach, node, len(graph.edges)):
            candidate = derivation(reach, edge)
            if value == likelihood and any(s.assumed for s in candidate):
                steps = candidate  # the first easiest way (by id) that rests on an unknown
                break
        hangs_on = sorted({s.finding for s in steps if s.assumed and s.finding is not None})
        if not hangs_on:
            continue
        outcome, target = parse_outcome(node)
        result.append(AssumedOutcome(
            outcome=outcome,
            fleet=target,
            devices=graph.reach_devices.get(node, 0),
            records=graph.data_records.get(node),
            stated_likelihood=stated,
            likelihood=likelihood,
            risk=risk,
            band=band(risk),
            hangs_on=hangs_on,
            missing=sorted({field for finding in hangs_on for field in missing.get(finding, ())}),
            steps=[_step(reach, s, node, words) for s in steps if not _holding_drives(s)],
        ))
    result.sort(key=lambda a: (-a.risk, -a.devices, -(a.records or 0), a.stated_likelihood, a.outcome, a.fleet))
    return result


def outcome_risk(index: ModelIndex, analysis: FleetAnalysis, node: str) -> tuple[int, int]:
    """(likelihood, risk score) of an outcome node."""
    outcome, target = parse_outcome(node)
    likelihood = analysis.reach.value.get(node, 0)
    if likelihood == 0:
        return 0, 0
    severity = OUTCOME_SEVERITY[outcome]
    if target.startswith("data:"):
        records = analysis.graph.data_records.get(node)
        scale = log_band(records, RECORD_BANDS) if records is not None else severity
        safety = 1
    else:
        fleet = index.by_id[target].obj
        assert isinstance(fleet, Fleet)
        scale = log_band(analysis.graph.reach_devices[node], DEVICE_BANDS)
        safety = SAFETY_LEVEL[fleet.safety] if outcome != "data-exposed" else 1
    return likelihood, likelihood * impact_score(safety, severity, scale)


def attack_paths(
    index: ModelIndex,
    analysis: FleetAnalysis,
    words: StepWords,
    k: int = 3,
    minimum: str = "high",
    outcome: str | None = None,
    fleet: str | None = None,
    limit: int | None = None,
) -> list[AttackPath]:
    """The ``k`` easiest paths to each outcome at or above ``minimum`` risk.

    ``limit`` keeps only that many outcomes, the riskiest first (reports use it; the
    ``paths`` command explores them all).
    """
    floor = {"low": 1, "medium": 5, "high": 10, "critical": 16}[minimum]
    selected: list[tuple[str, str, int, int]] = []
    for node in analysis.graph.outcome_nodes:
        kind, target = parse_outcome(node)
        if (outcome and kind != outcome) or (fleet and target != fleet):
            continue
        likelihood, risk = outcome_risk(index, analysis, node)
        if likelihood and risk >= floor:
            selected.append((node, kind, likelihood, risk))
    if not selected:
        return []
    if limit is not None:
        selected = sorted(selected, key=lambda s: (-s[3], -s[2], s[0]))[:limit]
    towards = edges_towards(analysis.graph, [s[0] for s in selected])
    relevant = [edge for edge in analysis.graph.edges if edge.id in towards]
    per_entry = {e: compute_reach(analysis.graph, frozenset({e}), relevant) for e in _entries(analysis.graph)}
    paths: list[AttackPath] = []
    for node, kind, _, risk in selected:
        candidates: dict[tuple[str, ...], tuple[int, str, list[Edge], Reach]] = {}
        for edge, value in easiest_ways(analysis.graph, analysis.reach, node, k):
            steps = derivation(analysis.reach, edge)
            candidates.setdefault(tuple(s.id for s in steps), (value, entry_of(steps), steps, analysis.reach))
        for reach in per_entry.values():
            best = reach.best.get(node)
            if best is None:
                continue
            steps = derivation(reach, best)
            candidates.setdefault(
                tuple(s.id for s in steps), (reach.value[node], entry_of(steps), steps, reach)  # one label per path
            )
        ranked = sorted(candidates.values(), key=lambda c: (-c[0], len(c[2]), c[1], [s.id for s in c[2]]))
        for value, entry, steps, reach in _distinct(ranked, k):
            paths.append(AttackPath(
                outcome=kind,
                fleet=parse_outcome(node)[1],
                entry=entry,
                likelihood=value,
                risk=risk,
                band=band(risk),
                devices=analysis.graph.reach_devices.get(node, 0),
                steps=[_step(reach, s, node, words) for s in steps if not _holding_drives(s)],
            ))
    paths.sort(key=lambda p: (-p.risk, -p.likelihood, p.outcome, p.fleet, len(p.steps), p.entry))
    return paths


def _holding_drives(edge: Edge) -> bool:
    """Steps that go without saying in a path: "who holds a component can make it act", and the
    fan-out of one outcome to the fleets an element reaches (the step before names them)."""
    return edge.kind == "fan" or (edge.kind == "drive" and edge.requires == (f"control:{edge.element}",))


def _distinct(ranked: list[tuple[int, str, list[Edge], Reach]], k: int) -> list[tuple[int, str, list[Edge], Reach]]:
    """The first ``k`` paths that are not another kept path with extra steps (a detour is no new way in).

    A path's likelihood is that of its hardest step, so a path holding every step of another
    never ranks above it.
    """
    kept: list[tuple[int, str, list[Edge], Reach]] = []
    kept_steps: list[set[str]] = []
    for candidate in ranked:
        steps = {edge.id for edge in candidate[2]}
        if any(other < steps for other in kept_steps):
            continue
        kept.append(candidate)
        kept_steps.append(steps)
        if len(kept) == k:
            break
    return kept


def _entries(graph: AttackGraph) -> list[str]:
    return sorted({entry for edge in graph.edges for entry in edge.entries})


def _step(reach: Reach, edge: Edge, target: str, words: StepWords) -> PathStep:
    """One step of a path to ``target``; a fan position among its gains reads as the outcome it hands
    over: ``target`` itself when that is the outcome, else the outcome on the fleets it reaches."""
    outcome = parse_outcome(target)[0]
    gains = list(dict.fromkeys(_fan_gain(g, outcome, target) for g in edge.grants))
    reasons = words.reasons(edge)
    return PathStep.model_construct(
        kind=edge.kind,
        finding=edge.finding,
        scenario=edge.scenario,
        element=edge.element,
        title=words.title(edge),
        requires=list(edge.requires) or [f"entry:{e}" for e in edge.entries[:1]],
        gains=gains,
        likelihood=reach.edge_value.get(edge.id, edge.likelihood),
        why=words.why(reasons),
        reasons=reasons,
        cut_by=edge.cut_by,
    )


def _fan_gain(gain: str, outcome: str, target: str) -> str:
    if not gain.startswith("fan:"):
        return gain
    handed = gain.removeprefix("fan:").partition("#")[0]
    return target if handed == outcome else f"outcome:{handed}"


def cut_sets(analysis: FleetAnalysis) -> list[CutSet]:
    """Minimal cut sets per outcome, smallest first; size 1 = single point of fleet compromise."""
    result: list[CutSet] = []
    for node in analysis.graph.outcome_nodes:
        family = analysis.cuts.families.get(node)
        if not family:
            continue
        outcome, target = parse_outcome(node)
        listed = [s for s in family if len(s) <= 1] or family[:CUT_SETS_PER_OUTCOME]
        room = CUT_SETS_PER_OUTCOME - len(listed)
        if room > 0:
            chosen = set(listed)
            listed += [s for s in family if len(s) > 1 and s not in chosen][:room]
        for members in listed:
            result.append(CutSet(
                outcome=outcome,
                fleet=target,
                members=sorted(_element(m) for m in members),
                size=len(members),
                devices=analysis.graph.reach_devices.get(node, 0),
                records=analysis.graph.data_records.get(node),
                truncated=node in analysis.cuts.truncated,
            ))
    result.sort(key=lambda c: (c.size, -c.devices, c.outcome, c.fleet, c.members))
    return result


def single_points(cuts: list[CutSet]) -> list[SinglePoint]:
    """Cut sets of size 1 on fleet outcomes, grouped by their one member, then by outcome.

    Data stores that expose their own data are left to the blast radius: they are single
    points of a data breach, not of fleet compromise.
    """
    grouped: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for cut in cuts:
        if cut.size == 1 and not cut.fleet.startswith("data:"):
            grouped[cut.members[0]][cut.outcome][cut.fleet] = cut.devices
    result: list[SinglePoint] = []
    for member, outcomes in grouped.items():
        per_fleet: dict[str, int] = {}
        for fleets in outcomes.values():
            for fleet, devices in fleets.items():
                per_fleet[fleet] = max(per_fleet.get(fleet, 0), devices)
        hits = [SinglePointHit(outcome=o, fleets=sorted(fleets)) for o, fleets in sorted(outcomes.items())]
        result.append(SinglePoint(element=member, hits=hits, devices=sum(per_fleet.values())))
    result.sort(key=lambda r: (-r.devices, r.element))
    return result


def blast_radius(index: ModelIndex, analysis: FleetAnalysis) -> list[BlastRadius]:
    """What each component or key adds when it alone falls."""
    per_element: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for node in analysis.graph.outcome_nodes:
        for members in analysis.cuts.families.get(node, []):
            if len(members) == 1:
                (member,) = members
                outcome, target = parse_outcome(node)
                per_element[member][outcome].add(node)
    result: list[BlastRadius] = []
    for member, outcomes in per_element.items():
        by_fleet: dict[str, int] = {}
        by_outcome: dict[str, int] = {}
        for outcome, nodes in sorted(outcomes.items()):
            total = 0
            for node in nodes:
                _, target = parse_outcome(node)
                if target.startswith("data:"):
                    total += analysis.graph.data_records.get(node) or 0
                    continue
                devices = analysis.graph.reach_devices[node]
                total += devices
                by_fleet[target] = max(by_fleet.get(target, 0), devices)
            by_outcome[outcome] = total
        kind, _, element = member.partition(":")
        result.append(BlastRadius(
            element=element,
            element_type="component" if kind == "control" else "key",
            devices_at_risk=sum(by_fleet.values()),
            by_fleet=dict(sorted(by_fleet.items())),
            by_outcome=by_outcome,
        ))
    result.sort(key=lambda b: (-b.devices_at_risk, b.element))
    return result


def _element(node: str) -> str:
    return node.partition(":")[2]
