"""The whole assessment: match, score, apply tracking, summarise."""

from __future__ import annotations

import datetime as dt
import difflib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from fleetrisk._version import __version__
from fleetrisk.catalog.conditions import Missing, Reason
from fleetrisk.catalog.loader import Catalog, CatalogSource
from fleetrisk.catalog.organisation import catalog_for
from fleetrisk.engine.fix_first import fix_first, headline_findings, rank_findings
from fleetrisk.engine.graph import AttackGraph, build_graph
from fleetrisk.engine.match import Match, match_all
from fleetrisk.engine.observed import Contradiction, apply_observations, by_fact
from fleetrisk.engine.paths import (
    FleetAnalysis,
    StepWords,
    analyse,
    assumed_outcomes,
    attack_paths,
    blast_radius,
    cut_sets,
    outcome_risk,
    single_points,
)
from fleetrisk.engine.questions import questions
from fleetrisk.engine.score import (
    DEVICE_BANDS,
    RECORD_BANDS,
    SAFETY_LEVEL,
    band,
    impact_score,
    log_band,
)
from fleetrisk.engine.tracking import Decision, match_tracking
from fleetrisk.errors import InputError, ModelValidationError
from fleetrisk.evidence import Evidence
from fleetrisk.model.loader import LoadedModel
from fleetrisk.model.queries import Handle, ModelIndex
from fleetrisk.model.schema import Component, DataSet, Fleet, ServiceModel
from fleetrisk.model.yamlio import Document, format_path
from fleetrisk.results import (
    STATUSES,
    Assessment,
    AttackPath,
    CatalogInfo,
    ControlInfo,
    ControlState,
    DisabledInfo,
    EvidenceRef,
    FamilySummary,
    Finding,
    FindingReason,
    Impact,
    Likelihood,
    MatrixCell,
    Risk,
    ScenarioInfo,
    ServiceInfo,
    SourceLocation,
    Status,
    Summary,
    Tracking,
)
from fleetrisk.vocab import BANDS, LIKELIHOOD_LEVELS, LIKELIHOOD_NAMES

#: Outcomes whose attack paths an assessment carries, riskiest first (`fleetrisk paths` shows all).
PATH_OUTCOMES_IN_REPORT = 40
#: Questions an assessment carries (`fleetrisk questions` lists them all).
QUESTIONS_IN_REPORT = 10



_SAFETY_OUTCOMES = {"device-control", "safety", "fleet-compromise", "availability",
                    "information-integrity", "trust-anchor-loss"}


def assess(
    loaded: LoadedModel,
    catalog: Catalog | None = None,
    *,
    lang: str = "en",
    as_of: dt.date | None = None,
    evidence: Evidence | None = None,
    paths_per_outcome: int = 3,
    max_cut_size: int = 3,
) -> Assessment:
    """Assess a loaded model against the catalog, with live evidence if given.

    Findings are matched and tracked, then the attack graph built from them gives each
    finding's likelihood from how reachable it is, the easiest attack paths, the blast
    radius of every component and key, and the minimal cut sets of every fleet outcome.
    """
    catalog = catalog or catalog_for(loaded)
    as_of = as_of or dt.date.today()
    state = analyse_model(loaded, catalog, as_of=as_of, evidence=evidence, max_cut_size=max_cut_size)
    loaded = state.loaded
    index, matches, decisions = loaded.index, state.matches, state.decisions
    statuses, reasons, analysis = state.statuses, state.reasons, state.analysis
    reach = _finding_reach(analysis)
    builder = _FindingBuilder(loaded, catalog, lang, evidence, state.facts)
    findings = [
        builder.build(m, decisions.get(m.id), statuses[m.id], reasons[m.id], reach.get(m.id))
        for m in matches
    ]
    words = state.step_words(catalog, lang, evidence)
    paths = attack_paths(index, analysis, words, k=paths_per_outcome, limit=PATH_OUTCOMES_IN_REPORT)
    cuts = cut_sets(analysis)
    findings = rank_findings(findings, catalog, *headline_findings(paths, cuts))
    uses_dates = any(entry.expires is not None for entry in loaded.model.tracking)
    first = fix_first(findings, catalog, paths, {f.id: f.devices for f in loaded.model.fleets})
    result = Assessment(
        tool=f"fleetrisk {__version__}",
        lang="ja" if lang == "ja" else "en",
        model=loaded.file,
        as_of=as_of.isoformat() if uses_dates else None,
        service=_service_info(index),
        summary=_summary(index, findings, analysis, _by_wildcard(loaded, matches, decisions)),
        families=_families(catalog, findings, lang),
        matrix=_matrix(loaded, catalog, findings),
        findings=findings,
        attack_paths=paths,
        blast_radius=blast_radius(index, analysis),
        cut_sets=cuts,
        single_points=single_points(cuts),
        fix_first=first,
        assumed=assumed_outcomes(index, analysis, words,
                                 {f.id: f.missing for f in findings if f.status == "unknown"}),
        scenarios={s.id: builder.scenario_info(s.id) for s in catalog.scenarios},
        controls={cid: _control_info(catalog, cid, lang) for cid in sorted(catalog.controls)},
        catalogs=[_catalog_info(source, lang) for source in catalog.sources],
        disabled=[DisabledInfo(scenario=d.scenario, title=d.title.get(lang), justification=d.justification.get(lang),
                               by=d.by) for d in catalog.disabled],
    )
    return result.model_copy(update={"questions": questions(result, top=QUESTIONS_IN_REPORT)})


@dataclass
class ModelAnalysis:
    """One analysis of a model, its live evidence and a date: what every command renders.

    ``assess``, ``paths``, ``simulate`` and ``plan`` all start here, so the same model,
    evidence and date give the same findings, statuses and attack graph whichever runs.
    It holds no sentence in any language: reasons and step titles are data that writers
    word with :mod:`fleetrisk.messages`.
    """

    loaded: LoadedModel  # with the facts live evidence showed in place of the model's statements
    facts: dict[tuple[str, str], Contradiction]
    matches: list[Match]
    decisions: dict[str, Decision]
    statuses: dict[str, Status]
    reasons: dict[str, list[FindingReason]]  # match id -> its reasons, unstated fields last
    analysis: FleetAnalysis
    lines: ModelLines

    def step_words(self, catalog: Catalog, lang: str, evidence: Evidence | None = None) -> StepWords:
        """Words for the steps of this analysis's paths in ``lang``."""
        return StepWords(catalog, lang, self.reasons, self.lines.of, evidence)


def analyse_model(
    loaded: LoadedModel,
    catalog: Catalog | None = None,
    *,
    as_of: dt.date | None = None,
    evidence: Evidence | None = None,
    max_cut_size: int | None = 3,
) -> ModelAnalysis:
    """Apply live evidence, match, track, and build the attack graph's stated and assumed views."""
    catalog = catalog or catalog_for(loaded)
    base = _matched(loaded, catalog, as_of, evidence)
    loaded, facts, matches = base.loaded, base.facts, base.matches
    lines = ModelLines(loaded.document)
    data = ReasonData(lines, facts)
    reasons = {m.id: data.of(m) for m in matches}
    return ModelAnalysis(loaded, facts, matches, base.decisions, base.statuses, reasons,
                         analyse(base.graph, max_cut_size), lines)


@dataclass(frozen=True)
class MatchedModel:
    """The first half of :func:`analyse_model`: evidence applied, findings matched and tracked,
    the attack graph built (both views), nothing worded and no reach computed."""

    loaded: LoadedModel
    facts: dict[tuple[str, str], Contradiction]
    matches: list[Match]
    decisions: dict[str, Decision]
    statuses: dict[str, Status]
    graph: AttackGraph


def _matched(loaded: LoadedModel, catalog: Catalog, as_of: dt.date | None, evidence: Evidence | None) -> MatchedModel:
    as_of = as_of or dt.date.today()
    facts: dict[tuple[str, str], Contradiction] = {}
    if evidence is not None:
        loaded, applied = apply_observations(loaded, evidence)
        facts = by_fact(applied)
    check_controls(loaded, catalog)
    matches = match_all(loaded.index, catalog, evidence)
    decisions = match_tracking(loaded, [m.id for m in matches], as_of, [s.id for s in catalog.scenarios])
    statuses = {m.id: finding_status(m, decisions.get(m.id)) for m in matches}
    graph = build_graph(loaded.index, catalog, matches, statuses)
    return MatchedModel(loaded, facts, matches, decisions, statuses, graph)


def stated_graph(
    loaded: LoadedModel,
    catalog: Catalog | None = None,
    *,
    as_of: dt.date | None = None,
    evidence: Evidence | None = None,
) -> tuple[LoadedModel, AttackGraph]:
    """The stated attack graph of the one analysis (the graph ``analyse_model`` reaches over),
    for the loss simulation and the plan, which word no finding and compute their own reach."""
    base = _matched(loaded, catalog or catalog_for(loaded), as_of, evidence)
    return base.loaded, base.graph.stated()


def explore_paths(
    loaded: LoadedModel,
    catalog: Catalog | None = None,
    *,
    outcome: str | None = None,
    fleet: str | None = None,
    k: int = 3,
    minimum: str = "low",
    lang: str = "en",
    as_of: dt.date | None = None,
    evidence: Evidence | None = None,
) -> list[AttackPath]:
    """Attack paths for exploring: any outcome at or above ``minimum`` risk, filtered."""
    catalog = catalog or catalog_for(loaded)
    state = analyse_model(loaded, catalog, as_of=as_of, evidence=evidence, max_cut_size=None)
    return attack_paths(state.loaded.index, state.analysis, state.step_words(catalog, lang, evidence), k=k,
                        minimum=minimum,
                        outcome=outcome, fleet=fleet)


def finding_status(match: Match, decision: Decision | None) -> Status:
    """A match's status: mitigated by controls, else its tracking decision, else open or unknown."""
    if match.mitigated:
        return "mitigated"
    status: Status = "unknown" if match.verdict.value is None else "open"
    if decision is not None and not decision.expired:
        return decision.entry.status
    return status


def _finding_reach(analysis: FleetAnalysis) -> dict[str, int]:
    """Best reach (0..5) of what each finding in the graph needs; 0 when nothing reaches it.

    A stated finding's reach is read on stated facts; an unknown one's with the unknowns
    assumed bad (it is itself an assumption).
    """
    reach: dict[str, int] = {}
    views = [(analysis.graph, analysis.reach)]
    if analysis.assumed_graph is not None and analysis.assumed_reach is not None:
        views.append((analysis.assumed_graph, analysis.assumed_reach))
    for graph, values in views:
        for edge in graph.edges:
            if edge.finding is not None and (edge.assumed or values is analysis.reach):
                value = values.edge_value.get(edge.id, 0)
                reach[edge.finding] = max(reach.get(edge.finding, 0), value)
    return reach


def _control_info(catalog: Catalog, control_id: str, lang: str) -> ControlInfo:
    control = catalog.controls[control_id]
    return ControlInfo(
        title=control.title.get(lang),
        description=control.description.get(lang),
        evidence=control.evidence.get(lang),
        cost=control.cost,
        references={k: list(v) for k, v in sorted(control.references.items())},
    )


def _catalog_info(source: CatalogSource, lang: str) -> CatalogInfo:
    return CatalogInfo(prefix=source.prefix, title=source.title.get(lang), path=source.path,
                       scenarios=len(source.scenarios), controls=len(source.controls))


def check_controls(loaded: LoadedModel, catalog: Catalog) -> None:
    """Every control the model declares must exist in the catalog."""
    problems: list[InputError] = []
    known = sorted(catalog.controls)
    places: list[tuple[tuple[str | int, ...], Iterable[str]]] = [(("controls",), loaded.model.controls)]
    for collection in ("fleets", "components", "keys", "data", "flows", "accounts"):
        for i, element in enumerate(getattr(loaded.model, collection)):
            if element.controls:
                places.append(((collection, i, "controls"), element.controls))
    for base, controls in places:
        for cid in controls:
            if cid not in catalog.controls:
                close = difflib.get_close_matches(cid, known, n=1, cutoff=0.5)
                problems.append(InputError(
                    f"unknown control '{cid}'",
                    location=loaded.document.locate((*base, cid)),
                    hint=f"did you mean '{close[0]}'?" if close else "see 'fleetrisk catalog' for control ids",
                ))
    if problems:
        raise ModelValidationError(problems)


# --- one finding -----------------------------------------------------------------------


class _FindingBuilder:
    """Turns matches into findings; per-scenario parts are computed once."""

    def __init__(self, loaded: LoadedModel, catalog: Catalog, lang: str, evidence: Evidence | None,
                 facts: dict[tuple[str, str], Contradiction]) -> None:
        self.evidence = evidence
        self.facts = facts
        self.loaded = loaded
        self.index = loaded.index
        self.catalog = catalog
        self.lang = lang
        self._refs: dict[str, dict[str, list[str]]] = {}
        self._facts: dict[tuple[int, str], tuple[list[str], int, int]] = {}
        self._keep: list[list[Handle]] = []
        # Immutable parts that many findings share, built once each.
        self._mitigated_by: dict[str, str] = {}
        self._controls: dict[tuple[tuple[str, str, str | None], ...], list[ControlState]] = {}
        self._locations: dict[str, SourceLocation] = {}
        self._likelihoods: dict[tuple[int, int, int | None], Likelihood] = {}
        self._risks: dict[int, Risk] = {}

    def _fleet_facts(self, fleets: list[Handle], outcome: str) -> tuple[list[str], int, int]:
        """(fleet ids, devices, safety level 1..5) of a fleet list, computed once per shared list."""
        key = (id(fleets), outcome)
        facts = self._facts.get(key)
        if facts is None:
            devices = sum(f.obj.devices for f in fleets if isinstance(f.obj, Fleet))
            facts = self._facts[key] = ([f.id for f in fleets], devices, _safety(fleets, outcome))
            self._keep.append(fleets)  # the id stays this list's while it is kept here
        return facts

    def scenario_info(self, scenario_id: str) -> ScenarioInfo:
        spec = self.catalog.scenario(scenario_id).spec
        lang = self.lang
        return ScenarioInfo(
            title=spec.title.get(lang),
            description=spec.description.get(lang),
            fleet_impact=spec.fleet_impact.get(lang),
            remediation=spec.remediation.get(lang),
            stride=list(spec.stride),
            facets={
                "plane": spec.facets.plane,
                "entry": list(spec.facets.entry),
                "objective": list(spec.facets.objective),
                "outcome": spec.facets.outcome,
            },
            references=self._references(scenario_id),
            family=spec.family,
            likelihood=spec.likelihood,
            severity=spec.impact.severity,
        )

    def _references(self, scenario_id: str) -> dict[str, list[str]]:
        if scenario_id not in self._refs:
            spec = self.catalog.scenario(scenario_id).spec
            self._refs[scenario_id] = {k: list(v) for k, v in sorted(spec.references.items())}
        return self._refs[scenario_id]

    def build(
        self,
        match: Match,
        decision: Decision | None,
        status: Status,
        reasons: list[FindingReason],
        reach: int | None,
    ) -> Finding:
        spec = match.scenario.spec
        lang = self.lang
        fleets = fleets_of(self.index, match)
        impact = _impact(self.index, match, fleets, self._fleet_facts(fleets, match.scenario.spec.facets.outcome))
        base = LIKELIHOOD_LEVELS[spec.likelihood]
        level = base if reach is None else max(1, min(base, reach))
        score = level * impact.score
        tracking = None
        if decision is not None:
            entry = decision.entry
            tracking = Tracking.model_construct(
                entry=entry.id,
                status=entry.status,
                justification=entry.justification,
                owner=entry.owner,
                expires=entry.expires.isoformat() if entry.expires else None,
                expired=decision.expired,
                ticket=entry.ticket,
            )
        return Finding.model_construct(
            id=match.id,
            scenario=spec.id,
            family=spec.family,
            title=spec.title.get(lang),
            element=match.element.id,
            element_type=match.element.type,
            status=status,
            likelihood=self._likelihood(level, base, reach),
            impact=impact,
            risk=self._risk(score),
            fleets=self._fleet_facts(fleets, spec.facets.outcome)[0],  # shared, like the fleet list
            reasons=reasons,
            missing=sorted({r.value for r in reasons if r.code == "unstated"}),
            mitigated_by=self._expression(match),
            controls=self._control_states(match.controls),
            location=self._location(match.element),
            tracking=tracking,
            evidence=self._evidence(match),
        )

    def _expression(self, match: Match) -> str:
        found = self._mitigated_by.get(match.scenario.id)
        if found is None:
            found = self._mitigated_by[match.scenario.id] = match.scenario.mitigated_by.describe()
        return found

    def _control_states(self, controls: tuple[tuple[str, str, str | None], ...]) -> list[ControlState]:
        found = self._controls.get(controls)
        if found is None:
            found = self._controls[controls] = [
                ControlState.model_construct(id=cid, status=state, declared_on=where)  # type: ignore[arg-type]
                for cid, state, where in controls
            ]
        return found

    def _location(self, element: Handle) -> SourceLocation:
        found = self._locations.get(element.key)
        if found is None:
            at = self.loaded.document.locate(element.yaml_path)
            found = self._locations[element.key] = SourceLocation.model_construct(
                file=at.file, line=at.line or 1, column=at.column or 1, path=at.path or "",
            )
        return found

    def _likelihood(self, level: int, base: int, reach: int | None) -> Likelihood:
        found = self._likelihoods.get((level, base, reach))
        if found is None:
            found = self._likelihoods[(level, base, reach)] = Likelihood.model_construct(
                level=LIKELIHOOD_NAMES[level], score=level, base=base, reach=reach,
            )
        return found

    def _risk(self, score: int) -> Risk:
        found = self._risks.get(score)
        if found is None:
            found = self._risks[score] = Risk.model_construct(score=score, band=band(score))
        return found

    def _evidence(self, match: Match) -> list[EvidenceRef]:
        if self.evidence is None:
            return []
        element = None if match.element.type == "service" else match.element.id
        checks = [c for cid, _, _ in match.controls for c in self.evidence.about(cid, element)]
        checks += [fact.observation.check for fact in _facts_used(match, self.facts)]
        return [
            EvidenceRef.model_construct(check=c.check, control=c.control, status=c.status, target=c.target,
                                        details=c.details, timestamp=c.timestamp, said=c.said)
            for c in {id(c): c for c in checks}.values()  # checks hold lists: unique by identity
        ]


def fleets_of(index: ModelIndex, match: Match) -> list[Handle]:
    """Fleets a finding touches: those losing the service for availability, else those reached."""
    if match.scenario.spec.facets.outcome == "availability":
        return index.fleets_disrupted(match.element)
    return index.fleets_reached(match.element)


def _missing_path(element: Handle, field: str) -> str:
    """Where an unstated field goes in the file: the service's own facts under ``service:``, the
    service-wide sections (``practices``...) at the top of the model."""
    head = field.split(".", maxsplit=1)[0]
    if element.type == "service" and head != "service" and head in ServiceModel.model_fields:
        return field
    return f"{format_path(element.yaml_path)}.{field}"


def _safety(fleets: list[Handle], outcome: str) -> int:
    """The device-characteristics axis (1..5) of an outcome on these fleets."""
    safety = 1
    if outcome in _SAFETY_OUTCOMES:
        for fleet in fleets:
            assert isinstance(fleet.obj, Fleet)
            level = SAFETY_LEVEL[fleet.obj.safety]
            if outcome == "availability":
                behaviour = fleet.obj.offline_behaviour
                if behaviour == "keeps-working":
                    level = 1
                elif behaviour == "fails-unsafe":
                    level = min(5, level + 1)
            safety = max(safety, level)
    return safety


def _impact(index: ModelIndex, match: Match, fleets: list[Handle], facts: tuple[list[str], int, int]) -> Impact:
    spec = match.scenario.spec
    _, devices, safety = facts
    records: int | None = None
    if spec.impact.scale == "records":
        records = _records(index, match.element)
        scale = log_band(records, RECORD_BANDS) if records is not None else spec.impact.severity
    elif spec.impact.scale == "devices":
        scale = log_band(devices, DEVICE_BANDS) if fleets else 1
    else:
        scale = spec.impact.severity
    score = impact_score(safety, spec.impact.severity, scale)
    return Impact.model_construct(score=score, safety=safety, service=spec.impact.severity, scale=scale,
                  devices=devices, records=records)


def _records(index: ModelIndex, element: Handle) -> int | None:
    """Records an element exposes: its own, or those of the data it stores or carries."""
    if isinstance(element.obj, DataSet):
        return element.obj.records
    related: list[Handle] = []
    if isinstance(element.obj, Component):
        related = index.related(element, "data_stored")
    elif element.type == "flow":
        related = index.related(element, "carries")
    elif element.type == "service":
        related = index.by_type["data"]
    else:
        for comp in index.related(element, "via") + index.related(element, "components_used"):
            related.extend(index.related(comp, "data_stored"))
    counts = [d.obj.records for d in related if isinstance(d.obj, DataSet)]
    known = [c for c in counts if c is not None]
    return sum(known) if known else None


class ModelLines:
    """Lines of elements and their fields in the model file, each looked up once."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self._cache: dict[tuple[str, str | None], int | None] = {}

    def of(self, element: Handle, field: str | None) -> int | None:
        """Line of ``field`` on ``element`` (or of the element itself)."""
        key = (element.key, field)
        if key not in self._cache:
            path: tuple[str | int, ...] = element.yaml_path
            if field and not field.startswith("("):
                path = (*path, *(_YAML_NAMES.get(part, part) for part in field.split(".")))
            self._cache[key] = self.document.line(path)
        return self._cache[key]


def _facts_used(match: Match, facts: dict[tuple[str, str], Contradiction]) -> list[Contradiction]:
    """The observed facts a match's reasons rest on."""
    if not facts:
        return []
    used = (facts.get((r.element.id, r.field)) for r in match.verdict.reasons if r.field)
    return list({id(f): f for f in used if f is not None}.values())


class ReasonData:
    """Turns matches' reasons into data: each condition step once, with its model line or the
    live check that observed it; then the fields the model leaves out, which make it unknown.

    A step or a missing field shared by several findings (one element, several scenarios) is
    one immutable object.
    """

    def __init__(self, lines: ModelLines, facts: dict[tuple[str, str], Contradiction]) -> None:
        self.lines = lines
        self.facts = facts
        self._made: dict[tuple[str, str, str, str, str | None, bool, str | None], FindingReason] = {}

    def of(self, match: Match) -> list[FindingReason]:
        result: list[FindingReason] = []
        seen: set[tuple[str, str, str, str, bool]] = set()
        for reason in match.verdict.reasons:
            key = (reason.element.id, reason.code, reason.name, reason.value, reason.negated)
            if key not in seen:
                seen.add(key)
                result.append(self._stated(reason))
        for missing in dict.fromkeys(match.verdict.missing):
            result.append(self._unstated(missing))
        return result

    def _stated(self, reason: Reason) -> FindingReason:
        key = (reason.element.key, reason.code, reason.name, reason.value, reason.rule, reason.negated, reason.field)
        made = self._made.get(key)
        if made is None:
            fact = self.facts.get((reason.element.id, reason.field)) if reason.field and self.facts else None
            made = self._made[key] = FindingReason.model_construct(
                code=reason.code, element=reason.element.id, element_type=reason.element.type, name=reason.name,
                value=reason.value, rule=reason.rule, negated=reason.negated,
                line=None if fact is not None else self.lines.of(reason.element, reason.field),
                observed=fact is not None, check=fact.observation.check.check if fact is not None else None,
                stated=None if fact is None or fact.stated is None else str(fact.stated).lower(),
            )
        return made

    def _unstated(self, missing: Missing) -> FindingReason:
        key = (missing.element.key, "unstated", missing.field, "", None, False, None)
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = FindingReason.model_construct(
                code="unstated", element=missing.element.id, element_type=missing.element.type,
                name=missing.field, value=_missing_path(missing.element, missing.field), rule=None, negated=False,
                line=self.lines.of(missing.element, None), observed=False, check=None, stated=None,
            )
        return made


#: Python field names whose YAML key differs.
_YAML_NAMES = {"source": "from", "target": "to"}



# --- summaries -------------------------------------------------------------------------


def _service_info(index: ModelIndex) -> ServiceInfo:
    model = index.model
    return ServiceInfo(
        name=model.service.name,
        types=list(model.service.types),
        fleets=len(model.fleets),
        devices=sum(f.devices for f in model.fleets),
        components=len(model.components),
    )


def _by_wildcard(loaded: LoadedModel, matches: list[Match], decisions: dict[str, Decision]) -> dict[str, int]:
    """Wildcard entry id -> the findings whose status it decides (unexpired; controls did not close them)."""
    counts = Counter(d.entry.id for m in matches
                     if (d := decisions.get(m.id)) is not None and d.by_pattern and not d.expired and not m.mitigated)
    return {e.id: counts[e.id] for e in loaded.model.tracking if counts[e.id]}


def _summary(index: ModelIndex, findings: list[Finding], analysis: FleetAnalysis,
             by_wildcard: dict[str, int]) -> Summary:
    by_status = Counter(f.status for f in findings)
    open_findings = [f for f in findings if f.status == "open"]
    bands = Counter(f.risk.band for f in open_findings)
    serious = {fid for f in open_findings if f.risk.band in ("high", "critical") for fid in f.fleets}
    devices = sum(fl.devices for fl in index.model.fleets if fl.id in serious)
    return Summary(
        by_status={s: by_status.get(s, 0) for s in STATUSES},
        open_by_band={b: bands.get(b, 0) for b in reversed(BANDS)},
        devices_at_risk=devices,
        outcomes_by_band=_outcomes_by_band(index, analysis),
        suppressed_by_wildcard=by_wildcard,
    )


def _outcomes_by_band(index: ModelIndex, analysis: FleetAnalysis) -> dict[str, int]:
    """How many outcomes the stated facts let an attacker reach, by band, highest first."""
    bands = Counter(band(risk) for node in analysis.graph.outcome_nodes
                    for likelihood, risk in [outcome_risk(index, analysis, node)] if likelihood)
    return {b: bands.get(b, 0) for b in reversed(BANDS)}


def _families(catalog: Catalog, findings: list[Finding], lang: str) -> list[FamilySummary]:
    result = []
    for family in catalog.taxonomy.families:
        mine = [f for f in findings if f.family == family.id]
        open_bands = [f.risk.band for f in mine if f.status == "open"]
        highest = max(open_bands, key=BANDS.index) if open_bands else None
        result.append(FamilySummary(
            family=family.id,
            title=family.title.get(lang),
            open=sum(f.status == "open" for f in mine),
            unknown=sum(f.status == "unknown" for f in mine),
            mitigated=sum(f.status == "mitigated" for f in mine),
            tracked=sum(f.status in ("accepted", "false-positive", "in-progress") for f in mine),
            highest=highest,
        ))
    return result


def _matrix(loaded: LoadedModel, catalog: Catalog, findings: list[Finding]) -> list[MatrixCell]:
    """Relevance of each family to each of the service's types, with the open findings on the
    planes that type runs on (a plane that lists no type, such as dependencies, counts for all)."""
    types_of = {p.id: set(p.service_types) for p in catalog.taxonomy.facets.plane}
    counts: Counter[tuple[str, str]] = Counter()
    for finding in findings:
        if finding.status == "open":
            served = types_of.get(catalog.scenario(finding.scenario).spec.facets.plane) or set()
            for service_type in loaded.model.service.types:
                if not served or service_type in served:
                    counts[(finding.family, service_type)] += 1
    cells = []
    for family, row in catalog.taxonomy.relevance.items():
        for service_type in loaded.model.service.types:
            cells.append(MatrixCell(family=family, service_type=service_type, relevance=row[service_type],
                                    open=counts[(family, service_type)]))
    return cells
