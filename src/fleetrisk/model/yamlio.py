"""Safe YAML reading that remembers where every value came from.

The file is checked in two bounded passes:

1. bytes: size limit, NUL bytes, UTF-8, line length;
2. events from the parser (libyaml when present; iterative, so depth cannot overflow the
   stack), built into plain Python values by our own builder, which rejects non-core tags,
   merge keys, duplicate keys, non-text keys, recursive aliases, extra documents and deep
   nesting, and caps the expanded size so alias bombs cannot grow.

The result is the data plus a map from YAML path (a tuple of keys and indices) to
(line, column), used to point every later error at the right place.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from fleetrisk.errors import FileAccessError, Location, ModelSyntaxError

MAX_BYTES = 10 * 1024 * 1024
MAX_LINE = 100_000
MAX_DEPTH = 64
MAX_NODES = 1_000_000
MAX_ALIASES = 10_000

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
    """Read a file within the byte, encoding and line-length limits."""
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FileAccessError.from_os_error(name, exc) from exc
    if size > MAX_BYTES:
        raise _fail(
            name,
            f"file is {size:,} bytes; the limit is {MAX_BYTES:,}",
            hint="split the model or remove embedded data",
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FileAccessError.from_os_error(name, exc) from exc
    return decode(raw, name)


def decode(raw: bytes, name: str) -> str:
    """Bytes to text under the same limits as :func:`read_text`."""
    if len(raw) > MAX_BYTES:
        raise _fail(name, f"input is {len(raw):,} bytes; the limit is {MAX_BYTES:,}")
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
    start = 0
    for number, line_text in enumerate(text.split("\n"), start=1):
        if len(line_text) > MAX_LINE:
            raise _fail(name, f"line {number} is {len(line_text):,} characters; the limit is {MAX_LINE:,}",
                        number, MAX_LINE + 1, hint="wrap long text with a YAML block scalar (|)")
        start += len(line_text) + 1
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


_PLAIN_SPECIAL = set("0123456789+-.~nNtTfFyYoO")
_SHORT_TAGS = {"!!" + t.rsplit(":", 1)[-1]: t for t in _CORE_TAGS}


@dataclass
class _Frame:
    """A collection being built: its value, path, anchor and pending mapping key."""

    value: Any
    path: YamlPath
    anchor: str | None
    size: int = 1
    key: str | None = None
    key_event: Any = None
    merging: bool = False  # the pending key is a merge key ('<<'), when merge keys are allowed
    merged: set[str] | None = None  # keys that came from a merge; an explicit key may replace them


class _Builder:
    """Builds plain values from the event stream in one pass, enforcing our rules.

    It rejects non-core tags, merge keys (unless ``merge_keys``: peer files use them),
    duplicate and non-text keys, recursive aliases, more than one document, too deep nesting,
    and documents whose aliases would expand past the value budget (alias bombs), and it
    records every value's position.
    """

    def __init__(self, name: str, merge_keys: bool = False) -> None:
        self.name = name
        self.merge_keys = merge_keys
        self.positions: dict[YamlPath, tuple[int, int]] = {}
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.budget = MAX_NODES
        self.aliases = 0
        self.documents = 0
        self.root: Any = None
        self.has_root = False
        self.resolver = yaml.resolver.Resolver()
        self.constructor = SafeConstructor()

    def fail(self, event: Any, message: str, hint: str | None = None) -> ModelSyntaxError:
        line, column = _mark(event)
        return _fail(self.name, message, line, column, hint)

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
        loader = _Loader(text)
        stack = self.stack
        scalar_event = yaml.ScalarEvent
        mapping_start, sequence_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
        mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
        special = _PLAIN_SPECIAL
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
                    parent.size += 1
                    container = parent.value
                    raw = event.value
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
        if event.tag is not None:
            self._check_tag(event)
        self._add(event, self._scalar(event), 1, event.anchor)

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
        self._add(event, frame.value, frame.size, frame.anchor, built=frame)

    def _check_tag(self, event: Any) -> None:
        tag = event.tag
        if tag is None or tag == "!":
            return
        tag = _SHORT_TAGS.get(tag, tag)
        if tag not in _CORE_TAGS:
            raise self.fail(event, f"tag {event.tag!r} is not allowed",
                            hint="only plain YAML values are accepted; remove the '!' tag")

    def _alias(self, event: Any) -> None:
        self.aliases += 1
        if self.aliases > MAX_ALIASES:
            raise self.fail(event, f"more than {MAX_ALIASES} aliases",
                            hint="write repeated values out instead of aliasing them")
        if event.anchor in self.open_anchors:
            raise self.fail(event, "recursive alias: a value contains itself")
        if event.anchor not in self.anchors:
            raise self.fail(event, f"alias *{event.anchor} names no anchor")
        value, size = self.anchors[event.anchor]
        self._add(event, value, size, None)

    def _scalar(self, event: Any) -> Any:
        value: str = event.value
        tag = _SHORT_TAGS.get(event.tag, event.tag) if event.tag not in (None, "!") else None
        if tag is None:
            plain = event.implicit[0]
            if not plain or (value and value[0] not in _PLAIN_SPECIAL):
                return value
            tag = self.resolver.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
        if tag == "tag:yaml.org,2002:str":
            return value
        node = yaml.ScalarNode(tag, value, event.start_mark, event.end_mark)
        try:
            result = self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            raise self.fail(event, f"cannot read value {value[:40]!r}: {exc}") from exc
        if isinstance(result, dt.datetime) and result.time() == dt.time() and result.tzinfo is None:
            result = result.date()
        if isinstance(result, float) and math.isnan(result):
            raise self.fail(event, "NaN is not a valid value")
        return result

    def _child_path(self, event: Any) -> YamlPath:
        if not self.stack:
            return ()
        parent = self.stack[-1]
        if isinstance(parent.value, list):
            return (*parent.path, len(parent.value))
        if parent.key is None:
            raise self.fail(event, "mapping keys must be plain text")
        return (*parent.path, parent.key)

    def _add(self, event: Any, value: Any, size: int, anchor: str | None, built: _Frame | None = None) -> None:
        self.budget -= 1 if built is not None else size  # a collection's children are counted already
        if self.budget < 0:
            raise self.fail(event, "the document expands to too many values (alias bomb?)",
                            hint="avoid nested aliases; write values out")
        if anchor:
            self.anchors[anchor] = (value, size)
        if not self.stack:
            self.root, self.has_root = value, True
            self.positions.setdefault((), _mark(event))
            return
        parent = self.stack[-1]
        parent.size += size
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
            if not self.merge_keys:
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


def parse(text: str, name: str, *, merge_keys: bool = False) -> Document:
    """Parse YAML text under all limits; raise ModelSyntaxError with a location on failure.

    ``merge_keys`` accepts YAML merge keys (``<<: *base``), which some peer tools' files use;
    fleetrisk's own files never do, so that they read the same to every tool.
    """
    builder = _Builder(name, merge_keys)
    data = builder.run(text)
    return Document(name, data, builder.positions)


def load_path(path: Path, *, merge_keys: bool = False) -> Document:
    """Read and parse a YAML file."""
    return parse(read_text(path), str(path), merge_keys=merge_keys)


def iter_paths(data: Any, prefix: YamlPath = ()) -> Iterator[YamlPath]:
    """Every path in a plain value tree (used by tests)."""
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from iter_paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from iter_paths(value, (*prefix, i))
