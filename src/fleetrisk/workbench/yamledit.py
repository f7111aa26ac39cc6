"""Edits to a model file that keep everything the author wrote: comments, order, quoting, layout.

An edit is a list of :class:`Change` (set a field, drop a field, append to a list). It is applied
to a round-trip tree (ruamel.yaml), and the result is merged back into the original text three
ways: the round-trip writer's rendering of the file before the edit is the base, the author's
text is one side and the rendering after the edit the other. Lines the writer would lay out
differently (a folded flow mapping, a different list indent) keep the author's text unless the
edit itself touches them; only then does that block take the writer's layout.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from fleetrisk.model.yamlio import reads_as_text

Step = str | int
Scalar = str | int | float | bool | dt.date | None
Value = Scalar | list[Any] | dict[str, Any]

#: Layouts tried when reading a file's indentation: (mapping, sequence, offset).
_LAYOUTS = ((2, 4, 2), (2, 2, 0), (4, 4, 0), (4, 6, 2), (2, 3, 1), (4, 4, 2))


class EditError(Exception):
    """The edit cannot be made to this file (a path that is not there, a value of the wrong kind)."""


@dataclass(frozen=True)
class Change:
    """One change: ``set`` a field (making the mappings on the way), ``drop`` it, or ``append``
    an item to a list (making the list)."""

    path: tuple[Step, ...]
    value: Value = None
    action: Literal["set", "drop", "append"] = "set"


_PATH = re.compile(r"[A-Za-z_][\w-]*(?:\[\d{1,9}\]|\.[A-Za-z_][\w-]*)*")
_STEP = re.compile(r"([A-Za-z_][\w-]*)|\[(\d+)\]")


def parse_path(text: str) -> tuple[Step, ...]:
    """``fleets[0].accepts[1].hardware_bound`` -> ("fleets", 0, "accepts", 1, "hardware_bound")."""
    if not _PATH.fullmatch(text):
        raise EditError(f"not a model path: {text!r}")
    return tuple(int(index) if index else key for key, index in _STEP.findall(text))


def _yaml(layout: tuple[int, int, int]) -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=layout[0], sequence=layout[1], offset=layout[2])
    return yaml


def _dump(yaml: YAML, tree: Any) -> str:
    out = io.StringIO()
    yaml.dump(tree, out)
    return out.getvalue()


#: A line that opens a block under a key (``key:`` with nothing after it but a comment); ``lead``
#: is what comes before the key (indentation and the dashes of list items).
_OPENS = re.compile(r"^(?P<lead> *(?:- +)*)[^ #\-][^#]*?: *(?:#.*)?$")
Seen = frozenset[tuple[str, int, int]]


def _indents(text: str) -> Seen:
    """The indentation the author used under keys: ("map", n, 0) for a mapping n columns in, and
    ("seq", offset, sequence) for a list whose dashes are ``offset`` columns in and whose items
    ``sequence`` columns in (the round-trip writer's three layout numbers)."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    seen: set[tuple[str, int, int]] = set()
    for line, below in itertools.pairwise(lines):
        opened = _OPENS.match(line)
        if opened is None:
            continue
        key = len(opened.group("lead"))
        column = len(below) - len(below.lstrip(" "))
        rest = below[column:]
        if rest.startswith("- "):
            item = len(rest) - len(rest[1:].lstrip(" "))
            seen.add(("seq", column - key, column + item - key))
        elif column > key and not rest.startswith("-"):
            seen.add(("map", column - key, 0))
    return frozenset(seen)


def _fits(layout: tuple[int, int, int], seen: Seen) -> bool:
    mapping, sequence, offset = layout
    return all(a == mapping if kind == "map" else (a, b) == (offset, sequence) for kind, a, b in seen)


def _layout(text: str, tree: Any, seen: Seen) -> tuple[tuple[int, int, int], str]:
    """The layout under which the writer changes fewest of the author's lines, and the writer's
    rendering of ``tree`` (read from ``text``) under it. Only the layouts that fit every indentation
    the author used (``seen``) are tried, or all when none fits (a file of mixed layouts): a layout
    that does not fit changes every line of the blocks it lays out otherwise."""
    fitting = [layout for layout in _LAYOUTS if _fits(layout, seen)] or list(_LAYOUTS)
    best: tuple[int, tuple[int, int, int], str] | None = None
    for layout in fitting:
        rendered = _dump(_yaml(layout), tree)
        if rendered == text or len(fitting) == 1:
            return layout, rendered
        ops = difflib.SequenceMatcher(None, text.splitlines(), rendered.splitlines()).get_opcodes()
        changed = sum(i2 - i1 + j2 - j1 for tag, i1, i2, j1, j2 in ops if tag != "equal")
        if best is None or changed < best[0]:
            best = (changed, layout, rendered)
    assert best is not None
    return best[1], best[2]


def _node(value: Value) -> Any:
    """A value as the round-trip writer should write it: text quoted when plain would read otherwise."""
    if isinstance(value, str):
        return value if reads_as_text(value) and "\n" not in value else DoubleQuotedScalarString(value)
    if isinstance(value, list):
        seq = CommentedSeq(_node(v) for v in value)
        if all(not isinstance(v, dict | list) for v in value):
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, dict):
        return CommentedMap((k, _node(v)) for k, v in value.items())
    return value


def _apply(tree: Any, change: Change) -> None:
    *way, last = change.path
    node = tree
    for i, step in enumerate(way):
        nxt = change.path[i + 1]
        if isinstance(node, dict):
            if not isinstance(step, str):
                raise EditError(f"{_shown(change.path)}: a mapping has no item {step}")
            if node.get(step) is None:
                if change.action == "drop":
                    return
                node[step] = CommentedMap() if isinstance(nxt, str) else CommentedSeq()
            node = node[step]
        elif isinstance(node, list):
            if not isinstance(step, int) or not 0 <= step < len(node):
                raise EditError(f"{_shown(change.path)}: no item {step} in that list")
            node = node[step]
        else:
            raise EditError(f"{_shown(change.path)}: {step!r} is inside a value, not a section")
    if isinstance(node, dict) and isinstance(last, str):
        if change.action == "drop":
            node.pop(last, None)
        elif change.action == "append":
            items = node.get(last)
            if items is None:
                node[last] = CommentedSeq([_node(change.value)])
            elif isinstance(items, list):
                items.append(_node(change.value))
            else:
                raise EditError(f"{_shown(change.path)} is not a list")
        else:
            node[last] = _node(change.value)
    elif isinstance(node, list) and isinstance(last, int) and 0 <= last < len(node):
        if change.action == "drop":
            del node[last]
        else:
            node[last] = _node(change.value)
    else:
        raise EditError(f"{_shown(change.path)}: there is no such place in the file")


def _shown(path: Sequence[Step]) -> str:
    return "".join(f"[{s}]" if isinstance(s, int) else ("." if i else "") + s for i, s in enumerate(path))


def edit_text(text: str, changes: Sequence[Change]) -> str:
    """``text`` with ``changes`` made, every line the changes do not touch kept as written.

    When the changes stay inside one top-level section, or one item of its list, only that part
    is read and written again (the round-trip writer's time grows with what it reads); the rest
    of the file is kept as it is, and its indentation still decides the layout."""
    seen = _indents(text)
    lines = text.splitlines(keepends=True)
    part = _part(lines, changes)
    if part is not None:
        start, end, header, local = part
        try:
            edited = _edit(header + "".join(lines[start:end]), local, seen)
        except EditError:
            edited = None  # said again, with the file's own paths, by the edit of the whole file
        if edited is not None and edited.startswith(header):
            return "".join(lines[:start]) + edited[len(header):] + "".join(lines[end:])
    return _edit(text, changes, seen)


def _edit(text: str, changes: Sequence[Change], seen: Seen) -> str:
    try:
        tree = _yaml(_LAYOUTS[0]).load(text)  # the reading is the same under every layout
    except YAMLError as exc:
        raise EditError(f"the file is not YAML the editor can keep: {exc}") from None
    if not isinstance(tree, dict):
        raise EditError("the file's top level is not a mapping")
    layout, before = _layout(text, tree, seen)
    yaml = _yaml(layout)
    for change in changes:
        _apply(tree, change)
    after = _dump(yaml, tree)
    merged = merge(text, before, after)
    return merged if _same(yaml, merged, tree) else after


#: A top-level key of a model file, as the first line of its section.
_TOP = re.compile(r"(?P<key>[A-Za-z_][\w-]*):(?:[ \r\n]|$)")


def _part(lines: list[str], changes: Sequence[Change]) -> tuple[int, int, str, list[Change]] | None:
    """The one part of the file ``changes`` are about, to edit it alone: its lines [start, end),
    the header to read them under, and the changes with their paths in that part. The part is
    one item of a top-level list when every change is inside that item (its paths then name item
    0 under the header ``key:``) or appends to the list (its last item); else the top-level
    section when every change stays in it (no header). None when the changes reach over more
    than one section or replace one whole, or when the top level is not plain ``key:`` lines."""
    names = {change.path[0] for change in changes}
    if len(names) != 1 or any(len(c.path) < 2 and c.action != "append" for c in changes):
        return None
    name = next(iter(names))
    tops: list[int] = []
    start = None
    for i, line in enumerate(lines):
        if line[:1] in ("", " ", "#", "\r", "\n") or (line[:1] == "-" and not line.startswith("---")):
            continue
        found = _TOP.match(line)
        if found is None:
            return None  # a document marker, a directive, a quoted or complex key
        if found.group("key") == name:
            if start is not None:
                return None
            start = i
        tops.append(i)
    if start is None:
        return None
    end = next((i for i in tops if i > start), len(lines))
    items = _list_items(lines, start + 1, end) if _OPENS.match(lines[start].rstrip("\r\n")) else []
    inside = {c.path[1] for c in changes if len(c.path) > 2 and isinstance(c.path[1], int)}
    if items and len(inside) == 1 and len(inside & set(range(len(items)))) == 1 \
            and all(len(c.path) > 2 for c in changes):
        i = inside.pop()
        local = [Change((name, 0, *c.path[2:]), c.value, c.action) for c in changes]
        return items[i], items[i + 1] if i + 1 < len(items) else end, lines[start], local
    if items and all(c.path == (name,) and c.action == "append" for c in changes):
        return items[-1], end, lines[start], list(changes)
    return start, end, "", list(changes)


def _list_items(lines: list[str], start: int, end: int) -> list[int]:
    """Where each item starts when lines [start, end) are a block list; [] when they are not
    (or when a line there is no deeper than the dashes without being an item of its own)."""
    column = None
    items: list[int] = []
    for i in range(start, end):
        line = lines[i]
        text = line.lstrip(" ")
        if not text.strip() or text.startswith("#"):
            continue
        indent = len(line) - len(text)
        if column is None:
            column = indent
        is_item = text[:1] == "-" and text[1:2] in (" ", "\r", "\n", "")
        if indent < column or (indent == column and not is_item):
            return []
        if indent == column:
            items.append(i)
    return items


def _same(round_trip: YAML, text: str, tree: Any) -> bool:
    """Whether ``text`` holds the same data as ``tree`` (the merge never changes meaning).
    ``round_trip`` is ruamel's round-trip reader, which builds no Python objects from tags."""
    try:
        return bool(_plain(round_trip.load(text)) == _plain(tree))
    except YAMLError:
        return False


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


def merge(mine: str, base: str, theirs: str) -> str:
    """Three-way line merge: ``base`` -> ``mine`` keeps the author's layout, ``base`` -> ``theirs``
    brings the edit; where both change the same lines, the edit's lines win."""
    b, m, t = base.splitlines(True), mine.splitlines(True), theirs.splitlines(True)
    ours = difflib.SequenceMatcher(None, b, m, autojunk=False).get_opcodes()
    edit = difflib.SequenceMatcher(None, b, t, autojunk=False).get_opcodes()
    regions: list[list[Any]] = []  # [start, end, touched by mine, touched by theirs] in base lines
    for ops, side in ((ours, 2), (edit, 3)):
        for tag, i1, i2, _, _ in ops:
            if tag != "equal":
                regions.append([i1, i2, side == 2, side == 3])
    regions.sort()
    joined: list[list[Any]] = []
    for region in regions:
        if joined and region[0] <= joined[-1][1]:
            last = joined[-1]
            last[1] = max(last[1], region[1])
            last[2] |= region[2]
            last[3] |= region[3]
        else:
            joined.append(region)
    out: list[str] = []
    pos = 0
    for start, end, by_mine, by_theirs in joined:
        out += b[pos:start]
        if by_theirs and by_mine:
            out += _by_item(b[start:end], m[_at(ours, start):_at(ours, end, last=True)],
                            t[_at(edit, start):_at(edit, end, last=True)])
        elif by_theirs and start == end:  # lines added: above the comments that lead into the next section
            added = t[_at(edit, start):_at(edit, end, last=True)]
            above = _lead_in(b, pos, start, _indent(added))
            out = out[:len(out) - (start - above)] + added + b[above:start]
        elif by_theirs:
            out += t[_at(edit, start):_at(edit, end, last=True)]
        elif by_mine:
            out += m[_at(ours, start):_at(ours, end, last=True)]
        pos = end
    out += b[pos:]
    return "".join(out)


def _indent(lines: list[str]) -> int:
    first = next((line for line in lines if line.strip()), "")
    return len(first) - len(first.lstrip(" "))


def _lead_in(base: list[str], floor: int, at: int, indent: int) -> int:
    """Where lines indented by ``indent`` go when the writer put them at ``at``: above the blank
    lines and the less indented comments just before it, which lead into what follows (the
    round-trip writer keeps such comments with the item above them)."""
    k = at
    while k > floor:
        line = base[k - 1]
        if line.strip() and not (line.lstrip().startswith("#") and _indent([line]) < indent):
            break
        k -= 1
    return k


_ITEM = re.compile(r"^(\s*)- ")


def _items(lines: list[str], indent: int) -> list[list[str]]:
    """``lines`` cut before each list item at ``indent`` (what comes before the first is item 0)."""
    items: list[list[str]] = [[]]
    for line in lines:
        found = _ITEM.match(line)
        if found and len(found.group(1)) == indent:
            items.append([])
        items[-1].append(line)
    return items


def _by_item(base: list[str], mine: list[str], theirs: list[str]) -> list[str]:
    """Lines both sides changed, merged list item by list item: an item the edit leaves alone
    keeps the author's layout. When the items do not line up, the edit's lines are taken."""
    marks = [len(found.group(1)) for line in base if (found := _ITEM.match(line))]
    if not marks:
        return theirs
    indent = min(marks)
    b, m, t = _items(base, indent), _items(mine, indent), _items(theirs, indent)
    if len(b) != len(m):
        return theirs
    out: list[str] = []
    keys = ["".join(item) for item in b], ["".join(item) for item in t]
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, *keys, autojunk=False).get_opcodes():
        for item in (m[i1:i2] if tag == "equal" else t[j1:j2]):
            out += item
    return out


def _at(ops: Sequence[tuple[str, int, int, int, int]], i: int, last: bool = False) -> int:
    """Where base line ``i`` (outside any change of ``ops``) falls on the other side: before
    anything inserted there, or after it (``last``)."""
    for tag, i1, i2, j1, j2 in reversed(ops) if last else ops:
        if tag == "equal" and i1 <= i <= i2:
            return j1 + (i - i1)
        if i == (i2 if last else i1):
            return j2 if last else j1
        if i == (i1 if last else i2):
            return j1 if last else j2
    return ops[-1][4] if ops else i
