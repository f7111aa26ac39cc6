"""Live evidence about controls: what a probe run found, as the assessment consumes it.

Probes write an evidence file; ``assess --evidence FILE`` reads it. A ``refuted`` check
means the control does not hold, whatever the model declares; ``verified`` means it was
seen to hold; ``inconclusive`` changes nothing but is shown.

Some refuted checks also show a fact about the component they probed
(:data:`OBSERVED_FACTS`): a broker that lets one device read every topic has global
authorisation, whatever the model states. The assessment takes such a fact in place of a
stronger or missing statement in the model, so that a contradicted model cannot hide a
scenario.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from fleetrisk.errors import InputError, Location
from fleetrisk.model.yamlio import MAX_BYTES
from fleetrisk.reading import json_value, read_regular, text_of
from fleetrisk.redact import redact
from fleetrisk.results import Said

EVIDENCE_FORMAT = 1
#: Largest evidence file read, in bytes: the model's limit (a run writes a few lines per check).
MAX_EVIDENCE_BYTES = MAX_BYTES
_HINT = "evidence files are written by 'fleetrisk verify'"
CheckStatus = Literal["verified", "refuted", "inconclusive"]


class Check(BaseModel):
    """One probe result about one control on one element (or service-wide)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    check: Annotated[str, Field(min_length=1, max_length=200, description="Check id, e.g. mqtt.anonymous-connect.")]
    control: Annotated[str, Field(min_length=1, max_length=80)]
    element: str | None = Field(default=None, description="Component id; absent means service-wide.")
    applies_to: list[str] = Field(
        default_factory=list,
        description="Other elements the result bears on, e.g. the fleets and keys behind an update repository.",
    )
    status: CheckStatus
    target: str = Field(description="What was probed, e.g. mqtts://127.0.0.1:8883.")
    details: str = Field(description="What the check found, in English.")
    timestamp: str = Field(description="ISO 8601 time of the check.")
    tier: Literal["safe", "intrusive", "static"] = "safe"
    said: Said | None = Field(
        default=None, description="The details as a message key and arguments, so reports word them in any language.")

    @field_validator("said")
    @classmethod
    def _known_message(cls, value: Said | None) -> Said | None:
        """A message the catalogue cannot word would fail a report later; refuse it here. Its
        text arguments are cleaned like the details (control characters, credentials in URLs)."""
        if value is not None:
            value = _clean_said(value)
            from fleetrisk.messages import said_problem

            problem = said_problem(value)
            if problem:
                raise ValueError(problem)
        return value

    @field_validator("check", "control", "target", "details", "timestamp")
    @classmethod
    def _printable(cls, value: str) -> str:
        """Control characters from a probed server's answer would reach reports and terminals."""
        return _CONTROL_CHARACTERS.sub("?", value)

    @field_validator("target", "details")
    @classmethod
    def _no_credentials(cls, value: str) -> str:
        """A URL's password or API key (``?token=...``) goes no further: not into the evidence
        file, nor from one into a report (:func:`fleetrisk.redact.redact`)."""
        return redact(value)


_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _clean_said(value: Said) -> Said:
    def clean(arg: str | int | float | Said | list[Said]) -> str | int | float | Said | list[Said]:
        if isinstance(arg, str):
            return redact(_CONTROL_CHARACTERS.sub("?", arg))
        if isinstance(arg, Said):
            return _clean_said(arg)
        if isinstance(arg, list):
            return [_clean_said(a) for a in arg]
        return arg

    return Said(key=value.key, args={name: clean(arg) for name, arg in value.args.items()})

#: Refuted check -> (component field, the value the probe showed). Only facts a single refuted
#: probe proves on its own are listed: TLS and TUF results bear on controls, not on one field.
OBSERVED_FACTS: dict[str, tuple[str, str | bool]] = {
    "mqtt.anonymous-connect": ("auth", "none"),
    "http.unauthenticated-access": ("auth", "none"),
    "mqtt.wildcard-subscribe": ("authorization", "global"),
    "mqtt.cross-device-publish": ("authorization", "global"),
    "http.object-level-authorization": ("authorization", "identifier-only"),
    "http.rate-limit-burst": ("rate_limited", False),
}


@dataclass(frozen=True)
class Observation:
    """A component fact shown by a refuted check."""

    element: str
    field: str
    value: str | bool
    check: Check


class EvidenceFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    fleetrisk_evidence: Literal[1]
    checks: list[Check] = Field(default_factory=list)


class Evidence:
    """Checks indexed by (control, element); element None is service-wide."""

    def __init__(self, checks: Iterable[Check] = ()) -> None:
        self.checks = list(checks)
        self._by_key: dict[tuple[str, str | None], list[Check]] = {}
        for check in self.checks:
            self._by_key.setdefault((check.control, check.element), []).append(check)
            for other in dict.fromkeys(check.applies_to):
                if other != check.element:
                    self._by_key.setdefault((check.control, other), []).append(check)

    def about(self, control: str, element: str | None) -> list[Check]:
        """Checks on ``control`` for ``element``, then service-wide ones."""
        return self._by_key.get((control, element), []) + (
            self._by_key.get((control, None), []) if element is not None else []
        )

    def strays(self, elements: set[str]) -> list[str]:
        """Checks that name an element the model does not have: they change nothing."""
        found: list[str] = []
        for check in self.checks:
            unknown = [e for e in (check.element, *check.applies_to) if e is not None and e not in elements]
            if unknown:
                found.append(f"{check.check} ({check.target}) names {', '.join(repr(e) for e in unknown)}")
        return found

    def observations(self) -> list[Observation]:
        """Component facts the refuted checks show, in check order."""
        return [
            Observation(check.element, *OBSERVED_FACTS[check.check], check)
            for check in self.checks
            if check.status == "refuted" and check.element is not None and check.check in OBSERVED_FACTS
        ]

    def verdict(self, control: str, element: str | None) -> CheckStatus | None:
        """refuted beats verified beats inconclusive; None when nothing was checked."""
        statuses = {c.status for c in self.about(control, element)}
        for status in ("refuted", "verified", "inconclusive"):
            if status in statuses:
                return status
        return None


def load_evidence(path: str | Path) -> Evidence:
    """Read an evidence JSON file; errors name the file and line."""
    name = str(path)
    raw = read_regular(Path(path), MAX_EVIDENCE_BYTES, "evidence file")
    data = json_value(text_of(raw, name, _HINT), name, _HINT)
    try:
        parsed = EvidenceFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(f"{where}: {first['msg']}", location=Location(name), hint=_HINT) from exc
    return Evidence(parsed.checks)
