"""The workbench driven in a real headless Chromium: answering a question and triaging a
finding. Every page is watched for console errors, dialogs and any request that leaves
127.0.0.1. Two checks below them need no browser: what a browser's form POST carries past the
guard (``Origin: null``), and a server that answers as soon as it prints its address."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from playwright.sync_api import Browser, Page, expect, sync_playwright

from conftest import DEFAULT
from workbench.server import START_TIMEOUT, Served, serve

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps"]
NAME = DEFAULT.stem


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, timeout=30_000)
        yield launched
        launched.close()


@dataclass
class Watched:
    """A page and what it did: console messages, dialogs, and requests off this machine."""

    page: Page
    served: Served
    console: list[tuple[str, str]] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def path(self, path: str) -> str:
        return self.served.base + path

    def clean(self) -> None:
        """No console error or warning (a CSP violation is one), no dialog, nothing fetched from elsewhere."""
        assert [t for k, t in self.console if k in ("error", "warning", "pageerror")] == []
        assert self.dialogs == []
        assert self.outside == []


Opener = Callable[[Served], Watched]


def _off_machine(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme != "data" and parts.hostname != "127.0.0.1"


@pytest.fixture
def opened(browser: Browser) -> Iterator[Opener]:
    """Opens a workbench in a fresh browser context (the printed address first), and checks at
    the end of the test that nothing went wrong on any page it showed."""
    contexts: list[Watched] = []

    def open_(served: Served) -> Watched:
        assert urlsplit(served.url).hostname == "127.0.0.1"
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(15_000)
        watched = Watched(page, served)
        page.on("console", lambda m: watched.console.append((m.type, m.text)))
        page.on("pageerror", lambda exc: watched.console.append(("pageerror", str(exc))))
        page.on("request", lambda r: watched.outside.append(r.url) if _off_machine(r.url) else None)

        def on_dialog(dialog: Any) -> None:
            watched.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.goto(served.url, wait_until="load")
        assert "token=" not in page.url  # the token was swapped for a cookie
        contexts.append(watched)
        return watched

    yield open_
    try:
        for watched in contexts:
            watched.clean()
    finally:
        for watched in contexts:
            watched.page.context.close()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Path]]:
    """One workbench for the tests that write nothing."""
    path = tmp_path_factory.mktemp("shared") / DEFAULT.name
    shutil.copyfile(DEFAULT, path)
    with serve(path) as served:
        yield served, path


@pytest.fixture
def own(tmp_path: Path) -> Iterator[tuple[Served, Path]]:
    """A workbench of the test's own, over a fresh copy of the default example."""
    path = tmp_path / DEFAULT.name
    shutil.copyfile(DEFAULT, path)
    with serve(path) as served:
        yield served, path


def figure(page: Page, name: str) -> int:
    return int(page.inner_text(f"#fig-{name} b").replace(",", ""))


def only_added(before: str, after: str) -> list[str]:
    """The lines ``after`` adds to ``before``; fails if any line was removed or changed."""
    a, b = before.splitlines(), after.splitlines()
    added = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        assert op in ("equal", "insert"), (op, a[i1:i2], b[j1:j2])
        if op == "insert":
            added += b[j1:j2]
    comments = [line for line in a if line.lstrip().startswith("#")]
    assert [line for line in b if line.lstrip().startswith("#")] == comments
    return added


def test_answering_a_question_writes_the_field_in_place(opened: Opener, own: tuple[Served, Path]) -> None:
    served, path = own
    before = path.read_text(encoding="utf-8")
    watched = opened(served)
    page = watched.page
    assert page.url == watched.path(f"/m/{NAME}/")
    unknown = figure(page, "unknown")
    page.click(f"nav a[href='/m/{NAME}/questions']")
    form = page.locator("form#q-0")
    assert form.locator("input[name=field]").input_value() == "hardware_bound"
    first = form.locator("select").first
    target = first.get_attribute("data-path")
    assert target == "fleets[0].accepts[0].hardware_bound"
    first.select_option("true")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.url == watched.path(f"/m/{NAME}/questions?saved=1")
    expect(page.locator("#saved")).to_be_visible()
    # the answered element has left the question; the others are still asked
    assert page.locator(f"select[data-path='{target}']").count() == 0
    assert page.locator("select[data-path='fleets[1].accepts[0].hardware_bound']").count() == 1

    after = path.read_text(encoding="utf-8")
    added = only_added(before, after)
    assert [line.strip() for line in added] == ["hardware_bound: true"]
    lines = after.splitlines()
    at = lines.index(added[0])
    washers = lines.index("  - id: washers")
    firmware = next(i for i in range(washers, len(lines)) if lines[i].strip() == "- input: firmware")
    script = next(i for i in range(firmware, len(lines)) if lines[i].strip() == "- input: script")
    assert firmware < at < script  # inside the washers' first accepts entry
    assert added[0].index("h") == lines[firmware + 1].index("f")  # at the entry's indentation
    data = yaml.safe_load(after)
    assert data["fleets"][0]["accepts"][0]["hardware_bound"] is True
    assert "hardware_bound" not in data["fleets"][1]["accepts"][0]

    page.click(f"nav a[href='/m/{NAME}/']")
    assert figure(page, "unknown") < unknown


def test_triage_records_a_decision(opened: Opener, own: tuple[Served, Path]) -> None:
    served, path = own
    watched = opened(served)
    page = watched.page
    page.goto(watched.path(f"/m/{NAME}/findings"))
    finding = page.locator("details.finding:has(summary .status-open)").first
    fid = finding.get_attribute("id")
    assert fid is not None and fid.startswith("f-")
    fid = fid[2:]
    assert finding.evaluate("(d, h) => !!(h.compareDocumentPosition(d) & Node.DOCUMENT_POSITION_PRECEDING)",
                            page.locator("#decided").element_handle())
    finding.locator("summary").click()
    review = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    finding.locator("select[name=status]").select_option("accepted")
    finding.locator("input[name=owner]").fill("platform-security")
    finding.locator("input[name=expires]").fill(review)
    finding.locator("textarea[name=justification]").fill("Compensated by network isolation until the Q3 release.")
    with page.expect_navigation():
        finding.locator("button[type=submit]").click()
    assert page.url == watched.path(f"/m/{NAME}/findings?saved=1")
    expect(page.locator("#saved")).to_be_visible()

    text = path.read_text(encoding="utf-8")
    entries = [t for t in yaml.safe_load(text)["tracking"] if t["id"] == fid]
    assert len(entries) == 1
    entry = entries[0]
    assert entry["status"] == "accepted" and entry["owner"] == "platform-security"
    assert entry["expires"] == dt.date.fromisoformat(review)
    assert entry["justification"] == "Compensated by network isolation until the Q3 release."
    lines = text.splitlines()
    tracking = lines.index("tracking:")
    end = next(i for i in range(tracking + 1, len(lines)) if re.match(r"[a-z]", lines[i]))
    assert f"- id: {fid}" in [line.strip() for line in lines[tracking:end]]
    assert f"expires: {review}" in [line.strip() for line in lines[tracking:end]]

    moved = page.locator(f"details[id='f-{fid}']")
    assert moved.count() == 1
    assert moved.evaluate("(d, h) => !!(h.compareDocumentPosition(d) & Node.DOCUMENT_POSITION_FOLLOWING)",
                          page.locator("#decided").element_handle())
    expect(moved.locator("summary .status")).to_have_class(re.compile(r"\bstatus-accepted\b"))
    moved.locator("summary").click()
    expect(moved.locator(".finding-body")).to_contain_text("platform-security")


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
