"""Facts the live evidence shows, taken in place of what the model states.

A refuted check can prove a fact about the component it probed (see
:data:`fleetrisk.evidence.OBSERVED_FACTS`). Where the model states nothing, or states
something stronger (per-device authorisation on a broker that let a device read every
topic), the assessment uses the observed value instead, and every finding that rests on
it says so. A model that already states the observed value or a weaker one is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from fleetrisk.evidence import Evidence, Observation
from fleetrisk.model.loader import LoadedModel

#: Weakest first; an observed value replaces a stated one only when it is weaker.
_STRENGTH: dict[str, dict[str | bool, int]] = {
    "auth": {"none": 0, "password": 1, "api-key": 1, "token": 2, "sso": 2, "mtls": 3, "sso-mfa": 3,
             "phishing-resistant-mfa": 4},
    "authorization": {"none": 0, "global": 1, "identifier-only": 2, "per-tenant": 3, "per-device": 4,
                      "per-object": 4},
    "rate_limited": {False: 0, True: 1},
}


@dataclass(frozen=True)
class Contradiction:
    """An observed fact that took the place of the model's statement (None: the model was silent)."""

    observation: Observation
    stated: str | bool | None


def apply_observations(loaded: LoadedModel, evidence: Evidence) -> tuple[LoadedModel, list[Contradiction]]:
    """The model with observed facts in place of stronger or missing statements, and what changed."""
    components = {c.id: c for c in loaded.model.components}
    changed: dict[str, dict[str, str | bool]] = {}
    applied: list[Contradiction] = []
    for seen in evidence.observations():
        component = components.get(seen.element)
        if component is None:
            continue
        current = changed.get(seen.element, {}).get(seen.field, getattr(component, seen.field))
        strength = _STRENGTH[seen.field]
        if current is not None and strength[seen.value] >= strength[current]:
            continue
        changed.setdefault(seen.element, {})[seen.field] = seen.value
        applied.append(Contradiction(seen, getattr(component, seen.field)))
    if not changed:
        return loaded, []
    updated = [c.model_copy(update=changed[c.id]) if c.id in changed else c for c in loaded.model.components]
    model = loaded.model.model_copy(update={"components": updated})
    return LoadedModel(model, loaded.document), applied


def by_fact(applied: list[Contradiction]) -> dict[tuple[str, str], Contradiction]:
    """(component id, field) -> the contradiction that set it (the last one wins)."""
    return {(c.observation.element, c.observation.field): c for c in applied}
