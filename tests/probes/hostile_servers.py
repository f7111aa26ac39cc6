"""Misbehaving servers on 127.0.0.1 for the probe tests: endless, trickling and hostile answers.

One threaded TCP server speaks just enough HTTP/1.1 by hand (so it can misbehave in ways a
real framework would not allow). What it does depends on the request path:

- ``/endless``: 200, then body bytes for as long as the client reads;
- ``/trickle-body``: 200 with a 1,000,000-byte Content-Length, then one byte every half second;
- ``/trickle-headers``: a status line, then one header byte every half second;
- ``/redirect``: 302 to a Location full of markup and raw non-ASCII bytes;
- anything else: 200 with a short body that echoes nothing.

``tls_trickle`` is a TCP server that answers a TLS ClientHello with a record header announcing
16 KB, then one byte every half second. Every server stops within a bounded time: each
connection ends when its client goes, when the server stops, or after :data:`LONGEST` seconds.
"""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

LONGEST = 60.0
TRICKLE = 0.5
CHUNK = b"x" * 65536
#: Markup, an OSC 8 lookalike, a right-to-left override and a C1 CSI as raw bytes (obs-text).
HOSTILE_LOCATION = b"/[/x][link=https://evil.example]x[/link]?token=SECRET-LOC&a=\xe2\x80\xae\x9b31m"


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.stopping = threading.Event()
        self.paths: list[str] = []


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(5)
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 65536:
            data = sock.recv(4096)
            if not data:
                return
            head += data
        path = head.split(b" ", 2)[1].decode("latin-1") if head.count(b" ") >= 2 else "/"
        self.server.paths.append(path)
        started = time.monotonic()

        def going() -> bool:
            return not self.server.stopping.is_set() and time.monotonic() - started < LONGEST

        try:
            if path.startswith("/endless"):
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n")
                while going():
                    sock.sendall(CHUNK)
            elif path.startswith("/trickle-body"):
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
                while going():
                    sock.sendall(b"x")
                    time.sleep(TRICKLE)
            elif path.startswith("/trickle-headers"):
                sock.sendall(b"HTTP/1.1 200 OK\r\n")
                while going():
                    sock.sendall(b"X")
                    time.sleep(TRICKLE)
            elif path.startswith("/redirect"):
                sock.sendall(b"HTTP/1.1 302 Found\r\nLocation: " + HOSTILE_LOCATION + b"\r\nContent-Length: 0\r\n\r\n")
            else:
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        except OSError:  # the client went away: what these servers wait for
            return


@contextmanager
def hostile_http() -> Iterator[tuple[int, list[str]]]:
    """The misbehaving HTTP server; yields its port and the paths it was asked for."""
    server = _Server()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], server.paths
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def tls_trickle() -> Iterator[int]:
    """A 'TLS server' that starts a 16 KB handshake record and sends it a byte at a time."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stopping = threading.Event()

    def serve_one(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            started = time.monotonic()
            try:
                conn.recv(4096)  # the ClientHello
                conn.sendall(b"\x16\x03\x03\x40\x00")
                while not stopping.is_set() and time.monotonic() - started < LONGEST:
                    conn.sendall(b"\x00")
                    time.sleep(TRICKLE)
            except OSError:
                return

    def accept() -> None:
        while not stopping.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=serve_one, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stopping.set()
        thread.join(timeout=5)
        listener.close()
