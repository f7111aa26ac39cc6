"""Interoperability commands: import models from pytm, Threagile and Threat Dragon; export OTM."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from fleetrisk.atomic import write_all_atomic
from fleetrisk.cli._common import Lang, add_command, err, guard, out
from fleetrisk.cli._files import load_model_file, readable
from fleetrisk.cli._outputs import check_output
from fleetrisk.engine.assess import assess as run_assessment
from fleetrisk.errors import InputError, UsageError
from fleetrisk.model.loader import load_model_text
from fleetrisk.textsafe import json_inert

#: Questions shown after an import: the facts to add first (`fleetrisk questions` lists them all).
FIRST_QUESTIONS = 5


class Source(StrEnum):
    pytm = "pytm"
    threagile = "threagile"
    threat_dragon = "threat-dragon"
    otm = "otm"


class Target(StrEnum):
    otm = "otm"


def _check_free(path: Path | None, force: bool, source: Path, what: str) -> None:
    """Any existing file needs --force here: people edit what import and export write."""
    if path is not None:
        check_output(path, kind=None, inputs=[(source, what)], force=force)


def _write(files: dict[Path, str], force: bool) -> None:
    try:
        write_all_atomic(files, exclusive=not force)
    except FileExistsError as exc:
        raise UsageError(f"{exc.filename} already exists", hint="add --force to overwrite it") from exc
    except OSError as exc:
        raise UsageError(f"cannot write {exc.filename or ', '.join(map(str, files))}: {exc.strerror or exc}") \
            from exc


def import_model(
    file: Annotated[Path, typer.Argument(help="The peer tool's model file.")],
    source: Annotated[Source, typer.Option("--from", help="Format of FILE: pytm (its --json output), "
                                                          "threagile (YAML), threat-dragon (v1 or v2 JSON) or otm "
                                                          "(Open Threat Model JSON).", case_sensitive=False)],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Model file to write (default: stdout).")]
    = None,
    report: Annotated[Path | None, typer.Option(help="Also write the full mapping report (Markdown) here.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing output files.")] = False,
    lang: Annotated[Lang, typer.Option(help="Language of comments and report.", case_sensitive=False)] = Lang.en,
) -> None:
    """Import a pytm, Threagile, Threat Dragon or OTM model; report what was mapped, guessed and left to fill in,
    then the first questions to answer (as 'fleetrisk questions' lists them)."""

    def run() -> None:
        from fleetrisk.engine.questions import questions
        from fleetrisk.importers import import_file
        from fleetrisk.importers.writer import render_report, render_summary, render_yaml
        from fleetrisk.reports.markdown import render_questions

        if output is not None and report is not None and output.resolve() == report.resolve():
            raise UsageError("--output and --report name the same file")
        _check_free(output, force, file, f"{source.value} file")
        _check_free(report, force, file, f"{source.value} file")
        draft = import_file(source.value, readable(file, f"{source.value} file"))
        name = str(output) if output is not None else "<stdout>"
        text = render_yaml(draft, lang.value)
        try:
            loaded = load_model_text(text, name)
        except InputError as exc:  # syntax or validation: either way our output is at fault
            raise InputError(f"the imported model does not validate:\n{exc.render()}",
                             hint="this is a fleetrisk bug; please report it with the source file") from exc
        files = {} if output is None else {output: text}
        if report is not None:
            files[report] = render_report(draft, name, lang.value)
        if output is None:
            sys.stdout.write(text)
        _write(files, force)  # both files or neither
        stream = err if output is None else out
        stream.print(render_summary(draft, name, lang.value), markup=False, end="")
        result = run_assessment(loaded, lang=lang.value)
        stream.print("\n" + render_questions(result, questions(result, FIRST_QUESTIONS), heading="##"),
                     markup=False)

    guard(run)


def export(
    model: Annotated[Path, typer.Argument(help="fleetrisk model file.")],
    target: Annotated[Target, typer.Option("--to", help="Output format.", case_sensitive=False)],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing output file.")] = False,
    lang: Annotated[Lang, typer.Option(help="Language of threat text.", case_sensitive=False)] = Lang.en,
) -> None:
    """Export a model and its assessment to another format (Open Threat Model JSON)."""

    def run() -> None:
        from fleetrisk.importers.otm import render_otm

        _check_free(output, force, model, "model")
        loaded = load_model_file(model)
        text = json_inert(render_otm(loaded, run_assessment(loaded, lang=lang.value)))
        if output is None:
            sys.stdout.write(text)
        else:
            _write({output: text}, force)
            err.print(f"wrote {output}", markup=False)

    guard(run)


def register(app: typer.Typer) -> None:
    """Add the import and export commands to ``app``."""
    add_command(app, import_model, "import")
    add_command(app, export)
