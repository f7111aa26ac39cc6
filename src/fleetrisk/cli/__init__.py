"""Command-line interface: a thin shell over the library.

Exit codes: 0 ok; 1 findings at or above ``--fail-on`` (or failing catalog cases); 2 bad input or usage.
Errors are printed as ``file:line:col: error[...]: message`` with a hint, never a traceback.
Each command group lives in its own module and is added here explicitly.
"""

from __future__ import annotations

import gc
import sys
from typing import Annotated, Protocol, cast

import typer
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from fleetrisk._version import __version__
from fleetrisk.cli import (
    catalog_cmds,
    core,
    explain_cmd,
    interop_cmds,
    paths_cmd,
    quant_cmds,
    questions_cmd,
    reports_cmds,
    serve_cmd,
    verify_cmd,
)
from fleetrisk.cli._common import err, out
from fleetrisk.errors import UsageError

app = typer.Typer(
    name="fleetrisk",
    help="Threat modeling and risk assessment for IoT cloud services, at fleet scale.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        out.print(f"fleetrisk {__version__}", markup=False)
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """fleetrisk: describe an IoT cloud service, get its threats ranked by fleet impact."""


core.register(app)
catalog_cmds.register(app)
paths_cmd.register(app)
verify_cmd.register(app)
reports_cmds.register(app)
interop_cmds.register(app)
quant_cmds.register(app)
serve_cmd.register(app)
questions_cmd.register(app)
explain_cmd.register(app)


class _ClickError(Protocol):
    """What the command-line parser's own errors (unknown option, bad value...) offer."""

    exit_code: int

    def format_message(self) -> str: ...


#: The parser's error classes, from whichever click typer runs on (its own copy, or the click package).
_CLICK_ERRORS: tuple[type[Exception], ...] = tuple(
    c for c in typer.BadParameter.__mro__ if issubclass(c, Exception) and c.__name__ == "ClickException")


def main() -> None:
    """Run the command line; raises SystemExit with the exit code, like any click program."""
    # One short-lived run builds a large, acyclic object graph: the cyclic collector would
    # rescan it again and again for nothing, so the command line does without it.
    gc.disable()
    try:
        code = app(standalone_mode=False)
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        sys.exit(130)
    except _CLICK_ERRORS as exc:
        sys.exit(_show_parser_error(exc))
    sys.exit(code if isinstance(code, int) else 0)


def _show_parser_error(exc: Exception) -> int:
    """Print an error of the parser in our own form (``error[usage]: ...`` and a hint); return its exit code."""
    error = cast(_ClickError, exc)
    if type(exc).__name__ == "NoArgsIsHelpError":  # `fleetrisk` alone: the help
        err.print(error.format_message(), markup=False)
        return error.exit_code
    text = _bad_value(exc) if isinstance(exc, typer.BadParameter) else None
    if text is None:  # the parser's words, on one line ("Choose from:" lists come tab-indented)
        words = " ".join(error.format_message().split()).rstrip(".")
        text = words[:1].lower() + words[1:]
    command = getattr(getattr(exc, "ctx", None), "command_path", None)
    hint = f"see '{command} --help'" if isinstance(command, str) else None
    err.print(UsageError(text, hint=hint).render(), markup=False)
    return error.exit_code


def _bad_value(exc: typer.BadParameter) -> str | None:
    """``--option: what is wrong with the value``, in our words; None when the parser's message says no more."""
    param = exc.param
    if param is None:
        return None
    name = (param.name or "").upper() if param.param_type_name == "argument" else max(param.opts, key=len)
    cause = exc.__cause__
    if isinstance(cause, ValidationError) and cause.errors():
        return f"{name}: {_reason(cause.errors()[0])}"
    if not exc.format_message().startswith("Invalid value"):  # "Missing option '--scope'." and the like
        return None
    return f"{name}: {exc.message}"


def _reason(error: ErrorDetails) -> str:
    """Why a value was refused, from the structured validation error rather than its English wording."""
    kind, value, limits = error["type"], error.get("input"), error.get("ctx") or {}
    if kind == "value_error" and "error" in limits:  # the parser's own check, e.g. of a choice
        return str(limits["error"]).rstrip(".")
    if kind in ("int_parsing", "int_from_float"):
        return f"{value!r} is not a whole number"
    if kind == "float_parsing":
        return f"{value!r} is not a number"
    if kind == "greater_than_equal":
        return f"{value} is below the minimum, {limits['ge']}"
    if kind == "less_than_equal":
        return f"{value} is above the maximum, {limits['le']}"
    return error["msg"].rstrip(".")
