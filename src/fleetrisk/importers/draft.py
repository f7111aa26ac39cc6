"""The model an importer builds, with its notes: what was mapped, guessed or left to fill in.

A :class:`Draft` holds plain values in model-file order. Guesses and to-do items are
:class:`Note` objects (a message key plus arguments) so that the writer can put them into the
YAML as comments, and the report can list them, in English or Japanese.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from fleetrisk.errors import InputError, Location

#: Sections of the model file that importers fill, in file order.
SECTIONS = ("zones", "fleets", "components", "keys", "data", "flows", "accounts")
#: Top-level parts of the model that only a fleetrisk export carries (OTM project attributes).
EXTRA = ("practices", "controls", "tracking", "loss")
#: In ``Entry.stated``: every fact of the element came from the source (a fleetrisk export).
ALL_STATED = "*"

_ID_MAX = 60
_UNSAFE = re.compile(r"[^a-z0-9_.-]+")
_MODEL_ID = re.compile(r"[a-z0-9][a-z0-9_.-]{0,79}")
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z][^<>]{0,40}>")


@dataclass(frozen=True)
class Note:
    """A message for the report or a YAML comment: a key in messages.py and its arguments."""

    key: str
    args: tuple[tuple[str, str], ...] = ()

    @staticmethod
    def of(key: str, **args: object) -> Note:
        return Note(key, tuple((name, str(value)) for name, value in args.items()))


@dataclass
class Entry:
    """One element of the model being built."""

    data: dict[str, Any]
    notes: dict[str, list[Note]] = field(default_factory=dict)  # field ('' = element) -> guesses
    todo: list[Note] = field(default_factory=list)  # shown as comments under the element
    stated: set[str] = field(default_factory=set)  # fields the source states outright (not placeholders)

    @property
    def id(self) -> str:
        return str(self.data.get("id", ""))


@dataclass
class Report:
    """What the import did, in five lists."""

    mapped: list[Note] = field(default_factory=list)
    guessed: list[Note] = field(default_factory=list)
    fill_in: list[Note] = field(default_factory=list)
    ignored: list[Note] = field(default_factory=list)
    facts: list[Note] = field(default_factory=list)


@dataclass
class Draft:
    """A fleetrisk model under construction, from one source file."""

    tool: str
    file: str
    service: Entry = field(default_factory=lambda: Entry({}))
    sections: dict[str, list[Entry]] = field(default_factory=lambda: {name: [] for name in SECTIONS})
    report: Report = field(default_factory=Report)
    extra: dict[str, Any] = field(default_factory=dict)  # EXTRA parts, as the model file writes them
    local_flows: set[str] = field(default_factory=set)  # flows drawn to a part inside the devices
    _ids: set[str] = field(default_factory=set)

    def new_id(self, name: str, fallback: str) -> str:
        """A model id from a peer name: slugified, at most 60 characters, unique in the model."""
        base = slugify(name) or fallback
        candidate, number = base, 1
        while candidate in self._ids:
            number += 1
            candidate = f"{base[: _ID_MAX - len(str(number)) - 1]}-{number}"
        self._ids.add(candidate)
        return candidate

    def claim_id(self, wanted: str) -> bool:
        """Take ``wanted`` as it is (an id from a fleetrisk export); False when it is not free or not an id."""
        if not _MODEL_ID.fullmatch(wanted) or wanted in self._ids:
            return False
        self._ids.add(wanted)
        return True

    def add(self, section: str, data: dict[str, Any]) -> Entry:
        entry = Entry(data)
        self.sections[section].append(entry)
        return entry

    def mapped(self, key: str, **args: object) -> None:
        self.report.mapped.append(Note.of(key, **args))

    def guess(self, entry: Entry, where: str, key: str, **args: object) -> None:
        """Record a guess on ``entry`` (field ``where``, or '' for the whole element)."""
        note = Note.of(key, **args)
        entry.notes.setdefault(where, []).append(note)
        self.report.guessed.append(Note.of("on_element", element=entry.id or "service", note_key=key, **args))

    def fill_in(self, entry: Entry | None, key: str, **args: object) -> None:
        """Something the IoT analysis needs that no peer format states."""
        note = Note.of(key, **args)
        (entry or self.service).todo.append(note)  # service-wide items go under 'service:'
        self.report.fill_in.append(Note.of("on_element", element=entry.id if entry else "service",
                                           note_key=key, **args))

    def forget(self, element_id: str) -> None:
        """Drop the report's mapped and guessed lines about an element left out after all."""
        report = self.report
        report.mapped = [n for n in report.mapped if dict(n.args).get("id") != element_id]
        report.guessed = [n for n in report.guessed if dict(n.args).get("element") != element_id]

    def ignored(self, key: str, **args: object) -> None:
        self.report.ignored.append(Note.of(key, **args))

    def fact(self, key: str, **args: object) -> None:
        self.report.facts.append(Note.of(key, **args))

    def count(self, section: str) -> int:
        return len(self.sections[section])


def slugify(name: str) -> str:
    """Lower-case ASCII id text: letters, digits, '-', '_' and '.'; starts with a letter or digit."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    slug = _UNSAFE.sub("-", ascii_text).strip("-_.")
    slug = re.sub(r"-{2,}", "-", slug)
    return slug[:_ID_MAX].rstrip("-_.")


# --- reading values safely -------------------------------------------------------------

NAME_LIMIT = 1000
TEXT_LIMIT = 4000
#: Characters a YAML stream may not hold, even in a comment.
NON_PRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


def text(value: Any, location: Location, what: str, limit: int = NAME_LIMIT) -> str:
    """A text value from the source, checked: a string, within ``limit``, printable."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(f"{what} must be text, got {type(value).__name__}", location=location)
    if len(value) > limit:
        raise InputError(f"{what} is {len(value):,} characters long; the limit is {limit:,}",
                         location=location, hint="shorten it in the source model")
    return NON_PRINTABLE.sub("", value).strip()


def one_line(value: str) -> str:
    """Collapse whitespace (names in the source may hold line breaks)."""
    return " ".join(value.split())


def without_markup(value: str) -> str:
    """A name with drawing markup (``<br/>``, ``<b>``) taken out, as the reader sees it."""
    return one_line(_MARKUP.sub(" ", value))


def flag(value: Any) -> bool | None:
    """A yes/no value, or None when the source does not say."""
    return value if isinstance(value, bool) else None
