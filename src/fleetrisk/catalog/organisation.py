"""Organisation catalogs: an organisation's own scenarios and controls, beside the bundled catalog.

A folder is an organisation catalog when it holds ``catalog.yaml``::

    prefix: acme
    title: {en: ACME internal security standard, ja: ACME 社内セキュリティ基準}
    disable:                      # optional: bundled scenarios this organisation switches off
      - scenario: T7.partner-api-overreach
        justification: {en: ..., ja: ...}

and otherwise the bundled catalog's layout: ``scenarios/T<n>/<name>.yaml``, each with its
``<name>.case.yaml``, ``controls/*.yaml``, and optionally ``frameworks.yaml``. The taxonomy,
the vocabulary and the cost basis come from the bundled catalog.

Ids carry the prefix, so a bundled id never changes meaning and organisations never collide:
scenarios are ``T<n>.<prefix>.<name>`` (finding ids ``T<n>.<prefix>.<name>@<element>``, SARIF
rule ids the scenario id), controls ``<prefix>.<name>``, frameworks ``<prefix>-<name>``. A
bundled id has exactly one dot and no prefix; two catalogs may not declare the same prefix.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fleetrisk.catalog.loader import (
    Catalog,
    CatalogSource,
    CompiledScenario,
    DisabledScenario,
    check_unique,
    compile_scenario,
    load_catalog,
    load_controls,
    prefix_of,
    read_document,
    scenario_files,
    validate,
)
from fleetrisk.catalog.schema import FAMILIES, Control, Framework, Frameworks, Manifest
from fleetrisk.errors import CatalogError, InputError, Location, UsageError
from fleetrisk.model.yamlio import Document

if TYPE_CHECKING:
    from fleetrisk.model.loader import LoadedModel

MANIFEST = "catalog.yaml"
LAYOUT = ("an organisation catalog holds catalog.yaml (prefix, title), scenarios/T<n>/<name>.yaml with "
          "<name>.case.yaml beside each, controls/*.yaml and optionally frameworks.yaml; the taxonomy and "
          "vocabulary come from the bundled catalog")


@dataclass(frozen=True)
class Folder:
    """A catalog folder to load: where it is, as it was written, and who named it."""

    path: Path
    given: str
    named_at: Location | None = None  # the model line that named it; None: the command line


@dataclass
class Organisation:
    """One organisation catalog, compiled against the bundled one."""

    manifest: Manifest
    document: Document
    folder: Folder
    frameworks: dict[str, Framework]
    controls: dict[str, Control]
    control_files: dict[str, str]
    scenarios: list[CompiledScenario]

    @property
    def prefix(self) -> str:
        return self.manifest.prefix


def is_organisation(root: Path) -> bool:
    return (root / MANIFEST).is_file()


def load_organisation(folder: Folder, base: Catalog) -> Organisation:
    """Load and compile the organisation catalog in ``folder`` strictly; raise at the first problem."""
    root = folder.path
    if not root.is_dir():
        if folder.named_at is None:
            raise UsageError(f"--catalog {folder.given}: no such folder", hint=LAYOUT)
        raise InputError(f"catalog folder {folder.given} does not exist", location=folder.named_at,
                         hint="the entries under 'catalog:' are folders relative to the model file")
    if not is_organisation(root):
        hint = LAYOUT
        if (root / "taxonomy.yaml").is_file():
            hint = "this looks like a whole catalog (it has taxonomy.yaml); " + LAYOUT
        raise CatalogError(f"{folder.given} is not an organisation catalog: it has no {MANIFEST}",
                           location=folder.named_at or Location(str(root / MANIFEST)), hint=hint)
    _check_layout(root)
    document = read_document(root / MANIFEST)
    manifest = validate(Manifest, document)
    prefix = manifest.prefix
    frameworks = _own_frameworks(root, prefix, base)
    known = {**base.frameworks, **frameworks}
    controls, files = load_controls(root, known, prefix, base.control_files)
    files = {cid: files[cid] for cid in controls}
    names = set(base.controls) | set(controls)
    scenarios = [compile_scenario(path, known, names, prefix) for path in scenario_files(root)]
    check_unique(scenarios)
    if not scenarios and not controls and not manifest.disable:
        raise CatalogError(f"{folder.given} defines no scenario, control or disabled scenario",
                           location=document.locate(()), hint=LAYOUT)
    return Organisation(manifest, document, folder, frameworks, controls, files, scenarios)


def _check_layout(root: Path) -> None:
    """Every YAML file at the top of the folder, under scenarios/ or under controls/ sits where the
    loader reads it: nothing there is silently left out. Hidden files and other folders are ignored."""
    files = [p for p in root.iterdir() if p.is_file()]
    for folder in ("scenarios", "controls"):
        if (root / folder).is_dir():
            files += (p for p in (root / folder).rglob("*") if p.is_file())
    for path in sorted(files):
        parts = path.relative_to(root).parts
        if path.suffix not in (".yaml", ".yml") or any(part.startswith(".") for part in parts):
            continue
        where = Location(str(path), 1, 1)
        if path.suffix == ".yml":
            raise CatalogError(f"{path.name}: catalog files end in .yaml", location=where,
                               hint=f"rename it {path.stem}.yaml")
        if len(parts) == 1 and parts[0] in (MANIFEST, "frameworks.yaml"):
            continue
        if len(parts) == 2 and parts[0] == "controls":
            continue
        if len(parts) == 3 and parts[0] == "scenarios" and parts[1] in FAMILIES:
            if path.name.endswith(".case.yaml"):
                scenario = path.with_name(path.name[: -len(".case.yaml")] + ".yaml")
                if not scenario.is_file():
                    raise CatalogError(f"case file {path.name} has no scenario {scenario.name} beside it",
                                       location=where, hint="rename it after its scenario's file, or remove it")
            continue
        raise CatalogError(f"{'/'.join(parts)} is not read from an organisation catalog", location=where,
                           hint=LAYOUT)


def _own_frameworks(root: Path, prefix: str, base: Catalog) -> dict[str, Framework]:
    path = root / "frameworks.yaml"
    if not path.is_file():
        return {}
    document = read_document(path)
    found: dict[str, Framework] = {}
    for i, framework in enumerate(validate(Frameworks, document).frameworks):
        where = document.locate(("frameworks", i, "id"))
        if not framework.id.startswith(prefix + "-"):
            raise CatalogError(f"framework id {framework.id!r} does not carry this catalog's prefix {prefix!r}",
                               location=where, hint=f"write it {prefix}-{framework.id}")
        if framework.id in base.frameworks or framework.id in found:
            raise CatalogError(f"duplicate framework id {framework.id!r}", location=where,
                               hint="each framework is declared once")
        found[framework.id] = framework
    return found


def load_catalogs(folders: Sequence[Folder]) -> Catalog:
    """The bundled catalog with the organisation catalogs in ``folders``: their scenarios and
    controls added, the scenarios they disable removed (and listed, with the justification).

    The result does not depend on the order of ``folders``: organisations are merged by prefix.
    """
    base = load_catalog()
    organisations: list[Organisation] = []
    seen: set[Path] = {base.root.resolve()}  # the bundled catalog is always there, once
    for folder in folders:
        resolved = folder.path.resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        organisations.append(load_organisation(folder, base))
    if not organisations:
        return base
    return merge(base, organisations)


def merge(base: Catalog, organisations: list[Organisation]) -> Catalog:
    by_prefix: dict[str, Organisation] = {}
    for org in organisations:
        other = by_prefix.get(org.prefix)
        if other is not None:
            raise CatalogError(f"prefix {org.prefix!r} is also declared by {other.folder.given}",
                               location=org.document.locate(("prefix",)),
                               hint="each organisation catalog declares its own prefix, so its ids are its own")
        by_prefix[org.prefix] = org
    ordered = [by_prefix[p] for p in sorted(by_prefix)]
    every = {s.id: s for s in base.scenarios}
    for org in ordered:
        every.update((s.id, s) for s in org.scenarios)
    disabled = sorted((d for org in ordered for d in _disabled(org, every)), key=lambda d: (d.scenario, d.by))
    gone = {d.scenario for d in disabled}
    frameworks = dict(base.frameworks)
    controls = dict(base.controls)
    control_files = dict(base.control_files)
    costs = dict(base.control_costs)
    sources = list(base.sources)
    for org in ordered:
        frameworks.update(org.frameworks)
        controls.update(org.controls)
        control_files.update(org.control_files)
        costs.update((cid, base.cost_basis[c.cost]) for cid, c in org.controls.items())
        sources.append(CatalogSource(org.prefix, org.manifest.title, org.folder.path, org.folder.given,
                                     tuple(sorted(s.id for s in org.scenarios)), tuple(org.controls),
                                     tuple(org.frameworks)))
    scenarios = sorted((s for sid, s in every.items() if sid not in gone), key=lambda s: s.id)
    return Catalog(base.taxonomy, frameworks, controls, scenarios, base.root, control_files, costs,
                   base.cost_currency, base.cost_basis, sources, disabled)


def _disabled(org: Organisation, every: dict[str, CompiledScenario]) -> list[DisabledScenario]:
    found = []
    for i, entry in enumerate(org.manifest.disable):
        where = org.document.locate(("disable", i, "scenario"))
        if prefix_of(entry.scenario) == org.prefix:
            raise CatalogError(f"{entry.scenario} is this catalog's own scenario", location=where,
                               hint="remove its file (and its case) instead of disabling it")
        target = every.get(entry.scenario)
        if target is None:
            close = difflib.get_close_matches(entry.scenario, sorted(every), n=1, cutoff=0.6)
            raise CatalogError(f"cannot disable {entry.scenario!r}: no such scenario", location=where,
                               hint=(f"did you mean {close[0]!r}? " if close else "")
                               + "'fleetrisk catalog' lists the scenario ids")
        found.append(DisabledScenario(entry.scenario, target.spec.title, entry.justification, org.prefix, where))
    return found


def model_folders(loaded: LoadedModel) -> list[Folder]:
    """The catalog folders a model names under ``catalog:``, relative to the model file."""
    base = Path(loaded.file).parent
    return [Folder(base / entry, os.path.normpath(base / entry), loaded.document.locate(("catalog", i)))
            for i, entry in enumerate(loaded.model.catalog)]


def catalog_for(loaded: LoadedModel, extra: Sequence[Path] = ()) -> Catalog:
    """The catalog to analyse ``loaded`` with: the bundled one, the organisation catalogs the model
    names under ``catalog:`` and those in ``extra`` (``--catalog DIR``)."""
    folders = [*model_folders(loaded), *(Folder(path, str(path)) for path in extra)]
    return load_catalogs(folders) if folders else load_catalog()
