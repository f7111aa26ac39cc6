"""Real servers on 127.0.0.1 for the probe tests: mosquitto, a static HTTP server, uvicorn.

Every start waits a bounded time for the port; every stop is bounded too, and kills what
does not stop.
"""

from __future__ import annotations

import functools
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from conftest import stop

START_TIMEOUT = 10.0
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
MOSQUITTO_PASSWD = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            output = process.stderr.read() if process.stderr else b""
            raise RuntimeError(f"server exited with {process.returncode}: {output!r}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {START_TIMEOUT} s")


def ensure_free(port: int) -> None:
    """Stop loudly when something already listens on ``port`` (a check would reach it, not us)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise RuntimeError(f"127.0.0.1:{port} is already in use ({exc.strerror}); stop what holds it "
                               "or choose other ports") from exc


DEVICES = {"dev-a": "pass-a", "dev-b": "pass-b"}
ACL = "".join(f"user {user}\ntopic readwrite devices/{user}/#\n\n" for user in DEVICES)


def write_mosquitto_config(directory: Path, port: int, kind: str, *, cert: Any = None, ca_file: Path | None = None,
                           ) -> Path:
    """kind: anonymous | acl | tls (password, ACL and TLS) | weak-tls (TLS 1.1 only, anonymous)."""
    directory.mkdir(parents=True, exist_ok=True)
    lines = ["user root", "persistence false", "log_dest stderr", "log_type error",
             f"listener {port} 127.0.0.1"]
    if kind == "anonymous":
        lines.append("allow_anonymous true")
    if kind in ("acl", "tls"):
        passwd = directory / "passwd"
        passwd.write_text("")
        for user, password in DEVICES.items():
            subprocess.run([MOSQUITTO_PASSWD, "-b", str(passwd), user, password], check=True, timeout=10,
                           capture_output=True)
        acl = directory / "acl"
        acl.write_text(ACL)
        lines += ["allow_anonymous false", f"password_file {passwd}", f"acl_file {acl}"]
    if kind in ("tls", "weak-tls"):
        lines += [f"cafile {ca_file}", f"certfile {cert.cert}", f"keyfile {cert.key}"]
    if kind == "weak-tls":
        lines += ["tls_version tlsv1.1", "ciphers DEFAULT:@SECLEVEL=0", "allow_anonymous true"]
    config = directory / "mosquitto.conf"
    config.write_text("\n".join(lines) + "\n")
    return config


@contextmanager
def mosquitto(config: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """A mosquitto broker of our own on ``port``: the port must be free, and the broker still
    running once it answers (something else answering there is not our broker)."""
    ensure_free(port)
    process = subprocess.Popen([MOSQUITTO, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, process)
        time.sleep(0.1)
        if process.poll() is not None:
            output = process.stderr.read() if process.stderr else b""
            raise RuntimeError(f"mosquitto exited with {process.returncode} after opening port {port}: {output!r}")
        yield process
    finally:
        stop(process)


class _QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def static_http(directory: Path, port: int = 0) -> Iterator[str]:
    """Serve ``directory`` on a loopback port (0: a free one); yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", port), functools.partial(_QuietFiles, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def uvicorn_app(app: Any, port: int = 0) -> Iterator[str]:
    """Serve an ASGI app with uvicorn in a thread on a pre-bound loopback port; yields the base URL."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", port))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="off", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise TimeoutError("uvicorn did not start")
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
