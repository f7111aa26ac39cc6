"""`fleetrisk paths`: explore the attack paths from the attacker's entries to fleet outcomes."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from fleetrisk.cli._common import (
    AsOfOption,
    CatalogOption,
    EvidenceOption,
    Lang,
    Level,
    add_command,
    catalog_for,
    default_model,
    guard,
    load_evidence_for,
    out,
    parse_date,
)
from fleetrisk.cli._files import load_model_file
from fleetrisk.engine.assess import explore_paths
from fleetrisk.errors import UsageError
from fleetrisk.messages import word_expression
from fleetrisk.reports.i18n import devices, labels
from fleetrisk.reports.ui_text import entry_label
from fleetrisk.results import AttackPath
from fleetrisk.textsafe import json_inert

OUTCOMES = ("unavailable", "false-information", "hijacked", "code-execution", "firmware-takeover", "data-exposed")


class PathsFormat(StrEnum):
    table = "table"
    json = "json"


def paths(
    model: Annotated[Path | None, typer.Argument(help="Model file (default: the bundled example).")] = None,
    outcome: Annotated[str | None, typer.Option(help=f"Only this outcome: {', '.join(OUTCOMES)}.")] = None,
    fleet: Annotated[str | None, typer.Option(help="Only this fleet id (or data:<id> for a data set).")] = None,
    k: Annotated[int, typer.Option("-k", min=1, max=20, help="Easiest paths per outcome.")] = 3,
    min_risk: Annotated[
        Level, typer.Option("--min-risk", help="Lowest outcome risk to show (none: all).", case_sensitive=False)
    ] = Level.none,
    fmt: Annotated[PathsFormat, typer.Option("--format", "-f", case_sensitive=False)] = PathsFormat.table,
    lang: Annotated[Lang, typer.Option(case_sensitive=False)] = Lang.en,
    as_of: AsOfOption = None,
    evidence: EvidenceOption = None,
    catalogs: CatalogOption = None,
) -> None:
    """Show the easiest attack paths to each fleet outcome, step by step."""

    def run() -> None:
        wanted = outcome.lower() if outcome is not None else None
        if wanted is not None and wanted not in OUTCOMES:
            raise UsageError(f"unknown outcome {outcome!r}", hint=f"choose from {', '.join(OUTCOMES)}")
        loaded = load_model_file(default_model(model))
        if fleet is not None and fleet not in {f.id for f in loaded.model.fleets} and not fleet.startswith("data:"):
            raise UsageError(f"unknown fleet {fleet!r}",
                             hint=f"fleets: {', '.join(f.id for f in loaded.model.fleets)}")
        minimum = "low" if min_risk is Level.none else min_risk.value
        checks = load_evidence_for(evidence, loaded)
        found = explore_paths(loaded, catalog_for(loaded, catalogs), outcome=wanted, fleet=fleet, k=k, minimum=minimum,
                              lang=lang.value, as_of=parse_date(as_of), evidence=checks)
        if fmt is PathsFormat.json:
            sys.stdout.write(json_inert(json.dumps([p.model_dump(mode="json") for p in found], ensure_ascii=False,
                                                   indent=2)))
            sys.stdout.write("\n")
        else:
            _show(found, lang.value)

    guard(run)


def _show(found: list[AttackPath], lang: str) -> None:
    t = labels(lang)
    if not found:
        out.print(t["no_paths"], markup=False)
        return
    for number_, path in enumerate(found, start=1):
        outcome, band = t["outcome_" + path.outcome], t["band_" + path.band]
        entry = entry_label(path.entry, lang)
        if lang == "ja":
            header = (f"{number_}. {outcome} @ {path.fleet}: {band}({path.risk})、{t['likelihood']} "
                      f"{path.likelihood}、{t['entry']}: {entry}、{devices(path.devices, lang)}")
        else:
            header = (f"{number_}. {outcome} @ {path.fleet}: {band} ({path.risk}), {t['likelihood']} "
                      f"{path.likelihood}, {t['entry']}: {entry}, {devices(path.devices, lang)}")
        out.print(header, markup=False, soft_wrap=False)  # wraps at the terminal width, as a title would not
        table = Table(show_lines=False)
        for column in ("#", t["step"], t["element"], t["likelihood"], t["closed_by"]):
            table.add_column(column, overflow="fold")
        for index, step in enumerate(path.steps, start=1):
            table.add_row(str(index), step.title, step.element, str(step.likelihood),
                          word_expression(step.cut_by, lang) if step.cut_by else "-")
        out.print(table)


def register(app: typer.Typer) -> None:
    add_command(app, paths)
