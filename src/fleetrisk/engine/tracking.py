"""Tracking decisions: accepted, mitigated, false-positive or in-progress findings.

An entry's id is ``<scenario>@<element>`` where either side may use ``*`` wildcards.
An entry that matches no finding is an error (it is stale or misspelt). An entry past
its expiry date no longer applies, and the finding reopens.
"""

from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
from dataclasses import dataclass

from fleetrisk.errors import InputError, ModelValidationError
from fleetrisk.model.loader import LoadedModel
from fleetrisk.model.schema import TrackingEntry


@dataclass(frozen=True)
class Decision:
    entry: TrackingEntry
    expired: bool


def match_tracking(loaded: LoadedModel, finding_ids: list[str], as_of: dt.date) -> dict[str, Decision]:
    """Map finding id -> the first tracking entry that covers it."""
    decisions: dict[str, Decision] = {}
    problems: list[InputError] = []
    for i, entry in enumerate(loaded.model.tracking):
        hits = [fid for fid in finding_ids if fnmatch.fnmatchcase(fid, entry.id)]
        if not hits:
            close = difflib.get_close_matches(entry.id, finding_ids, n=1, cutoff=0.5)
            problems.append(
                InputError(
                    f"tracking entry '{entry.id}' matches no finding",
                    location=loaded.document.locate(("tracking", i, "id")),
                    hint=(f"did you mean '{close[0]}'? " if close else "")
                    + "If the finding no longer exists, remove the entry.",
                )
            )
            continue
        expired = entry.expires is not None and entry.expires < as_of
        for fid in hits:
            decisions.setdefault(fid, Decision(entry, expired))
    if problems:
        raise ModelValidationError(problems)
    return decisions
