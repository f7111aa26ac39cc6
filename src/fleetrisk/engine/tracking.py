"""Tracking decisions: accepted, mitigated, false-positive or in-progress findings.

An entry's id is ``<scenario>@<element>`` where either side may use ``*`` wildcards.
An entry that matches no finding is an error (it is stale or misspelt). An entry past
its expiry date no longer applies, and the finding reopens.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from dataclasses import dataclass

from fleetrisk.errors import InputError
from fleetrisk.model.loader import LoadedModel
from fleetrisk.model.schema import TrackingEntry


@dataclass(frozen=True)
class Decision:
    entry: TrackingEntry
    expired: bool


def match_tracking(
    loaded: LoadedModel, finding_ids: list[str], as_of: dt.date
) -> dict[str, Decision]:
    """Map finding id -> the first tracking entry that covers it."""
    decisions: dict[str, Decision] = {}
    problems: list[InputError] = []
    for i, entry in enumerate(loaded.model.tracking):
        hits = [fid for fid in finding_ids if fnmatch.fnmatchcase(fid, entry.id)]
        if not hits:
            close = sorted(finding_ids, key=lambda f: _distance(f, entry.id))[:1]
            problems.append(
                InputError(
                    f"tracking entry '{entry.id}' matches no finding",
                    location=loaded.document.locate(("tracking", i, "id")),
                    hint=(f"did you mean '{close[0]}'?" if close else "there are no findings")
                    + "; remove entries for findings that no longer exist",
                )
            )
            continue
        expired = entry.expires is not None and entry.expires < as_of
        for fid in hits:
            decisions.setdefault(fid, Decision(entry, expired))
    if problems:
        from fleetrisk.errors import ModelValidationError

        raise ModelValidationError(problems)
    return decisions


def _distance(a: str, b: str) -> int:
    import difflib

    return -int(difflib.SequenceMatcher(None, a, b).ratio() * 1000)
