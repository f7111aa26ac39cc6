"""Atomic file writes: a reader sees the old file or the new one, never half of either.

The text goes to a temporary file in the same directory, which is then renamed over the
target in one step. An error at any point leaves the target as it was and removes the
temporary file. The data is not forced to disk first (no fsync): that guards against a power
cut, not against a reader, and costs a tenth of a second on a large report.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str | bytes, *, exclusive: bool = False) -> None:
    """Write ``text`` (UTF-8 when a string) to ``path`` in one step.

    ``exclusive``: refuse (:class:`FileExistsError`) when ``path`` already exists, checked at
    the moment the file appears, so a file created meanwhile is not overwritten either. A new
    file gets the usual permissions (the umask applies); a replaced one keeps its mode.
    """
    data = text.encode("utf-8") if isinstance(text, str) else text
    directory = path.parent if str(path.parent) else Path(".")
    if exclusive and path.exists():
        raise FileExistsError(f"{path} already exists")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, _mode_for(path))
        if exclusive:
            os.link(temporary, path)  # fails if the target appeared meanwhile
            os.unlink(temporary)
        else:
            os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _mode_for(path: Path) -> int:
    """The mode the written file should have: the existing file's, else 0o666 less the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask
