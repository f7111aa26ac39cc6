"""The shape of catalog files: taxonomy, frameworks, controls and scenarios.

Conditions stay as raw trees here; :mod:`fleetrisk.catalog.conditions` compiles them
once the whole catalog is known.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from fleetrisk.model.schema import ComponentKind, ServiceType
from fleetrisk.vocab import AttackerEntry, FleetOutcome

FamilyId = Literal["T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8"]
FAMILIES: tuple[str, ...] = ("T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8")
Plane = Literal[
    "control", "data", "software-distribution", "identity", "integration", "dependencies", "admin"
]
Entry = AttackerEntry
Objective = Literal["disrupt", "deceive", "control", "steal", "persist", "monetise", "pivot"]
OutcomeFacet = Literal[
    "availability",
    "information-integrity",
    "device-control",
    "confidentiality",
    "safety",
    "fleet-compromise",
    "trust-anchor-loss",
]
#: Fleet-level consequences an attacker can reach (attack-graph outcome nodes).
EffectOutcome = FleetOutcome
Stride = Literal["S", "T", "R", "I", "D", "E"]
Likelihood = Literal["rare", "unlikely", "possible", "likely", "almost-certain"]
Relevance = Literal["H", "M", "L", "-"]
TargetType = Literal["service", "fleet", "component", "key", "data", "flow", "account", "zone"]
Scale = Literal["devices", "records", "none"]


class CatalogBase(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


_CJK = "\u3000-\u30ff\u3400-\u9fff\uff00-\uffef"
_FOLDED_SPACE = re.compile(f"(?<=[{_CJK}])\\s+(?=[{_CJK}])")


class Bilingual(CatalogBase):
    """A text in English and Japanese."""

    en: Annotated[str, Field(min_length=1)]
    ja: Annotated[str, Field(min_length=1)]

    @field_validator("ja")
    @classmethod
    def _unfold_japanese(cls, text: str) -> str:
        """YAML folding joins lines with a space; Japanese never wants one between its characters."""
        return _FOLDED_SPACE.sub("", text)

    def get(self, lang: str) -> str:
        return self.ja if lang == "ja" else self.en


References = dict[str, Annotated[list[str], Field(min_length=1)]]


class Family(CatalogBase):
    id: FamilyId
    title: Bilingual
    summary: Bilingual
    nature: Literal["outcome", "objective", "method", "entry-path"]


class Label(CatalogBase):
    id: str
    label: Bilingual


class PlaneLabel(Label):
    """A plane of the service, and the service types whose work runs on it (empty: every type)."""

    service_types: list[ServiceType] = Field(default_factory=list)


class Facets(CatalogBase):
    plane: list[PlaneLabel]
    entry: list[Label]
    objective: list[Label]
    outcome: list[Label]


class Taxonomy(CatalogBase):
    families: Annotated[list[Family], Field(min_length=8, max_length=8)]
    facets: Facets
    effect_outcomes: list[Label]
    service_types: list[Label]
    relevance: dict[FamilyId, dict[ServiceType, Relevance]]


class Framework(CatalogBase):
    id: Annotated[str, Field(pattern=r"^[a-z0-9-]+$")]
    name: str
    version: str
    kind: Literal["baseline", "verification", "taxonomy", "attack-knowledge", "update-security"]
    sections: dict[str, Bilingual] = Field(
        default_factory=dict, description="Section number -> title, for requirement ids that begin with it."
    )


class Frameworks(CatalogBase):
    frameworks: list[Framework]


#: An organisation catalog's prefix: its scenario ids are ``T<n>.<prefix>.<name>``, its control
#: ids ``<prefix>.<name>`` and its framework ids ``<prefix>-<name>``.
PREFIX_PATTERN = r"[a-z][a-z0-9-]{1,30}"


class Control(CatalogBase):
    """A countermeasure a provider can declare on an element or service-wide."""

    id: Annotated[str, Field(pattern=rf"^(?:{PREFIX_PATTERN}\.)?[a-z0-9][a-z0-9-]{{1,60}}$")]
    title: Bilingual
    description: Bilingual
    evidence: Bilingual = Field(description="What shows the control really holds.")
    counters: Annotated[list[FamilyId], Field(min_length=1)]
    cost: Annotated[StrictInt, Field(ge=1, le=5)]
    references: References


class ControlFile(CatalogBase):
    controls: Annotated[list[Control], Field(min_length=1)]


class Facet(CatalogBase):
    plane: Plane
    entry: Annotated[list[Entry], Field(min_length=1)]
    objective: Annotated[list[Objective], Field(min_length=1)]
    outcome: OutcomeFacet


class Effect(CatalogBase):
    """What the attacker must already hold, and what the scenario hands over.

    Tokens: ``entry`` (any of the scenario's entries), ``control:self``, ``hold:self``,
    ``impersonate:self``, ``<kind>:<relation>`` for a related element, and in ``grants``
    also ``outcome:<effect outcome>``.
    """

    requires: Annotated[list[str], Field(min_length=1)]
    grants: Annotated[list[str], Field(min_length=1)]


class Impact(CatalogBase):
    severity: Annotated[StrictInt, Field(ge=1, le=5)] = Field(
        description="Service-characteristic axis, 1..5."
    )
    scale: Scale = Field(description="What the number axis counts.")


class Scenario(CatalogBase):
    """One threat rule."""

    id: Annotated[str, Field(pattern=rf"^T[1-8]\.(?:{PREFIX_PATTERN}\.)?[a-z0-9][a-z0-9-]{{2,60}}$")]
    family: FamilyId
    title: Bilingual
    description: Bilingual
    fleet_impact: Bilingual
    remediation: Bilingual
    target: TargetType
    kinds: list[ComponentKind] = Field(default_factory=list)
    facets: Facet
    stride: Annotated[list[Stride], Field(min_length=1)]
    applies: dict[str, Any]
    mitigated_by: str | dict[str, Any]
    effect: Effect
    likelihood: Likelihood
    impact: Impact
    references: References


class Disable(CatalogBase):
    """A scenario of another catalog switched off, with the reason every report shows."""

    scenario: str
    justification: Bilingual


class Manifest(CatalogBase):
    """``catalog.yaml``: what makes a folder an organisation catalog."""

    prefix: Annotated[str, Field(pattern=rf"^{PREFIX_PATTERN}$")] = Field(
        description="Prefix of the organisation's ids: scenarios T<n>.<prefix>.<name>, controls <prefix>.<name>."
    )
    title: Bilingual
    disable: list[Disable] = Field(default_factory=list)


class CaseExpectation(CatalogBase):
    open: Annotated[list[str], Field(min_length=1)]
    silent: Annotated[list[str], Field(min_length=1)]
    mitigated: list[str] = Field(default_factory=list)
    unknown: list[str] = Field(default_factory=list)


class Case(CatalogBase):
    """A small model and what a scenario must and must not report on it."""

    scenario: str
    expect: CaseExpectation
    model: dict[str, Any]
