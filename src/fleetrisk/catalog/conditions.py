"""Compile declarative condition trees into predicates over the model.

A condition is one of::

    {all: [c, ...]}   {any: [c, ...]}   {not: c}
    {field: dotted.path, <op>: value}
    {related: relation, where: c, quantifier: any|all|none}
    {predicate: name}

Operators are an allow-list (:data:`OPERATORS`). Evaluation is three-valued: a field the
model left out is *unknown*, and unknowns propagate by Kleene logic, so a rule that needs
a missing fact says so instead of guessing. Field paths, relation names, predicate names
and enumeration values are all checked when the catalog loads.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from fleetrisk.model.queries import ELEMENT_CLASSES, PREDICATES, Handle, ModelIndex, relation_target

Truth = bool | None

#: Elements a relation's explanation names when any of them qualifies (the first ones, in model order).
RELATED_HITS_SHOWN = 5


@dataclass(frozen=True, slots=True)
class Missing:
    """A fact the model left out: element and field path."""

    element: Handle
    field: str


ReasonCode = Literal["field", "relation", "predicate"]


@dataclass(frozen=True, slots=True)
class Reason:
    """One step of an explanation, as data: what held (or not) on which element.

    ``code`` says what was read: a ``field`` of the element (``name`` is its path), a
    ``relation`` to other elements (``value`` lists their ids) or a named ``predicate``.
    ``rule`` is the test a field failed, when it failed; ``negated`` marks a step under ``not``.
    Writers word it in their language; :attr:`text` is the plain English form.
    """

    element: Handle
    field: str | None  # the field path, for field steps (positions in the model file)
    code: ReasonCode
    name: str
    value: str
    rule: str | None = None
    negated: bool = False

    def flipped(self) -> Reason:
        return Reason(self.element, self.field, self.code, self.name, self.value, self.rule, not self.negated)

    @property
    def text(self) -> str:
        subject = f"{self.element.type} '{self.element.id}'"
        if self.code == "relation":
            body = f"{subject}: {self.name} -> {self.value}"
        else:
            body = f"{subject}: {self.name} = {self.value}"
        if self.rule:
            body += f" (rule: {self.rule})"
        return f"NOT {body}" if self.negated else body

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Verdict:
    """Outcome of a condition on one element, with the reasons behind it."""

    value: Truth
    reasons: tuple[Reason, ...] = ()
    missing: tuple[Missing, ...] = ()


class ConditionError(ValueError):
    """A condition tree that does not compile; the message names the offending part."""


class Condition:
    """A compiled condition. ``test`` answers fast; ``evaluate`` also explains."""

    def evaluate(self, index: ModelIndex, handle: Handle) -> Verdict:
        raise NotImplementedError

    def test(self, index: ModelIndex, handle: Handle) -> Truth:
        return self.evaluate(index, handle).value

    def fields(self) -> set[str]:
        """Field paths this condition reads (for documentation)."""
        return set()


# --- operators ---------------------------------------------------------------------------


def _contains(actual: Any, expected: Any) -> bool:
    return isinstance(actual, list | tuple) and expected in actual


def _contains_any(actual: Any, expected: Any) -> bool:
    return isinstance(actual, list | tuple) and any(item in actual for item in expected)


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "equals": lambda a, e: bool(a == e),
    "not_equals": lambda a, e: bool(a != e),
    "in": lambda a, e: a in e,
    "not_in": lambda a, e: a not in e,
    "contains": _contains,
    "not_contains": lambda a, e: not _contains(a, e),
    "contains_any": _contains_any,
    "is": lambda a, e: bool(a is e),
    "gte": lambda a, e: bool(a >= e),
    "lte": lambda a, e: bool(a <= e),
    "gt": lambda a, e: bool(a > e),
    "lt": lambda a, e: bool(a < e),
    "empty": lambda a, e: (len(a) == 0) is e,
}
_LIST_VALUE_OPS = {"in", "not_in", "contains_any"}
_ORDER_OPS = {"gte", "lte", "gt", "lt"}
_SHOWN = {
    "equals": "==",
    "not_equals": "!=",
    "in": "∈",
    "not_in": "∉",
    "contains": "∋",
    "not_contains": "∌",
    "contains_any": "∩",
    "is": "==",
    "gte": ">=",
    "lte": "<=",
    "gt": ">",
    "lt": "<",
    "empty": "empty ==",
}


# --- field introspection ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldShape:
    """What a model field holds: allowed literal values, list-ness, base type."""

    choices: frozenset[Any] | None
    is_list: bool
    base: type | None


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) == 1:
                annotation = args[0]
                continue
        return annotation


def field_shape(cls: type[BaseModel], path: str) -> FieldShape:
    """Resolve ``path`` (dotted) on a model class, or raise :class:`ConditionError`."""
    current: Any = cls
    parts = path.split(".")
    for number, part in enumerate(parts):
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            raise ConditionError(f"field '{path}': '{parts[number - 1]}' has no sub-fields")
        fields = current.model_fields
        if part not in fields:
            known = ", ".join(sorted(fields))
            raise ConditionError(f"unknown field '{path}' (known here: {known})")
        current = _unwrap(fields[part].annotation)
    is_list = typing.get_origin(current) is list
    if is_list:
        current = _unwrap(typing.get_args(current)[0])
    choices: frozenset[Any] | None = None
    base: type | None = None
    if typing.get_origin(current) is typing.Literal:
        choices = frozenset(typing.get_args(current))
        base = str
    elif isinstance(current, type):
        base = current
    return FieldShape(choices, is_list, base)


def read_field(obj: Any, parts: tuple[str, ...]) -> Any:
    """The value at a dotted path (split into its parts), or None when any step is unset."""
    current = obj
    for part in parts:
        if current is None:
            return None
        current = getattr(current, part, None)
    return current


# --- node classes ------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldTest(Condition):
    path: str
    op: str
    expected: Any
    parts: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parts", tuple(self.path.split(".")))  # split once, read often

    def evaluate(self, index: ModelIndex, handle: Handle) -> Verdict:
        actual = read_field(handle.obj, self.parts)
        if actual is None:
            return Verdict(None, missing=(Missing(handle, self.path),))
        value = OPERATORS[self.op](actual, self.expected)
        reason = Reason(handle, self.path, "field", self.path, show_value(actual), None if value else self.describe())
        return Verdict(value, (reason,))

    def test(self, index: ModelIndex, handle: Handle) -> Truth:
        actual = read_field(handle.obj, self.parts)
        if actual is None:
            return None
        return OPERATORS[self.op](actual, self.expected)

    def describe(self) -> str:
        return f"{self.path} {_SHOWN[self.op]} {show_value(self.expected)}"

    def fields(self) -> set[str]:
        return {self.path}


@dataclass(frozen=True)
class AllOf(Condition):
    children: tuple[Condition, ...]

    def evaluate(self, index: ModelIndex, handle: Handle) -> Verdict:
        verdicts = [child.evaluate(index, handle) for child in self.children]
        falses = [v for v in verdicts if v.value is False]
        if falses:
            return Verdict(False, falses[0].reasons)
        unknown = [v for v in verdicts if v.value is None]
        if unknown:
            return Verdict(
                None,
                tuple(r for v in verdicts if v.value for r in v.reasons),
                tuple(m for v in unknown for m in v.missing),
            )
        return Verdict(True, tuple(r for v in verdicts for r in v.reasons))

    def test(self, index: ModelIndex, handle: Handle) -> Truth:
        result: Truth = True
        for child in self.children:
            value = child.test(index, handle)
            if value is False:
                return False
            if value is None:
                result = None
        return result

    def fields(self) -> set[str]:
        return set().union(*(c.fields() for c in self.children))


@dataclass(frozen=True)
class AnyOf(Condition):
    children: tuple[Condition, ...]

    def evaluate(self, index: ModelIndex, handle: Handle) -> Verdict:
        verdicts = [child.evaluate(index, handle) for child in self.children]
        for verdict in verdicts:
            if verdict.value:
                return Verdict(True, verdict.reasons)
        unknown = [v for v in verdicts if v.value is None]
        if unknown:
            return Verdict(None, (), tuple(m for v in unknown for m in v.missing))
        return Verdict(False, tuple(r for v in verdicts for r in v.reasons))

    def test(self, index: ModelIndex, handle: Handle) -> Truth:
        result: Truth = False
        for child in self.children:
            value = child.test(index, handle)
            if value:
                return True
            if value is None:
                result = None
        return result

    def fields(self) -> set[str]:
        return set().union(*(c.fields() for c in self.children))


@dataclass(frozen=True)
class NotOf(Condition):
    child: Condition

    def evaluate(self, index: ModelIndex, handle: Handle) -> Verdict:
        verdict = self.child.evaluate(index, handle)
        if verdict.value is None:
            return verdict
        reasons = tuple(r.flipped() for r in verdict.reasons) if verdict.value else verdict.reasons
        return Verdict(not verdict.value, reasons)

    def test(self, index: ModelIndex, handle: Handle) -> Truth:
        value = self.child.test(index, handle)
        return None if value is None else not value

    def fields(self) -> set[str]:
        return self.child.fields()


@dataclass(frozen=True)
class Related(Condition):
    relation: str
    where: Condition | None
    quantifier: str = "any"

    def evaluate(self, index: ModelIndex, handle: Handle) -> Verdict:
        others = index.related(handle, self.relation)
        if self.where is None:
            found = bool(others) if self.quantifier != "none" else not others
            ids = ", ".join(o.id for o in others) or "none"
            return Verdict(found, (Reason(handle, None, "relation", self.relation, ids),))
        verdicts: list[Verdict] = []
        hits: list[Verdict] = []
        for other in others:
            verdict = self.where.evaluate(index, other)
            verdicts.append(verdict)
            if verdict.value and self.quantifier != "all":
                hits.append(verdict)
                if len(hits) == RELATED_HITS_SHOWN:
                    break  # any / none: a few hits settle it, and say enough
        missing = tuple(m for v in verdicts if v.value is None for m in v.missing)
        if self.quantifier == "all":
            if any(v.value is False for v in verdicts):
                bad = next(v for v in verdicts if v.value is False)
                return Verdict(False, bad.reasons)
            if missing:
                return Verdict(None, (), missing)
            reasons = tuple(r for v in verdicts for r in v.reasons)
            empty = Reason(handle, None, "relation", self.relation, "(none)")
            return Verdict(True, reasons or (empty,))
        if hits:
            value = self.quantifier == "any"
            reasons = tuple(r for v in hits for r in v.reasons)
            return Verdict(value, reasons)
        if missing:
            return Verdict(None, (), missing)
        note = Reason(handle, None, "relation", self.relation, "(no match)")
        return Verdict(self.quantifier == "none", (note,))

    def test(self, index: ModelIndex, handle: Handle) -> Truth:
        others = index.related(handle, self.relation)
        if self.where is None:
            return bool(others) if self.quantifier != "none" else not others
        unknown = False
        for other in others:  # stops at the first element that settles it
            value = self.where.test(index, other)
            if value is None:
                unknown = True
            elif self.quantifier == "all" and value is False:
                return False
            elif self.quantifier != "all" and value:
                return self.quantifier == "any"
        if unknown:
            return None
        return self.quantifier != "none" if self.quantifier == "all" else self.quantifier == "none"

    def fields(self) -> set[str]:
        inner = self.where.fields() if self.where else set()
        return {f"{self.relation}.{f}" for f in inner} or {self.relation}


@dataclass(frozen=True)
class PredicateTest(Condition):
    name: str
    function: Callable[[ModelIndex, Handle], Truth] = field(compare=False)

    def evaluate(self, index: ModelIndex, handle: Handle) -> Verdict:
        value = self.function(index, handle)
        if value is None:
            return Verdict(None, (), (Missing(handle, f"({self.name})"),))
        return Verdict(value, (Reason(handle, None, "predicate", self.name, show_value(value)),))

    def test(self, index: ModelIndex, handle: Handle) -> Truth:
        return self.function(index, handle)


# --- compiler ------------------------------------------------------------------------------


def compile_condition(tree: Any, element_type: str, where: str = "applies") -> Condition:
    """Compile ``tree`` for elements of ``element_type``; raise ConditionError if invalid."""
    if not isinstance(tree, dict) or not tree:
        raise ConditionError(f"{where}: a condition must be a non-empty mapping, got {tree!r}")
    keys = set(tree)
    if keys in ({"all"}, {"any"}):
        (name,) = keys
        items = tree[name]
        if not isinstance(items, list) or not items:
            raise ConditionError(f"{where}.{name}: needs a non-empty list")
        children = tuple(
            compile_condition(item, element_type, f"{where}.{name}[{i}]")
            for i, item in enumerate(items)
        )
        return AllOf(children) if name == "all" else AnyOf(children)
    if keys == {"not"}:
        return NotOf(compile_condition(tree["not"], element_type, f"{where}.not"))
    if "predicate" in keys:
        return _compile_predicate(tree, element_type, where)
    if "related" in keys:
        return _compile_related(tree, element_type, where)
    if "field" in keys:
        return _compile_field(tree, element_type, where)
    raise ConditionError(
        f"{where}: unknown condition keys {sorted(keys)}; "
        "use all, any, not, field, related or predicate"
    )


def _compile_predicate(tree: dict[str, Any], element_type: str, where: str) -> Condition:
    if set(tree) != {"predicate"}:
        raise ConditionError(f"{where}: a predicate condition takes only 'predicate'")
    name = tree["predicate"]
    if name not in PREDICATES:
        raise ConditionError(f"{where}: unknown predicate {name!r} (known: {sorted(PREDICATES)})")
    types_allowed, function = PREDICATES[name]
    if element_type not in types_allowed:
        raise ConditionError(f"{where}: predicate {name!r} does not apply to {element_type}")
    return PredicateTest(name, function)


def _compile_related(tree: dict[str, Any], element_type: str, where: str) -> Condition:
    extra = set(tree) - {"related", "where", "quantifier"}
    if extra:
        raise ConditionError(f"{where}: unknown keys {sorted(extra)} in a related condition")
    relation = tree["related"]
    target = relation_target(relation, element_type) if isinstance(relation, str) else None
    if target is None:
        raise ConditionError(f"{where}: no relation {relation!r} from {element_type}")
    quantifier = tree.get("quantifier", "any")
    if quantifier not in ("any", "all", "none"):
        raise ConditionError(f"{where}: quantifier must be any, all or none")
    inner = None
    if "where" in tree:
        inner = compile_condition(tree["where"], target, f"{where}.where")
    return Related(relation, inner, quantifier)


def _compile_field(tree: dict[str, Any], element_type: str, where: str) -> Condition:
    ops = set(tree) - {"field"}
    if len(ops) != 1:
        raise ConditionError(f"{where}: a field condition takes exactly one operator, got {sorted(ops)}")
    (op,) = ops
    if op not in OPERATORS:
        raise ConditionError(f"{where}: unknown operator {op!r} (known: {sorted(OPERATORS)})")
    path = tree["field"]
    if not isinstance(path, str):
        raise ConditionError(f"{where}: field must be a dotted name")
    try:
        shape = field_shape(ELEMENT_CLASSES[element_type], path)
    except ConditionError as exc:
        raise ConditionError(f"{where}: {exc} on {element_type}") from exc
    expected = tree[op]
    _check_value(shape, op, expected, f"{where} ({path} {op})")
    if op in _LIST_VALUE_OPS:
        expected = tuple(expected)
    return FieldTest(path, op, expected)


def _check_value(shape: FieldShape, op: str, expected: Any, where: str) -> None:
    if op in ("contains", "not_contains", "contains_any", "empty") and not shape.is_list:
        raise ConditionError(f"{where}: operator needs a list field")
    if op in ("equals", "not_equals", "in", "not_in") and shape.is_list:
        raise ConditionError(f"{where}: use contains/contains_any on a list field")
    if op in ("is", "empty"):
        if not isinstance(expected, bool):
            raise ConditionError(f"{where}: expects true or false")
        if op == "is" and shape.base is not bool:
            raise ConditionError(f"{where}: 'is' applies to true/false fields only")
        return
    if op in _ORDER_OPS:
        if shape.base not in (int, float) or isinstance(expected, bool):
            raise ConditionError(f"{where}: ordering needs a numeric field and value")
        if not isinstance(expected, int | float):
            raise ConditionError(f"{where}: expects a number")
        return
    values: Sequence[Any] = expected if op in _LIST_VALUE_OPS else [expected]
    if op in _LIST_VALUE_OPS and (not isinstance(expected, list) or not expected):
        raise ConditionError(f"{where}: expects a non-empty list")
    if shape.choices is not None:
        bad = [v for v in values if v not in shape.choices]
        if bad:
            allowed = ", ".join(sorted(map(str, shape.choices)))
            raise ConditionError(f"{where}: {bad} not among the field's values ({allowed})")


def show_value(value: Any) -> str:
    """A value as the model file writes it (lists in brackets, booleans in lower case)."""
    if isinstance(value, list | tuple):
        return "[" + ", ".join(map(show_value, value)) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- control expressions -------------------------------------------------------------------


@dataclass(frozen=True)
class ControlExpr:
    """``mitigated_by``: a control id, or ``{all: [...]}`` / ``{any: [...]}`` of them."""

    op: str  # "one", "all", "any"
    control: str | None = None
    children: tuple[ControlExpr, ...] = ()

    def controls(self) -> list[str]:
        if self.op == "one":
            assert self.control is not None
            return [self.control]
        return [c for child in self.children for c in child.controls()]

    def evaluate(self, holds: Callable[[str], bool]) -> bool:
        if self.op == "one":
            assert self.control is not None
            return holds(self.control)
        results = [child.evaluate(holds) for child in self.children]
        return all(results) if self.op == "all" else any(results)

    def describe(self) -> str:
        if self.op == "one":
            return str(self.control)
        joiner = " and " if self.op == "all" else " or "
        return "(" + joiner.join(child.describe() for child in self.children) + ")"


def compile_controls(tree: Any, known: set[str], where: str = "mitigated_by") -> ControlExpr:
    if isinstance(tree, str):
        if tree not in known:
            raise ConditionError(f"{where}: unknown control {tree!r}")
        return ControlExpr("one", tree)
    if isinstance(tree, dict) and len(tree) == 1:
        ((op, items),) = tree.items()
        if op in ("all", "any") and isinstance(items, list) and items:
            children = tuple(
                compile_controls(item, known, f"{where}.{op}[{i}]") for i, item in enumerate(items)
            )
            return ControlExpr(op, None, children)
    raise ConditionError(f"{where}: expected a control id or {{all|any: [ids]}}, got {tree!r}")
