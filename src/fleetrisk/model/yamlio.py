"""Safe YAML reading that remembers where every value came from.

The file is checked in two bounded passes:

1. bytes: a regular file within the size limit (:mod:`fleetrisk.reading`), no NUL bytes,
   UTF-8, line breaks (CR and CRLF read as LF; NEL, LS and PS refused), line length;
2. events from the parser (libyaml when present; iterative, so depth cannot overflow the
   stack), built into plain Python values by our own builder, which rejects non-core tags,
   merge keys, duplicate keys, non-text keys, recursive aliases, extra documents and deep
   nesting, refuses over-long texts and numbers, and caps the expanded document in values and
   in characters (an alias costs what it expands to: aliases may add as much text as the file
   holds, or a million characters), so alias bombs cannot grow.

Plain scalars are read by the rules YAML 1.1 and YAML 1.2 share: null, true/false, decimal
integers and decimal fractions, and dates written YYYY-MM-DD. A plain value the two versions
read differently (``on``, ``yes``, ``1:20``, ``017``, ``0b1010``, ``1_000``, ``1e3``,
``2024-01-01T10:00:00``...) is an error with a hint, so that a file reads the same to every
tool; a peer tool's file (``peer=True``) keeps such a value as the text written. A tag must
fit its value (``!!int abc`` is an error, never a traceback).

The result is the data plus a map from YAML path (a tuple of keys and indices) to
(line, column), used to point every later error at the right place.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from fleetrisk.errors import Location, ModelSyntaxError
from fleetrisk.reading import read_regular

#: Largest file read, in bytes. The generated 100,000-component model is 30.9 MB.
MAX_BYTES = 40 * 1024 * 1024
#: Longest line, in characters.
MAX_LINE = 100_000
#: Deepest nesting of mappings and sequences.
MAX_DEPTH = 64
#: Most values (keys, scalars and collections) in the document with every alias expanded.
#: A model as dense as the generated ones (one value per 7.7 bytes; 4.0 million values at
#: 100,000 components) meets the byte limit first; reading costs about 250 bytes of memory
#: a value, so this also bounds memory (about 1.5 GB).
MAX_NODES = 6_000_000
#: Most characters of keys and texts in the document with every alias expanded: the file's
#: own characters plus as many again (at least :data:`MIN_ALIAS_TEXT`), never more than
#: MAX_TEXT. A file without aliases never reaches it (its texts are shorter than the file);
#: an alias costs the characters it expands to, so a small file cannot grow into a large one.
MAX_TEXT = MAX_BYTES
MIN_ALIAS_TEXT = 1_000_000
#: Most aliases (``*name``) in one document.
MAX_ALIASES = 10_000
#: Longest single key or text, in characters (the model's descriptions stop at 4,000).
MAX_SCALAR = 10_000
#: The same for a peer tool's file (it is imported, where long texts are shortened).
MAX_PEER_SCALAR = 100_000
#: Longest number, in characters (Python reads integers of up to 4,300 digits).
MAX_NUMBER = 100

YamlPath = tuple[str | int, ...]

_CORE_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}
_YAML_TAG = "tag:yaml.org,2002:"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


@dataclass
class Document:
    """Parsed YAML data with the position of every node."""

    file: str
    data: Any
    positions: dict[YamlPath, tuple[int, int]] = field(default_factory=dict)
    _located: dict[YamlPath, Location] = field(default_factory=dict, repr=False, compare=False)

    def locate(self, path: YamlPath) -> Location:
        """Location of ``path``, or of its deepest ancestor that exists."""
        key = tuple(path)
        found = self._located.get(key)
        if found is None:
            found = self._located[key] = self._find(key)
        return found

    def line(self, path: YamlPath) -> int | None:
        """Line of ``path``, or of its deepest ancestor that exists (None: no positions known)."""
        if not self.positions:
            return None
        probe = tuple(path)
        while probe and probe not in self.positions:
            probe = probe[:-1]
        return self.positions.get(probe, (1, 1))[0]

    def _find(self, path: YamlPath) -> Location:
        probe = path
        while probe and probe not in self.positions:
            probe = probe[:-1]
        line, column = self.positions.get(probe, (1, 1))
        return Location(self.file, line, column, format_path(path))


def format_path(path: YamlPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


def _fail(file: str, message: str, line: int = 1, column: int = 1, hint: str | None = None) -> ModelSyntaxError:
    return ModelSyntaxError(message, location=Location(file, line, column), hint=hint)


def read_text(path: Path) -> str:
    """Read a regular file within the byte, encoding, line-break and line-length limits."""
    return decode(read_regular(path, MAX_BYTES, hint="split the model or remove embedded data"), str(path))


#: Line breaks of YAML 1.1 that YAML 1.2 reads as text, and most editors too.
_ODD_BREAKS = re.compile("[\x85\u2028\u2029]")


def decode(raw: bytes, name: str) -> str:
    """Bytes to text under the same limits as :func:`read_text`.

    CR and CRLF line ends become LF (YAML reads them so), so that every line number agrees
    with the parser's.
    """
    if len(raw) > MAX_BYTES:
        raise _fail(name, f"input is {len(raw):,} bytes; the limit is {MAX_BYTES:,}")
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")  # CR is never part of a UTF-8 sequence
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw.count(b"\n", 0, nul) + 1
        column = nul - (raw.rfind(b"\n", 0, nul) + 1) + 1
        raise _fail(name, "binary data (NUL byte) in a text file", line, column,
                    hint="a model is a UTF-8 YAML text file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _fail(name, f"invalid UTF-8 (byte 0x{raw[exc.start]:02x})", line, column,
                    hint="save the file as UTF-8") from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    odd = _ODD_BREAKS.search(text)
    if odd is not None:
        at = odd.start()
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        raise _fail(name, f"line separator U+{ord(odd.group()):04X} in the text", line, column,
                    hint="YAML 1.1 reads it as a line break, YAML 1.2 and most editors as text: "
                         "replace it with a newline or remove it")
    for number, line_text in enumerate(text.split("\n") if len(text) > MAX_LINE else (), start=1):
        if len(line_text) > MAX_LINE:
            raise _fail(name, f"line {number} is {len(line_text):,} characters; the limit is {MAX_LINE:,}",
                        number, MAX_LINE + 1, hint="wrap long text with a YAML block scalar (|)")
    if not text.strip():
        raise _fail(name, "the file is empty", hint="start from 'fleetrisk init' or 'fleetrisk init --example list'")
    return text


def _mark(event: Any) -> tuple[int, int]:
    mark = getattr(event, "start_mark", event)
    if mark is None:
        return (1, 1)
    return (mark.line + 1, mark.column + 1)


def _syntax(exc: yaml.MarkedYAMLError, name: str, text: str) -> ModelSyntaxError:
    mark = exc.problem_mark or exc.context_mark
    line, column = _mark(mark)
    problem = exc.problem or "invalid YAML"
    context = f" {exc.context}" if exc.context else ""
    lines = text.split("\n", line)
    at_tab = len(lines) >= line and "\t" in lines[line - 1][: column + 1]
    tabbed = at_tab or "\t" in problem or "tab" in problem
    hint = "YAML indentation must use spaces, not tabs" if tabbed else (
        "check indentation, colons and quotes around this point"
    )
    return _fail(name, f"YAML syntax error: {problem}{context}".strip(), line, column, hint=hint)


# --- plain and tagged scalars --------------------------------------------------------

_PLAIN_SPECIAL = set("0123456789+-.~nNtTfFyYoO")  # first characters of every plain value that is not text
_SHORT_TAGS = {"!!" + t.rsplit(":", 1)[-1]: t for t in _CORE_TAGS}

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
#: Booleans of YAML 1.1 (its specification lists y and n too); text in YAML 1.2.
_YAML11_BOOLS = {word: True for word in ("y", "Y", "yes", "Yes", "YES", "on", "On", "ON")} | {
    word: False for word in ("n", "N", "no", "No", "NO", "off", "Off", "OFF")}
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+][0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NOT_FINITE = re.compile(r"[-+]?\.(?:inf|Inf|INF)|[-+]?\.(?:nan|NaN|NAN)")
#: What YAML 1.2's core schema reads as numbers.
_CORE_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_CORE_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_TEXT = object()  # a reading that gives text


def _show(value: str) -> str:
    """A value as a message quotes it: its repr, cut short."""
    return repr(value if len(value) <= 40 else value[:40] + "...")


def _number_word(value: Any) -> str:
    return "true" if value is True else "false" if value is False else repr(value) if isinstance(value, float) \
        else str(value)


def _yaml12(value: str) -> Any:
    """What YAML 1.2's core schema makes of a plain value that is not null or true/false."""
    if _CORE_INT.fullmatch(value):
        if value.startswith(("0o", "0x")):
            return int(value[2:], 8 if value[1] == "o" else 16)
        return int(value)
    if _CORE_FLOAT.fullmatch(value):
        return float(value)
    return _TEXT


_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = SafeConstructor()


def _yaml11(value: str) -> Any:
    """What a YAML 1.1 reader (PyYAML's rules, plus the specification's y and n) makes of a plain value."""
    if value in _YAML11_BOOLS:
        return _YAML11_BOOLS[value]
    tag = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    kind = tag.rsplit(":", 1)[-1]
    if kind == "timestamp":
        return "a time"
    if kind not in ("int", "float"):
        return _TEXT
    try:
        return _CONSTRUCTOR.construct_object(yaml.ScalarNode(tag, value), deep=True)
    except Exception:  # a form PyYAML itself cannot read: still a number to it
        return "a number"


def _ambiguity(value: str) -> tuple[str, str] | None:
    """(message, hint) when YAML 1.1 and YAML 1.2 read ``value`` differently; None when both read text."""
    old, new = _yaml11(value), _yaml12(value)
    if old is _TEXT and new is _TEXT:
        return None
    quoted = f'"{value}"'
    numbers = [r for r in (old, new) if r is not _TEXT and not isinstance(r, str)]
    if len(value) > MAX_NUMBER:
        return (f"a number of {len(value):,} characters; the limit is {MAX_NUMBER}",
                "is it meant as text? Then quote it")
    if len(numbers) == 2 and numbers[0] == numbers[1] and type(numbers[0]) is type(numbers[1]):
        return (f"{_show(value)} is not written as a decimal number",
                f"write {_number_word(old)} for the number, or {quoted} for the text")

    def reading(result: Any, version: str) -> str:
        if result is _TEXT:
            return f"as text in YAML {version}"
        if isinstance(result, str):
            return f"as {result} in YAML {version}"
        return f"as {_number_word(result)} in YAML {version}"

    message = f"{_show(value)} reads {reading(old, '1.1')} and {reading(new, '1.2')}"
    meant = list(dict.fromkeys(_number_word(r) for r in numbers))
    what = "boolean" if isinstance(old, bool) else "number"
    if len(meant) == 1:
        hint = f"write {meant[0]} for the {what}, or {quoted} for the text"
    elif meant:
        hint = f"write {' or '.join(meant)}, whichever is meant, or {quoted} for the text"
    elif old == "a time":
        hint = f"write {quoted} for the text, or a date alone as YYYY-MM-DD"
    else:
        hint = f"write the number in decimal, or {quoted} for the text"
    return message, hint


class _Refused(Exception):
    """A value that cannot be read: (message, hint)."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def _whole(value: str) -> int:
    if len(value) > MAX_NUMBER:
        raise _Refused(f"a number of {len(value):,} characters; the limit is {MAX_NUMBER}",
                       "is it meant as text? Then quote it")
    return int(value)


def _fraction(value: str) -> float:
    if len(value) > MAX_NUMBER:
        raise _Refused(f"a number of {len(value):,} characters; the limit is {MAX_NUMBER}",
                       "is it meant as text? Then quote it")
    number = float(value)
    if not math.isfinite(number):
        raise _Refused(f"{_show(value)} is too large a number", "write a smaller number, or quote it for text")
    return number


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _Refused(f"{_show(value)} is not a valid date", "write a real date as YYYY-MM-DD, or quote it for text") \
            from None


def read_plain(value: str, peer: bool = False) -> Any:
    """The value of a plain (unquoted, untagged) scalar; raises _Refused.

    ``peer``: a value YAML 1.1 and 1.2 read differently is kept as the text written.
    """
    if value in _NULLS:
        return None
    if value in _BOOLS:
        return _BOOLS[value]
    if _INT.fullmatch(value):
        return _whole(value)
    if _FLOAT.fullmatch(value):
        return _fraction(value)
    if _DATE.fullmatch(value):
        return value if peer and not _is_date(value) else _date(value)
    if _NOT_FINITE.fullmatch(value):
        raise _Refused(f"{_show(value)} is not a finite number", "write a number, or quote it for text")
    if _CORE_FLOAT.fullmatch(value):
        _fraction(value)  # too long or too large a number is refused whatever it is read as
    found = _ambiguity(value)
    if found is None or peer:
        return value
    raise _Refused(*found)


def reads_as_text(value: str) -> bool:
    """Whether ``value``, written plain, reads back as this very text (writers quote it otherwise)."""
    try:
        return bool(read_plain(value) == value)
    except _Refused:
        return False


def _is_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def read_tagged(tag: str, value: str) -> Any:
    """The value of a scalar with a core tag (full form); raises _Refused when they do not fit."""
    short = "!!" + tag.rsplit(":", 1)[-1]
    if tag == "tag:yaml.org,2002:str":
        return value
    if tag == "tag:yaml.org,2002:null" and value in _NULLS:
        return None
    if tag == "tag:yaml.org,2002:bool" and value in _BOOLS:
        return _BOOLS[value]
    if tag == "tag:yaml.org,2002:int" and _INT.fullmatch(value):
        return _whole(value)
    if tag == "tag:yaml.org,2002:float" and (_INT.fullmatch(value) or _FLOAT.fullmatch(value)):
        return _fraction(value)
    if tag == "tag:yaml.org,2002:timestamp" and _DATE.fullmatch(value):
        return _date(value)
    if tag in (_MAP_TAG, _SEQ_TAG):
        raise _Refused(f"a {short} tag on a single value", f"remove the {short} tag")
    wanted = {
        "tag:yaml.org,2002:null": "null, ~ or nothing",
        "tag:yaml.org,2002:bool": "true or false",
        "tag:yaml.org,2002:int": "a whole number in decimal, e.g. 80",
        "tag:yaml.org,2002:float": "a decimal number, e.g. 0.5",
        "tag:yaml.org,2002:timestamp": "a date as YYYY-MM-DD",
    }[tag]
    raise _Refused(f"{_show(value)} is not a valid {short} value", f"write {wanted}, or remove the {short} tag")


# --- the builder -----------------------------------------------------------------------


@dataclass
class _Frame:
    """A collection being built: its value, path, anchor and pending mapping key.

    ``size`` and ``text`` are what the collection costs the budgets: its values and the
    characters of its keys and texts, aliases counted as what they expand to.
    """

    value: Any
    path: YamlPath
    anchor: str | None
    size: int = 1
    text: int = 0
    key: str | None = None
    key_event: Any = None
    merging: bool = False  # the pending key is a merge key ('<<'), when merge keys are allowed
    merged: set[str] | None = None  # keys that came from a merge; an explicit key may replace them


class _Builder:
    """Builds plain values from the event stream in one pass, enforcing our rules.

    It rejects non-core tags, tags that do not fit their value, merge keys (unless ``peer``:
    peer files use them), duplicate and non-text keys, recursive aliases, more than one
    document, too deep nesting, over-long texts and numbers, plain values YAML 1.1 and 1.2
    read differently (``peer`` keeps them as text), and documents whose aliases would expand
    past the value or text budget (alias bombs), and it records every value's position.
    """

    def __init__(self, name: str, peer: bool = False) -> None:
        self.name = name
        self.peer = peer
        self.max_scalar = MAX_PEER_SCALAR if peer else MAX_SCALAR
        self.positions: dict[YamlPath, tuple[int, int]] = {}
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int, int]] = {}
        self.open_anchors: set[str] = set()
        self.budget = MAX_NODES
        self.max_text = MAX_TEXT
        self.aliases = 0
        self.documents = 0
        self.root: Any = None
        self.has_root = False

    def fail(self, event: Any, message: str, hint: str | None = None) -> ModelSyntaxError:
        line, column = _mark(event)
        return _fail(self.name, message, line, column, hint)

    def too_long(self, event: Any, length: int) -> ModelSyntaxError:
        return self.fail(event, f"a text of {length:,} characters; the limit is {self.max_scalar:,}",
                         hint="shorten it; keep long documents elsewhere and name them")

    def run(self, text: str) -> Any:
        handlers = {
            yaml.ScalarEvent: self.on_scalar,
            yaml.SequenceStartEvent: self.on_start,
            yaml.MappingStartEvent: self.on_start,
            yaml.SequenceEndEvent: self.on_end,
            yaml.MappingEndEvent: self.on_end,
            yaml.AliasEvent: self._alias,
            yaml.DocumentStartEvent: self.on_document,
        }
        self.max_text = min(MAX_TEXT, len(text) + max(len(text), MIN_ALIAS_TEXT))
        loader = _Loader(text)
        stack = self.stack
        scalar_event = yaml.ScalarEvent
        mapping_start, sequence_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
        mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
        special = _PLAIN_SPECIAL
        max_scalar = self.max_scalar
        resolved: dict[str, Any] = {}  # plain text -> its value (all immutable), read once each
        try:
            while True:
                event: Any = loader.get_event()
                if event is None:
                    break
                if type(event) is scalar_event and event.tag is None and event.anchor is None and stack:
                    # Fast path for the common case: an untagged scalar inside a collection.
                    parent = stack[-1]
                    self.budget -= 1
                    if self.budget < 0:
                        raise self.fail(event, f"more than {MAX_NODES:,} values in the document")
                    raw = event.value
                    length = len(raw)
                    if length > max_scalar:
                        raise self.too_long(event, length)
                    parent.size += 1
                    parent.text += length
                    container = parent.value
                    if type(container) is dict and parent.key is None:
                        # A key is read as its text, whatever it would resolve to.
                        if raw in container or raw == "<<":
                            self._take_key(parent, event, raw, None)  # a problem, a merge or an override
                            continue
                        parent.key = raw
                        container[raw] = None
                        mark: Any = event.start_mark
                        self.positions[(*parent.path, raw)] = (mark.line + 1, mark.column + 1)
                        continue
                    value: Any = raw
                    if event.implicit[0] and (not raw or raw[0] in special):
                        value = resolved.get(raw, resolved)
                        if value is resolved:  # first time this plain text is seen
                            value = resolved[raw] = self._scalar(event)
                    if type(container) is list:
                        mark = event.start_mark
                        self.positions[(*parent.path, len(container))] = (mark.line + 1, mark.column + 1)
                        container.append(value)
                    elif parent.merging:
                        self._merge(parent, event, value)
                    else:
                        container[parent.key] = value
                        parent.key = None
                    continue
                kind = type(event)
                if (kind is mapping_start or kind is sequence_start) and stack and len(stack) < MAX_DEPTH \
                        and event.anchor is None and event.tag is None:
                    # Fast path: an untagged collection inside a collection (on_start in short).
                    parent = stack[-1]
                    container = parent.value
                    if type(container) is list:
                        path: YamlPath = (*parent.path, len(container))
                    elif parent.key is not None:
                        path = (*parent.path, parent.key)
                    else:
                        self.on_start(event)  # a collection as a mapping key: reported there
                        continue
                    if path not in self.positions:
                        mark = event.start_mark
                        self.positions[path] = (mark.line + 1, mark.column + 1)
                    stack.append(_Frame({} if kind is mapping_start else [], path, None))
                    continue
                if (kind is mapping_end or kind is sequence_end) and len(stack) > 1:
                    frame, parent = stack[-1], stack[-2]
                    if frame.anchor is None and (
                        type(parent.value) is list or (parent.key is not None and not parent.merging)
                    ):
                        # Fast path: a finished collection goes into its parent (on_end in short).
                        stack.pop()
                        self.budget -= 1
                        if self.budget < 0:
                            raise self.fail(event, "the document expands to too many values (alias bomb?)",
                                            hint="avoid nested aliases; write values out")
                        parent.size += frame.size
                        parent.text += frame.text
                        if type(parent.value) is list:
                            parent.value.append(frame.value)
                        else:
                            parent.value[parent.key] = frame.value
                            parent.key = None
                        continue
                handler = handlers.get(kind)
                if handler is not None:
                    handler(event)
        except yaml.MarkedYAMLError as exc:
            raise _syntax(exc, self.name, text) from exc
        except yaml.YAMLError as exc:
            raise _fail(self.name, f"YAML error: {exc}") from exc
        finally:
            loader.dispose()
        if not self.has_root:
            raise _fail(self.name, "the file holds no YAML value", hint="the file has only comments")
        return self.root

    def on_document(self, event: Any) -> None:
        self.documents += 1
        if self.documents > 1:
            raise self.fail(event, "more than one YAML document in the file",
                            hint="keep one model per file; remove the extra '---'")

    def on_scalar(self, event: Any) -> None:
        length = len(event.value)
        if length > self.max_scalar:
            raise self.too_long(event, length)
        stack = self.stack
        if event.tag is None and stack and type(stack[-1].value) is dict and stack[-1].key is None:
            value: Any = event.value  # a key is read as its text, whatever it would resolve to
        else:
            value = self._scalar(event)
        self._add(event, value, 1, length, event.anchor)

    def on_start(self, event: Any) -> None:
        self._check_tag(event)
        if len(self.stack) >= MAX_DEPTH:
            raise self.fail(event, f"nesting deeper than {MAX_DEPTH} levels",
                            hint="a model never needs this depth; check for runaway brackets")
        path = self._child_path(event)
        value: Any = [] if isinstance(event, yaml.SequenceStartEvent) else {}
        self.positions.setdefault(path, _mark(event))
        if event.anchor:
            self.open_anchors.add(event.anchor)
        self.stack.append(_Frame(value, path, event.anchor))

    def on_end(self, event: Any) -> None:
        frame = self.stack.pop()
        if frame.anchor:
            self.open_anchors.discard(frame.anchor)
        self._add(event, frame.value, frame.size, frame.text, frame.anchor, built=frame)

    def _check_tag(self, event: Any) -> None:
        """Refuse a tag that is not a core tag, or a core tag on the wrong kind of node."""
        tag = event.tag
        if tag is None or tag == "!":
            return
        tag = _SHORT_TAGS.get(tag, tag)
        shown = "!!" + tag[len(_YAML_TAG):] if tag.startswith(_YAML_TAG) else tag
        if tag not in _CORE_TAGS:
            raise self.fail(event, f"tag {shown!r} is not allowed",
                            hint="only plain YAML values are accepted; remove the '!' tag")
        if isinstance(event, yaml.MappingStartEvent) and tag != _MAP_TAG:
            raise self.fail(event, f"tag {shown!r} on a mapping", hint="remove the tag")
        if isinstance(event, yaml.SequenceStartEvent) and tag != _SEQ_TAG:
            raise self.fail(event, f"tag {shown!r} on a sequence", hint="remove the tag")

    def _alias(self, event: Any) -> None:
        self.aliases += 1
        if self.aliases > MAX_ALIASES:
            raise self.fail(event, f"more than {MAX_ALIASES:,} aliases",
                            hint="write repeated values out instead of aliasing them")
        if event.anchor in self.open_anchors:
            raise self.fail(event, "recursive alias: a value contains itself")
        if event.anchor not in self.anchors:
            raise self.fail(event, f"alias *{event.anchor} names no anchor")
        value, size, text = self.anchors[event.anchor]
        # Every text so far sits in a collection still open (finished ones added theirs to it).
        if sum(frame.text for frame in self.stack) + text > self.max_text:
            raise self.fail(event, f"the document expands to more than {self.max_text:,} characters of text "
                            "(alias bomb?)", hint="aliases may add as much text as the file holds, or "
                            f"{MIN_ALIAS_TEXT:,} characters; write values out instead of aliasing long ones")
        self._add(event, value, size, text, None)

    def _scalar(self, event: Any) -> Any:
        """The value of a scalar: text, or what its plain form or its core tag says."""
        try:
            tag = event.tag
            if tag is not None and tag != "!":
                self._check_tag(event)
                return read_tagged(_SHORT_TAGS.get(tag, tag), event.value)
            if tag == "!" or not event.implicit[0]:
                return event.value
            return read_plain(event.value, self.peer)
        except _Refused as exc:
            raise self.fail(event, exc.message, exc.hint) from None

    def _child_path(self, event: Any) -> YamlPath:
        if not self.stack:
            return ()
        parent = self.stack[-1]
        if isinstance(parent.value, list):
            return (*parent.path, len(parent.value))
        if parent.key is None:
            raise self.fail(event, "mapping keys must be plain text")
        return (*parent.path, parent.key)

    def _add(self, event: Any, value: Any, size: int, text: int, anchor: str | None,
             built: _Frame | None = None) -> None:
        self.budget -= 1 if built is not None else size  # a collection's children are counted already
        if self.budget < 0:
            raise self.fail(event, "the document expands to too many values (alias bomb?)",
                            hint="avoid nested aliases; write values out")
        if anchor:
            self.anchors[anchor] = (value, size, text)
        if not self.stack:
            self.root, self.has_root = value, True
            self.positions.setdefault((), _mark(event))
            return
        parent = self.stack[-1]
        parent.size += size
        parent.text += text
        if isinstance(parent.value, list):
            if built is None:
                self.positions.setdefault((*parent.path, len(parent.value)), _mark(event))
            parent.value.append(value)
            return
        if parent.key is None:
            self._take_key(parent, event, value, built)
            return
        if parent.merging:
            self._merge(parent, event, value)
            return
        parent.value[parent.key] = value  # its position is the key's, recorded in _take_key
        parent.key = None

    def _take_key(self, parent: _Frame, event: Any, key: Any, built: _Frame | None) -> None:
        if built is not None or isinstance(key, list | dict) or not isinstance(event, yaml.ScalarEvent):
            raise self.fail(event, "mapping keys must be plain text")
        if key == "<<" and event.implicit[0]:
            if not self.peer:
                raise self.fail(event, "merge keys ('<<') are not supported",
                                hint="write the keys out; models must read the same to every tool")
            if parent.merged is not None:
                raise self.fail(event, "a second merge key ('<<') in one mapping",
                                hint="merge several mappings with one key: <<: [*a, *b]")
            parent.key, parent.merging, parent.merged = key, True, set()
            self.positions[(*parent.path, key)] = _mark(event)
            return
        if not isinstance(key, str):
            key = str(event.value)
        if key in parent.value and parent.merged is not None and key in parent.merged:
            parent.merged.discard(key)  # an explicit key replaces a merged one
        elif key in parent.value:
            first = self.positions.get((*parent.path, key), (0, 0))[0]
            raise self.fail(event, f"duplicate key {key!r} (first at line {first})",
                            hint="each key may appear once in a mapping; merge the two entries")
        parent.key = key
        parent.value[key] = None  # reserve, so duplicates are caught even before the value
        self.positions[(*parent.path, key)] = _mark(event)

    def _merge(self, parent: _Frame, event: Any, value: Any) -> None:
        """Merge a mapping (or a list of them, earlier ones first) into ``parent``'s mapping.

        Keys the mapping states itself, before or after the merge key, win over merged ones.
        """
        sources = value if isinstance(value, list) else [value]
        if not sources or not all(isinstance(source, dict) for source in sources):
            raise self.fail(event, "a merge key ('<<') needs a mapping or a list of mappings")
        where = self.positions[(*parent.path, "<<")]
        container, merged = parent.value, parent.merged
        assert merged is not None
        for source in sources:
            for key, item in source.items():
                if key not in container:
                    container[key] = item
                    merged.add(key)
                    self.positions[(*parent.path, key)] = where
        parent.key, parent.merging = None, False


_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse(text: str, name: str, *, peer: bool = False) -> Document:
    """Parse YAML text under all limits; raise ModelSyntaxError with a location on failure.

    ``peer`` reads a peer tool's file (Threagile): it accepts YAML merge keys (``<<: *base``),
    keeps a plain value that YAML 1.1 and 1.2 read differently (``yes``, ``017``) as the text
    written, for the importer to judge, and allows texts up to :data:`MAX_PEER_SCALAR`.
    fleetrisk's own files do none of this, so that they read the same to every tool.
    """
    builder = _Builder(name, peer)
    data = builder.run(text)
    return Document(name, data, builder.positions)


def load_path(path: Path, *, peer: bool = False) -> Document:
    """Read and parse a YAML file."""
    return parse(read_text(path), str(path), peer=peer)


def iter_paths(data: Any, prefix: YamlPath = ()) -> Iterator[YamlPath]:
    """Every path in a plain value tree (used by tests)."""
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from iter_paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from iter_paths(value, (*prefix, i))
