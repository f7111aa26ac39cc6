"""Fetching TUF metadata through the scope gate: one rate slot per file, no redirects, a size cap."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import httpx
from tuf.api.exceptions import DownloadError, DownloadHTTPError
from tuf.ngclient import FetcherInterface

from fleetrisk.probes.scope import BudgetExhausted, Gate, ScopeError
from fleetrisk.probes.targets import url_host_port

MAX_BYTES = 4 * 1024 * 1024
REQUEST_TIMEOUT = 5.0


class ScopedFetcher(FetcherInterface):
    """A python-tuf fetcher that asks the gate before every request."""

    def __init__(self, gate: Gate, verify: ssl.SSLContext | bool) -> None:
        self.gate = gate
        self.client = httpx.Client(verify=verify, follow_redirects=False, trust_env=False)

    def _fetch(self, url: str) -> Iterator[bytes]:
        host, port = url_host_port(url)
        self.gate.admit(host, port)
        with self.client.stream("GET", url, timeout=self.gate.timeout(REQUEST_TIMEOUT)) as response:
            if response.status_code != 200:
                raise DownloadHTTPError(f"HTTP {response.status_code} for {url}", response.status_code)
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_BYTES:
                    raise DownloadError(f"{url} is larger than {MAX_BYTES} bytes")
        return iter([bytes(body)])

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
