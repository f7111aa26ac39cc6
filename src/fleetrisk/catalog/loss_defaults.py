"""The loss simulation's default figures (``loss-defaults.yaml``), each with its sources.

The file sits beside the catalog's other data. It is read strictly: every figure the loss
model needs is present, nothing else is, every estimate has low <= mode <= high, and every
``source`` names an entry of ``sources``. Any problem raises :class:`CatalogError` naming the
file and line. docs/loss-model.md explains each figure.
"""

from __future__ import annotations

import functools
import itertools
import typing
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from fleetrisk.errors import CatalogError, FleetriskError, Location
from fleetrisk.model.yamlio import Document, load_path
from fleetrisk.vocab import AttackerEntry, FleetOutcome, LikelihoodName

FILE = "loss-defaults.yaml"
DATA_KINDS = ("telemetry", "personal", "location", "media", "credentials", "commands", "other")
SAFETY = ("none", "low", "moderate", "high", "critical")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Source(_Strict):
    """A publication (or fleetrisk's stated assumption) that a default rests on."""

    citation: Annotated[str, Field(min_length=1)]
    year: Annotated[int, Field(ge=1990, le=2100)]
    figures: Annotated[str, Field(min_length=1)]


class Sourced(_Strict):
    source: Annotated[list[str], Field(min_length=1)]


class Range(Sourced):
    """A three-point estimate with its sources."""

    low: Annotated[float, Field(ge=0)]
    mode: Annotated[float, Field(ge=0)]
    high: Annotated[float, Field(ge=0)]

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.low <= self.mode <= self.high:
            raise ValueError(f"need low <= mode <= high, got {self.low}, {self.mode}, {self.high}")
        return self

    @property
    def triple(self) -> tuple[float, float, float]:
        return self.low, self.mode, self.high


class Value(Sourced):
    value: Annotated[float, Field(ge=0)]


class Records(_Strict):
    knee: Value
    exponent: Value


class Band(Sourced):
    low: Annotated[float, Field(gt=0, lt=1)]
    high: Annotated[float, Field(gt=0, lt=1)]


class LossDefaults(_Strict):
    """Every default of the loss model, in ``currency`` (US dollars)."""

    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    version: Annotated[str, Field(min_length=1)]
    sources: dict[str, Source]
    threat_event_frequency: dict[str, Range]
    step_success: dict[str, Value]
    per_event: Range
    per_device: dict[str, Range]
    per_record: dict[str, Range]
    records: Records
    safety_multiplier: dict[str, Value]
    detection: Value
    revenue_band: Band

    def figures(self) -> dict[str, Sourced]:
        """Every figure by its name in ``defaults_used`` (``per_device.hijacked``, ``detection``)."""
        named: dict[str, Sourced] = {"per_event": self.per_event, "detection": self.detection,
                                     "records.knee": self.records.knee, "records.exponent": self.records.exponent,
                                     "revenue_band": self.revenue_band}
        for group in ("threat_event_frequency", "step_success", "per_device", "per_record", "safety_multiplier"):
            for key, figure in getattr(self, group).items():
                named[f"{group}.{key}"] = figure
        return named


_EXPECTED: dict[str, tuple[str, ...]] = {
    "threat_event_frequency": typing.get_args(AttackerEntry),
    "step_success": typing.get_args(LikelihoodName),
    "per_device": typing.get_args(FleetOutcome),
    "per_record": DATA_KINDS,
    "safety_multiplier": SAFETY,
}


@functools.lru_cache(maxsize=4)
def load_loss_defaults(root: Path) -> LossDefaults:
    """``root/loss-defaults.yaml``, checked (see the module's docstring)."""
    path = root / FILE
    try:
        doc = load_path(path)
    except FleetriskError as exc:
        raise CatalogError(exc.message, location=exc.location or Location(str(path)), hint=exc.hint) from exc
    try:
        defaults = LossDefaults.model_validate(doc.data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise CatalogError(f"{first['msg']} ({len(exc.errors())} problem(s) in this file)",
                           location=doc.locate(tuple(first["loc"]))) from exc
    _check(defaults, doc)
    return defaults


def _check(defaults: LossDefaults, doc: Document) -> None:
    for group, keys in _EXPECTED.items():
        given = getattr(defaults, group)
        missing, extra = sorted(set(keys) - set(given)), sorted(set(given) - set(keys))
        if missing or extra:
            raise CatalogError(f"{FILE}: {group} must give exactly {', '.join(keys)}",
                               location=doc.locate((group,)),
                               hint=f"missing: {', '.join(missing) or '-'}; unknown: {', '.join(extra) or '-'}")
    for name, figure in defaults.figures().items():
        unknown = [s for s in figure.source if s not in defaults.sources]
        if unknown:
            raise CatalogError(f"{FILE}: {name} cites unknown source {unknown[0]!r}",
                               location=doc.locate(tuple(name.split("."))),
                               hint="every source id must be a key of 'sources'")
    chances = [defaults.step_success[level].value for level in typing.get_args(LikelihoodName)]
    if any(a > b for a, b in itertools.pairwise(chances)) or chances[-1] > 1:
        raise CatalogError(f"{FILE}: step_success must not fall as the level rises and stay at most 1",
                           location=doc.locate(("step_success",)))
    if defaults.revenue_band.low >= defaults.revenue_band.high:
        raise CatalogError(f"{FILE}: revenue_band needs low < high", location=doc.locate(("revenue_band",)))
