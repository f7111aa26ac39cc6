"""Reading the files a user names: regular files only, and never more than a limit.

Every input file (model, evidence, scope, secrets, catalog, import source, report to diff)
is read here. A FIFO, a device or a directory is refused before anything is read from it
(``/dev/zero`` would never end, a FIFO would wait for a writer), and the read itself stops one
byte past the limit, so a file that grows after it was measured cannot exceed it either.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from fleetrisk.errors import FileAccessError, Location

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
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(handle, min(left, _CHUNK))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise FileAccessError.from_os_error(name, exc, what) from exc
    finally:
        os.close(handle)
    raw = b"".join(chunks)
    if len(raw) > limit:
        raise too_large(name, None, limit, what, hint)
    return raw
