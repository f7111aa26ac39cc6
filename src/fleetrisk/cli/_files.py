"""Input files named on the command line: say plainly when one is missing or unreadable."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from fleetrisk.errors import FileAccessError
from fleetrisk.model.loader import LoadedModel, from_document
from fleetrisk.model.yamlio import load_path


def readable(path: Path, what: str) -> Path:
    """``path`` if it is a file this process can read; otherwise say why not, as ``error[file]``."""
    name = str(path)
    try:
        info = path.stat()
    except OSError as exc:
        raise FileAccessError.from_os_error(name, exc, what) from exc
    if stat.S_ISDIR(info.st_mode):
        raise FileAccessError.from_os_error(name, IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR)), what)
    if not os.access(path, os.R_OK):
        raise FileAccessError.from_os_error(name, PermissionError(errno.EACCES, os.strerror(errno.EACCES)), what)
    return path


def load_model_file(path: Path) -> LoadedModel:
    """Load the model at ``path``; a missing or unreadable file is said as such."""
    return from_document(load_path(readable(path, "model")))

