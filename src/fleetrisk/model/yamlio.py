"""Safe YAML reading that remembers where every value came from.

The file is checked in three passes, each bounded:

1. bytes: size limit, NUL bytes, UTF-8, line length;
2. events (PyYAML's iterative parser): nesting depth, number of nodes and aliases;
3. nodes (composed with the safe resolver), converted to plain Python values by our own
   walker, which rejects non-core tags, merge keys, duplicate keys, non-string keys and
   recursive aliases, and caps the expanded size so alias bombs cannot grow.

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
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from fleetrisk.errors import Location, ModelSyntaxError

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

    def locate(self, path: YamlPath) -> Location:
        """Location of ``path``, or of its deepest ancestor that exists."""
        probe = tuple(path)
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
        raise _fail(name, f"cannot read file: {exc.strerror or exc}", hint="check the path") from exc
    if size > MAX_BYTES:
        raise _fail(
            name,
            f"file is {size:,} bytes; the limit is {MAX_BYTES:,}",
            hint="split the model or remove embedded data",
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _fail(name, f"cannot read file: {exc.strerror or exc}") from exc
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
        raise _fail(name, "the file is empty", hint="start from 'fleetrisk init' or an example in examples/")
    return text


def _mark(node_or_mark: Any) -> tuple[int, int]:
    mark = getattr(node_or_mark, "start_mark", node_or_mark)
    if mark is None:
        return (1, 1)
    return (mark.line + 1, mark.column + 1)


def _check_events(text: str, name: str) -> None:
    depth = 0
    nodes = 0
    aliases = 0
    documents = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    line, column = _mark(event)
                    raise _fail(name, "more than one YAML document in the file", line, column,
                                hint="keep one model per file; remove the extra '---'")
            elif isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                nodes += 1
                if depth > MAX_DEPTH:
                    line, column = _mark(event)
                    raise _fail(name, f"nesting deeper than {MAX_DEPTH} levels", line, column,
                                hint="a model never needs this depth; check for runaway brackets")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            elif isinstance(event, yaml.ScalarEvent):
                nodes += 1
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    line, column = _mark(event)
                    raise _fail(name, f"more than {MAX_ALIASES} aliases", line, column,
                                hint="write repeated values out instead of aliasing them")
            if nodes > MAX_NODES:
                line, column = _mark(event)
                raise _fail(name, f"more than {MAX_NODES:,} values", line, column)
    except yaml.MarkedYAMLError as exc:
        raise _syntax(exc, name) from exc
    except yaml.YAMLError as exc:
        raise _fail(name, f"YAML error: {exc}") from exc


def _syntax(exc: yaml.MarkedYAMLError, name: str) -> ModelSyntaxError:
    mark = exc.problem_mark or exc.context_mark
    line, column = _mark(mark)
    problem = exc.problem or "invalid YAML"
    context = f" {exc.context}" if exc.context else ""
    tabbed = "\t" in problem or "\\t" in problem or "tab" in problem
    hint = "YAML indentation must use spaces, not tabs" if tabbed else (
        "check indentation, colons and quotes around this point"
    )
    return _fail(name, f"YAML syntax error: {problem}{context}".strip(), line, column, hint=hint)


class _Walker:
    """Turns composed nodes into plain values, enforcing our rules."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.positions: dict[YamlPath, tuple[int, int]] = {}
        self.budget = MAX_NODES
        self.active: set[int] = set()
        self.scalars = SafeConstructor()

    def fail(self, node: Node, message: str, hint: str | None = None) -> ModelSyntaxError:
        line, column = _mark(node)
        return _fail(self.name, message, line, column, hint)

    def walk(self, node: Node, path: YamlPath) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise self.fail(node, "the document expands to too many values (alias bomb?)",
                            hint="avoid nested aliases; write values out")
        self.positions.setdefault(path, _mark(node))
        if node.tag not in _CORE_TAGS:
            raise self.fail(node, f"tag {node.tag!r} is not allowed",
                            hint="only plain YAML values are accepted; remove the '!' tag")
        if id(node) in self.active:
            raise self.fail(node, "recursive alias: a value contains itself")
        if isinstance(node, ScalarNode):
            return self._scalar(node)
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return [self.walk(item, (*path, i)) for i, item in enumerate(node.value)]
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
        finally:
            self.active.discard(id(node))
        raise self.fail(node, "unsupported YAML node")

    def _scalar(self, node: ScalarNode) -> Any:
        try:
            value = self.scalars.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            raise self.fail(node, f"cannot read value {node.value[:40]!r}: {exc}") from exc
        if isinstance(value, dt.datetime):
            value = value.date() if value.time() == dt.time() and value.tzinfo is None else value
        if isinstance(value, float) and math.isnan(value):
            raise self.fail(node, "NaN is not a valid value")
        return value

    def _mapping(self, node: MappingNode, path: YamlPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise self.fail(key_node, "merge keys ('<<') are not supported",
                                hint="write the keys out; models must read the same to every tool")
            if not isinstance(key_node, ScalarNode) or key_node.tag not in _CORE_TAGS:
                raise self.fail(key_node, "mapping keys must be plain text")
            key = self._scalar(key_node)
            if not isinstance(key, str):
                key = str(key_node.value)
            if key in result:
                first = self.positions.get((*path, key), (0, 0))[0]
                raise self.fail(key_node, f"duplicate key {key!r} (first at line {first})",
                                hint="each key may appear once in a mapping; merge the two entries")
            self.positions[(*path, key)] = _mark(key_node)
            result[key] = self.walk(value_node, (*path, key))
            self.positions[(*path, key)] = _mark(key_node)
        return result


def parse(text: str, name: str) -> Document:
    """Parse YAML text under all limits; raise ModelSyntaxError with a location on failure."""
    _check_events(text, name)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise _syntax(exc, name) from exc
    except (yaml.YAMLError, RecursionError) as exc:
        raise _fail(name, f"YAML error: {exc}") from exc
    if node is None:
        raise _fail(name, "the file holds no YAML value", hint="the file has only comments")
    walker = _Walker(name)
    data = walker.walk(node, ())
    return Document(name, data, walker.positions)


def load_path(path: Path) -> Document:
    """Read and parse a YAML file."""
    return parse(read_text(path), str(path))


def iter_paths(data: Any, prefix: YamlPath = ()) -> Iterator[YamlPath]:
    """Every path in a plain value tree (used by tests)."""
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from iter_paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from iter_paths(value, (*prefix, i))
