"""Load a service model from YAML: parse safely, validate strictly, check references.

Every problem becomes an :class:`InputError` with file, line, column, YAML path and a hint;
all problems in a file are reported together.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from fleetrisk.errors import InputError, ModelValidationError
from fleetrisk.model.queries import ModelIndex
from fleetrisk.model.schema import ServiceModel
from fleetrisk.model.yamlio import Document, YamlPath, decode, format_path, load_path, parse


@dataclass
class LoadedModel:
    """A validated model with the document it came from."""

    model: ServiceModel
    document: Document

    @property
    def file(self) -> str:
        return self.document.file

    @functools.cached_property
    def index(self) -> ModelIndex:
        return ModelIndex.build(self.model)


def load_model(path: str | Path) -> LoadedModel:
    """Load and validate the model file at ``path``."""
    return from_document(load_path(Path(path)))


def load_model_text(text: str, name: str = "<model>") -> LoadedModel:
    """Load a model from YAML text (used for catalog cases and tests)."""
    return from_document(parse(decode(text.encode("utf-8"), name), name))


def from_data(data: Any, name: str = "<model>") -> LoadedModel:
    """Validate already-parsed data (positions unknown)."""
    return from_document(Document(name, data, {}))


def from_document(doc: Document) -> LoadedModel:
    if not isinstance(doc.data, dict):
        raise ModelValidationError([
            InputError("the model must be a mapping with 'fleetrisk: 1' at the top",
                       location=doc.locate(()), hint="start from 'fleetrisk init' or 'fleetrisk init --example list'")
        ])
    dates = list(_date_problems(doc))
    references = dates + list(_reference_problems_in(doc))
    try:
        model = ServiceModel.model_validate(doc.data, by_alias=True)
    except ValidationError as exc:
        told = {problem.location.path for problem in dates if problem.location is not None}
        schema = [problem for problem in _pydantic_problems(exc, doc)
                  if problem.location is None or problem.location.path not in told]
        raise ModelValidationError([*schema, *references]) from exc
    problems = references + list(_reference_problems(model, doc))
    if problems:
        raise ModelValidationError(problems)
    return LoadedModel(model, doc)


# --- schema problems -------------------------------------------------------------------


@functools.cache
def _json_schema() -> dict[str, Any]:
    return ServiceModel.model_json_schema(by_alias=True)


def _subschema(path: Iterable[str | int]) -> dict[str, Any] | None:
    """The JSON-schema node for a data path, following $ref, anyOf and items."""
    root = _json_schema()
    node: dict[str, Any] | None = root
    for part in path:
        node = _deref(node, root)
        if node is None:
            return None
        if isinstance(part, int):
            node = node.get("items")
        else:
            props = node.get("properties", {})
            if part in props:
                node = props[part]
            elif isinstance(node.get("additionalProperties"), dict):
                node = node["additionalProperties"]
            else:
                return None
    return _deref(node, root)


def _deref(node: dict[str, Any] | None, root: dict[str, Any]) -> dict[str, Any] | None:
    while node is not None:
        if "$ref" in node:
            node = root["$defs"][node["$ref"].rsplit("/", 1)[-1]]
        elif "anyOf" in node:
            options = [o for o in node["anyOf"] if o.get("type") != "null"]
            node = options[0] if len(options) == 1 else node
            if len(options) != 1:
                return node
        else:
            return node
    return node


def _data_path(loc: tuple[Any, ...], data: Any) -> YamlPath:
    """Trim pydantic's loc to the part that exists in the data (drops 'literal[...]' etc.)."""
    path: list[str | int] = []
    current = data
    for part in loc:
        in_dict = isinstance(current, dict) and isinstance(part, str) and part in current
        in_list = isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        if not (in_dict or in_list):
            if isinstance(current, dict) and isinstance(part, str):
                path.append(part)  # a missing or extra key: still name it
            break
        current = current[part]
        path.append(part)
    return tuple(path)


def _suggest(word: str, options: Iterable[str]) -> str | None:
    match = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return match[0] if match else None


def _pydantic_problems(exc: ValidationError, doc: Document) -> Iterator[InputError]:
    seen: set[tuple[YamlPath, str]] = set()
    for error in exc.errors():
        path = _data_path(tuple(error["loc"]), doc.data)
        kind = error["type"]
        if (path, kind) in seen:
            continue
        seen.add((path, kind))
        message, hint = _explain(error, path)
        yield InputError(message, location=doc.locate(path), hint=hint)


def _explain(error: Any, path: YamlPath) -> tuple[str, str | None]:
    kind = error["type"]
    value = error.get("input")
    where = format_path(path)
    if kind == "extra_forbidden":
        key = str(path[-1]) if path else "?"
        parent = _subschema(path[:-1]) or {}
        allowed = sorted(parent.get("properties", {}))
        close = _suggest(key, allowed)
        hint = f"did you mean '{close}'?" if close else f"allowed keys: {', '.join(allowed)}"
        return f"unknown key '{key}'", hint
    if kind == "missing":
        return f"required key '{path[-1]}' is missing", "add it; see 'fleetrisk schema'"
    if kind in ("literal_error", "enum"):
        node = _subschema(path) or {}
        options = [str(o) for o in node.get("enum", [])] or _expected_list(error)
        close = _suggest(str(value), options)
        hint = f"did you mean '{close}'?" if close else f"allowed: {', '.join(options)}"
        if path == ("fleetrisk",):
            hint = "this version of fleetrisk reads model format 1: write 'fleetrisk: 1'"
        return f"'{value}' is not an allowed value for {where}", hint
    if kind == "string_pattern_mismatch":
        return (f"'{value}' is not a valid identifier at {where}",
                "use lower-case letters, digits, '-', '_' or '.', starting with a letter or digit")
    if kind in ("greater_than_equal", "greater_than"):
        return f"{where} must be {error['msg'].split('be ', 1)[-1]}, got {value!r}", "counts cannot be negative"
    if kind in ("int_type", "int_from_float", "int_parsing"):
        return f"{where} must be a whole number, got {value!r}", "write a whole number without quotes"
    if kind in ("bool_type", "bool_parsing"):
        return f"{where} must be true or false, got {value!r}", "write true or false without quotes"
    if kind in ("list_type", "dict_type", "model_type", "model_attributes_type"):
        want = "a list" if kind == "list_type" else "a mapping"
        return f"{where} must be {want}, got {type(value).__name__}", None
    if kind == "string_type":
        return f"{where} must be text, got {value!r}", "quote the value"
    if kind == "too_short":
        return f"{where} must not be empty", None
    return f"{where}: {error['msg']}", None


def _expected_list(error: Any) -> list[str]:
    expected = str(error.get("ctx", {}).get("expected", ""))
    return [part.strip(" '") for part in expected.replace(" or ", ",").split(",") if part.strip()]


# --- dates ---------------------------------------------------------------------------

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@functools.cache
def _date_fields() -> tuple[tuple[str, ...], ...]:
    """Paths ('*': every list item) of the fields the schema reads as dates."""
    root = _json_schema()
    found: list[tuple[str, ...]] = []

    def walk(node: dict[str, Any], steps: tuple[str, ...], seen: frozenset[str]) -> None:
        ref = node.get("$ref")
        if ref is not None:
            if ref in seen:
                return
            walk(root["$defs"][ref.rsplit("/", 1)[-1]], steps, seen | {ref})
            return
        if node.get("format") == "date":
            found.append(steps)
        for option in node.get("anyOf", ()):
            walk(option, steps, seen)
        if isinstance(node.get("items"), dict):
            walk(node["items"], (*steps, "*"), seen)
        for name, child in node.get("properties", {}).items():
            walk(child, (*steps, name), seen)

    walk(root, (), frozenset())
    return tuple(dict.fromkeys(found))


def _date_problems(doc: Document) -> Iterator[InputError]:
    """A date field holds a date written YYYY-MM-DD, nothing else.

    The schema's date fields would also take a number as seconds since 1970
    (``expires: 4102444800`` as 2100-01-01) and some other strings; a model states dates one way.
    """
    for steps in _date_fields():
        for value, path in _values(doc.data, steps, ()):
            if value is None or type(value) is dt.date:
                continue
            if isinstance(value, str) and _ISO_DATE.fullmatch(value):
                continue  # a quoted date: the schema checks it is a real one
            yield InputError(f"{format_path(path)} must be a date written YYYY-MM-DD, got {value!r}",
                             location=doc.locate(path), hint="e.g. 2027-03-31, without quotes")


# --- reference problems -------------------------------------------------------------------

_COLLECTIONS = ("zones", "fleets", "components", "keys", "data", "flows", "accounts")
_ENDS = ("fleets", "components", "accounts")
#: (collection, path inside each element, '*' for every list item; collections it may name).
_REFERENCES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("fleets", ("accepts", "*", "from"), ("components",)),
    ("fleets", ("accepts", "*", "key"), ("keys",)),
    ("components", ("zone",), ("zones",)),
    ("components", ("depends_on", "*"), ("components",)),
    ("keys", ("holder",), ("components",)),
    ("keys", ("threshold", "holders", "*"), ("components",)),
    ("data", ("stored_in", "*"), ("components",)),
    ("flows", ("from",), _ENDS),
    ("flows", ("to",), _ENDS),
    ("flows", ("carries", "*"), ("data",)),
    ("accounts", ("via",), ("components",)),
)


def _elements(data: Any, collection: str) -> Iterator[tuple[int, dict[str, Any]]]:
    items = data.get(collection) if isinstance(data, dict) else None
    for i, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict):
            yield i, item


def _values(item: Any, steps: tuple[str, ...], path: YamlPath) -> Iterator[tuple[Any, YamlPath]]:
    """The values at ``steps`` inside ``item`` ('*': every list item), with their paths."""
    if not steps:
        yield item, path
        return
    step, rest = steps[0], steps[1:]
    if step == "*":
        for j, child in enumerate(item if isinstance(item, list) else []):
            yield from _values(child, rest, (*path, j))
    elif isinstance(item, dict) and step in item:
        yield from _values(item[step], rest, (*path, step))


def _references(data: Any, collection: str, steps: tuple[str, ...]) -> Iterator[tuple[str, YamlPath]]:
    """Every reference at ``steps`` in a collection; the common shapes (a field, a list of ids) inline."""
    if len(steps) == 1:
        field = steps[0]
        for i, element in _elements(data, collection):
            value = element.get(field)
            if isinstance(value, str):
                yield value, (collection, i, field)
    elif len(steps) == 2 and steps[1] == "*":
        field = steps[0]
        for i, element in _elements(data, collection):
            values = element.get(field)
            if isinstance(values, list):
                for j, value in enumerate(values):
                    if isinstance(value, str):
                        yield value, (collection, i, field, j)
    else:
        for i, element in _elements(data, collection):
            for value, path in _values(element, steps, (collection, i)):
                if isinstance(value, str):
                    yield value, path


def _reference_problems_in(doc: Document) -> Iterator[InputError]:
    """Duplicate ids and references to nothing, read from the plain data.

    It needs no valid model, so these problems are reported together with schema problems;
    values of the wrong type are left to the schema check.
    """
    ids: dict[str, YamlPath] = {}
    kinds: dict[str, str] = {}
    for collection in _COLLECTIONS:
        for i, element in _elements(doc.data, collection):
            element_id = element.get("id")
            if not isinstance(element_id, str):
                continue
            path: YamlPath = (collection, i, "id")
            if element_id in ids:
                first = doc.locate(ids[element_id])
                yield InputError(
                    f"duplicate id '{element_id}' (first used at line {first.line})",
                    location=doc.locate(path),
                    hint="ids must be unique across zones, fleets, components, keys, data, flows and accounts",
                )
                continue
            ids[element_id] = path
            kinds[element_id] = collection
    for collection, steps, allowed in _REFERENCES:
        for value, path in _references(doc.data, collection, steps):
            kind = kinds.get(value)
            if kind in allowed:
                continue
            if kind is None:
                candidates = [i for i, k in kinds.items() if k in allowed]
                close = _suggest(value, candidates)
                hint = f"did you mean '{close}'?" if close else (
                    f"define it under {' or '.join(allowed)}" if not candidates
                    else f"known: {', '.join(sorted(candidates)[:12])}"
                )
                yield InputError(f"'{value}' is not defined", location=doc.locate(path), hint=hint)
            else:
                yield InputError(
                    f"'{value}' is a {kind[:-1]}, but {format_path(path)} must name one of: " + ", ".join(allowed),
                    location=doc.locate(path),
                )


def _reference_problems(model: ServiceModel, doc: Document) -> Iterator[InputError]:
    """Rules between fields of a valid model (references are checked on the plain data)."""
    for i, fleet in enumerate(model.fleets):
        for j, acc in enumerate(fleet.accepts):
            base: YamlPath = ("fleets", i, "accepts", j)
            if acc.key is not None and acc.verification != "signature":
                yield InputError(
                    f"a key is named but verification is '{acc.verification}'",
                    location=doc.locate((*base, "verification")),
                    hint="set verification: signature, or remove the key",
                )
        if fleet.rollout and not fleet.rollout.staged and fleet.rollout.first_wave_percent is not None:
            yield InputError("first_wave_percent needs staged: true",
                             location=doc.locate(("fleets", i, "rollout", "first_wave_percent")))
    for i, comp in enumerate(model.components):
        for j, dep in enumerate(comp.depends_on):
            if dep == comp.id:
                yield InputError("a component cannot depend on itself",
                                 location=doc.locate(("components", i, "depends_on", j)))
        if comp.kind == "external-dependency" and comp.dependency is None:
            yield InputError("an external-dependency needs a 'dependency' block (kind, redundancy)",
                             location=doc.locate(("components", i, "kind")),
                             hint="e.g. dependency: {kind: dns, redundancy: single}")
        if comp.partner is not None and comp.kind != "partner-api":
            yield InputError("'partner' facts belong on a component of kind partner-api",
                             location=doc.locate(("components", i, "partner")))
    for i, key in enumerate(model.keys):
        if key.custody == "threshold" and key.threshold is None:
            yield InputError("custody 'threshold' needs a 'threshold' block (k, holders)",
                             location=doc.locate(("keys", i, "custody")))
        if key.threshold is not None:
            if key.custody != "threshold":
                yield InputError("a 'threshold' block needs custody: threshold",
                                 location=doc.locate(("keys", i, "threshold")))
            if key.threshold.k > len(key.threshold.holders):
                yield InputError(
                    f"k={key.threshold.k} exceeds the {len(key.threshold.holders)} holders",
                    location=doc.locate(("keys", i, "threshold", "k")),
                    hint="k must be at most the number of holders",
                )
    for i, entry in enumerate(model.tracking):
        if "@" not in entry.id:
            yield InputError(f"tracking id '{entry.id}' must look like <scenario>@<element>",
                             location=doc.locate(("tracking", i, "id")),
                             hint="e.g. T6.online-signing-key@fw-key; '*' may stand for any part")
