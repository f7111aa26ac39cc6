"""Bring models from other threat-modeling tools into fleetrisk, and send fleetrisk models out.

Importers read a peer tool's file and build a :class:`~fleetrisk.importers.draft.Draft`: the
fleetrisk model under construction plus a mapping report (what was mapped, what was guessed,
what a human must fill in). :mod:`fleetrisk.importers.writer` turns a draft into commented YAML.
:mod:`fleetrisk.importers.otm` exports an assessed model as Open Threat Model JSON, and
:mod:`fleetrisk.importers.otm_reader` reads OTM files from any tool.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fleetrisk.errors import UsageError
from fleetrisk.importers import otm_reader
from fleetrisk.importers import pytm as pytm_json
from fleetrisk.importers import threagile as threagile_yaml
from fleetrisk.importers import threat_dragon as threat_dragon_json
from fleetrisk.importers.draft import Draft

#: source format name (as given to ``fleetrisk import --from``) -> reader.
SOURCES: dict[str, Callable[[Path], Draft]] = {
    "pytm": pytm_json.read,
    "threagile": threagile_yaml.read,
    "threat-dragon": threat_dragon_json.read,
    "otm": otm_reader.read,
}


def import_file(source: str, path: Path) -> Draft:
    """Read ``path`` written by the tool ``source`` into a draft model."""
    reader = SOURCES.get(source)
    if reader is None:
        raise UsageError(f"unknown source format {source!r}", hint=f"choose from {', '.join(SOURCES)}")
    return reader(path)
