"""Tracking decisions: accepted, mitigated, false-positive or in-progress findings.

An entry's id is ``<scenario>@<element>`` where either side may use wildcards (``*``, ``?``,
``[...]``, as in shell patterns); an entry with one is a *pattern* entry, one without names a
finding exactly. The rules, each broken rule an error at the entry's line:

- An entry that matches no finding is an error (it is stale or misspelt).
- One entry per finding: two entries with the same id, or two pattern entries that both cover
  a finding, are an error. An exact entry may refine a pattern entry: for the finding it
  names, the exact entry decides, wherever it stands in the list.
- A *blanket* entry is a pattern entry whose scenario side matches every scenario of the
  catalog (``*@fw-key``), or whose element side matches every element of the model
  (``T6.online-signing-key@*``, ``*@*``; ``service``, the element of service-wide findings,
  counts too). It needs an expiry date and a justification that is not blank: one undated
  ``*@*`` would otherwise keep every finding out of a CI gate for good.

An entry past its expiry date no longer applies, and the finding reopens.
"""

from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass

from fleetrisk.errors import InputError, ModelValidationError
from fleetrisk.model.loader import LoadedModel
from fleetrisk.model.schema import TrackingEntry
from fleetrisk.model.yamlio import YamlPath

_WILDCARD = re.compile(r"[*?\[]")
_COLLECTIONS = ("zones", "fleets", "components", "keys", "data", "flows", "accounts")


def is_pattern(entry_id: str) -> bool:
    """Whether a tracking id matches by pattern (it has ``*``, ``?`` or ``[``) rather than by name."""
    return _WILDCARD.search(entry_id) is not None


@dataclass(frozen=True)
class Decision:
    entry: TrackingEntry
    expired: bool

    @property
    def by_pattern(self) -> bool:
        """The entry is a pattern (wildcard) entry, not one naming this finding."""
        return is_pattern(self.entry.id)


def blanket_sides(entry_id: str, scenario_ids: Iterable[str], element_ids: Iterable[str]) -> list[str]:
    """The sides of a pattern entry that cover everything: 'every scenario', 'every element', both or none.

    A side covers everything when it has a wildcard and matches every id of its kind; an empty
    list of ids is covered by any pattern.
    """
    scenario, _, element = entry_id.partition("@")
    sides = []
    if is_pattern(scenario) and all(fnmatch.fnmatchcase(s, scenario) for s in scenario_ids):
        sides.append("every scenario")
    if is_pattern(element) and all(fnmatch.fnmatchcase(e, element) for e in element_ids):
        sides.append("every element")
    return sides


def match_tracking(loaded: LoadedModel, finding_ids: list[str], as_of: dt.date,
                   scenario_ids: Iterable[str] = ()) -> dict[str, Decision]:
    """Map finding id -> the tracking entry that decides it (see the module's rules).

    ``scenario_ids``: every scenario of the catalog, to tell blanket entries; with none given,
    any pattern on the scenario side counts as a blanket.
    """
    entries = loaded.model.tracking
    doc = loaded.document
    scenarios = list(scenario_ids)
    elements = {e.id for name in _COLLECTIONS for e in getattr(loaded.model, name)}
    elements.update(fid.rpartition("@")[2] for fid in finding_ids)  # and 'service', for service-wide findings
    known = set(finding_ids)
    problems: list[tuple[int, InputError]] = []

    def where(i: int, key: str = "id") -> YamlPath:
        return ("tracking", i, key)

    first_with_id: dict[str, int] = {}
    for i, entry in enumerate(entries):
        if entry.id in first_with_id:
            first = doc.locate(where(first_with_id[entry.id]))
            problems.append((i, InputError(
                f"duplicate tracking entry '{entry.id}' (first at line {first.line})",
                location=doc.locate(where(i)),
                hint="one entry per finding: keep one of the two (with the later expiry, if that was the intent)",
            )))
        else:
            first_with_id[entry.id] = i
    exact = {fid: i for fid, i in first_with_id.items() if not is_pattern(fid) and fid in known}
    by_pattern: dict[str, int] = {}  # finding id -> the pattern entry covering it (no exact entry does)
    overlaps: set[int] = set()
    for entry_id, i in first_with_id.items():
        entry = entries[i]
        if not is_pattern(entry_id):
            hits = [entry_id] if entry_id in exact else []
        else:
            problems.extend((i, p) for p in _blanket_problems(loaded, i, entry, scenarios, elements))
            regex = re.compile(fnmatch.translate(entry_id))
            hits = [fid for fid in finding_ids if regex.match(fid)]
            for fid in hits:
                other = by_pattern.setdefault(fid, i) if fid not in exact else i
                if other != i and i not in overlaps:
                    overlaps.add(i)
                    problems.append((i, InputError(
                        f"tracking entries '{entries[other].id}' (line {doc.locate(where(other)).line}) and "
                        f"'{entry_id}' both cover '{fid}'",
                        location=doc.locate(where(i)),
                        hint="one entry per finding: narrow one of the patterns, or add an entry naming the "
                        "finding (an exact entry decides over patterns)",
                    )))
        if not hits:
            close = difflib.get_close_matches(entry_id, finding_ids, n=1, cutoff=0.5)
            problems.append((i, InputError(
                f"tracking entry '{entry_id}' matches no finding",
                location=doc.locate(where(i)),
                hint=(f"did you mean '{close[0]}'? " if close else "")
                + "If the finding no longer exists, remove the entry.",
            )))
    if problems:
        raise ModelValidationError([p for _, p in sorted(problems, key=lambda item: item[0])])
    chosen = {**by_pattern, **exact}
    made = {i: _decision(entries[i], as_of) for i in set(chosen.values())}
    return {fid: made[chosen[fid]] for fid in finding_ids if fid in chosen}


def _decision(entry: TrackingEntry, as_of: dt.date) -> Decision:
    return Decision(entry, entry.expires is not None and entry.expires < as_of)


def _blanket_problems(loaded: LoadedModel, i: int, entry: TrackingEntry, scenarios: list[str],
                      elements: set[str]) -> list[InputError]:
    sides = blanket_sides(entry.id, scenarios, elements)
    if not sides:
        return []
    doc = loaded.document
    covers = " and ".join(sides)
    problems = []
    if entry.expires is None:
        problems.append(InputError(
            f"tracking entry '{entry.id}' covers {covers}, so it needs an expiry date",
            location=doc.locate(("tracking", i, "id")),
            hint="add 'expires: YYYY-MM-DD' to have the decision reviewed, or name the findings one by one",
        ))
    if not entry.justification.strip():
        problems.append(InputError(
            f"tracking entry '{entry.id}' covers {covers}, so it needs a justification",
            location=doc.locate(("tracking", i, "justification")),
            hint="say why every finding it covers can wait",
        ))
    return problems
