"""What each field of the model means, kept as data in ``fields.yaml`` beside this module.

Every field of every model class has a description and an example, and every value of every
closed list a meaning, in English and Japanese. Three readers share them:

- ``fleetrisk explain FIELD``: the description, type, values, example and place of a field;
- the JSON Schema (``fleetrisk schema``): English descriptions (with the values' meanings) and
  examples, filled in through the model classes' ``json_schema_extra`` hook;
- ``fleetrisk questions`` and the reports' questions: what a field left out means.

A closed list's meanings are found by its set of values, so a list used by several fields (``auth``
of a component and ``authentication`` of a flow) is explained once. This module reads the model
classes; the model classes read it only when a JSON Schema is made.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo

from fleetrisk.errors import FleetriskError
from fleetrisk.model.yamlio import load_path

DOCS_FILE = Path(__file__).resolve().parent / "fields.yaml"

Lang = Literal["en", "ja"]
NonEmpty = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_CJK = "\u3000-\u30ff\u3400-\u9fff\uff00-\uffef"
#: A line break that YAML folded into a space, where Japanese wants none: between two Japanese
#: characters, or next to full-width punctuation (a space stays between Japanese and `code`).
_FOLDED = re.compile(f"(?<=[{_CJK}])\\s+(?=[{_CJK}])|(?<=[、。（）「」])\\s+|\\s+(?=[、。（）「」])")


def unfold(text: str) -> str:
    """Japanese text as written, without the spaces YAML folding put where lines were broken."""
    return _FOLDED.sub("", text)


class Localised(_Strict):
    """One text in both languages."""

    en: NonEmpty
    ja: NonEmpty

    @field_validator("ja")
    @classmethod
    def _unfold(cls, text: str) -> str:
        return unfold(text)

    def get(self, lang: str) -> str:
        return self.ja if lang == "ja" else self.en


class FieldDoc(_Strict):
    """A field's description and example. ``example`` is a value written the same in both
    languages; ``example_text`` is free text, written in each."""

    en: NonEmpty
    ja: NonEmpty
    example: Any = None
    example_text: Localised | None = None

    @field_validator("ja")
    @classmethod
    def _unfold(cls, text: str) -> str:
        return unfold(text)

    @model_validator(mode="after")
    def _one_example(self) -> FieldDoc:
        if (self.example is None) == (self.example_text is None):
            raise ValueError("give exactly one of example and example_text")
        return self

    def text(self, lang: str) -> str:
        return self.ja if lang == "ja" else self.en

    def example_in(self, lang: str) -> Any:
        return self.example_text.get(lang) if self.example_text is not None else self.example


class DocFile(_Strict):
    """``fields.yaml``: field texts by model class and YAML key, value meanings by closed list,
    and the words ``explain`` and the JSON Schema put around them."""

    fields: dict[str, dict[str, FieldDoc]]
    values: dict[str, dict[str, Localised]]
    words: dict[str, Localised]


@functools.cache
def field_docs() -> DocFile:
    """The texts of ``fields.yaml``, checked (a broken file names its line)."""
    doc = load_path(DOCS_FILE)
    try:
        return DocFile.model_validate(doc.data)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = tuple(part for part in first["loc"] if isinstance(part, str | int))
        raise FleetriskError(f"{DOCS_FILE.name}: {first['msg']}", location=doc.locate(path)) from exc


def word(name: str, lang: str) -> str:
    """One of the words around the texts (labels, type phrases), in ``lang``."""
    return field_docs().words[name].get(lang)


# --- the shape of a field's type -------------------------------------------------------

Kind = Literal["bool", "int", "float", "text", "date", "values", "section", "list", "mapping"]


@dataclass(frozen=True)
class Shape:
    """A field's type, as a reader needs it: its kind, what it holds and its limits."""

    kind: Kind
    items: tuple[Shape, ...] = ()  # list: (item,); mapping: (key, value)
    values: tuple[str, ...] = ()  # values: the closed list
    section: type[BaseModel] | None = None
    limits: tuple[tuple[str, Any], ...] = ()  # (ge, 0), (max_length, 80), (pattern, ...)

    def limit(self, name: str) -> Any:
        return next((value for key, value in self.limits if key == name), None)


_LIMITS = ("ge", "gt", "le", "lt", "min_length", "max_length", "pattern")


def _limits(metadata: tuple[Any, ...]) -> tuple[tuple[str, Any], ...]:
    found: list[tuple[str, Any]] = []
    for item in metadata:
        if isinstance(item, FieldInfo):  # Annotated[str, Field(pattern=...)]
            found.extend(_limits(tuple(item.metadata)))
            continue
        for name in _LIMITS:
            value = getattr(item, name, None)
            if value is not None:
                found.append((name, value))
    return tuple(found)


def shape_of(annotation: Any, metadata: tuple[Any, ...] = ()) -> Shape:
    """The :class:`Shape` of a type annotation (Optional, Annotated and strict wrappers removed)."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is Annotated:
        return shape_of(args[0], (*metadata, *annotation.__metadata__))
    if origin is typing.Union or origin is types.UnionType:
        (inner,) = [a for a in args if a is not type(None)]
        return shape_of(inner, metadata)
    limits = _limits(metadata)
    if origin is Literal:
        return Shape("values", values=tuple(str(a) for a in args), limits=limits)
    if origin is list:
        return Shape("list", (shape_of(args[0]),), limits=limits)
    if origin is dict:
        return Shape("mapping", (shape_of(args[0]), shape_of(args[1])), limits=limits)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return Shape("section", section=annotation, limits=limits)
    simple: dict[Any, Kind] = {bool: "bool", int: "int", float: "float", str: "text", dt.date: "date"}
    if annotation in simple:
        return Shape(simple[annotation], limits=limits)
    raise TypeError(f"no reader's shape for {annotation!r}")


def closed_lists(shape: Shape) -> list[tuple[str, tuple[str, ...]]]:
    """The closed lists in a shape, each as ("keys" or "values", its values), outermost first."""
    if shape.kind == "values":
        return [("values", shape.values)]
    if shape.kind == "list":
        return closed_lists(shape.items[0])
    if shape.kind == "mapping":
        key, value = shape.items
        keys = [("keys", key.values)] if key.kind == "values" else []
        return keys + closed_lists(value)
    return []


@functools.cache
def _meanings_by_values() -> dict[frozenset[str], dict[str, Localised]]:
    return {frozenset(meanings): meanings for meanings in field_docs().values.values()}


def meanings(values: tuple[str, ...]) -> dict[str, Localised]:
    """What each value of a closed list means, in the list's own order (empty if not documented)."""
    known = _meanings_by_values().get(frozenset(values), {})
    return {value: known[value] for value in values if value in known}


# --- where each field sits ---------------------------------------------------------------

Holds = Literal["one", "list", "mapping"]


@dataclass(frozen=True)
class Step:
    """A section on the way to a field: its YAML key and how it holds what is inside."""

    key: str
    holds: Holds


@dataclass(frozen=True)
class Place:
    """One field at one place in the model file."""

    owner: type[BaseModel]
    name: str  # the Python name
    key: str  # the YAML key
    info: FieldInfo
    above: tuple[Step, ...]

    @property
    def dotted(self) -> str:
        """The name to ask for: ``fleets.accepts.from``."""
        return ".".join([*(s.key for s in self.above), self.key])

    @property
    def shown(self) -> str:
        """The place as a path through the file: ``fleets[].accepts[].from``, ``loss.per_device.<key>.low``."""
        marks = {"one": "", "list": "[]", "mapping": ".<key>"}
        return ".".join([*(s.key + marks[s.holds] for s in self.above), self.key])

    @property
    def shape(self) -> Shape:
        return shape_of(self.info.annotation, tuple(self.info.metadata))

    @property
    def inner(self) -> tuple[type[BaseModel], Holds] | None:
        """The section this field holds, and whether it holds one, a list or a mapping of them."""
        shape = self.shape
        if shape.kind == "section" and shape.section is not None:
            return shape.section, "one"
        if shape.kind in ("list", "mapping"):
            item = shape.items[-1]
            if item.kind == "section" and item.section is not None:
                return item.section, "list" if shape.kind == "list" else "mapping"
        return None

    @property
    def doc(self) -> FieldDoc:
        return field_docs().fields[self.owner.__name__][self.key]


def _walk(cls: type[BaseModel], above: tuple[Step, ...]) -> Iterator[Place]:
    for name, info in cls.model_fields.items():
        place = Place(cls, name, info.alias or name, info, above)
        yield place
        inner = place.inner
        if inner is not None:
            yield from _walk(inner[0], (*above, Step(place.key, inner[1])))


@functools.cache
def places() -> tuple[Place, ...]:
    """Every field at every place, in the order of the model classes."""
    from fleetrisk.model.schema import ServiceModel

    return tuple(_walk(ServiceModel, ()))


def _parts(query: str) -> list[str]:
    """``components[3].exposure`` -> [components, exposure]; dashes read as underscores."""
    text = re.sub(r"\[[^\]]*\]", "", query.strip().lower())
    return [part.replace("-", "_") for part in text.split(".") if part]


def lookup(query: str) -> list[Place]:
    """The places a name or path means: an exact path, else every place whose path ends with it."""
    wanted = _parts(query)
    exact = [p for p in places() if p.dotted.split(".") == wanted]
    return exact or ending_with(query)


def ending_with(query: str) -> list[Place]:
    """Every place whose path ends with the name or path ``query``."""
    wanted = _parts(query)
    if not wanted:
        return []
    return [p for p in places() if p.dotted.split(".")[-len(wanted):] == wanted]


def suggest(query: str, limit: int = 3) -> list[str]:
    """Paths close to a query that names nothing."""
    wanted = ".".join(_parts(query))
    every = places()
    by_key: dict[str, str] = {}
    for place in every:
        by_key.setdefault(place.key, place.dotted)
    close = difflib.get_close_matches(wanted, [p.dotted for p in every], n=limit, cutoff=0.6)
    if not close:
        close = [by_key[k] for k in difflib.get_close_matches(wanted.rsplit(".", 1)[-1], list(by_key), n=limit)]
    return list(dict.fromkeys(close))


# --- phrases -------------------------------------------------------------------------------


@functools.cache
def _reference_targets() -> dict[str, tuple[str, ...]]:
    """Dotted path -> the collections its ids must name (the loader's reference table)."""
    from fleetrisk.model.loader import _REFERENCES

    return {".".join([collection, *(s for s in steps if s != "*")]): allowed
            for collection, steps, allowed in _REFERENCES}


_ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,79}$"


def _number(value: Any) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:g}"
    return f"{int(value):,}"


def _simple_phrase(shape: Shape, lang: str, targets: tuple[str, ...] | None) -> str:
    if shape.kind == "text" and targets:
        return word("reference", lang).format(targets=word("or", lang).join(targets))
    if shape.kind == "text" and shape.limit("pattern") == _ID_PATTERN:
        return word("identifier", lang)
    if shape.kind == "text" and shape.limit("pattern"):
        return word("text_pattern", lang).format(pattern=shape.limit("pattern"))
    if shape.kind == "values":
        return word("value", lang)
    if shape.kind == "section" and shape.section is not None:
        return word("section", lang)
    phrase = word(shape.kind, lang)
    low = shape.limit("ge") if shape.limit("ge") is not None else shape.limit("gt")
    high = shape.limit("le") if shape.limit("le") is not None else shape.limit("lt")
    if low is not None and high is not None:
        phrase = word("range", lang).format(type=phrase, low=_number(low), high=_number(high))
    elif low is not None:
        phrase = word("minimum" if shape.limit("ge") is not None else "above", lang).format(
            type=phrase, low=_number(low))
    if shape.limit("max_length") is not None and shape.kind == "text":
        phrase = word("max_text", lang).format(type=phrase, n=_number(shape.limit("max_length")))
    return phrase


def type_phrase(place: Place, lang: str) -> str:
    """What the field holds, in words: ``list; each item: a value from the list below``."""
    shape = place.shape
    targets = _reference_targets().get(place.dotted)
    if shape.kind == "list":
        phrase = word("list", lang).format(item=_simple_phrase(shape.items[0], lang, targets))
        if shape.limit("min_length"):
            phrase = word("min_items", lang).format(type=phrase, n=shape.limit("min_length"))
        return phrase
    if shape.kind == "mapping":
        key, value = shape.items
        return word("mapping", lang).format(key=_simple_phrase(key, lang, None),
                                            value=_simple_phrase(value, lang, None))
    return _simple_phrase(shape, lang, targets)


def presence_phrase(place: Place, lang: str) -> str:
    """Whether the field must be written, and what leaving it out means."""
    info = place.info
    if info.is_required():
        return word("required", lang)
    default = info.get_default(call_default_factory=True)
    if default is None:
        return word("optional_unstated", lang)
    if isinstance(default, BaseModel):
        return word("optional", lang)
    return word("optional_default", lang).format(default=flow(default))


def flow(value: Any) -> str:
    """A value as YAML writes it on one line: ``[internet, devices]``, ``{low: 1, mode: 2}``, ``ota``."""
    text = yaml.safe_dump([value], default_flow_style=True, allow_unicode=True, sort_keys=False, width=10**6)
    return text.strip()[1:-1]


# --- the JSON Schema -----------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def schema_description(cls: type[BaseModel], name: str, info: FieldInfo) -> tuple[str, Any] | None:
    """A field's English description for the JSON Schema (with its values' meanings) and its example."""
    docs = field_docs().fields.get(cls.__name__, {})
    key = info.alias or name
    doc = docs.get(key)
    if doc is None:
        return None
    text = doc.en
    for role, values in closed_lists(shape_of(info.annotation, tuple(info.metadata))):
        listed = meanings(values)
        if listed:
            lines = "\n".join(f"- `{value}`: {meaning.en}" for value, meaning in listed.items())
            text += f"\n\n{word(role, 'en')}:\n{lines}"
    return text, _jsonable(doc.example_in("en"))


def document_schema(schema: dict[str, Any], cls: type[BaseModel]) -> None:
    """``json_schema_extra`` of the model classes: each property gets its description and example."""
    properties = schema.get("properties", {})
    for name, info in cls.model_fields.items():
        prop = properties.get(info.alias or name) or properties.get(name)
        described = schema_description(cls, name, info)
        if prop is not None and described is not None:
            prop["description"], example = described
            prop["examples"] = [example]


def describe(cls: type[BaseModel], name: str, lang: str) -> str:
    """What the field ``name`` (Python name) of ``cls`` means, in ``lang`` (empty if undocumented)."""
    info = cls.model_fields.get(name)
    if info is None:
        return ""
    doc = field_docs().fields.get(cls.__name__, {}).get(info.alias or name)
    return doc.text(lang) if doc is not None else ""


