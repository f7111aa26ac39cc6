"""Input files named on the command line: readable, and of the kind the command expects."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fleetrisk.errors import FileAccessError, InputError, Location
from fleetrisk.model.loader import LoadedModel, from_document
from fleetrisk.model.yamlio import load_path
from fleetrisk.reading import not_regular


def readable(path: Path, what: str) -> Path:
    """``path`` if it is a file this process can read; otherwise say why not, as ``error[file]``."""
    name = str(path)
    try:
        info = path.stat()
    except OSError as exc:
        raise FileAccessError.from_os_error(name, exc, what) from exc
    problem = not_regular(name, info.st_mode, what)  # a directory, a FIFO or a device
    if problem is not None:
        raise problem
    if not os.access(path, os.R_OK):
        raise FileAccessError.from_os_error(name, PermissionError(errno.EACCES, os.strerror(errno.EACCES)), what)
    return path


def load_model_file(path: Path) -> LoadedModel:
    """Load the model at ``path``; a missing file, or a file of another kind, is said in one line."""
    document = load_path(readable(path, "model"))
    other = other_kind(document.data)
    if other is not None:
        what, hint = other
        raise InputError(f"this is {what}, not a fleetrisk model", location=Location(str(path)),
                         hint=hint.format(path=path))
    return from_document(document)


_IMPORT = "convert it first: fleetrisk import --from {} {{path}} -o model.yaml"
_MADE_FROM = "give the model file (YAML, 'fleetrisk: 1') it was made from"

#: What other files people pass where a model belongs look like (top-level keys), most specific first.
_KINDS: tuple[tuple[Callable[[dict[str, Any]], bool], str, str], ...] = (
    (lambda d: "schema_version" in d and "findings" in d, "a fleetrisk report", _MADE_FROM),
    (lambda d: "schema_version" in d and "annual_loss" in d, "a fleetrisk loss simulation", _MADE_FROM),
    (lambda d: "schema_version" in d and "risk_before" in d, "a fleetrisk plan", _MADE_FROM),
    (lambda d: {"new", "resolved", "changed"} <= d.keys(), "a fleetrisk risk diff", _MADE_FROM),
    (lambda d: "runs" in d and ("sarif" in str(d.get("$schema", "")).lower() or d.get("version") == "2.1.0"),
     "a SARIF log", _MADE_FROM),
    (lambda d: "fleetrisk_evidence" in d, "a fleetrisk evidence file",
     "give the model file, and this file with --evidence"),
    (lambda d: "fleetrisk_scope" in d, "a fleetrisk scope file", "give the model file, and this file with --scope"),
    (lambda d: "fleetrisk_secrets" in d, "a fleetrisk secrets file",
     "give the model file, and this file with --secrets"),
    (lambda d: "json-schema.org" in str(d.get("$schema", "")), "a JSON Schema",
     "give the model file; this schema only describes one"),
    (lambda d: "otmVersion" in d, "an Open Threat Model (OTM) file", _IMPORT.format("otm")),
    (lambda d: "threagile_version" in d, "a Threagile model", _IMPORT.format("threagile")),
    (lambda d: "summary" in d and "detail" in d, "a Threat Dragon model", _IMPORT.format("threat-dragon")),
    (lambda d: "elements" in d and "flows" in d, "pytm --json output", _IMPORT.format("pytm")),
)


def other_kind(data: Any) -> tuple[str, str] | None:
    """(what it is, what to do) when ``data`` is plainly a known file that is not a model; else None.

    Anything with the model's own ``fleetrisk`` key is left to the model's checks.
    """
    if not isinstance(data, dict) or "fleetrisk" in data:
        return None
    for test, what, hint in _KINDS:
        if test(data):
            return what, hint
    return None
