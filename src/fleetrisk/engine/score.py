"""Qualitative risk: likelihood x impact, banded low / medium / high / critical.

Impact follows the CSA Japan IoT Cloud Service WG's impact model: three axes scored 1..5,
device characteristics (safety), service characteristics (the scenario's severity) and
number of devices (log bands). Impact is the rounded-up mean of the axes, but never more
than one level below the largest axis, so a fleet-wide takeover is not averaged away by a
harmless device class.
"""

from __future__ import annotations

import math

from fleetrisk.vocab import Band

SAFETY_LEVEL = {"none": 1, "low": 2, "moderate": 3, "high": 4, "critical": 5}

#: Upper bounds (inclusive) of the number-of-devices bands 1..4; above is 5.
DEVICE_BANDS = (100, 10_000, 100_000, 1_000_000)
#: Upper bounds (inclusive) of the records bands 1..4; above is 5.
RECORD_BANDS = (1_000, 100_000, 1_000_000, 10_000_000)

#: Lower bounds of the risk bands on the 1..25 scale.
BAND_FLOORS: tuple[tuple[int, Band], ...] = ((16, "critical"), (10, "high"), (5, "medium"), (1, "low"))


def log_band(count: int, bounds: tuple[int, ...]) -> int:
    """1..5 for a count against four ascending bounds."""
    for level, bound in enumerate(bounds, start=1):
        if count <= bound:
            return level
    return len(bounds) + 1


def impact_score(safety: int, service: int, scale: int) -> int:
    axes = (safety, service, scale)
    mean = math.ceil(sum(axes) / 3)
    return max(1, min(5, max(mean, max(axes) - 1)))


def band(score: int) -> Band:
    for floor, name in BAND_FLOORS:
        if score >= floor:
            return name
    return "low"  # scores start at 1, so this is only reached for out-of-range input
