"""What one probe found about one control, before the runner stamps it as evidence."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from fleetrisk.evidence import Check, CheckStatus

Tier = Literal["safe", "intrusive", "static"]
VERIFIED: CheckStatus = "verified"
REFUTED: CheckStatus = "refuted"
INCONCLUSIVE: CheckStatus = "inconclusive"


@dataclass(frozen=True)
class Outcome:
    check: str
    control: str
    status: CheckStatus
    details: str


def stamp(outcome: Outcome, *, element: str | None, target: str, tier: Tier, now: dt.datetime,
          applies_to: tuple[str, ...] = ()) -> Check:
    """An evidence check for ``outcome`` (time in UTC, to the second)."""
    return Check(
        check=outcome.check,
        control=outcome.control,
        element=element,
        applies_to=list(applies_to),
        status=outcome.status,
        target=target,
        details=outcome.details,
        timestamp=now.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        tier=tier,
    )
