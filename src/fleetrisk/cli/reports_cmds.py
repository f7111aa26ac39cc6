"""Report commands: ``diff`` compares two versions of a model (or two JSON reports)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from fleetrisk.cli._common import CatalogOption, Lang, Level, add_command, catalog_for, err, guard, parse_date
from fleetrisk.cli._files import load_model_file, readable
from fleetrisk.engine.assess import assess as run_assessment
from fleetrisk.errors import InputError, Location
from fleetrisk.reading import read_regular
from fleetrisk.results import Assessment

MAX_REPORT_BYTES = 200_000_000


class DiffFormat(StrEnum):
    md = "md"
    json = "json"


def load_side(path: Path, lang: str, as_of: str | None, catalogs: list[Path] | None = None) -> Assessment:
    """An assessment from a model file (assessed now) or from a JSON report written earlier."""
    if path.suffix.lower() != ".json":
        loaded = load_model_file(path)
        return run_assessment(loaded, catalog_for(loaded, catalogs), lang=lang, as_of=parse_date(as_of))
    raw = read_regular(readable(path, "report"), MAX_REPORT_BYTES, "report",
                       hint="pass a model file or a report.json written by 'fleetrisk assess'")
    try:
        return Assessment.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        line = _json_line(raw) if first["type"] == "json_invalid" else None
        raise InputError(f"not a fleetrisk JSON report: {first['msg']}" + (f" at {where}" if where else ""),
                         location=Location(str(path), line),
                         hint="pass a model file or a report.json written by 'fleetrisk assess'") from None


def _json_line(raw: bytes) -> int | None:
    """The line of the first JSON syntax error in ``raw``."""
    try:
        json.loads(raw)
    except json.JSONDecodeError as exc:
        return exc.lineno
    except (ValueError, RecursionError):
        return None
    return None


def diff(
    old: Annotated[Path, typer.Argument(help="Model (or report.json) before the change.")],
    new: Annotated[Path, typer.Argument(help="Model (or report.json) after the change.")],
    fmt: Annotated[DiffFormat, typer.Option("--format", "-f", help="md or json.", case_sensitive=False)]
    = DiffFormat.md,
    fail_on_new: Annotated[
        Level, typer.Option("--fail-on-new", help="Exit 1 if the change adds an open finding at or above.",
                            case_sensitive=False)
    ] = Level.none,
    lang: Annotated[Lang, typer.Option(help="Report language.", case_sensitive=False)] = Lang.en,
    as_of: Annotated[str | None, typer.Option(help="Date for tracking expiry (YYYY-MM-DD).")] = None,
    catalogs: CatalogOption = None,
) -> None:
    """Risk diff: findings new, resolved and changed between two versions of a model."""
    gate = None if fail_on_new is Level.none else fail_on_new.value

    def run() -> int:
        before = load_side(old, lang.value, as_of, catalogs)
        after = load_side(new, lang.value, as_of, catalogs)
        from fleetrisk.reports.diff import diff_assessments, gating_changes, render_diff_json, render_diff_md

        result = diff_assessments(before, after)
        text = render_diff_json(result, gate) if fmt is DiffFormat.json else render_diff_md(result, lang.value, gate)
        sys.stdout.write(text)
        return len(gating_changes(result, gate)) if gate else 0

    failing = guard(run)
    if failing:
        err.print(f"{failing} change(s) add an open finding at or above {gate}", markup=False)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the report commands to ``app``."""
    add_command(app, diff)
