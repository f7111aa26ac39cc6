"""Condition compiler and three-valued evaluation, table-driven."""

from __future__ import annotations

from typing import Any

import pytest

from fleetrisk.catalog.conditions import ConditionError, compile_condition, compile_controls
from fleetrisk.model.loader import from_data

MODEL: dict[str, Any] = {
    "fleetrisk": 1,
    "service": {"name": "t", "types": ["telemetry"]},
    "fleets": [
        {"id": "f1", "devices": 5000, "safety": "high",
         "identity": {"kind": "shared-secret"},
         "accepts": [{"from": "ota", "input": "firmware", "verification": "signature", "key": "k1"}]},
        {"id": "f2", "devices": 10, "safety": "none"},
    ],
    "components": [
        {"id": "ota", "kind": "ota-service", "exposure": ["internet"]},
        {"id": "gw", "kind": "device-gateway", "zone": "dmz"},
        {"id": "db", "kind": "data-store"},
    ],
    "zones": [{"id": "dmz", "trust": "dmz"}],
    "keys": [{"id": "k1", "holder": "ota", "custody": "online-file", "signs": ["firmware"]}],
}
LOADED = from_data(MODEL)
INDEX = LOADED.index


def element(element_id: str):  # type: ignore[no-untyped-def]
    return INDEX.service if element_id == "service" else INDEX.by_id[element_id]


UNSTATED = {"field": "reconnect", "equals": "immediate"}
CASES: list[tuple[str, dict[str, Any], str, bool | None]] = [
    ("fleet", {"field": "safety", "equals": "high"}, "f1", True),
    ("fleet", {"field": "safety", "in": ["low", "none"]}, "f1", False),
    ("fleet", {"field": "devices", "gte": 5000}, "f1", True),
    ("fleet", {"field": "devices", "lt": 100}, "f1", False),
    ("fleet", {"field": "identity.kind", "equals": "shared-secret"}, "f1", True),
    ("fleet", {"field": "identity.kind", "equals": "shared-secret"}, "f2", None),  # not stated
    ("fleet", {"field": "reconnect", "equals": "immediate"}, "f1", None),
    # Kleene logic: false beats unknown in all, true beats unknown in any.
    ("fleet", {"all": [UNSTATED, {"field": "safety", "equals": "none"}]}, "f1", False),
    ("fleet", {"any": [UNSTATED, {"field": "safety", "equals": "high"}]}, "f1", True),
    ("fleet", {"any": [UNSTATED, {"field": "safety", "equals": "none"}]}, "f1", None),
    ("fleet", {"not": {"field": "reconnect", "equals": "immediate"}}, "f1", None),
    ("fleet", {"not": {"field": "safety", "equals": "high"}}, "f1", False),
    ("component", {"field": "exposure", "contains": "internet"}, "ota", True),
    ("component", {"field": "exposure", "empty": True}, "gw", True),
    ("component", {"predicate": "internet_reachable"}, "gw", True),  # via its DMZ zone
    ("component", {"predicate": "internet_reachable"}, "db", None),  # nothing stated
    ("component", {"predicate": "signs_what_it_delivers"}, "ota", True),
    ("key", {"predicate": "key_signs_from_holder"}, "k1", True),
    ("component", {"related": "accepted_by", "where": {"field": "input", "equals": "firmware"}}, "ota", True),
    ("component", {"related": "accepted_by"}, "gw", False),
    ("component", {"related": "accepted_by", "quantifier": "none"}, "gw", True),
    ("component", {"related": "accepted_by", "where": {"field": "anti_rollback", "is": True}}, "ota", None),
    ("component", {"related": "accepted_by", "quantifier": "all",
                   "where": {"field": "verification", "equals": "signature"}}, "gw", True),  # vacuous
    ("key", {"related": "holder", "where": {"field": "kind", "equals": "ota-service"}}, "k1", True),
    ("fleet", {"related": "service", "where": {"field": "service.types", "contains": "telemetry"}}, "f2", True),
    ("service", {"related": "fleets", "where": {"field": "safety", "equals": "high"}}, "service", True),
]


@pytest.mark.parametrize(("target", "tree", "element_id", "expected"), CASES)
def test_three_valued_evaluation(target: str, tree: dict[str, Any], element_id: str, expected: bool | None) -> None:
    condition = compile_condition(tree, target)
    handle = element(element_id)
    verdict = condition.evaluate(INDEX, handle)
    assert verdict.value is expected
    assert condition.test(INDEX, handle) is expected  # the fast path agrees
    if expected is None:
        assert verdict.missing, "an unknown verdict must name the missing field"
    if expected is True:
        assert verdict.reasons, "a true verdict must explain itself"


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("fleet", {"field": "safetty", "equals": "high"}, "unknown field"),
    ("fleet", {"field": "safety", "equals": "hihg"}, "not among the field's values"),
    ("fleet", {"field": "safety", "matches": "high"}, "unknown operator"),
    ("fleet", {"field": "safety", "equals": "high", "in": ["low"]}, "exactly one operator"),
    ("fleet", {"field": "devices", "contains": 3}, "needs a list field"),
    ("component", {"field": "exposure", "equals": "internet"}, "use contains"),
    ("fleet", {"field": "safety", "gte": 3}, "numeric field"),
    ("fleet", {"field": "safety", "is": True}, "true/false fields"),
    ("fleet", {"related": "holder"}, "no relation"),
    ("fleet", {"predicate": "key_signs_from_holder"}, "does not apply"),
    ("fleet", {"predicate": "eval"}, "unknown predicate"),
    ("fleet", {"all": []}, "non-empty list"),
    ("fleet", {"python": "1+1"}, "unknown condition keys"),
    ("fleet", {"related": "accepts", "quantifier": "most"}, "quantifier"),
]


@pytest.mark.parametrize(("target", "tree", "message"), BAD)
def test_bad_conditions_fail_to_compile(target: str, tree: dict[str, Any], message: str) -> None:
    with pytest.raises(ConditionError, match=message):
        compile_condition(tree, target)


def test_control_expressions() -> None:
    expr = compile_controls({"any": ["a", {"all": ["b", "c"]}]}, {"a", "b", "c"})
    assert expr.evaluate({"b", "c"}.__contains__)
    assert not expr.evaluate({"b"}.__contains__)
    assert expr.controls() == ["a", "b", "c"]
    with pytest.raises(ConditionError, match="unknown control"):
        compile_controls("nope", {"a"})
    with pytest.raises(ConditionError):
        compile_controls({"xor": ["a"]}, {"a"})
