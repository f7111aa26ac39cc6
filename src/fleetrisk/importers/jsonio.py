"""Reading peer JSON files within limits, with positions for errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fleetrisk.errors import InputError, Location
from fleetrisk.reading import json_value, read_regular, text_of

#: pytm writes every finding's full text into its JSON: 3,000 elements give about 190 MB.
MAX_JSON_BYTES = 1024 * 1024 * 1024


def read_json(path: Path, what: str) -> tuple[Any, str]:
    """Parse the JSON file at ``path``; return the data and the text (to locate values later)."""
    name = str(path)
    raw = read_regular(path, MAX_JSON_BYTES, f"{what} file")
    text = text_of(raw, name, hint=f"a {what} file is UTF-8 JSON")
    del raw
    return json_value(text, name, hint=f"expected {what}"), text


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
