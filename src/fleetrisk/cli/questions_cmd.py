"""``fleetrisk questions``: the unstated facts that settle the most unknown findings."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from fleetrisk.cli._common import CatalogOption, Lang, add_command, catalog_for, default_model, guard
from fleetrisk.cli._files import load_model_file
from fleetrisk.engine.assess import assess
from fleetrisk.engine.questions import questions, unknown_share
from fleetrisk.reports.markdown import render_questions
from fleetrisk.textsafe import json_inert


class QuestionsFormat(StrEnum):
    md = "md"
    json = "json"


def questions_command(
    model: Annotated[Path | None, typer.Argument(help="Model file (default: the bundled example).")] = None,
    fmt: Annotated[QuestionsFormat, typer.Option("--format", "-f", case_sensitive=False)] = QuestionsFormat.md,
    lang: Annotated[Lang, typer.Option(case_sensitive=False)] = Lang.en,
    top: Annotated[int | None, typer.Option(min=1, help="Only the first N questions.")] = None,
    catalogs: CatalogOption = None,
) -> None:
    """List the facts the model leaves out, the ones that settle the most unknown findings first.

    Each question groups one field left out on elements of one type, with what it means, the
    values it takes, where the answer goes, and the unknown findings (weighted by risk) it settles.
    """

    def run() -> None:
        loaded = load_model_file(default_model(model))
        result = assess(loaded, catalog_for(loaded, catalogs), lang=lang.value)
        found = questions(result, top)
        if fmt is QuestionsFormat.json:
            data = {"unknown_findings": sum(1 for f in result.findings if f.status == "unknown"),
                    "settled_by_these": round(unknown_share(result, found), 4),
                    "questions": [q.model_dump(mode="json") for q in found]}
            sys.stdout.write(json_inert(json.dumps(data, ensure_ascii=False, indent=2)) + "\n")
        else:
            sys.stdout.write(render_questions(result, found) + "\n")

    guard(run)


def register(app: typer.Typer) -> None:
    add_command(app, questions_command, name="questions")
