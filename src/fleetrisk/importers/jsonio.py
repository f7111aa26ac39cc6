"""Reading peer JSON files within limits, with positions for errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fleetrisk.errors import InputError, Location

#: pytm writes every finding's full text into its JSON: 3,000 elements give about 190 MB.
MAX_JSON_BYTES = 1024 * 1024 * 1024


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def read_json(path: Path, what: str) -> tuple[Any, str]:
    """Parse the JSON file at ``path``; return the data and the text (to locate values later)."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_JSON_BYTES:
            raise InputError(f"file is {size:,} bytes; the limit is {MAX_JSON_BYTES:,}",
                             location=Location(name), hint=f"is this really a {what} file?")
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", location=Location(name),
                         hint="check the path") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(f"invalid UTF-8 (byte 0x{raw[exc.start]:02x})", location=Location(name, line, column),
                         hint=f"a {what} file is UTF-8 JSON") from exc
    del raw
    if not text.strip():
        raise InputError("the file is empty", location=Location(name), hint=f"expected {what}")
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", location=Location(name, exc.lineno, exc.colno),
                         hint=f"expected {what}") from exc
    except ValueError as exc:
        raise InputError(f"not valid JSON: {exc}", location=Location(name), hint=f"expected {what}") from exc
    except RecursionError as exc:
        raise InputError("JSON nested too deeply to read", location=Location(name),
                         hint=f"expected {what}") from exc
    return data, text


def locate(file: str, text: str, value: str, path: str) -> Location:
    """Location of the first place ``value`` appears as a JSON string in ``text``, with ``path``."""
    needle = json.dumps(value, ensure_ascii=False)
    at = text.find(needle) if value else -1
    if at < 0:
        return Location(file, path=path)
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    return Location(file, line, column, path)


def expect(value: Any, kind: type, location: Location, what: str) -> Any:
    """``value`` if it is a ``kind`` (dict or list), else a clear error."""
    if not isinstance(value, kind):
        want = "an object" if kind is dict else "a list"
        got = "null" if value is None else type(value).__name__
        raise InputError(f"{what} must be {want}, got {got}", location=location)
    return value
