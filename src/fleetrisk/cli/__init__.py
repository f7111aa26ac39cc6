"""Command-line interface: a thin shell over the library.

Exit codes: 0 ok; 1 findings at or above ``--fail-on``; 2 bad input or usage.
Errors are printed as ``file:line:col: error[...]: message`` with a hint, never a traceback.
Each command group lives in its own module and is added here explicitly.
"""

from __future__ import annotations

import gc
import sys
from typing import Annotated

import typer

from fleetrisk._version import __version__
from fleetrisk.cli import core, interop_cmds, paths_cmd, quant_cmds, reports_cmds, verify_cmd
from fleetrisk.cli._common import err, out

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
paths_cmd.register(app)
verify_cmd.register(app)
reports_cmds.register(app)
interop_cmds.register(app)
quant_cmds.register(app)


def main() -> None:
    """Run the command line; raises SystemExit with the exit code, like any click program."""
    # One short-lived run builds a large, acyclic object graph: the cyclic collector would
    # rescan it again and again for nothing, so the command line does without it.
    gc.disable()
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        sys.exit(130)
