"""Forms for the model's elements, built from the model classes and ``fields.yaml``.

A form shows the fields of one element that a form can hold (values, true/false, numbers,
text, lists of values or ids); sections inside an element (``identity``, ``accepts``,
``controls``...) are shown as they stand in the file, to edit there. What the form sends is
read back into typed values here; the model loader then checks the whole file, so a form can
never write what ``fleetrisk validate`` would refuse.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from fleetrisk.model.fielddocs import Place, Shape, meanings, places
from fleetrisk.model.schema import Account, Component, DataSet, Fleet, Flow, Key
from fleetrisk.workbench.labels import labels
from fleetrisk.workbench.yamledit import Change

#: The sections a form can add to or edit, with the class of their elements.
SECTIONS: dict[str, type[BaseModel]] = {
    "fleets": Fleet, "components": Component, "keys": Key, "data": DataSet, "flows": Flow, "accounts": Account,
}
#: Kinds of input a field can have.
_INPUTS = {"values": "select", "bool": "select", "int": "number", "float": "number", "text": "text", "date": "date"}


@dataclass(frozen=True)
class FormField:
    """One field of an element's form."""

    key: str  # the YAML key
    input: str  # select, number, text, date, checkboxes, words, section
    required: bool
    options: tuple[str, ...]  # select and checkboxes: the values
    place: Place

    def meaning(self, value: str, lang: str) -> str:
        found = meanings(self.options).get(value)
        return found.get(lang) if found is not None else ""

    def help(self, lang: str) -> str:
        return self.place.doc.text(lang)


def _input(shape: Shape) -> tuple[str, tuple[str, ...]]:
    if shape.kind in _INPUTS:
        options = shape.values if shape.kind == "values" else ("true", "false") if shape.kind == "bool" else ()
        return _INPUTS[shape.kind], options
    if shape.kind == "list" and shape.items[0].kind == "values":
        return "checkboxes", shape.items[0].values
    if shape.kind == "list" and shape.items[0].kind == "text":
        return "words", ()
    return "section", ()


@functools.cache
def form_fields(section: str) -> tuple[FormField, ...]:
    """The fields of an element of ``section``, in the model's order."""
    cls = SECTIONS[section]
    found = []
    for place in places():
        if place.owner is cls and [s.key for s in place.above] == [section]:
            kind, options = _input(place.shape)
            found.append(FormField(place.key, kind, place.info.is_required(), options, place))
    return tuple(found)


class FormProblem(ValueError):
    """A value the form cannot read, for one field."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def _typed(field: FormField, raw: str, words: Mapping[str, str]) -> Any:
    shape = field.place.shape
    text = raw.strip()
    if shape.kind == "bool":
        if text not in ("true", "false"):
            raise FormProblem(field.key, words["wb_need_bool"])
        return text == "true"
    if shape.kind == "int":
        if not re.fullmatch(r"\d{1,13}", text.replace(",", "").replace("_", "")):
            raise FormProblem(field.key, words["wb_need_whole"])
        return int(text.replace(",", "").replace("_", ""))
    if shape.kind == "float":
        try:
            return float(text)
        except ValueError:
            raise FormProblem(field.key, words["wb_need_number"]) from None
    if shape.kind == "date":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise FormProblem(field.key, words["wb_need_date"]) from None
    if shape.kind == "values" and text not in field.options:
        raise FormProblem(field.key, words["wb_need_one_of"].format(values=", ".join(field.options)))
    return text


def read_form(section: str, form: Mapping[str, list[str]],
              lang: str = "en") -> tuple[dict[str, Any], list[FormProblem]]:
    """The values a form sent, by YAML key (None: left empty), and the ones it could not read (said in ``lang``)."""
    said = labels(lang)
    values: dict[str, Any] = {}
    problems: list[FormProblem] = []
    for field in form_fields(section):
        if field.input == "section":
            continue
        sent = [v for v in form.get(f"f.{field.key}", []) if v.strip()]
        try:
            if field.input == "checkboxes":
                unknown = [v for v in sent if v not in field.options]
                if unknown:
                    raise FormProblem(field.key, said["wb_need_known"].format(values=", ".join(unknown)))
                values[field.key] = [v for v in field.options if v in sent] or None
            elif field.input == "words":
                words = [w for v in sent for w in re.split(r"[\s,]+", v) if w]
                values[field.key] = list(dict.fromkeys(words)) or None
            else:
                values[field.key] = _typed(field, sent[0], said) if sent else None
        except FormProblem as problem:
            problems.append(problem)
    return values, problems


def element_changes(section: str, index: int | None, values: Mapping[str, Any],
                    current: Mapping[str, Any] | None) -> list[Change]:
    """The changes that make element ``index`` of ``section`` hold ``values`` (or add it, when
    ``index`` is None). A field emptied in the form is taken out of the file: not stated. A list the
    file states empty (``exposure: []``: none) stays: the form shows it as it shows a list not
    stated, and sends nothing for either."""
    if index is None:
        return [Change((section,), {k: v for k, v in values.items() if v is not None}, "append")]
    changes: list[Change] = []
    for key, value in values.items():
        before = (current or {}).get(key)
        if value is None and before is not None and before != []:
            changes.append(Change((section, index, key), action="drop"))
        elif value is not None and value != before:
            changes.append(Change((section, index, key), value))
    return changes
