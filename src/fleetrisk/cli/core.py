"""Core commands: assess, validate, schema, catalog (registered with its subcommands by catalog_cmds), init."""

from __future__ import annotations

import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from fleetrisk._version import __version__
from fleetrisk.atomic import write_all_atomic, write_atomic
from fleetrisk.catalog.organisation import Folder, load_catalogs
from fleetrisk.cli._common import (
    ITERATIONS,
    AsOfOption,
    CatalogOption,
    EvidenceOption,
    Lang,
    Level,
    add_command,
    amount,
    catalog_for,
    default_model,
    err,
    guard,
    keep,
    load_evidence_for,
    out,
    parse_date,
)
from fleetrisk.cli._examples import DEFAULT_EXAMPLE, example_names, example_path, example_summary
from fleetrisk.cli._files import load_model_file
from fleetrisk.cli._outputs import check_output
from fleetrisk.engine.assess import assess as run_assessment
from fleetrisk.errors import UsageError
from fleetrisk.model.loader import LoadedModel
from fleetrisk.model.schema import ServiceModel
from fleetrisk.reports import WRITERS, render_report
from fleetrisk.reports.catalog_view import render_catalog_json, render_catalog_md, render_catalog_table
from fleetrisk.reports.i18n import labels, number, wildcard_line
from fleetrisk.reports.quant_text import plan_labels
from fleetrisk.results import (
    Assessment,
)
from fleetrisk.textsafe import inert, json_inert
from fleetrisk.vocab import BANDS

if TYPE_CHECKING:  # loss results load only with --loss
    from fleetrisk.quant_results import LossView


class CatalogFormat(StrEnum):
    table = "table"
    json = "json"
    md = "md"


def _formats(raw: str | None) -> list[str]:
    if raw is None:
        return []
    names = [part.strip().lower() for part in raw.split(",") if part.strip()]
    unknown = [n for n in names if n not in WRITERS]
    if unknown or not names:
        raise UsageError(f"unknown format(s): {', '.join(unknown) or raw!r}",
                         hint=f"choose from {', '.join(WRITERS)}")
    return list(dict.fromkeys(names))


def assess(
    model: Annotated[Path | None, typer.Argument(help="Model file (default: the bundled example).")] = None,
    fmt: Annotated[str | None, typer.Option("--format", "-f", help="Comma-separated: md,json,html,sarif,csv.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write DIR/report.<ext>.")] = None,
    lang: Annotated[Lang, typer.Option(help="Report language.", case_sensitive=False)] = Lang.en,
    fail_on: Annotated[Level, typer.Option("--fail-on", help="Exit 1 on an open finding at or above.",
                                           case_sensitive=False)] = Level.none,
    as_of: AsOfOption = None,
    evidence: EvidenceOption = None,
    loss: Annotated[bool, typer.Option("--loss", help="Simulate annual loss; the HTML report shows the curve.")]
    = False,
    budget: Annotated[float | None, typer.Option(callback=amount, help="Yearly budget: implies --loss and adds "
                                                 "the plan's controls and risk before and after.")] = None,
    iterations: Annotated[int, typer.Option(help="Simulated years (with --loss).")] = ITERATIONS,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the random numbers, 0 or more (with --loss).")] = 1,
    force: Annotated[bool, typer.Option("--force", help="Replace files in DIR that fleetrisk did not write, even "
                                        "an input of this run; earlier reports are replaced without it.")] = False,
    catalogs: CatalogOption = None,
) -> None:
    """Assess a model: findings ranked by fleet impact."""

    def run() -> Assessment:
        if model is None and fail_on is not Level.none:
            raise UsageError("--fail-on needs a MODEL: without one it would gate the bundled example",
                             hint=f"name the model to gate: fleetrisk assess MODEL --fail-on {fail_on.value}")
        formats = _formats(fmt)
        if output is None and len(formats) > 1:
            raise UsageError("several formats need --output DIR", hint="or give a single --format")
        if output is None and "html" in formats:
            raise UsageError("the HTML report is a file for a browser: it needs --output DIR",
                             hint="add --output DIR to write DIR/report.html; md, json, sarif and csv can go to stdout")
        if output is not None:
            inputs = [(model, "model"), (evidence, "evidence file")]  # the bundled example is never in DIR
            _check_output_dir(output, formats or ["md", "json"], inputs, force)
        date = parse_date(as_of)
        loaded = load_model_file(default_model(model))
        checks = load_evidence_for(evidence, loaded)
        rules = catalog_for(loaded, catalogs)
        result = run_assessment(loaded, rules, lang=lang.value, as_of=date, evidence=checks)
        keep(loaded)
        quant = None
        if loss or budget is not None:
            from fleetrisk.engine.quant_run import loss_view  # numpy and HiGHS load only for --loss

            quant = loss_view(loaded, iterations, seed, budget, lang=lang.value, tool=f"fleetrisk {__version__}",
                              as_of=date, evidence=checks, catalog=rules)
        if output is not None:
            _write_reports(result, formats or ["md", "json"], output, loaded, quant)
            _print_summary(result, quant)
        elif formats:
            sys.stdout.write(render_report(formats[0], result, loaded, quant))
        else:
            _print_summary(result, quant)
        return result

    result = guard(run)
    if fail_on is not Level.none:
        floor = BANDS.index(fail_on.value)
        gating = [f for f in result.findings if f.status == "open" and BANDS.index(f.risk.band) >= floor]
        if gating:
            err.print(f"{len(gating)} open finding(s) at or above {fail_on.value}", markup=False)
            raise typer.Exit(1)


REPORT_SUFFIXES = frozenset(f".{name}" for name in WRITERS)


def _check_output_dir(output: Path, formats: list[str], inputs: list[tuple[Path | None, str]], force: bool) -> None:
    """Refuse an --output that names a report file (it is the directory the reports go in), and
    report files that may not be replaced (see :mod:`fleetrisk.cli._outputs`), before any work."""
    if output.suffix.lower() in REPORT_SUFFIXES and not output.is_dir():
        parent = output.parent
        raise UsageError(f"--output {output} looks like a file name, but it is the directory for the reports",
                         hint=f"--output {parent} writes {', '.join(f'{parent}/report.{name}' for name in formats)}")
    if output.is_dir():
        for name in formats:
            check_output(output / f"report.{name}", kind=name, inputs=inputs, force=force)


def _write_reports(result: Assessment, formats: list[str], directory: Path, loaded: LoadedModel,
                   quant: LossView | None) -> None:
    """Render every format, then write them all or none (a failure leaves the folder as it was)."""
    texts = {directory / f"report.{name}": render_report(name, result, loaded, quant) for name in formats}
    try:
        directory.mkdir(parents=True, exist_ok=True)
        write_all_atomic(texts)
    except OSError as exc:
        where = exc.filename or directory
        raise UsageError(f"cannot write {where}: {exc.strerror or exc}; no report was written") from exc
    err.print(f"wrote {', '.join(f'{directory}/report.{n}' for n in formats)}", markup=False)
    earlier = [f"report.{n}" for n in WRITERS if n not in formats and (directory / f"report.{n}").is_file()]
    if earlier:
        err.print(f"note: {', '.join(earlier)} in {directory} {'is' if len(earlier) == 1 else 'are'} from an "
                  "earlier run, not this one", markup=False)


def _print_summary(result: Assessment, quant: LossView | None = None) -> None:
    """The summary table and totals, wrapped to the terminal's width (or COLUMNS) like the table."""
    t = labels(result.lang)
    table = Table(title=f"{result.service.name}: {t['families']}", title_justify="left")
    table.add_column(t["family"], overflow="fold")
    table.add_column(t["threat"], overflow="fold")
    for column in (t["open"], t["unknown"], t["mitigated"]):
        table.add_column(column, overflow="fold", justify="right")
    table.add_column(t["highest"], overflow="fold")
    for fam in result.families:
        highest = t[f"band_{fam.highest}"] if fam.highest else "-"
        table.add_row(fam.family, fam.title, str(fam.open), str(fam.unknown), str(fam.mitigated), highest)
    out.print(table)
    bands = ", ".join(f"{t['band_' + b]} {n}" for b, n in result.summary.open_by_band.items())
    out.print(f"{t['top_risks']}: {bands}", markup=False, soft_wrap=False)
    out.print(f"{t['devices_at_risk']}: {number(result.summary.devices_at_risk, result.lang)}", markup=False,
              soft_wrap=False)
    reached = ", ".join(f"{t['band_' + b]} {n}" for b, n in result.summary.outcomes_by_band.items())
    out.print(f"{t['outcomes_reached']}: {reached}", markup=False, soft_wrap=False)
    if result.summary.suppressed_by_wildcard:
        out.print(wildcard_line(result.summary.suppressed_by_wildcard, result.lang), markup=False, soft_wrap=False)
    if quant is not None:
        q = plan_labels(result.lang)
        line = f"{q['risk_before']}: {quant.expected_before:,.0f} {quant.currency}"
        if quant.plan is not None:
            line += f"; {q['risk_after']}: {quant.plan.risk_after:,.0f} {quant.currency}"
        out.print(line, markup=False, soft_wrap=False)


def init(
    path: Annotated[Path | None, typer.Argument(
        help="Where to write it (default: fleetrisk.yaml, or NAME.yaml with --example).")] = None,
    example: Annotated[str | None, typer.Option(
        "--example", metavar="NAME", help="Write the bundled example NAME instead of the starter model; "
        "'--example list' lists them.")] = None,
) -> None:
    """Write a commented starter model to edit, or one of the bundled examples."""

    def run() -> None:
        if example is not None and example.strip().lower() == "list":
            _list_examples()
            return
        if example is not None:
            source = example_path(example)
            target = path if path is not None else Path(source.name)
            text = source.read_text(encoding="utf-8")
        else:
            from importlib import resources  # only this command reads package files this way

            target = path if path is not None else Path("fleetrisk.yaml")
            text = (resources.files("fleetrisk") / "templates" / "starter.yaml").read_text(encoding="utf-8")
        refusal = UsageError(f"{target} already exists", hint="choose another path; fleetrisk never overwrites a model")
        if target.is_symlink():  # even one to nothing: the model would land wherever it points
            raise UsageError(f"{target} is a symbolic link (to {os.readlink(target)}): fleetrisk does not write "
                             "through links", hint="remove the link, or choose another path")
        if target.exists():
            raise refusal
        try:
            write_atomic(target, text, exclusive=True)
        except FileExistsError as exc:
            raise refusal from exc
        except OSError as exc:
            raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from exc
        out.print(f"wrote {target}; next: fleetrisk validate {target} && fleetrisk assess {target}", markup=False)

    guard(run)


def _list_examples() -> None:
    names = example_names()
    width = max(map(len, names), default=0)
    for name in names:
        out.print(f"{name:<{width}}  {example_summary(name)}".rstrip(), markup=False)
    out.print(f"write one with: fleetrisk init --example {DEFAULT_EXAMPLE}", markup=False)


def validate(model: Annotated[Path, typer.Argument(help="Model file.")], catalogs: CatalogOption = None) -> None:
    """Check a model file; report every problem with its line and column."""

    def run() -> None:
        loaded = load_model_file(model)
        run_assessment(loaded, catalog_for(loaded, catalogs))  # also checks controls and tracking entries
        m = loaded.model
        out.print(
            f"{model}: valid ({len(m.fleets)} fleets, {len(m.components)} components, "
            f"{len(m.keys)} keys, {len(m.data)} data sets, {len(m.flows)} flows)",
            markup=False,
        )

    guard(run)


def schema(
    kind: Annotated[str, typer.Option(help="model or report")] = "model",
) -> None:
    """Print the JSON Schema of the model format (or of the JSON report)."""

    def run() -> None:
        if kind.lower() not in ("model", "report"):
            raise UsageError(f"unknown schema kind {kind!r}", hint="model or report")
        sys.stdout.write(schema_text(kind.lower()))

    guard(run)


def schema_text(kind: str) -> str:
    """The committed JSON Schema text for ``kind`` (model or report)."""
    data: dict[str, Any]
    if kind == "model":
        data = ServiceModel.model_json_schema(by_alias=True)
        data["$id"] = "https://fleetrisk.dev/schemas/model-1.json"
    else:
        data = Assessment.model_json_schema(mode="serialization")
        data["$id"] = "https://fleetrisk.dev/schemas/report-1.json"
    data["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def catalog(
    ctx: typer.Context,
    family: Annotated[str | None, typer.Option(help="Only this family, e.g. T6.")] = None,
    fmt: Annotated[CatalogFormat, typer.Option("--format", "-f", case_sensitive=False)] = CatalogFormat.table,
    lang: Annotated[Lang, typer.Option(case_sensitive=False)] = Lang.en,
    catalogs: CatalogOption = None,
) -> None:
    """Show the threat catalog: scenarios and controls; 'catalog check' and 'catalog test' check a catalog."""
    if ctx.invoked_subcommand is not None:
        return

    def run() -> None:
        cat = load_catalogs([Folder(path, str(path)) for path in catalogs or ()])
        only = family.upper() if family is not None else None
        if only is not None and only not in {f.id for f in cat.taxonomy.families}:
            raise UsageError(f"unknown family {family!r}", hint="T1 .. T8")
        if fmt is CatalogFormat.json:  # organisation catalogs are untrusted text like a model
            sys.stdout.write(json_inert(render_catalog_json(cat, only)))
        elif fmt is CatalogFormat.md:
            sys.stdout.write(inert(render_catalog_md(cat, only, lang.value)))
        else:
            out.print(render_catalog_table(cat, only, lang.value))

    guard(run)


def register(app: typer.Typer) -> None:
    """Add the core commands to ``app``."""
    add_command(app, assess)
    add_command(app, validate)
    add_command(app, schema)
    add_command(app, init)
