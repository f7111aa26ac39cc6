"""Quantitative commands: simulate (annual loss) and plan (controls to fund)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from fleetrisk._version import __version__
from fleetrisk.cli._common import (
    AsOfOption,
    CatalogOption,
    EvidenceOption,
    Lang,
    add_command,
    amount,
    catalog_for,
    default_model,
    err,
    guard,
    load_evidence_for,
    out,
    parse_date,
)
from fleetrisk.cli._files import load_model_file
from fleetrisk.errors import UsageError
from fleetrisk.reports.i18n import money
from fleetrisk.reports.quant_text import plan_labels
from fleetrisk.reports.ui_text import entry_label, outcome_label
from fleetrisk.textsafe import json_inert

if TYPE_CHECKING:  # numpy, HiGHS and these classes load only when these commands run
    from fleetrisk.engine.simulate import Progress as ProgressCallback
    from fleetrisk.quant_results import PlanReport, SimulationReport


class QuantFormat(StrEnum):
    table = "table"
    json = "json"


class PlanObjective(StrEnum):
    loss = "loss"
    critical_paths = "critical-paths"


@contextmanager
def _progress(label: str) -> Iterator[ProgressCallback | None]:
    """A progress bar on stderr when it is a terminal; nothing otherwise."""
    if not err.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeRemainingColumn

    with Progress(label, BarColumn(), TaskProgressColumn(), TimeRemainingColumn(), console=err,
                  transient=True) as bar:
        task = bar.add_task(label, total=1)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def simulate(
    model: Annotated[Path | None, typer.Argument(help="Model file (default: the bundled example).")] = None,
    iterations: Annotated[int, typer.Option(help="Simulated years.")] = 100_000,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the random numbers, 0 or more (same seed, same "
                                               "output).")] = 1,
    fmt: Annotated[QuantFormat, typer.Option("--format", "-f", case_sensitive=False)] = QuantFormat.table,
    lang: Annotated[Lang, typer.Option(help="Table language.", case_sensitive=False)] = Lang.en,
    as_of: AsOfOption = None,
    evidence: EvidenceOption = None,
    catalogs: CatalogOption = None,
) -> None:
    """Simulate annual loss (Open FAIR style) over the attack graph."""

    def run() -> None:
        from fleetrisk.engine import simulate as simulation
        from fleetrisk.engine.quant_run import check_iterations, loss_setup

        check_iterations(iterations)
        loaded = load_model_file(default_model(model))
        setup = loss_setup(loaded, catalog_for(loaded, catalogs), as_of=parse_date(as_of),
                           evidence=load_evidence_for(evidence, loaded))
        with _progress("simulating") as progress:
            sim = simulation.simulate(setup.quant, setup.inputs, iterations, seed, progress=progress)
        report = simulation.simulation_report(setup.quant, setup.inputs, sim, model=loaded.file,
                                              tool=f"fleetrisk {__version__}")
        if fmt is QuantFormat.json:
            sys.stdout.write(json_inert(report.model_dump_json(indent=2)) + "\n")
        else:
            _print_simulation(report, lang.value)

    guard(run)


def plan(
    model: Annotated[Path | None, typer.Argument(help="Model file (default: the bundled example).")] = None,
    budget: Annotated[float | None, typer.Option(callback=amount, help="Yearly budget, in the model's loss "
                                                 "currency (zero or more).")] = None,
    objective: Annotated[PlanObjective, typer.Option(help="loss: least expected loss within the budget; "
                                                     "critical-paths: cut every path to critical outcomes.",
                                                     case_sensitive=False)]
    = PlanObjective.loss,
    iterations: Annotated[int, typer.Option(help="Simulated years for risk before and after.")] = 20_000,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the random numbers, 0 or more.")] = 1,
    fmt: Annotated[QuantFormat, typer.Option("--format", "-f", case_sensitive=False)] = QuantFormat.table,
    lang: Annotated[Lang, typer.Option(help="Table language.", case_sensitive=False)] = Lang.en,
    as_of: AsOfOption = None,
    evidence: EvidenceOption = None,
    catalogs: CatalogOption = None,
) -> None:
    """Choose the controls to fund, by exact integer programming (HiGHS)."""

    def run() -> None:
        from fleetrisk.engine import simulate as simulation
        from fleetrisk.engine.plan import check_budget
        from fleetrisk.engine.quant_run import check_iterations, choose_plan, loss_setup, plan_report

        check_iterations(iterations)
        if budget is None:
            raise UsageError("--budget is required",
                             hint="a yearly amount in the model's currency, e.g. --budget 500000")
        loaded = load_model_file(default_model(model))
        setup = loss_setup(loaded, catalog_for(loaded, catalogs), as_of=parse_date(as_of),
                           evidence=load_evidence_for(evidence, loaded))
        check_budget(budget, setup.inputs)
        with _progress("simulating") as progress:
            sim = simulation.simulate(setup.quant, setup.inputs, iterations, seed, progress=progress)
        chosen = choose_plan(setup, sim, objective.value, budget)
        report = plan_report(setup, sim, chosen, objective=objective.value, budget=budget, lang=lang.value,
                             tool=f"fleetrisk {__version__}")
        if fmt is QuantFormat.json:
            sys.stdout.write(json_inert(report.model_dump_json(indent=2)) + "\n")
        else:
            _print_plan(report, lang.value)

    guard(run)




def _print_simulation(report: SimulationReport, lang: str) -> None:
    t = plan_labels(lang)
    loss = report.annual_loss
    cur = report.currency
    if lang == "ja":
        out.print(f"{t['annual_loss']}（{report.iterations:,} {t['years']}、乱数シード {report.seed}）", markup=False)
    else:
        out.print(f"{t['annual_loss']} ({report.iterations:,} {t['years']}, seed {report.seed})", markup=False)
    for name, value in (("mean", loss.mean), ("p50", loss.p50), ("p90", loss.p90), ("p99", loss.p99)):
        out.print(f"  {t[name]:<12} {money(value, cur, lang)}", markup=False)
    tables = (("outcome", t["by_outcome"], report.by_outcome), ("fleet", t["by_fleet"], report.by_fleet),
              ("entry", t["by_entry"], report.by_entry))
    for kind, title, rows in tables:
        table = Table(title=title, title_justify="left")
        for column in (t["name"], t["expected"], t["share"], t["events"]):
            table.add_column(column, overflow="fold")
        for row in rows[:10]:
            table.add_row(_row_name(kind, row.id, lang), money(row.expected_loss, cur, lang), f"{row.share:.1%}",
                          f"{row.events:.2f}")
        out.print(table)


def _row_name(kind: str, row_id: str, lang: str) -> str:
    """A row of the loss tables as a reader names it: outcome @ target, or an entry's label."""
    if kind == "outcome":
        outcome, _, target = row_id.partition("@")
        return f"{outcome_label(outcome, lang)} @ {target}"
    if kind == "entry":
        return entry_label(row_id, lang)
    return row_id


def _print_plan(report: PlanReport, lang: str) -> None:
    t = plan_labels(lang)
    cur = report.currency
    table = Table(title=f"{t['plan']} ({t['objective_' + report.objective]})", title_justify="left")
    for column in (t["control"], t["title"], t["cost"], t["marginal"]):
        table.add_column(column, overflow="fold")
    for control in report.controls:
        table.add_row(control.id, control.title, money(control.cost, cur, lang),
                      money(control.marginal_value, cur, lang))
    out.print(table)
    separator = "／" if lang == "ja" else "; "
    out.print(f"{t['budget']}: {money(report.budget, cur, lang)}{separator}{t['cost']}: "
              f"{money(report.cost, cur, lang)}", markup=False)
    out.print(f"{t['risk_before']}: {money(report.risk_before, cur, lang)}", markup=False)
    out.print(f"{t['risk_after']}: {money(report.risk_after, cur, lang)}", markup=False)


def register(app: typer.Typer) -> None:
    """Add the quantitative commands to ``app``."""
    add_command(app, simulate)
    add_command(app, plan)
