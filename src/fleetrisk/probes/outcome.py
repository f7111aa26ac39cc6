"""What one probe found about one control, before the runner stamps it as evidence."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from fleetrisk.evidence import Check, CheckStatus
from fleetrisk.messages import Text, said, word

Tier = Literal["safe", "intrusive", "static"]
VERIFIED: CheckStatus = "verified"
REFUTED: CheckStatus = "refuted"
INCONCLUSIVE: CheckStatus = "inconclusive"


@dataclass(frozen=True)
class Outcome:
    """What a check concluded and why, the why as a catalogue message (worded by each reader)."""

    check: str
    control: str
    status: CheckStatus
    text: Text

    @property
    def details(self) -> str:
        """The why in English, as the evidence file records it beside the message."""
        return word(self.text, "en")


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
        said=said(outcome.text),
        timestamp=now.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        tier=tier,
    )
