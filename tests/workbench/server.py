"""The real workbench, started as a user starts it (``fleetrisk serve`` in a subprocess on a
loopback port), for the workbench's tests and benchmark."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from conftest import stop

ROOT = Path(__file__).resolve().parents[2]
#: Longest wait for the server to print its address.
START_TIMEOUT = 30.0


@dataclass
class Served:
    """A running workbench: its base address, the printed address with the token, and its process."""

    base: str
    url: str
    token: str
    process: subprocess.Popen[str]

    def client(self) -> httpx.Client:
        """An HTTP client that has opened the printed address (so it holds the cookie)."""
        client = httpx.Client(base_url=self.base, timeout=30.0, follow_redirects=False)
        answer = client.get(self.url)
        assert answer.status_code == 303, answer.text
        return client


@contextmanager
def serve(target: Path, *extra: str, cwd: Path | None = None) -> Iterator[Served]:
    """Start ``fleetrisk serve TARGET --port 0`` and stop it afterwards."""
    process = subprocess.Popen(
        [sys.executable, "-m", "fleetrisk", "serve", str(target), "--port", "0", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd or ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        url = None
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            found = re.search(r"open: (http://\S+)", line)
            if found:
                url = found.group(1)
                break
        if url is None:
            process.kill()
            _, err = process.communicate(timeout=10)
            raise AssertionError(f"the workbench did not start: {err}")
        base, _, query = url.partition("/?")
        yield Served(base, url, query.removeprefix("token="), process)
    finally:
        stop(process)
