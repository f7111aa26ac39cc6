"""``fleetrisk explain FIELD``: what a field of the model means, in English or Japanese.

The texts are the model's field texts (``fleetrisk/model/fields.yaml``); the type, the place in
the file and the catalog rules that test the field come from the model classes and the catalog.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from typing import Annotated

import typer
from pydantic import BaseModel
from rich.text import Text

from fleetrisk.catalog.conditions import AllOf, AnyOf, Condition, FieldTest, NotOf, Related
from fleetrisk.catalog.loader import load_catalog
from fleetrisk.cli._common import Lang, add_command, guard, out
from fleetrisk.errors import UsageError
from fleetrisk.model.fielddocs import (
    Place,
    closed_lists,
    ending_with,
    flow,
    lookup,
    meanings,
    places,
    presence_phrase,
    suggest,
    type_phrase,
    word,
)
from fleetrisk.model.queries import ELEMENT_CLASSES, relation_target


def explain(
    field: Annotated[str, typer.Argument(
        metavar="FIELD", help="A field of the model: its name (exposure) or its path (components.exposure, "
        "accepts.from, fleets[0].identity.kind).")],
    lang: Annotated[Lang, typer.Option(help="Language of the explanation.", case_sensitive=False)] = Lang.en,
) -> None:
    """Explain a field of the model: what it means, its values, an example and where it goes."""

    def run() -> None:
        found = lookup(field)
        if not found:
            close = suggest(field)
            hint = (f"did you mean {' or '.join(close)}?" if close
                    else "the sections are " + ", ".join(p.key for p in places() if not p.above))
            raise UsageError(f"the model has no field {field!r}", hint=hint)
        meant = list(dict.fromkeys((p.owner, p.name) for p in found))
        if len(meant) > 1:
            firsts = {(p.owner, p.name): p for p in reversed(found)}
            width = max(len(firsts[m].dotted) for m in meant)
            lines = [f"  {firsts[m].dotted:<{width}}  {_first_sentence(firsts[m].doc.text(lang.value))}"
                     for m in meant]
            raise UsageError(f"{field!r} is a field in {len(meant)} places; name one by its path:\n"
                             + "\n".join(lines), hint=f"fleetrisk explain {firsts[meant[0]].dotted}")
        text = _render(found, lang.value)
        elsewhere = [p.dotted for p in ending_with(field) if (p.owner, p.name) not in meant]
        if elsewhere:  # `controls` is a section of its own, and a field of most elements too
            text.append(f"\n{word('places', lang.value)}", style="bold")
            text.append(": " + ("、" if lang is Lang.ja else ", ").join(elsewhere))
        out.print(text, soft_wrap=True)

    guard(run)


def _first_sentence(text: str) -> str:
    match = re.match(r"(.+?(?:。|\.(?=\s|$)))", text)
    return match.group(1) if match else text


def _render(found: list[Place], lang: str) -> Text:
    """The explanation as plain lines (the terminal wraps them; nothing is cut or padded)."""
    place = found[0]
    text = Text()
    text.append(place.dotted, style="bold")
    text.append(f"\n{place.doc.text(lang)}\n\n")

    def label(name: str) -> None:
        text.append(word(name, lang), style="bold")

    def line(name: str, value: str) -> None:
        label(name)
        text.append(f": {value}\n")

    def rows(pairs: list[tuple[str, str]]) -> None:
        width = max((len(key) for key, _ in pairs), default=0)
        for key, value in pairs:
            text.append(f"  {key:<{width}}  {value}\n")

    line("type", type_phrase(place, lang))
    line("presence", presence_phrase(place, lang))
    line("where", ", ".join(p.shown for p in found))
    for role, values in closed_lists(place.shape):
        label(role)
        text.append(":\n")
        rows([(value, meaning.get(lang)) for value, meaning in meanings(values).items()])
    label("example")
    text.append(":\n")
    text.append("".join(f"  {row}\n" for row in _example(place, lang).splitlines()))
    inner = _inner_fields(place)
    if inner:
        label("fields")
        text.append(":\n")
        rows([(child.key, _first_sentence(child.doc.text(lang))) for child in inner])
    rules = sorted({rule for p in found for rule in _rules_testing().get((p.owner, p.name), ())})
    if rules:
        line("rules", ("、" if lang == "ja" else ", ").join(rules))
    text.rstrip()
    return text


def _inner_fields(place: Place) -> list[Place]:
    inner = place.inner
    if inner is None:
        return []
    depth = len(place.above) + 1
    return [p for p in places() if len(p.above) == depth and p.above[:-1] == place.above
            and p.above[-1].key == place.key and p.owner is inner[0]]


def _example(place: Place, lang: str) -> str:
    """The example where it goes in a model file, with the sections above it."""
    lines: list[str] = []
    indent, dash = "", False
    for depth, step in enumerate(place.above):
        lines.append(f"{indent}{'- ' if dash else ''}{step.key}:")
        indent += "    " if dash else "  "
        dash = step.holds == "list"
        if step.holds == "mapping":
            lines.append(f"{indent}{_mapping_key(place, depth)}:")
            indent += "  "
    lines.append(f"{indent}{'- ' if dash else ''}{place.key}: {flow(place.doc.example_in(lang))}")
    return "\n".join(lines)


def _mapping_key(place: Place, depth: int) -> str:
    """A key for the mapping at ``place.above[depth]``: the first key of that field's own example."""
    holder = next(p for p in places() if p.above == place.above[:depth] and p.key == place.above[depth].key)
    example = holder.doc.example
    return str(next(iter(example))) if isinstance(example, dict) and example else "<key>"


@functools.cache
def _rules_testing() -> dict[tuple[type[BaseModel], str], list[str]]:
    """(model class, Python field name) -> ids of the catalog scenarios whose conditions test it."""
    found: dict[tuple[type[BaseModel], str], set[str]] = defaultdict(set)
    for scenario in load_catalog().scenarios:
        for owner, name in _tested(scenario.applies, scenario.spec.target):
            found[(owner, name)].add(scenario.id)
    return {key: sorted(ids) for key, ids in found.items()}


def _tested(condition: Condition, element_type: str) -> set[tuple[type[BaseModel], str]]:
    """The fields a condition tests on elements of ``element_type`` and on the elements it walks to."""
    if isinstance(condition, FieldTest):
        owner: type[BaseModel] = ELEMENT_CLASSES[element_type]
        parts = condition.path.split(".")
        for part in parts[:-1]:
            inner = next(p for p in places() if p.owner is owner and p.name == part).inner
            assert inner is not None
            owner = inner[0]
        return {(owner, parts[-1])}
    if isinstance(condition, AllOf | AnyOf):
        return set().union(*(_tested(child, element_type) for child in condition.children))
    if isinstance(condition, NotOf):
        return _tested(condition.child, element_type)
    if isinstance(condition, Related) and condition.where is not None:
        target = relation_target(condition.relation, element_type)
        return _tested(condition.where, target) if target is not None else set()
    return set()


def register(app: typer.Typer) -> None:
    add_command(app, explain)
