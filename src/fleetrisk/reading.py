"""Reading the files a user names: regular files only, and never more than a limit.

Every input file (model, evidence, scope, secrets, catalog, import source, report to diff)
is read here (JSON ones are parsed here too). A FIFO, a device or a directory is refused before anything is read from it
(``/dev/zero`` would never end, a FIFO would wait for a writer), and the read itself stops one
byte past the limit, so a file that grows after it was measured cannot exceed it either.
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import stat
from pathlib import Path
from typing import Any

from fleetrisk.errors import FileAccessError, InputError, Location

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
_CHUNK = 1 << 20


def not_regular(name: str, mode: int, what: str) -> FileAccessError | None:
    """The error for a path that is not a regular file (None when it is one)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return FileAccessError.from_os_error(name, IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR)), what)
    kind = next((label for test, label in _KINDS if test(mode)), "not a regular file")
    return FileAccessError(f"cannot read the {what}: it is {kind}, not a regular file", location=Location(name),
                           hint=f"fleetrisk reads the {what} from a regular file; save it to one first")


def too_large(name: str, size: int | None, limit: int, what: str, hint: str | None = None) -> FileAccessError:
    """The error for a file over ``limit`` bytes (``size`` None: it grew past the limit while being read)."""
    measure = f"{size:,} bytes" if size is not None else f"more than {limit:,} bytes"
    return FileAccessError(f"the {what} is {measure}; the limit is {limit:,}", location=Location(name),
                           hint=hint or f"is this really a {what}?")


def read_at_most(handle: int, limit: int) -> bytes:
    """Read from the open file ``handle`` until its end or ``limit + 1`` bytes, whichever comes first.

    More than ``limit`` bytes back means the input is over the limit, whatever its size said.
    """
    chunks: list[bytes] = []
    left = limit + 1
    while left > 0:
        chunk = os.read(handle, min(left, _CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_regular(path: Path, limit: int, what: str = "file", hint: str | None = None) -> bytes:
    """The bytes of the regular file at ``path``, if there are at most ``limit`` of them.

    Raises :class:`FileAccessError` (``error[file]``) when the path is missing, unreadable, not
    a regular file or larger than ``limit``; ``hint`` is shown for a file over the limit.
    """
    name = str(path)
    try:
        problem = not_regular(name, os.stat(path).st_mode, what)  # before opening: opening a device can act
        if problem is not None:
            raise problem
        # O_NONBLOCK: should a FIFO replace the file in between, opening it does not wait for a writer.
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
        handle = os.open(path, flags)
    except OSError as exc:
        raise FileAccessError.from_os_error(name, exc, what) from exc
    try:
        info = os.fstat(handle)
        problem = not_regular(name, info.st_mode, what)
        if problem is not None:
            raise problem
        if info.st_size > limit:
            raise too_large(name, info.st_size, limit, what, hint)
        raw = read_at_most(handle, limit)
    except OSError as exc:
        raise FileAccessError.from_os_error(name, exc, what) from exc
    finally:
        os.close(handle)
    if len(raw) > limit:
        raise too_large(name, None, limit, what, hint)
    return raw


#: Longest number a JSON input may hold, in characters (Python reads integers of up to 4,300 digits).
MAX_JSON_NUMBER = 100


def text_of(raw: bytes, name: str, hint: str) -> str:
    """UTF-8 bytes (a BOM allowed) as text; CR and CRLF line ends read as LF so line numbers are right."""
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")  # CR is never part of a UTF-8 sequence
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(f"invalid UTF-8 (byte 0x{raw[exc.start]:02x})", location=Location(name, line, column),
                         hint=hint) from exc


class _LongNumber(ValueError):
    def __init__(self, digits: str) -> None:
        super().__init__(digits)
        self.digits = digits


def _number(digits: str) -> int:
    if len(digits) > MAX_JSON_NUMBER:
        raise _LongNumber(digits)
    return int(digits)


def _long_float(digits: str) -> float:
    if len(digits) > MAX_JSON_NUMBER:
        raise _LongNumber(digits)
    number = float(digits)
    if not math.isfinite(number):
        raise ValueError(f"{digits[:40]} is too large a number")
    return number


def _constant(word: str) -> Any:
    raise ValueError(f"{word} is not a JSON number")


def json_value(text: str, name: str, hint: str) -> Any:
    """Parse JSON text; every failure is an :class:`InputError` naming the file (and the line when known).

    NaN and Infinity are refused (they are not JSON), and so are numbers over
    :data:`MAX_JSON_NUMBER` characters or too large for a float.
    """
    if not text.strip():
        raise InputError("the file is empty", location=Location(name), hint=hint)
    try:
        return json.loads(text, parse_int=_number, parse_float=_long_float, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", location=Location(name, exc.lineno, exc.colno),
                         hint=hint) from exc
    except _LongNumber as exc:
        at = _number_at(text, exc.digits)
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        raise InputError(f"not valid JSON here: a number of {len(exc.digits):,} characters; the limit is "
                         f"{MAX_JSON_NUMBER}", location=Location(name, line, column), hint=hint) from exc
    except ValueError as exc:
        raise InputError(f"not valid JSON: {exc}", location=Location(name), hint=hint) from exc
    except RecursionError as exc:
        raise InputError("JSON nested too deeply to read", location=Location(name), hint=hint) from exc


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _number_at(text: str, digits: str) -> int:
    """Where ``digits`` stand as a number in JSON ``text``: the first occurrence outside a string."""
    strings = [m.span() for m in _STRING.finditer(text)]
    start = 0
    while (at := text.find(digits, start)) >= 0:
        if not any(a <= at < b for a, b in strings):
            return at
        start = at + 1
    return 0
