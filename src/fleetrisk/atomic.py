"""Atomic file writes: a reader sees the old file or the new one, never half of either.

The text goes to a temporary file in the same directory, which is then renamed over the
target in one step. An error at any point leaves the target as it was and removes the
temporary file. The data is not forced to disk first (no fsync): that guards against a power
cut, not against a reader, and costs a tenth of a second on a large report.

A target that is a symbolic link is refused (:class:`LinkTargetError`), dangling or not: a
report written "into" a link would either land on whatever the link points at or silently
turn the link into a file, and neither is what the person who made the link meant. The rename
never follows a link, so a link that appears after the check is replaced, not written through.
The directory may itself be a link: it is the place the caller chose.

:func:`write_all_atomic` writes several files as one: every file is staged first, then all are
renamed; if a rename fails, the files already renamed get their previous content back (or are
removed when they are new), so a failed run leaves every target as it was.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path


class LinkTargetError(OSError):
    """The file to write is a symbolic link; fleetrisk neither writes through nor over links."""

    def __init__(self, path: Path) -> None:
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        super().__init__(errno.ELOOP, f"it is a symbolic link (to {target})", str(path))
        self.target = target


def refuse_link(path: Path) -> None:
    """Raise :class:`LinkTargetError` when ``path`` is a symbolic link (even one to nothing)."""
    if path.is_symlink():
        raise LinkTargetError(path)


def write_atomic(path: Path, text: str | bytes, *, exclusive: bool = False) -> None:
    """Write ``text`` (UTF-8 when a string) to ``path`` in one step.

    ``exclusive``: refuse (:class:`FileExistsError`) when ``path`` already exists, checked at
    the moment the file appears, so a file created meanwhile is not overwritten either. A new
    file gets the usual permissions (the umask applies); a replaced one keeps its mode. A
    ``path`` that is a symbolic link is refused with :class:`LinkTargetError`. An
    :class:`OSError` names ``path`` (never the temporary file) as its ``filename``.
    """
    write_all_atomic({path: text}, exclusive=exclusive)


def write_all_atomic(files: Mapping[Path, str | bytes], *, exclusive: bool = False) -> None:
    """Write every file in ``files``, or none of them; otherwise as :func:`write_atomic`.

    Each text is written to a temporary file beside its target first; a failure there (a full
    disk, a directory that cannot be written) removes the temporary files and changes nothing.
    Then each is renamed over its target. Should a rename fail (the target is a directory,
    say), the targets already renamed are put back: the previous file from a hard link kept
    for the purpose (a copy where the file system has no hard links), a new file removed.
    """
    for path in files:
        refuse_link(path)
        if exclusive and os.path.lexists(path):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path))
    staged: list[tuple[Path, str]] = []
    backups: list[tuple[Path, str | None]] = []  # (target, its previous content) for each renamed target
    try:
        for path, text in files.items():
            with _naming(path):
                staged.append((path, _stage(path, text)))
        try:
            for number, (path, temporary) in enumerate(staged, start=1):
                with _naming(path):
                    backups.append((path, _commit(temporary, path, exclusive=exclusive, last=number == len(staged))))
        except BaseException:
            for path, backup in reversed(backups):
                with contextlib.suppress(OSError):
                    if backup is None:
                        os.unlink(path)
                    else:
                        os.replace(backup, path)
            backups.clear()
            raise
    finally:
        for _, temporary in staged:
            _remove(temporary)
        for _, backup in backups:
            if backup is not None:
                _remove(backup)


def _commit(temporary: str, path: Path, *, exclusive: bool, last: bool) -> str | None:
    """Move ``temporary`` to ``path``; return the name kept of the file it replaced, if any.

    The last file needs no such name: nothing can fail after it.
    """
    if exclusive:
        os.link(temporary, path)  # fails if the target appeared meanwhile
        return None
    backup = None if last else _keep_previous(path)
    try:
        os.replace(temporary, path)
    except BaseException:
        if backup is not None:
            _remove(backup)
        raise
    return backup


@contextlib.contextmanager
def _naming(path: Path) -> Iterator[None]:
    """An OSError raised inside names ``path``, the file the caller asked for, not a temporary one."""
    try:
        yield
    except OSError as exc:
        if isinstance(exc, LinkTargetError) or exc.errno is None:
            raise
        raise type(exc)(exc.errno, exc.strerror, str(path)) from exc


def _stage(path: Path, text: str | bytes) -> str:
    """A temporary file beside ``path`` holding ``text``, with the mode ``path`` should get."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    directory = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, _mode_for(path))
    except BaseException:
        _remove(temporary)
        raise
    return temporary


def _keep_previous(path: Path) -> str | None:
    """A second name for the regular file at ``path`` (to put it back), or None when there is none."""
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return None
    except FileNotFoundError:
        return None
    handle, backup = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent)
    os.close(handle)
    os.unlink(backup)
    try:
        os.link(path, backup)
    except OSError:  # no hard links here: a copy does as well
        try:
            shutil.copy2(path, backup)
        except BaseException:
            _remove(backup)
            raise
    return backup


def _remove(name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(name)


def _mode_for(path: Path) -> int:
    """The mode the written file should have: the existing file's, else 0o666 less the umask."""
    try:
        return stat.S_IMODE(path.lstat().st_mode)
    except FileNotFoundError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask
