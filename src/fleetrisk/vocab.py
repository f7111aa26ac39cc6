"""The ground-floor vocabulary: ordered levels and states that every layer reads from one place.

Nothing here imports from the project; the model, catalog, engine and writers import it.
"""

from __future__ import annotations

from typing import Final, Literal

LikelihoodName = Literal["rare", "unlikely", "possible", "likely", "almost-certain"]

#: The likelihood ladder, lowest first; its position (1..5) is the level used in scores.
LIKELIHOOD_LADDER: Final[tuple[LikelihoodName, ...]] = ("rare", "unlikely", "possible", "likely", "almost-certain")
#: Likelihood name -> level 1..5.
LIKELIHOOD_LEVELS: Final[dict[str, int]] = {name: i for i, name in enumerate(LIKELIHOOD_LADDER, 1)}
#: Level 1..5 -> likelihood name.
LIKELIHOOD_NAMES: Final[dict[int, LikelihoodName]] = {i: name for i, name in enumerate(LIKELIHOOD_LADDER, 1)}

AttackerEntry = Literal[
    "internet", "device", "customer", "insider", "corporate", "supplier", "partner", "network", "dependency"
]
#: Where an attacker starts. ``corporate`` is an outsider who got into the corporate network
#: (phished staff, a VPN or a developer machine), distinct from a malicious ``insider``.
ATTACKER_ENTRIES: Final[tuple[AttackerEntry, ...]] = (
    "internet", "device", "customer", "insider", "corporate", "supplier", "partner", "network", "dependency"
)

FleetOutcome = Literal[
    "unavailable", "false-information", "hijacked", "code-execution", "firmware-takeover", "data-exposed"
]
#: What an attacker can do to a fleet or a data set: the attack graph's outcomes.
FLEET_OUTCOMES: Final[tuple[FleetOutcome, ...]] = (
    "unavailable", "false-information", "hijacked", "code-execution", "firmware-takeover", "data-exposed"
)

Band = Literal["low", "medium", "high", "critical"]
#: Risk bands, lowest first.
BANDS: Final[tuple[Band, ...]] = ("low", "medium", "high", "critical")

#: Declared control states that make a control hold (``planned`` and ``absent`` do not).
HOLDING_STATES: Final[frozenset[str]] = frozenset({"implemented", "verified"})
