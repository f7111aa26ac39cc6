"""Files the commands write: what may be replaced, and what needs ``--force``.

The rule, the same for every command that writes a file:

- a symbolic link is never written, with or without ``--force`` (the link stays as it was);
- a directory, or anything else that is not a regular file, is never replaced;
- a file this run reads (the model, the evidence, the scope, the secrets) is replaced only with
  ``--force``;
- an existing file is replaced without ``--force`` only when it is an earlier fleetrisk output
  of the same kind (``report.html`` that fleetrisk wrote, an evidence file from ``verify``), or
  is empty; anything else needs ``--force``. ``import`` and ``export`` write files people edit
  afterwards, so any existing file needs ``--force`` there; ``init`` never replaces anything.

So re-running ``fleetrisk assess MODEL --output fleetrisk-report`` into its own folder just
works, while ``verify -o model.yaml`` or a report folder that holds someone else's
``report.md`` stops with exit code 2 before any work is done.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

from fleetrisk.errors import UsageError

#: How much of an existing file is read to tell whether fleetrisk wrote it.
HEAD_BYTES = 8192

FORCE_HINT = "write somewhere else, or add --force to replace it"


def _markdown(head: str) -> bool:
    from fleetrisk.reports.i18n import labels

    return any(head.startswith(f"# {labels(lang)['report_title']}: ") for lang in ("en", "ja"))


def _csv(head: str) -> bool:
    from fleetrisk.reports.csv_report import COLUMNS
    from fleetrisk.reports.ui_text import ui

    for lang in ("en", "ja"):
        line = io.StringIO()
        csv.writer(line, lineterminator="\r\n").writerow([ui(lang)[f"csv_{c}"] for c in COLUMNS])
        if head.removeprefix("\ufeff").startswith(line.getvalue()):
            return True
    return False


def _pattern(regex: str) -> Callable[[str], bool]:
    compiled = re.compile(regex, re.DOTALL)
    return lambda head: compiled.search(head) is not None


#: Output kind -> (what it is called, test on the first HEAD_BYTES of an existing file).
KINDS: dict[str, tuple[str, Callable[[str], bool]]] = {
    "md": ("Markdown report", _markdown),
    "json": ("JSON report", _pattern(r'\A\{\s*"schema_version":\s*"[^"]*",\s*"tool":\s*"fleetrisk ')),
    "html": ("HTML report", _pattern(r'\A<!DOCTYPE html>.*?<meta name="generator" content="fleetrisk[ "]')),
    "sarif": ("SARIF log", _pattern(r'"version":\s*"2\.1\.0".*?"driver":\s*\{\s*"name":\s*"fleetrisk"')),
    "csv": ("CSV report", _csv),
    "evidence": ("evidence file", _pattern(r'\A\{\s*"fleetrisk_evidence":')),
}


def check_output(path: Path, *, kind: str | None, inputs: Iterable[tuple[Path | None, str]], force: bool) -> None:
    """Refuse to write ``path`` when the rule above says so (a :class:`UsageError`, exit 2).

    ``kind``: a key of :data:`KINDS`, whose earlier outputs may be replaced; None when any
    existing file needs ``force``. ``inputs``: (path, what it is) for the files this run reads.
    """
    if path.is_symlink():
        raise UsageError(f"{path} is a symbolic link (to {os.readlink(path)}): fleetrisk does not write through "
                         "or over links", hint="remove the link, or write somewhere else")
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(info.st_mode):
        what = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise UsageError(f"{path} is {what}: cannot write a file there", hint="remove it, or write somewhere else")
    for source, what in inputs:
        if source is not None and _same_file(path, source):
            if force:
                return
            raise UsageError(f"{path} is the {what} this command reads: writing it would replace it",
                             hint=FORCE_HINT)
    if force or info.st_size == 0:
        return
    if kind is None:
        raise UsageError(f"{path} already exists", hint=FORCE_HINT)
    name, test = KINDS[kind]
    if not test(_head(path)):
        raise UsageError(f"{path} already exists and is not a fleetrisk {name}: it is left as it is",
                         hint=FORCE_HINT)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _head(path: Path) -> str:
    """The start of ``path`` as text (bytes that are not UTF-8 become U+FFFD)."""
    try:
        with path.open("rb") as handle:
            return handle.read(HEAD_BYTES).decode("utf-8", errors="replace")
    except OSError as exc:
        raise UsageError(f"cannot read {path} to check what it is: {exc.strerror or exc}",
                         hint=FORCE_HINT) from exc
