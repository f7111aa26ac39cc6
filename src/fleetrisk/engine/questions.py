"""The questions that settle the most unknowns: unstated fields, grouped across elements.

An unknown finding names the fields it needs (its ``unstated`` reasons). The same field left
out on many elements (``auth`` on every component) is one question for the provider, so
questions group by element type and field, and rank by the risk of the findings they would
settle (summed risk scores, then how many, then the field), never by how they are spelled.
"""

from __future__ import annotations

import re
import typing
from collections import defaultdict
from typing import Any

from pydantic import BaseModel

from fleetrisk.model.fielddocs import describe
from fleetrisk.model.queries import ELEMENT_CLASSES
from fleetrisk.results import Assessment, Question


def questions(assessment: Assessment, top: int | None = None) -> list[Question]:
    """Unstated fields of the assessment's unknown findings, one question per element type and
    field, the most consequential first."""
    settles: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)  # (type, field) -> finding -> risk
    elements: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)  # (type, field) -> element -> path
    for finding in assessment.findings:
        if finding.status != "unknown":
            continue
        for reason in finding.reasons:
            if reason.code == "unstated":
                key = (reason.element_type, reason.name)
                settles[key][finding.id] = finding.risk.score
                elements[key].setdefault(reason.element, reason.value)
    found = []
    for (element_type, field), by_finding in settles.items():
        description, allowed = _field_help(element_type, field, assessment.lang)
        where = sorted(elements[(element_type, field)].items(), key=lambda item: _natural(item[1]))
        found.append(Question.model_construct(
            element_type=element_type,
            field=field,
            elements=[element for element, _ in where],
            paths=[path for _, path in where],
            findings=sorted(by_finding),
            risk=sum(by_finding.values()),
            description=description,
            allowed=allowed,
        ))
    ordered = _greedy(found, assessment)
    return ordered[:top] if top is not None else ordered


def _greedy(found: list[Question], assessment: Assessment) -> list[Question]:
    """Order questions so that each next one settles the most risk that is still unknown.

    A finding needing several fields is settled only once all are answered, so the next
    question is the one that completes the most (by summed risk), then the one that touches
    the most unsettled risk, then by type and field (a greedy cover: the first five answers
    settle as much as five answers can, near enough). Totals are kept per question and updated
    as findings settle, so the order costs about one pass over the findings per answer.
    """
    key_of = {(q.element_type, q.field): i for i, q in enumerate(found)}
    missing: dict[str, set[int]] = {}  # finding -> questions still unanswered
    risk: dict[str, int] = {}
    for finding in assessment.findings:
        if finding.status == "unknown":
            missing[finding.id] = {key_of[(r.element_type, r.name)] for r in finding.reasons if r.code == "unstated"}
            risk[finding.id] = finding.risk.score
    completes = [0] * len(found)  # risk of the findings this answer would finish
    touches = [0] * len(found)  # risk of the unsettled findings that need it
    counts = [0] * len(found)
    for fid, needed in missing.items():
        for i in needed:
            touches[i] += risk[fid]
            counts[i] += 1
            if len(needed) == 1:
                completes[i] += risk[fid]
    remaining = set(range(len(found)))
    ordered: list[Question] = []
    while remaining:
        best = min(remaining, key=lambda i: (-completes[i], -touches[i], -counts[i],
                                             found[i].element_type, found[i].field))
        remaining.discard(best)
        ordered.append(found[best])
        for fid in found[best].findings:
            needed = missing[fid]
            needed.discard(best)
            if len(needed) == 1:  # one answer left: that question now finishes it
                (last,) = needed
                completes[last] += risk[fid]
        # A finding settles only when its last question is answered, and answered questions leave
        # ``remaining``: the totals of the questions still open never count a settled finding.
    return ordered


def _natural(path: str) -> list[str | int]:
    """``fleets[10]`` after ``fleets[9]``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path)]


def unknown_share(assessment: Assessment, chosen: list[Question]) -> float:
    """Share (0..1) of the unknown findings that answering ``chosen`` would settle entirely."""
    unknown = [f for f in assessment.findings if f.status == "unknown"]
    if not unknown:
        return 0.0
    answered = {(q.element_type, q.field) for q in chosen}
    settled = [f for f in unknown
               if all((r.element_type, r.name) in answered for r in f.reasons if r.code == "unstated")]
    return len(settled) / len(unknown)


def _field_help(element_type: str, field: str, lang: str) -> tuple[str, list[str]]:
    """A field's description in ``lang`` (from the model's field texts) and its allowed values
    (from the model schema); empty when the field is unknown."""
    current: Any = ELEMENT_CLASSES.get(element_type)
    owner, name = None, ""
    for part in field.split("."):
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or part not in current.model_fields:
            return "", []
        owner, name = current, part
        current = _inner(current.model_fields[part].annotation)
    allowed: list[str] = []
    if typing.get_origin(current) is typing.Literal:
        allowed = [str(v) for v in typing.get_args(current)]
    elif current is bool:
        allowed = ["true", "false"]
    return (describe(owner, name, lang) if owner is not None else ""), allowed


def _inner(annotation: Any) -> Any:
    """The type inside Optional, list and Annotated wrappers."""
    while True:
        origin = typing.get_origin(annotation)
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if origin in (typing.Union, list, typing.Annotated) or str(origin) == "types.UnionType":
            if not args:
                return annotation
            annotation = args[0]
            continue
        if origin is not None and origin is not typing.Literal and args:
            annotation = args[0]
            continue
        return annotation
