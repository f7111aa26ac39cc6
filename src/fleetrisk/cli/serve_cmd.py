"""``fleetrisk serve``: the workbench, a local web app over a model file or a folder of models."""

from __future__ import annotations

import gc
import socket
from pathlib import Path
from typing import Annotated

import typer

from fleetrisk.cli._common import add_command, err, guard, out
from fleetrisk.errors import FileAccessError, UsageError


def serve_command(
    target: Annotated[Path, typer.Argument(
        help="A model file, or a folder of models for the portfolio. The workbench writes to it: "
             "'fleetrisk init --example smart-appliance-cloud' writes a copy of the example to try it on.")],
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: any free one).")] = 8765,
    host: Annotated[str, typer.Option(help="Address to listen on: loopback only unless --allow-remote.")]
    = "127.0.0.1",
    allow_remote: Annotated[bool, typer.Option(
        "--allow-remote", help="Allow an address other machines can reach.")] = False,
) -> None:
    """Start the workbench: a local web app to build, question, triage and what-if a model.

    The model file stays the only source of truth: answers, triage decisions and edits made in
    the browser are written to it with its comments and layout kept, and edits made in your own
    editor show in the browser as soon as you save them. It prints one address with a secret
    token; only a browser that opened it can use the workbench.
    """

    def run() -> None:
        import uvicorn

        from fleetrisk.workbench import check_bind, make_app

        check_bind(host, allow_remote)
        chosen = target
        if not chosen.exists():
            raise FileAccessError(f"cannot open {chosen}: no such file or folder", hint="check the path")
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                             hint="choose another port with --port, or --port 0 for any free one") from None
        sock.listen()  # before the address is printed: a browser opened at once waits, not refused
        bound = sock.getsockname()[1]
        app, secret = make_app(chosen, host=host, port=bound)
        shown = "127.0.0.1" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104 - compared, not bound
        out.print(f"fleetrisk workbench on {chosen}", markup=False)
        out.print(f"open: http://{shown if ':' not in shown else f'[{shown}]'}:{bound}/?token={secret}",
                  markup=False, soft_wrap=True)
        err.print("press Ctrl+C to stop", markup=False)
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        # A server lives long: the cyclic collector the command line goes without must run, or the
        # reference cycles of every analysis and page stay (3 MB for each change to the bundled
        # example). What start-up made (modules, catalog) is frozen out of its scans, and the
        # youngest objects are collected every 10,000 allocations rather than 700: an analysis
        # makes hundreds of thousands that live as long as its pages (at 700, re-analysing 1,000
        # components took 1.7 times as long as without the collector; at 10,000, 1.2 times).
        gc.freeze()
        gc.set_threshold(10_000, 10, 10)
        gc.enable()
        uvicorn.Server(config).run(sockets=[sock])

    guard(run)


def register(app: typer.Typer) -> None:
    add_command(app, serve_command, name="serve")
