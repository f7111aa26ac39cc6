"""Shared pieces of the command line: consoles, option types and error handling."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console

from fleetrisk.errors import FleetriskError, UsageError

DEFAULT_MODEL = "examples/smart-appliance-cloud.yaml"

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True, highlight=False)

T = TypeVar("T")


class Lang(StrEnum):
    en = "en"
    ja = "ja"


class Level(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"
    none = "none"


def guard(action: Callable[[], T]) -> T:
    """Run ``action``; turn our errors into a message and exit code 2."""
    try:
        return action()
    except FleetriskError as exc:
        err.print(exc.render(), markup=False)
        raise typer.Exit(2) from None
    except RecursionError:
        err.print("error[input]: input too deeply nested to process", markup=False)
        raise typer.Exit(2) from None


def default_model(model: Path | None) -> Path:
    """The model to use: the one given, or the bundled default example."""
    if model is not None:
        return model
    candidate = Path(DEFAULT_MODEL)
    if candidate.exists():
        return candidate
    raise UsageError("no MODEL given and no examples/smart-appliance-cloud.yaml here",
                     hint="pass the path of a model file")


def parse_date(raw: str | None) -> dt.date | None:
    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise UsageError(f"--as-of {raw!r} is not a date", hint="use YYYY-MM-DD") from exc
