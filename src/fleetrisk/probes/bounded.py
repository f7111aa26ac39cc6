"""Hard limits on one HTTP exchange: a wall-clock deadline and a byte cap.

A socket timeout bounds each wait, not the exchange: a server that sends one byte every two
seconds never trips a five-second read timeout, and one that sends an endless body never
stops (the whole body used to be read into memory). Here every request

- has a deadline (:class:`Deadline`): when it passes, the connection's socket is shut down,
  which ends at once whatever read, write or TLS handshake is waiting on it, headers included;
  the deadline is never later than the run's time budget;
- reads at most ``cap`` bytes of body, undecoded (no gzip or brotli bomb can expand), and
  stops there: the rest is never read;
- opens its own connection (no keep-alive), so that connection's socket is the one watched.

A reply whose status line and headers arrived is returned even when its body was cut off
(:attr:`Reply.cut_off` says why); one that had not got that far raises :class:`CutOff`.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from dataclasses import dataclass
from typing import Any

import httpx

from fleetrisk.messages import Text, word
from fleetrisk.probes.scope import Gate
from fleetrisk.probes.targets import url_host_port

#: Longest single wait (connect, one read) within a request.
WAIT = 5.0


class CutOff(Exception):
    """The exchange passed its deadline before the server's answer began."""

    def __init__(self, seconds: float) -> None:
        self.text = Text.of("check.cut_unanswered", seconds=f"{seconds:.1f}")
        super().__init__(word(self.text, "en"))


class Deadline:
    """Shuts down the sockets it watches once ``seconds`` have passed (a timer thread)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._timer.cancel()

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down when the deadline passes (at once if it already has)."""
        with self._lock:
            self._sockets.append(sock)
            if not self.expired:
                return
        _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


@dataclass(frozen=True)
class Reply:
    """What a server answered: status, headers and at most ``cap`` bytes of the body."""

    status: int
    headers: httpx.Headers
    body: bytes
    cut_off: Text | None = None  # why the body was not read to its end

    @property
    def size(self) -> Text:
        """The body's size: exact, or a lower bound when it was cut off."""
        if self.cut_off is None:
            return Text.of("check.size", n=f"{len(self.body):,}")
        return Text.of("check.size_cut", n=f"{len(self.body):,}", why=self.cut_off)


def new_client(verify: ssl.SSLContext | bool) -> httpx.Client:
    """A client that never follows redirects, ignores proxy settings and keeps no connection alive."""
    return httpx.Client(verify=verify, follow_redirects=False, trust_env=False,
                        limits=httpx.Limits(max_keepalive_connections=0))


def get(client: httpx.Client, gate: Gate, url: str, headers: dict[str, str] | None = None, *,
        cap: int, seconds: float, admit: bool = True) -> Reply:
    """GET ``url`` within ``seconds`` (and the run's budget), reading at most ``cap`` bytes of body.

    ``admit``: pass the scope gate first (False when the caller already admitted a burst).
    Raises :class:`CutOff` when no status arrived in time, httpx errors as they come.
    """
    if admit:
        gate.admit(*url_host_port(url))
    limit = gate.timeout(seconds)
    deadline = Deadline(limit)

    def trace(event: str, info: dict[str, Any]) -> None:
        if event == "connection.connect_tcp.complete" and info.get("return_value") is not None:
            sock = info["return_value"].get_extra_info("socket")
            if isinstance(sock, socket.socket):
                deadline.watch(sock)

    asked = {"Accept-Encoding": "identity", **(headers or {})}
    with deadline:
        try:
            with client.stream("GET", url, headers=asked, timeout=min(WAIT, limit),
                               extensions={"trace": trace}) as response:
                body = bytearray()
                cut_off = None
                try:
                    for chunk in response.iter_raw():
                        body += chunk[:cap + 1 - len(body)]
                        if len(body) > cap:
                            del body[cap:]
                            cut_off = Text.of("check.cut_cap", cap=f"{cap:,}")
                            break
                except httpx.HTTPError:
                    if not deadline.expired:
                        raise
                    cut_off = Text.of("check.cut_time", seconds=f"{limit:.1f}")
                if deadline.expired and cut_off is None:  # a body read to the connection's end, which we shut
                    cut_off = Text.of("check.cut_time", seconds=f"{limit:.1f}")
                return Reply(response.status_code, response.headers, bytes(body), cut_off)
        except httpx.HTTPError as exc:
            if deadline.expired:
                raise CutOff(limit) from exc
            raise
