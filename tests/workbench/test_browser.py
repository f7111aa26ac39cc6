"""The workbench as a browser meets it: a server that answers as soon as it prints its address."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from conftest import DEFAULT
from workbench.server import START_TIMEOUT


def test_printed_address_answers_at_once(tmp_path: Path) -> None:
    """The server listens before it prints its address, so a browser opened on that line at once
    waits for the page instead of failing with "connection refused". Its stderr is a full pipe
    here: it stops at its next line ("press Ctrl+C"), after the address and before the web
    server runs, which makes the moment right after the print last as long as the test needs."""
    path = tmp_path / DEFAULT.name
    shutil.copyfile(DEFAULT, path)
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    for size in (4096, 1):
        try:
            while True:
                os.write(write_end, b"x" * size)
        except BlockingIOError:
            pass
    os.set_blocking(write_end, True)
    process = subprocess.Popen(
        [sys.executable, "-m", "fleetrisk", "serve", str(path), "--port", "0"],
        stdout=subprocess.PIPE, stderr=write_end, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    os.close(write_end)
    watchdog = threading.Timer(START_TIMEOUT, process.kill)
    watchdog.start()
    try:
        assert process.stdout is not None
        url = None
        for line in process.stdout:
            found = re.search(r"open: (http://\S+)", line)
            if found:
                url = found.group(1)
                break
        assert url is not None
        parts = urlsplit(url)
        assert parts.hostname == "127.0.0.1" and parts.port
        socket.create_connection((parts.hostname, parts.port), timeout=5).close()  # refused if not listening
        threading.Thread(target=lambda: [None for _ in iter(lambda: os.read(read_end, 65536), b"")],
                         daemon=True).start()
        assert httpx.get(url, timeout=30).status_code == 303
    finally:
        watchdog.cancel()
        process.terminate()
        process.wait(timeout=10)
        os.close(read_end)
