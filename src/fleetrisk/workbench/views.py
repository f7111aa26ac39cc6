"""What each workbench page shows, as data taken from one :class:`Analysis` (no HTML here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fleetrisk.catalog.conditions import ConditionError, field_shape
from fleetrisk.model.queries import ELEMENT_CLASSES
from fleetrisk.model.schema import ServiceModel
from fleetrisk.reports.diff import RiskDiff, diff_assessments
from fleetrisk.results import Assessment, AttackPath, Finding
from fleetrisk.vocab import BANDS
from fleetrisk.workbench.workspace import Analysis
from fleetrisk.workbench.yamledit import Change, parse_path

#: The attention order of statuses on the findings page: stated first, then assumed, then decided.
STATED = ("open",)
ASSUMED = ("unknown",)
DECIDED = ("in-progress", "accepted", "false-positive", "mitigated")
#: Controls offered as what-if switches (the fix-first list, then the rest of the catalog's).
WHATIF_TOP = 12


def element_section(analysis: Analysis, element: str) -> tuple[str, int] | None:
    """The section and index of a model element, by id."""
    model = analysis.loaded.model
    for section in ("fleets", "components", "keys", "data", "flows", "accounts"):
        for i, item in enumerate(getattr(model, section)):
            if item.id == element:
                return section, i
    return None


def element_ids(analysis: Analysis) -> set[str]:
    """The ids of the model elements that have a page (not the service, not a zone)."""
    model = analysis.loaded.model
    return {item.id for section in ("fleets", "components", "keys", "data", "flows", "accounts")
            for item in getattr(model, section) if getattr(item, "id", None)}


def element_data(analysis: Analysis, section: str, index: int) -> dict[str, Any]:
    """The element as the file states it (YAML keys, plain values)."""
    data = analysis.loaded.document.data
    item = data.get(section, [])[index] if isinstance(data, dict) else {}
    return dict(item) if isinstance(item, dict) else {}


def findings_by_state(a: Assessment, element: str | None = None) -> dict[str, list[Finding]]:
    """Findings in consequence order (the assessment's order), split into stated, assumed and decided."""
    chosen = [f for f in a.findings if element is None or f.element == element]
    return {
        "stated": [f for f in chosen if f.status in STATED],
        "assumed": [f for f in chosen if f.status in ASSUMED],
        "decided": [f for f in chosen if f.status in DECIDED],
    }


def paths_by_outcome(a: Assessment) -> list[tuple[str, list[tuple[int, AttackPath]]]]:
    """Every headline attack path, numbered, grouped by outcome and fleet (riskiest outcome first)."""
    groups: dict[str, list[tuple[int, AttackPath]]] = {}
    for n, path in enumerate(a.attack_paths, 1):
        groups.setdefault(f"{path.outcome}@{path.fleet}", []).append((n, path))
    return list(groups.items())


@dataclass(frozen=True)
class Comparison:
    """The saved model beside its what-if variant."""

    saved: Analysis
    variant: Analysis
    diff: RiskDiff

    @property
    def rows(self) -> list[tuple[str, int | float | None, int | float | None]]:
        s, v = self.saved.assessment, self.variant.assessment
        rows: list[tuple[str, int | float | None, int | float | None]] = [
            ("devices_at_risk", s.summary.devices_at_risk, v.summary.devices_at_risk),
            *((f"open_{b}", s.summary.open_by_band.get(b, 0), v.summary.open_by_band.get(b, 0))
              for b in reversed(BANDS)),
            ("cut_sets", len(s.cut_sets), len(v.cut_sets)),
            ("single_points", len(s.single_points), len(v.single_points)),
            ("attack_paths", len(s.attack_paths), len(v.attack_paths)),
        ]
        if self.saved.expected_loss is not None:
            rows.append(("expected_loss", self.saved.expected_loss, self.variant.expected_loss))
        return rows


def compare(saved: Analysis, variant: Analysis) -> Comparison:
    return Comparison(saved, variant, diff_assessments(saved.assessment, variant.assessment))


def whatif_controls(a: Assessment) -> list[str]:
    """Controls worth switching on in a what-if: the fix-first list first, then every other one."""
    first = [item.control for item in a.fix_first[:WHATIF_TOP]]
    return first + sorted(c for c in a.controls if c not in first)


def whatif_changes(a: Assessment, controls: Sequence[str], facts: Sequence[tuple[int, str]],
                   model: ServiceModel | None = None) -> list[Change]:
    """The in-memory changes of a what-if: controls implemented service-wide and on every element
    that declares them otherwise (an element's own status would win over the service's), and
    question ``n``'s field given ``value`` on every element that leaves it out."""
    chosen = [c for c in controls if c in a.controls]
    changes = [Change(("controls", c), "implemented") for c in chosen]
    for section in ("fleets", "components", "keys", "data", "flows", "accounts"):
        for i, element in enumerate(getattr(model, section) if model is not None else ()):
            changes += [Change((section, i, "controls", c), "implemented") for c in chosen
                        if element.controls.get(c) not in (None, "implemented", "verified")]
    for n, value in facts:
        if not 0 <= n < len(a.questions):
            continue
        q = a.questions[n]
        typed: Any = {"true": True, "false": False}.get(value, value)
        if q.allowed and value not in q.allowed:
            continue
        changes += [Change(parse_path(path), typed) for path in q.paths]
    return changes


@dataclass(frozen=True)
class Stale:
    """A tracking decision that no longer holds, or never had a review date."""

    entry: str
    status: str
    owner: str
    expires: str | None


def stale_acceptances(analysis: Analysis, today: dt.date) -> list[Stale]:
    """Accepted risks past their expiry date, or with none."""
    return [Stale(t.id, t.status, t.owner, t.expires.isoformat() if t.expires else None)
            for t in analysis.loaded.model.tracking
            if t.status == "accepted" and (t.expires is None or t.expires < today)]


def question_rows(analysis: Analysis, elements: Sequence[str], paths: Sequence[str]) -> list[tuple[str, str, str]]:
    """Each element a question asks about: its label, where the answer goes, and the id of the
    model element it sits on (for a link)."""
    data = analysis.loaded.document.data
    rows = []
    for label, path in zip(elements, paths, strict=True):
        steps = parse_path(path)
        owner = ""
        if len(steps) >= 2 and isinstance(steps[0], str) and isinstance(steps[1], int):
            items = data.get(steps[0], []) if isinstance(data, dict) else []
            item = items[steps[1]] if isinstance(items, list) and steps[1] < len(items) else None
            owner = str(item.get("id", "")) if isinstance(item, dict) else ""
        rows.append((label, path, owner))
    return rows


def takes_a_list(element_type: str, field: str) -> bool:
    """Whether a question's field holds a list (its answer is one value of it, or none at all)."""
    try:
        return field_shape(ELEMENT_CLASSES[element_type], field).is_list
    except (KeyError, ConditionError):
        return False


def answer_value(value: str, allowed: Sequence[str], is_list: bool) -> Any:
    """A question's answer as the model holds it: true/false, a number, a value, or a list of one
    value (``[]``: none of them)."""
    if is_list:
        if value == "[]":
            return []
        return [answer_value(value, allowed, False)]
    if allowed and value not in allowed:
        raise ValueError(f"not an allowed value: {value}")
    if set(allowed) == {"true", "false"}:
        return value == "true"
    if value.isascii() and value.isdigit():
        return int(value)
    return value
