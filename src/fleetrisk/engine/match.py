"""Match catalog scenarios against model elements, dispatched by element type and kind."""

from __future__ import annotations

from dataclasses import dataclass, field

from fleetrisk.catalog.conditions import Verdict
from fleetrisk.catalog.loader import Catalog, CompiledScenario
from fleetrisk.evidence import Evidence
from fleetrisk.model.queries import Handle, ModelIndex
from fleetrisk.model.schema import ControlStatus, ServiceModel
from fleetrisk.vocab import HOLDING_STATES


@dataclass(frozen=True)
class Match:
    """A scenario whose condition held (or could not be decided) on one element."""

    scenario: CompiledScenario
    element: Handle
    verdict: Verdict
    controls: tuple[tuple[str, str, str | None], ...]  # (id, status, declared_on)
    mitigated: bool
    id: str = field(init=False, compare=False)  # <scenario>@<element>, made once (read for every finding)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", f"{self.scenario.id}@{self.element.id}")


def control_status(
    model: ServiceModel, element: Handle, control: str, evidence: Evidence | None = None
) -> tuple[str, str | None]:
    """Status of ``control`` for ``element``: its own declaration first, then service-wide.

    Live evidence overrides the declaration: a refuted control does not hold, a verified
    one does.
    """
    own: dict[str, ControlStatus] = getattr(element.obj, "controls", {}) if element.type != "service" else {}
    status: str
    where: str | None
    if control in own:
        status, where = own[control], "element"
    elif control in model.controls:
        status, where = model.controls[control], "service"
    else:
        status, where = "not-declared", None
    if evidence is not None:
        seen = evidence.verdict(control, None if element.type == "service" else element.id)
        if seen == "refuted":
            return "refuted", where
        if seen == "verified":
            return "verified", where
    return status, where


def candidates(index: ModelIndex, scenario: CompiledScenario) -> list[Handle]:
    """Elements a scenario looks at: its target type, narrowed to its component kinds.

    A fleet of no devices (what an import writes when its source names no devices) is not
    assessed: rules about devices that nobody described would report assumptions, not facts.
    """
    kinds = scenario.spec.kinds
    if kinds:
        by_kind = index.components_by_kind
        return sorted((h for kind in kinds for h in by_kind.get(kind, ())), key=lambda h: h.index)
    return [h for h in index.by_type.get(scenario.spec.target, []) if not _no_devices(h)]


def _no_devices(handle: Handle) -> bool:
    fleet = handle.owner if handle.type == "acceptance" else handle
    return fleet is not None and fleet.type == "fleet" and getattr(fleet.obj, "devices", None) == 0


def match_all(index: ModelIndex, catalog: Catalog, evidence: Evidence | None = None) -> list[Match]:
    """Every (scenario, element) pair whose ``applies`` is true or unknown."""
    matches: list[Match] = []
    for scenario in catalog.scenarios:
        for element in candidates(index, scenario):
            if scenario.applies.test(index, element) is False:
                continue
            verdict = scenario.applies.evaluate(index, element)
            states = tuple(
                (cid, *control_status(index.model, element, cid, evidence))
                for cid in dict.fromkeys(scenario.mitigated_by.controls())
            )
            holding = {cid for cid, status, _ in states if status in HOLDING_STATES}
            mitigated = scenario.mitigated_by.evaluate(holding.__contains__)
            matches.append(Match(scenario, element, verdict, states, mitigated))
    return matches
