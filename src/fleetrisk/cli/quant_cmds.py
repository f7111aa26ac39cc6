"""Quantitative commands: simulate (annual loss) and plan (controls to fund)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.cells import cell_len
from rich.table import Table

from fleetrisk._version import __version__
from fleetrisk.cli._common import (
    ITERATIONS,
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
from fleetrisk.reports.dot_layout import wrap_columns
from fleetrisk.reports.i18n import money
from fleetrisk.reports.quant_text import percent, plan_labels
from fleetrisk.reports.ui_text import entry_label, outcome_label
from fleetrisk.textsafe import json_inert

if TYPE_CHECKING:  # numpy, HiGHS and these classes load only when these commands run
    from fleetrisk.engine.simulate import Progress as ProgressCallback
    from fleetrisk.quant_results import PlanReport, Provenance, SimulationReport


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
    iterations: Annotated[int, typer.Option(help="Simulated years.")] = ITERATIONS,
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
            sim = simulation.simulate(setup.quant, setup.inputs, iterations, seed, progress=progress,
                                      losses=setup.losses)
        report = simulation.simulation_report(setup.quant, setup.inputs, sim, model=loaded.file,
                                              tool=f"fleetrisk {__version__}", exact=setup.exact)
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
    iterations: Annotated[int, typer.Option(help="Simulated years for risk before and after (the same "
                                            "default as assess --budget).")] = ITERATIONS,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the random numbers, 0 or more.")] = 1,
    fmt: Annotated[QuantFormat, typer.Option("--format", "-f", case_sensitive=False)] = QuantFormat.table,
    lang: Annotated[Lang, typer.Option(help="Table language.", case_sensitive=False)] = Lang.en,
    as_of: AsOfOption = None,
    evidence: EvidenceOption = None,
    catalogs: CatalogOption = None,
) -> None:
    """Choose the controls to fund, by exact integer programming (HiGHS)."""

    def run() -> None:
        from fleetrisk.engine.plan import check_budget
        from fleetrisk.engine.quant_run import check_iterations, loss_setup, run_plan

        check_iterations(iterations)
        if budget is None:
            raise UsageError("--budget is required",
                             hint="a yearly amount in the model's currency, e.g. --budget 500000")
        loaded = load_model_file(default_model(model))
        setup = loss_setup(loaded, catalog_for(loaded, catalogs), as_of=parse_date(as_of),
                           evidence=load_evidence_for(evidence, loaded))
        check_budget(budget, setup.inputs)
        with _progress("simulating") as progress:
            report, _ = run_plan(setup, objective.value, budget, iterations, seed, lang=lang.value,
                                 tool=f"fleetrisk {__version__}", progress=progress)
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
    stderr = f"{'（' if lang == 'ja' else ' ('}{t['stderr']}{'）' if lang == 'ja' else ')'}"
    lines = [(t["expected_exact"], money(loss.expected, cur, lang)),
             (t["simulated_mean"], f"{money(loss.mean, cur, lang)} ± {money(loss.mean_stderr, cur, lang)}{stderr}"),
             *((t[name], money(value, cur, lang)) for name, value in (("p50", loss.p50), ("p90", loss.p90),
                                                                      ("p99", loss.p99))),
             (t["probability_of_loss"], percent(loss.probability_of_loss))]
    width = max(cell_len(label) for label, _ in lines)
    for label, value in lines:
        out.print(f"  {label}{' ' * (width - cell_len(label))}  {value}", markup=False)
    tables = (("outcome", t["by_outcome"], report.by_outcome), ("fleet", t["by_fleet"], report.by_fleet),
              ("entry", t["by_entry"], report.by_entry))
    for kind, title, rows in tables:
        table = Table(title=title, title_justify="left")
        for column in (t["name"], t["expected"], t["share"], t["events"]):
            table.add_column(column, overflow="fold")
        for row in rows[:10]:
            table.add_row(_row_name(kind, row.id, lang), money(row.expected_loss, cur, lang), f"{row.share:.1%}",
                          f"{row.events:.3f}")
        out.print(table)
    _print_provenance(report.provenance, loss.expected, cur, lang)


def _print_provenance(provenance: Provenance, expected: float, cur: str, lang: str) -> None:
    """Where the figures come from, and the expected loss against the model's revenue."""
    t = plan_labels(lang)
    if provenance.revenue:
        low, high = provenance.revenue_band
        _say(t["share_line"].format(share=percent(expected / provenance.revenue),
                                    revenue=money(provenance.revenue, cur, lang), low=percent(low), high=percent(high)))
        if provenance.within_band is False:
            share = expected / provenance.revenue
            _say(t["share_above" if share > high else "share_below"])
    else:
        _say(t["no_revenue"])
    _say(t["max_frequency"].format(value=f"{provenance.max_outcome_frequency:.2f}"))
    _say(t["provenance"].format(count=len(provenance.defaults_used), version=provenance.defaults_version))


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
    for column in (t["control"], t["title"], t["cost"], t["marginal"], t["flag_column"]):
        table.add_column(column, overflow="fold")
    for control in report.controls:
        table.add_row(control.id, control.title, money(control.cost, cur, lang),
                      f"{money(control.marginal_value, cur, lang)}\n± {money(control.marginal_stderr, cur, lang)}",
                      t["within_noise"] if control.within_noise else "")
    out.print(table)
    separator = "／" if lang == "ja" else "; "
    colon = "：" if lang == "ja" else ": "
    _say(f"{t['budget']}{colon}{money(report.budget, cur, lang)}{separator}{t['cost']}{colon}"
         f"{money(report.cost, cur, lang)}")
    _say(f"{t['risk_before']}{colon}{money(report.risk_before, cur, lang)}")
    _say(f"{t['risk_after']}{colon}{money(report.risk_after, cur, lang)}")
    sim = report.simulated
    _say(t["simulated_line"].format(
        before=money(sim.before, cur, lang), before_se=money(sim.before_stderr, cur, lang),
        after=money(sim.after, cur, lang), after_se=money(sim.after_stderr, cur, lang),
        reduction=money(sim.reduction, cur, lang), reduction_se=money(sim.reduction_stderr, cur, lang)))
    _say(t["exact_note"])
    if any(c.within_noise for c in report.controls):
        _say(t["noise_note"].format(z="2"))
    _print_provenance(report.provenance, report.risk_before, cur, lang)


def _say(text: str) -> None:
    """A sentence wrapped at the terminal's width (COLUMNS), Japanese between wide characters."""
    for line in wrap_columns(text, out.width):
        out.print(line, markup=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add the quantitative commands to ``app``."""
    add_command(app, simulate)
    add_command(app, plan)
