"""The model files a workbench was started with, their current analysis, and edits to them.

The files on disk are the only source of truth. Each request reads a file's state (a stat, and
the text when the stat changed), so an edit made in the author's own editor shows on the next
request; analyses are kept for the text on disk, per language and what-if (those of an older
text are let go when the new one is analysed). An edit names the version it was made on: if
the file changed since, the edit is refused rather than lost or merged blindly. A changed text
is loaded and validated like any model before it is written, and it is written atomically to
the file the workbench was started with, never to a path from a request.
"""

from __future__ import annotations

import codecs
import copy
import datetime as dt
import hashlib
import itertools
import os
import re
import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fleetrisk.atomic import write_all_atomic
from fleetrisk.catalog.loader import Catalog
from fleetrisk.catalog.organisation import catalog_for
from fleetrisk.engine.assess import assess
from fleetrisk.errors import FileAccessError, FleetriskError, InputError, Location, ModelValidationError
from fleetrisk.model.loader import LoadedModel, from_document, load_model_text
from fleetrisk.model.yamlio import MAX_BYTES, Document, YamlPath, decode
from fleetrisk.reading import read_regular
from fleetrisk.reports.flowgraph import FlowGraph, flow_graph
from fleetrisk.results import Assessment
from fleetrisk.workbench.yamledit import Change, EditError, edit_text

#: Model files a folder may hold for the portfolio.
MAX_MODELS = 200
#: Analyses kept in memory (each model, language and what-if counts once).
CACHE_SIZE = 64
_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Problem:
    """Why a file cannot be analysed: its problems, each with file:line:column and a hint."""

    errors: tuple[InputError, ...]

    @classmethod
    def of(cls, exc: FleetriskError) -> Problem:
        if isinstance(exc, ModelValidationError):
            return cls(tuple(exc.problems))
        if isinstance(exc, InputError):
            return cls((exc,))
        return cls((InputError(str(exc)),))


@dataclass(frozen=True)
class Snapshot:
    """One version of one model file."""

    text: str
    version: str
    loaded: LoadedModel | None
    problem: Problem | None



@dataclass(frozen=True)
class Analysis:
    """Everything a page renders, from one assessment of one version of a model."""

    version: str
    assessment: Assessment
    graph: FlowGraph
    loaded: LoadedModel
    expected_loss: float | None  # exact expected annual loss, with a loss section
    currency: str


@dataclass(frozen=True)
class Saved:
    """The outcome of an edit: the new version, or the problems that kept it from being written."""

    version: str | None
    problem: Problem | None = None
    stale: bool = False


@dataclass(frozen=True)
class _Text:
    """A model file's text as read, before validation, with how the file writes it."""

    text: str
    bom: bool  # the file starts with a UTF-8 byte-order mark
    crlf: bool  # most of its lines end in CR LF

    def as_written(self, text: str) -> str:
        """``text`` (LF line ends, as read) with this file's line ends and byte-order mark."""
        return ("\ufeff" if self.bom else "") + (text.replace("\n", "\r\n") if self.crlf else text)


def _stat_of(path: Path) -> tuple[int, int, int] | None:
    """What tells a changed file from an unchanged one without reading it (None: it cannot be seen)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


def _version(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


@dataclass
class ModelFile:
    """One model file the workbench may read and write."""

    name: str
    path: Path
    _stat: tuple[int, int, int] | None = None
    _snapshot: Snapshot | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def snapshot(self) -> Snapshot:
        """The file as it is now on disk (read again only when its stat changed)."""
        with self._lock:
            stat = _stat_of(self.path)
            if self._snapshot is None or stat is None or stat != self._stat:
                found = self._read()
                if isinstance(found, Snapshot):
                    self._snapshot = found
                elif self._snapshot is None or self._snapshot.version != _version(found.text):
                    self._snapshot = snapshot_of(found.text, str(self.path))  # the same text is not checked twice
                self._stat = stat
            return self._snapshot

    def _read(self) -> Snapshot | _Text:
        """The file's text as it is now, not yet validated (or a snapshot of why it cannot be read)."""
        try:
            raw = read_regular(self.path, MAX_BYTES, hint="split the model or remove embedded data")
            text = decode(raw, str(self.path))  # CR LF read as LF, the byte-order mark dropped
        except FleetriskError as exc:
            return Snapshot("", _version(""), None, Problem.of(exc))
        return _Text(text, raw.startswith(codecs.BOM_UTF8), 2 * raw.count(b"\r\n") > raw.count(b"\n"))

    def save(self, changes: Sequence[Change], expected: str) -> Saved:
        """Make ``changes`` to the file if it is still at version ``expected`` and the result is a valid model."""
        with self._lock:
            current = self._read()  # read again, not validated: only its version counts here
            if isinstance(current, Snapshot) or _version(current.text) != expected:
                return Saved(None, stale=True)
            try:
                text = edit_text(current.text, changes)
            except EditError as exc:
                return Saved(None, Problem((InputError(str(exc)),)))
            result = snapshot_of(text, str(self.path))
            if result.problem is not None:
                return Saved(None, result.problem)
            try:
                write_all_atomic({self.path: current.as_written(text)})
            except OSError as exc:  # a folder that cannot be written, a link put in the file's place...
                reason = exc.strerror or str(exc)
                return Saved(None, Problem((FileAccessError(
                    f"cannot write the model file: {reason}", location=Location(str(self.path)),
                    hint="check that the file and its folder can be written"),)))
            # the text just checked is kept: the next read finds it on disk and need not check it again
            self._snapshot = result
            self._stat = None
            return Saved(result.version)


def snapshot_of(text: str, name: str) -> Snapshot:
    """``text`` loaded and validated as the model file ``name`` (its problems, if it is not valid)."""
    try:
        return Snapshot(text, _version(text), load_model_text(text, name), None)
    except FleetriskError as exc:
        return Snapshot(text, _version(text), None, Problem.of(exc))


class Workspace:
    """The files the workbench was started with (one model, or the models in one folder)."""

    def __init__(self, target: Path) -> None:
        target = target.resolve()
        self.folder = target if target.is_dir() else None
        paths = sorted(p for p in target.iterdir() if p.suffix in _SUFFIXES and p.is_file()) \
            if target.is_dir() else [target]
        if len(paths) > MAX_MODELS:
            raise InputError(f"{target} holds {len(paths)} YAML files; a workbench opens at most {MAX_MODELS}",
                             hint="start it on a smaller folder, or on one model file")
        self.files: dict[str, ModelFile] = {}
        for path in paths:
            stem = _url_word(path.stem)
            name = stem
            n = 2
            while name in self.files:
                name, n = f"{stem}-{n}", n + 1
            self.files[name] = ModelFile(name, path.resolve())  # a link: its file, as for one model
        self._cache: dict[tuple[str, ...], Analysis] = {}
        self._cache_lock = threading.Lock()

    def file(self, name: str) -> ModelFile | None:
        return self.files.get(name)

    def versions(self) -> str:
        """One token that changes whenever any of the files changes (for live reload)."""
        return _version("".join(f.snapshot().version for f in self.files.values()))

    def analysis(self, model: ModelFile, lang: str, what_if: Sequence[Change] = ()) -> Analysis | Problem:
        """The analysis of the model as it is now, with the what-if changes made in memory only."""
        snap = model.snapshot()
        if snap.loaded is None:
            assert snap.problem is not None
            return snap.problem
        key = (model.name, snap.version, lang, *sorted(repr(c) for c in what_if))
        with self._cache_lock:
            found = self._cache.get(key)
        if found is not None:
            return found
        try:
            loaded = _changed(snap.loaded, what_if) if what_if else snap.loaded
            result = analyse(loaded, snap.version, lang)
        except FleetriskError as exc:
            return Problem.of(exc)
        with self._cache_lock:
            for stale in [k for k in self._cache if k[0] == model.name and k[1] != snap.version]:
                del self._cache[stale]  # a text no longer on disk: its analyses would only cost memory
            if len(self._cache) >= CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = result
        return result

    def committed(self, model: ModelFile) -> tuple[str, str] | None:
        """The model's text at the last git commit and that commit's short id, when it is in a repository."""
        return committed_text(model.path)


def _url_word(stem: str) -> str:
    """A file's stem as a model's name, which the pages put in their URLs as it is: the characters
    a URL path reads otherwise (``#`` a fragment, ``?`` a query, ``%`` an escape, ``\\`` a slash)
    become ``-``, and a name of dots only (``..``) is no name."""
    word = re.sub(r"[#?%\\]", "-", stem)
    return word if word.strip(".") else "model"


def analyse(loaded: LoadedModel, version: str, lang: str, catalog: Catalog | None = None) -> Analysis:
    """One assessment of ``loaded`` and the figures every page shows beside it."""
    catalog = catalog or catalog_for(loaded)
    assessment = assess(loaded, catalog, lang=lang)
    loss = None
    currency = "USD"
    if loaded.model.loss is not None:
        from fleetrisk.engine.quant_run import loss_setup  # numpy work only for models with a loss section

        setup = loss_setup(loaded, catalog)
        loss = setup.exact.total(setup.levels)
        currency = loaded.model.loss.currency
    return Analysis(version, assessment, flow_graph(loaded.model), loaded, loss, currency)


def _changed(loaded: LoadedModel, changes: Sequence[Change]) -> LoadedModel:
    """``loaded`` with ``changes`` made to its data, keeping the file's positions for messages."""
    data = copy.deepcopy(loaded.document.data)
    for change in changes:
        _set(data, change.path, change.value)
    return from_document(Document(loaded.document.file, data, loaded.document.positions))


def _set(data: Any, path: YamlPath, value: Any) -> None:
    node = data
    for step, nxt in itertools.pairwise(path):
        if isinstance(node, dict) and isinstance(step, str):
            node = node.setdefault(step, {} if isinstance(nxt, str) else [])
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        else:
            raise InputError(f"no place '{step}' in the model for a what-if change")
    last = path[-1]
    fits = (isinstance(node, dict) and isinstance(last, str)) or (
        isinstance(node, list) and isinstance(last, int) and 0 <= last < len(node))
    if not fits:
        raise InputError(f"no place '{last}' in the model for a what-if change")
    node[last] = value


def committed_text(path: Path, run: Callable[..., Any] = subprocess.run) -> tuple[str, str] | None:
    """``path``'s text at HEAD and HEAD's short id, or None when it is not tracked by git."""
    folder = path.parent
    try:
        top = run(["git", "-C", str(folder), "rev-parse", "--show-toplevel"], capture_output=True, text=True,
                  timeout=10, check=False)
        if top.returncode != 0:
            return None
        relative = path.resolve().relative_to(Path(top.stdout.strip()).resolve()).as_posix()
        shown = run(["git", "-C", str(folder), "show", f"HEAD:{relative}"], capture_output=True, timeout=10,
                    check=False)
        head = run(["git", "-C", str(folder), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                   timeout=10, check=False)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None
    if shown.returncode != 0 or head.returncode != 0:
        return None
    try:
        return shown.stdout.decode("utf-8"), head.stdout.strip()
    except UnicodeDecodeError:
        return None


def today() -> dt.date:
    return dt.date.today()
