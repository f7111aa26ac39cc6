"""What an assessment produces. These classes are the source of the JSON report schema.

Text fields are already in the report's language; writers only turn an
:class:`Assessment` into bytes.
"""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from fleetrisk.vocab import Band, LikelihoodName

REPORT_SCHEMA_VERSION = "2.1"

Status = Literal["open", "mitigated", "unknown", "accepted", "false-positive", "in-progress"]
STATUSES: tuple[Status, ...] = (
    "open", "unknown", "in-progress", "accepted", "mitigated", "false-positive"
)


_new = object.__new__
_set = object.__setattr__
_ORDER: dict[type, tuple[str, ...]] = {}  # field names of each result class, in order


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def model_construct(cls, _fields_set: set[str] | None = None, **values: Any) -> Self:  # type: ignore[override]
        """Pydantic's ``model_construct``, with a fast path when every field is given, in field order.

        Result models have no aliases, private attributes or post-init hooks, so with every
        field given there is nothing to resolve: the fields are set directly. That is several
        times faster, which counts for the thousands of findings of a large model.
        """
        order = _ORDER.get(cls)
        if order is None:
            order = _ORDER[cls] = tuple(cls.__pydantic_fields__)
        if _fields_set is not None or tuple(values) != order:  # not every field, or not in order
            return super().model_construct(_fields_set, **values)
        instance = _new(cls)
        _set(instance, "__dict__", values)
        _set(instance, "__pydantic_fields_set__", set(values))
        _set(instance, "__pydantic_extra__", None)
        _set(instance, "__pydantic_private__", None)
        return instance


class SourceLocation(Out):
    file: str
    line: int
    column: int
    path: str


LikelihoodLevel = LikelihoodName


class Likelihood(Out):
    level: LikelihoodLevel
    score: int = Field(ge=1, le=5)
    base: int = Field(ge=1, le=5, description="The scenario's own likelihood, before reachability.")
    reach: int | None = Field(
        default=None, ge=0, le=5,
        description="Likelihood of reaching what the scenario needs from the attacker's entries "
        "(0: no known way); the score is the lower of base and reach.",
    )


class Impact(Out):
    score: int = Field(ge=1, le=5)
    safety: int = Field(ge=1, le=5, description="Device-characteristics axis (safety).")
    service: int = Field(ge=1, le=5, description="Service-characteristics axis.")
    scale: int = Field(ge=1, le=5, description="Number-of-devices (or records) axis, log bands.")
    devices: int = Field(ge=0, description="Devices in the fleets the element reaches.")
    records: int | None = Field(default=None, description="Records exposed, where relevant.")


class Risk(Out):
    score: int = Field(ge=1, le=25)
    band: Band


class ControlState(Out):
    id: str
    status: Literal["implemented", "verified", "planned", "absent", "not-declared", "refuted"]
    declared_on: Literal["element", "service"] | None = None


class Said(Out):
    """A sentence kept as data: a message-catalogue key and its arguments, worded by each writer
    in its own language (identifiers and a library's own error text stay as they are)."""

    key: str = Field(pattern=r"^check\.[a-z_]+$", max_length=60)
    args: dict[str, str | int | float | Said | list[Said]] = Field(default_factory=dict)


class EvidenceRef(Out):
    """A live check about one of the finding's controls."""

    check: str
    control: str
    status: Literal["verified", "refuted", "inconclusive"]
    target: str
    details: str = Field(description="What the check found, in English.")
    timestamp: str
    said: Said | None = Field(default=None, description="The same as data, for wording in any language.")


class Tracking(Out):
    entry: str | None = Field(default=None, description="Id of the tracking entry that matched.")
    status: Literal["accepted", "mitigated", "false-positive", "in-progress"]
    justification: str
    owner: str
    expires: str | None = None
    expired: bool = False
    ticket: str | None = None


_SCHEMA_1_FIELDS = frozenset({"explanation", "remediation", "references"})


def _absent(value: object) -> bool:
    """Left out of the JSON: a reason's optional parts are rarely there (a large report has ~10^5 reasons)."""
    return value is None or value is False


class FindingReason(Out):
    """One step of why a finding applies, as data: the same in every language (writers word it)."""

    code: Literal["field", "relation", "predicate", "unstated"] = Field(
        description="field: a field of the element (name = its path); relation: the elements it links "
        "to (value = their ids); predicate: a named graph question; unstated: a field the model leaves "
        "out, so the finding is unknown (name = the field, or a predicate's name in parentheses; value = the "
        "YAML path to fill in)."
    )
    element: str
    element_type: str
    name: str
    value: str = Field(description="What the model (or live evidence) says, as written in the model.")
    rule: str | None = Field(default=None, exclude_if=_absent, description="The test the value failed, when it failed.")
    negated: bool = Field(default=False, exclude_if=_absent, description="The step holds under a 'not'.")
    line: int | None = Field(default=None, description="Line of the field in the model file, when known.")
    observed: bool = Field(
        default=False, exclude_if=_absent, description="The value comes from live evidence, not the model."
    )
    check: str | None = Field(default=None, exclude_if=_absent, description="The live check that observed the value.")
    stated: str | None = Field(
        default=None, exclude_if=_absent,
        description="What the model stated before live evidence replaced it (absent: nothing).",
    )


class Finding(Out):
    id: str = Field(description="Stable id: <scenario>@<element>.")

    @model_validator(mode="before")
    @classmethod
    def _drop_fields_of_schema_1(cls, data: Any) -> Any:
        """Reports before schema 2.0 carried an engine-worded ``explanation`` (reasons replace it)
        and a copy of the scenario's ``remediation`` and ``references`` (in ``scenarios`` now)."""
        if isinstance(data, dict) and _SCHEMA_1_FIELDS & data.keys():
            return {k: v for k, v in data.items() if k not in _SCHEMA_1_FIELDS}
        return data

    scenario: str
    family: str
    title: str
    element: str
    element_type: str
    status: Status
    likelihood: Likelihood
    impact: Impact
    risk: Risk
    fleets: list[str]
    reasons: list[FindingReason] = Field(
        default_factory=list,
        description="Why it applies, as data (language-neutral): the condition steps, then the fields the "
        "model leaves out. Writers word them, with the controls, tracking and likelihood, in the reader's "
        "language (fleetrisk.messages.explain).",
    )
    missing: list[str] = Field(default_factory=list, description="Model fields to fill in (unknown).")
    mitigated_by: str = Field(description="The control expression that closes the finding.")
    controls: list[ControlState]
    location: SourceLocation
    tracking: Tracking | None = None
    evidence: list[EvidenceRef] = Field(default_factory=list, description="Live checks on its controls.")


class ScenarioInfo(Out):
    """Catalog text of a scenario the assessment ran (shared by all its findings)."""

    title: str
    description: str
    fleet_impact: str
    remediation: str
    stride: list[str]
    facets: dict[str, str | list[str]]
    references: dict[str, list[str]]
    family: str | None = Field(default=None, description="T1..T8 (absent in reports before schema 2.1).")
    likelihood: LikelihoodLevel | None = Field(default=None, description="The scenario's own likelihood.")
    severity: int | None = Field(default=None, ge=1, le=5, description="The scenario's service-characteristic "
                                 "impact, 1..5.")


class ControlInfo(Out):
    title: str
    description: str
    evidence: str
    cost: int
    references: dict[str, list[str]] = Field(default_factory=dict)


class CatalogInfo(Out):
    """A catalog the assessment ran: the bundled one, or an organisation's (docs/own-rules.md)."""

    prefix: str | None = Field(description="The organisation's id prefix (T<n>.<prefix>.<name>); null for the "
                               "bundled catalog.")
    title: str
    path: str | None = Field(description="The folder as given (null for the bundled catalog).")
    scenarios: int = Field(ge=0, description="Scenarios it adds.")
    controls: int = Field(ge=0, description="Controls it adds.")


class DisabledInfo(Out):
    """A scenario an organisation catalog switched off: it did not run."""

    scenario: str
    title: str
    justification: str
    by: str = Field(description="Prefix of the organisation catalog that switched it off.")


class FamilySummary(Out):
    family: str
    title: str
    open: int
    unknown: int
    mitigated: int
    tracked: int
    highest: Band | None


class MatrixCell(Out):
    family: str
    service_type: str
    relevance: Literal["H", "M", "L", "-"]
    open: int


class ServiceInfo(Out):
    name: str
    types: list[str]
    fleets: int
    devices: int
    components: int


class Summary(Out):
    by_status: dict[str, int]
    open_by_band: dict[str, int]
    devices_at_risk: int = Field(description="Devices in fleets reached by an open high or critical finding.")
    outcomes_by_band: dict[str, int] = Field(
        default_factory=dict,
        description="Fleet and data outcomes an attacker reaches on stated facts, by the band of their risk "
        "(an outcome can be critical through steps that are no finding, such as authority and custody).",
    )
    suppressed_by_wildcard: dict[str, int] = Field(
        default_factory=dict,
        description="Wildcard tracking entries (by id, in model order) and the findings each one decides, "
        "unexpired: findings kept out of open and unknown by a pattern rather than by name (schema 2.1).",
    )


class PathStep(Out):
    """One move along an attack path: a finding, or an authority, custody or foothold fact."""

    kind: Literal["finding", "authority", "drive", "fan", "custody", "foothold"]
    finding: str | None = Field(default=None, description="Finding id <scenario>@<element>, for finding steps.")
    scenario: str | None = None
    element: str
    title: str
    requires: list[str] = Field(description="Attacker positions this step needs.")
    gains: list[str] = Field(description="Positions or outcomes it hands over.")
    likelihood: int = Field(ge=1, le=5)
    why: list[str] = Field(description="What makes the step true, worded in the report's language.")
    reasons: list[FindingReason] = Field(
        default_factory=list, description="The facts behind the step, as data (language-neutral)."
    )
    cut_by: str = Field(description="Control expression that would cut this step.")


class AttackPath(Out):
    """An easiest way from an attacker entry to an outcome on one fleet."""

    outcome: str
    fleet: str = Field(description="Fleet id, or data:<id> for a data set.")
    entry: str
    likelihood: int = Field(ge=1, le=5, description="The hardest step's likelihood.")
    risk: int = Field(ge=1, le=25, description="Likelihood x impact of the outcome.")
    band: Band
    devices: int
    steps: list[PathStep]


class BlastRadius(Out):
    """What falls if one component or key is compromised."""

    element: str
    element_type: Literal["component", "key"]
    devices_at_risk: int
    by_fleet: dict[str, int]
    by_outcome: dict[str, int] = Field(description="Outcome -> devices (or records for data-exposed).")


class CutSet(Out):
    """A minimal set of components or keys whose compromise yields an outcome on a fleet."""

    outcome: str
    fleet: str = Field(description="Fleet id, or data:<id> for a data set.")
    members: list[str] = Field(description="Component and key ids; empty = reachable with no compromise.")
    size: int
    devices: int
    records: int | None = None
    truncated: bool = Field(default=False, description="The model was too large to list every set here.")


class Question(Out):
    """A field the model leaves out on one or more elements of a type: one answer settles the
    unknown findings that need it (``fleetrisk questions``)."""

    element_type: str
    field: str = Field(description="Field path on the element, as in the model file.")
    elements: list[str] = Field(description="Elements that leave it out, by id.")
    paths: list[str] = Field(description="Where the answer goes: the YAML path on each element.")
    findings: list[str] = Field(description="Unknown findings that need it, by id.")
    risk: int = Field(ge=0, description="Sum of those findings' risk scores: what answering settles.")
    description: str = Field(description="What the field means (from the model schema).")
    allowed: list[str] = Field(description="Values the field takes, when it has a fixed set.")


class AssumedOutcome(Out):
    """An outcome that only unstated facts open, or make easier: the questions worth answering.

    The headline paths, cut sets and blast radius rest on stated facts only; this is the
    "if the unknowns are as bad as they can be" view.
    """

    outcome: str
    fleet: str = Field(description="Fleet id, or data:<id> for a data set.")
    devices: int
    records: int | None = None
    stated_likelihood: int = Field(ge=0, le=5, description="0 = not reachable on stated facts.")
    likelihood: int = Field(ge=1, le=5, description="If every unknown on the way is as bad as it can be.")
    risk: int = Field(ge=1, le=25)
    band: Band
    hangs_on: list[str] = Field(description="Unknown findings on the easiest way, by id.")
    missing: list[str] = Field(description="Model fields that would settle them.")
    steps: list[PathStep]


class SinglePointHit(Out):
    outcome: str
    fleets: list[str]


class SinglePoint(Out):
    """One component or key whose compromise alone hands over fleet outcomes (a cut set of size 1)."""

    element: str
    hits: list[SinglePointHit] = Field(description="Outcomes, each with the fleets it lands on.")
    devices: int = Field(description="Devices in those fleets, each fleet counted once.")


class FixFirst(Out):
    """A control, with the stated risk it removes: what to fix first."""

    control: str
    closes: list[str] = Field(description="Open findings it closes, highest consequence first.")
    highest: Band | None = Field(description="The highest band among them.")
    risk_removed: int = Field(ge=0, description="Sum of their risk scores.")
    paths_cut: int = Field(ge=0, description="Headline attack paths it cuts.")
    devices: int = Field(ge=0, description="Devices in fleets its closed high/critical findings or cut paths reach.")
    records: int = Field(ge=0, description="Records exposed by the findings it closes.")
    cost: int = Field(ge=1, le=5, description="Relative cost, from the catalog.")


class Assessment(Out):
    schema_version: str = REPORT_SCHEMA_VERSION
    tool: str
    lang: Literal["en", "ja"]
    model: str
    as_of: str | None = None
    service: ServiceInfo
    summary: Summary
    families: list[FamilySummary]
    matrix: list[MatrixCell]
    findings: list[Finding]
    attack_paths: list[AttackPath] = Field(default_factory=list)
    blast_radius: list[BlastRadius] = Field(default_factory=list)
    cut_sets: list[CutSet] = Field(default_factory=list)
    single_points: list[SinglePoint] = Field(
        default_factory=list, description="Single points of fleet compromise, the most devices first."
    )
    fix_first: list[FixFirst] = Field(
        default_factory=list, description="Controls ordered by the stated risk they remove."
    )
    assumed: list[AssumedOutcome] = Field(
        default_factory=list, description="What unstated facts would open: never part of the headline results."
    )
    questions: list[Question] = Field(
        default_factory=list, description="The unstated fields that settle the most unknown findings, first ten."
    )
    scenarios: dict[str, ScenarioInfo] = Field(description="Every scenario the assessment ran, by id "
                                               "(before schema 2.1: those with findings).")
    controls: dict[str, ControlInfo] = Field(description="Every control of the catalogs it ran, by id "
                                             "(before schema 2.1: those named by findings).")
    catalogs: list[CatalogInfo] = Field(
        default_factory=list, description="The catalogs it ran: the bundled one first, then organisation catalogs."
    )
    disabled: list[DisabledInfo] = Field(
        default_factory=list, description="Scenarios organisation catalogs switched off, with why."
    )
