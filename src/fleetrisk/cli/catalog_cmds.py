"""``fleetrisk catalog``: list the catalog (as before), and ``catalog check`` / ``catalog test`` a catalog folder.

``check`` loads a catalog strictly, every case file included; ``test`` also runs every case and
lists the expectations that fail at their line (exit 1). Either takes the bundled catalog (no
folder, or its own folder) or organisation catalogs (folders with ``catalog.yaml``).
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Annotated

import typer

from fleetrisk.catalog.loader import Catalog, CompiledScenario, default_root, load_catalog
from fleetrisk.catalog.organisation import Folder, is_organisation, load_catalogs
from fleetrisk.cli._common import err, guard, out
from fleetrisk.cli.core import catalog as listing
from fleetrisk.engine.cases import load_scenario_case, orphan_cases, run_cases
from fleetrisk.errors import CatalogError, Location, UsageError

FoldersArgument = Annotated[
    list[Path] | None,
    typer.Argument(metavar="[DIR]...", help="Catalog folders: organisation catalogs (with catalog.yaml), or one "
                   "whole catalog (with taxonomy.yaml). Default: the bundled catalog.", show_default=False),
]


def check(folders: FoldersArgument = None) -> None:
    """Load a catalog strictly, every case file included; report the first problem at its line."""

    def run() -> None:
        catalog, scenarios, label = catalog_under_test(folders)
        for scenario in scenarios:
            load_scenario_case(scenario)
        out.print(f"{label}: valid ({_counts(catalog, scenarios)})", markup=False)

    guard(run)


def test(folders: FoldersArgument = None) -> None:
    """Run every case file of a catalog; list each expectation that fails at its line (exit 1)."""

    def run() -> int:
        catalog, scenarios, label = catalog_under_test(folders)
        count, failures = run_cases(catalog, scenarios)
        for failure in failures:
            err.print(failure.render(), markup=False)
        failed = len({f.scenario for f in failures})
        out.print(f"{label}: {count} case(s) run, {count - failed} passed, {failed} failed", markup=False)
        return failed

    if guard(run):
        raise typer.Exit(1)


def catalog_under_test(folders: list[Path] | None) -> tuple[Catalog, list[CompiledScenario], str]:
    """The catalog to check, the scenarios whose cases are its own, and how to name it."""
    given = list(folders or ())
    bundled = default_root().resolve()
    whole = [p for p in given
             if p.resolve() == bundled or ((p / "taxonomy.yaml").is_file() and not is_organisation(p))]
    if not given or (len(given) == 1 and given[0].resolve() == bundled):
        catalog = load_catalog()
        _no_orphans(catalog.root)
        return catalog, list(catalog.scenarios), "bundled catalog"
    if whole:
        if len(given) > 1:
            raise UsageError("a whole catalog (with taxonomy.yaml) is checked on its own",
                             hint="check it alone, then the organisation catalogs")
        catalog = load_catalog(given[0])
        _no_orphans(given[0])
        return catalog, list(catalog.scenarios), str(given[0])
    catalog = load_catalogs([Folder(path, str(path)) for path in given])
    prefixes = {s.prefix for s in catalog.sources[1:]}
    scenarios = [s for s in catalog.scenarios if s.prefix in prefixes]
    return catalog, scenarios, ", ".join(str(p) for p in given)


def _no_orphans(root: Path) -> None:
    orphans = orphan_cases(root)
    if orphans:
        raise CatalogError(f"case file {orphans[0].name} has no scenario beside it",
                           location=Location(str(orphans[0]), 1, 1),
                           hint="rename it after its scenario's file, or remove it")


def _counts(catalog: Catalog, scenarios: list[CompiledScenario]) -> str:
    own = catalog.sources[1:]
    controls = sum(len(s.controls) for s in own) if own else len(catalog.controls)
    text = f"{len(scenarios)} scenario(s), each with its case, {controls} control(s)"
    if catalog.disabled:
        text += f", {len(catalog.disabled)} scenario(s) switched off"
    return text


def register(app: typer.Typer) -> None:
    """Add ``catalog`` (listing by default) and its ``check`` and ``test`` subcommands to ``app``."""
    group = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False)
    group.callback(invoke_without_command=True)(listing)
    for function in (check, test):
        summary = (inspect.getdoc(function) or "").split("\n\n")[0]
        group.command(name=function.__name__, short_help=" ".join(summary.split()))(function)
    summary = (inspect.getdoc(listing) or "").split("\n\n")[0]
    app.add_typer(group, name="catalog", short_help=" ".join(summary.split()))
