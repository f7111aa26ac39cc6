"""The workbench: a local web app to build, question, triage and what-if a model.

``fleetrisk serve [MODEL | DIR]`` starts it. The model file stays the only source of truth
(:mod:`.workspace`, :mod:`.yamledit`); every page is rendered from one analysis (:mod:`.views`,
:mod:`.app`); :mod:`.security` keeps it to the person who started it.

Public API: :func:`make_app` (the guarded ASGI application) and :func:`check_bind`.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from starlette.types import ASGIApp

from fleetrisk.errors import UsageError
from fleetrisk.workbench.app import application
from fleetrisk.workbench.security import Guard, is_loopback
from fleetrisk.workbench.workspace import Workspace

LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"]


def check_bind(host: str, allow_remote: bool) -> None:
    """Refuse an address other machines can reach, unless the flag that allows it was given."""
    if not is_loopback(host) and not allow_remote:
        raise UsageError(f"refusing to listen on {host}: other machines could reach the workbench",
                         hint="it listens on 127.0.0.1 by default; pass --allow-remote to listen on "
                              "another address (anyone who can reach it and has the token can change the model)")


def make_app(target: Path, *, host: str = "127.0.0.1", port: int, secret: str | None = None) -> tuple[ASGIApp, str]:
    """The guarded workbench over ``target`` (a model file or a folder of models) and its secret."""
    secret = secret or secrets.token_urlsafe(32)
    named = host if ":" not in host else f"[{host}]"  # the address 'fleetrisk serve' prints
    hosts = LOOPBACK_NAMES if named in LOOPBACK_NAMES else [*LOOPBACK_NAMES, named]
    workspace = Workspace(target)
    return Guard(application(workspace, secret), secret=secret, hosts=hosts, port=port), secret


__all__ = ["check_bind", "make_app"]
