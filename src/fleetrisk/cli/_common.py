"""Shared pieces of the command line: consoles, option types and error handling."""

from __future__ import annotations

import datetime as dt
import inspect
import math
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console, HighlighterType, JustifyMethod, OverflowMethod
from rich.style import Style
from rich.text import Text

from fleetrisk.cli._files import readable
from fleetrisk.errors import FleetriskError, UsageError
from fleetrisk.textsafe import inert

if TYPE_CHECKING:
    from fleetrisk.catalog.loader import Catalog
    from fleetrisk.evidence import Evidence
    from fleetrisk.model.loader import LoadedModel

#: Simulated years of simulate, plan and assess --loss/--budget: one default, so the same model,
#: budget and seed give the same figures from each.
ITERATIONS = 100_000


class InertConsole(Console):
    """A console for untrusted text: every string it prints, table cells and titles included,
    is plain text. No rich markup (``[/x]`` would crash the table, ``[link=...]`` would become a
    terminal hyperlink), no ``:emoji:`` codes, and control, bidirectional and zero-width
    characters shown as escapes (:func:`fleetrisk.textsafe.inert`). Styles rich adds itself
    (a table's bold header) still reach a colour terminal."""

    def __init__(self, **options: Any) -> None:
        super().__init__(markup=False, emoji=False, **options)

    def render_str(self, text: str, *, style: str | Style = "", justify: JustifyMethod | None = None,
                   overflow: OverflowMethod | None = None, emoji: bool | None = None, markup: bool | None = None,
                   highlight: bool | None = None, highlighter: HighlighterType | None = None) -> Text:
        return super().render_str(inert(text), style=style, justify=justify, overflow=overflow, emoji=False,
                                  markup=False, highlight=highlight, highlighter=highlighter)


out = InertConsole(soft_wrap=True)
err = InertConsole(stderr=True, soft_wrap=True, highlight=False)

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


#: Set by the process entry point, which ends the process without freeing anything: objects
#: handed to :func:`keep` then live until the end instead of being freed one by one on return
#: (about a tenth of a second for a model of 10,000 components and its assessment).
KEEP_UNTIL_EXIT = False
_kept: list[object] = []


def keep(*objects: object) -> None:
    """Leave large objects to the end of the process (only when the entry point ends it at once)."""
    if KEEP_UNTIL_EXIT:
        _kept.extend(objects)


def add_command(app: typer.Typer, function: Callable[..., None], name: str | None = None) -> None:
    """Add ``function`` as a command; the command list shows its summary whole, not cut short with '...'."""
    summary = (inspect.getdoc(function) or "").split("\n\n")[0]
    app.command(name=name, short_help=" ".join(summary.split()))(function)


def guard(action: Callable[[], T]) -> T:
    """Run ``action``; turn our errors into a message and exit code 2."""
    try:
        result = action()
        keep(result)
        return result
    except FleetriskError as exc:
        err.print(exc.render(), markup=False)
        raise typer.Exit(2) from None
    except RecursionError:
        err.print("error[input]: input too deeply nested to process", markup=False)
        raise typer.Exit(2) from None


def warn_stray_evidence(evidence: Evidence, loaded: LoadedModel) -> None:
    """Say which evidence checks name an element the model does not have (a typo changes nothing)."""
    model = loaded.model
    elements = {e.id for group in (model.zones, model.fleets, model.components, model.keys, model.data,
                                   model.flows, model.accounts) for e in group}
    strays = evidence.strays(elements)
    for line in strays[:10]:
        err.print(f"warning: evidence {line}, which is not in the model: it changes nothing", markup=False)
    if len(strays) > 10:
        err.print(f"warning: {len(strays) - 10} more evidence checks name elements not in the model", markup=False)


def default_model(model: Path | None) -> Path:
    """The model to use: the one given, or the bundled example, said on stderr so it is never a surprise."""
    if model is not None:
        return model
    from fleetrisk.cli._examples import DEFAULT_EXAMPLE, example_path, shown

    try:
        path = example_path(DEFAULT_EXAMPLE)
    except UsageError:
        raise UsageError("no MODEL given, and this installation has no bundled example",
                         hint="pass the path of a model file") from None
    err.print(f"no model given: using the bundled example {DEFAULT_EXAMPLE} "
              f"('fleetrisk init --example {DEFAULT_EXAMPLE}' writes a copy to edit)", markup=False)
    return shown(path)


AsOfOption = Annotated[str | None, typer.Option(help="Date for tracking expiry (YYYY-MM-DD).")]
EvidenceOption = Annotated[
    Path | None, typer.Option(help="Evidence JSON from 'fleetrisk verify': refuted controls stop mitigating, "
                              "observed facts replace the model's.")
]


def amount(value: float | None) -> float | None:
    """Callback of --budget: a finite amount, zero or more (nan, inf and negatives are usage errors)."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not an amount: give a finite number, zero or more")
    if value is not None and value < 0:
        raise typer.BadParameter(f"{value:g} is below zero: give an amount, zero or more")
    return value


CatalogOption = Annotated[
    list[Path] | None,
    typer.Option("--catalog", metavar="DIR", help="An organisation catalog folder to use beside the bundled one "
                 "(repeatable; a model can also list them under 'catalog:').", show_default=False),
]


def catalog_for(loaded: LoadedModel, folders: list[Path] | None) -> Catalog:
    """The catalog to analyse ``loaded`` with: bundled, the model's ``catalog:`` folders and ``--catalog``."""
    from fleetrisk.catalog.organisation import catalog_for as resolve

    return resolve(loaded, folders or ())


def load_evidence_for(path: Path | None, loaded: LoadedModel) -> Evidence | None:
    """The evidence file, if given, with a warning for each check naming an element not in the model."""
    if path is None:
        return None
    from fleetrisk.evidence import load_evidence

    checks = load_evidence(readable(path, "evidence file"))
    warn_stray_evidence(checks, loaded)
    return checks


def parse_date(raw: str | None) -> dt.date | None:
    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise UsageError(f"--as-of {raw!r} is not a date", hint="use YYYY-MM-DD") from exc
