"""Fetching TUF metadata through the scope gate: one rate slot per file, no redirects, a size cap
and a hard deadline per file (:mod:`fleetrisk.probes.bounded`)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import httpx
from tuf.api.exceptions import DownloadError, DownloadHTTPError
from tuf.ngclient import FetcherInterface

from fleetrisk.messages import word
from fleetrisk.probes import bounded
from fleetrisk.probes.scope import BudgetExhausted, Gate, ScopeError

MAX_BYTES = 4 * 1024 * 1024
#: Longest one metadata file may take to arrive (never past the run's budget).
FILE_DEADLINE = 30.0


class ScopedFetcher(FetcherInterface):
    """A python-tuf fetcher that asks the gate before every request."""

    def __init__(self, gate: Gate, verify: ssl.SSLContext | bool) -> None:
        self.gate = gate
        self.client = bounded.new_client(verify)

    def _fetch(self, url: str) -> Iterator[bytes]:
        try:
            reply = bounded.get(self.client, self.gate, url, cap=MAX_BYTES, seconds=FILE_DEADLINE)
        except bounded.CutOff as exc:
            raise DownloadError(f"{url}: {exc}") from exc
        except httpx.HTTPError as exc:
            raise DownloadError(f"{url}: {exc}") from exc
        if reply.status != 200:
            raise DownloadHTTPError(f"HTTP {reply.status} for {url}", reply.status)
        if reply.cut_off is not None:
            raise DownloadError(f"{url}: {word(reply.cut_off, 'en')}" + (
                f"; metadata larger than {MAX_BYTES:,} bytes is not read" if reply.cut_off.key == "check.cut_cap"
                else ""))
        return iter([reply.body])

    def get(self, url: str) -> bytes:
        """The whole body of ``url``; scope and budget errors pass through unwrapped."""
        try:
            return b"".join(self.fetch(url))
        except DownloadError as exc:
            reraise_gate_errors(exc)
            raise

    def close(self) -> None:
        self.client.close()


def reraise_gate_errors(exc: BaseException) -> None:
    """python-tuf wraps fetcher errors; unwrap ours so the runner sees them."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, BudgetExhausted | ScopeError):
            raise cause
        cause = cause.__cause__ or cause.__context__
