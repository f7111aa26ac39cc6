"""The workbench as a browser meets it: what a browser's form POST carries past the guard
(``Origin: null``), and a server that answers as soon as it prints its address."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from conftest import DEFAULT
from workbench.server import START_TIMEOUT, Served, serve

NAME = DEFAULT.stem


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Path]]:
    """One workbench for the tests that write nothing."""
    path = tmp_path_factory.mktemp("shared") / DEFAULT.name
    shutil.copyfile(DEFAULT, path)
    with serve(path) as served:
        yield served, path


def test_null_origin_is_judged_by_fetch_metadata(shared: tuple[Served, Path]) -> None:
    """A browser sends ``Origin: null`` with every form POST from a no-referrer page: it passes
    the guard only when the browser also says the request came from the workbench itself."""
    client = shared[0].client()
    try:
        page = client.get(f"/m/{NAME}/findings").text
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
        assert csrf is not None
        form = {"csrf": csrf.group(1), "finding": "no-such-finding", "status": "accepted"}
        before = client.get("/version").json()
        for site in (None, "cross-site", "same-site", "none"):
            headers = {"Origin": "null", **({"Sec-Fetch-Site": site} if site else {})}
            refused = client.post(f"/m/{NAME}/triage", data=form, headers=headers)
            assert refused.status_code == 403, site
        passed = client.post(f"/m/{NAME}/triage", data=form,
                             headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"})
        assert (passed.status_code, passed.text) == (400, "no such finding")  # past the guard, nothing written
        assert client.get("/version").json() == before
    finally:
        client.close()


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
