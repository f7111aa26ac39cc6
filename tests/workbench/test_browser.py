"""The workbench driven in a real headless Chromium: answering a question, triaging a finding,
a what-if, a change made outside the browser, the language switch, hostile model text, the
diagram's links and the attack-path overlay. Every page is watched for console errors, dialogs
and any request that leaves 127.0.0.1. Two checks below them need no browser: what a browser's
form POST carries past the guard (``Origin: null``), and a server that answers as soon as it
prints its address."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
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
from playwright.sync_api import Browser, Page, expect

from conftest import DEFAULT, stop
from fleetrisk.model.loader import load_model
from workbench.server import START_TIMEOUT, Served, serve

NAME = DEFAULT.stem
#: Longest wait for the page to notice a change made on disk (it polls every second).
RELOAD_WAIT = 10_000


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


def number(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text))


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


def test_whatif_compares_without_writing(opened: Opener, shared: tuple[Served, Path]) -> None:
    served, path = shared
    watched = opened(served)
    page = watched.page
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    fix_first = page.inner_text("#fix-first tbody tr:first-child td:first-child code")
    page.click(f"nav a[href='/m/{NAME}/whatif']")
    box = page.locator("#whatif-form input[name=control]").first
    assert box.get_attribute("value") == fix_first
    box.check()
    with page.expect_navigation():
        page.click("#whatif-run")
    assert f"control={fix_first}" in page.url
    expect(page.locator("#comparison")).to_be_visible()
    assert page.locator("#whatif-form input[name=control]:checked").evaluate_all(
        "boxes => boxes.map(b => b.value)") == [fix_first]

    def row(key: str) -> tuple[int, int]:
        saved, changed = page.locator(f"#row-{key} td").all_inner_texts()
        return number(saved), number(changed)

    devices_saved, devices_changed = row("devices_at_risk")
    assert 0 < devices_changed <= devices_saved  # every fleet keeps other high findings in this model
    critical_saved, critical_changed = row("open_critical")
    high_saved, high_changed = row("open_high")
    assert critical_changed < critical_saved and high_changed <= high_saved
    expect(page.locator("#row-open_critical")).to_have_class("better")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_page_follows_a_change_made_on_disk(opened: Opener, own: tuple[Served, Path]) -> None:
    served, path = own
    watched = opened(served)
    page = watched.page
    old = "name: Kaden Connect (smart appliance and vending cloud)"
    expect(page.locator("h1")).to_have_text("Kaden Connect (smart appliance and vending cloud)")
    page.evaluate("window.__same_document = true")
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, "name: Kaden Connect, renamed in the editor"), encoding="utf-8")
    expect(page.locator("h1")).to_have_text("Kaden Connect, renamed in the editor", timeout=RELOAD_WAIT)
    assert page.evaluate("window.__same_document") is None  # the page reloaded itself


def test_switch_to_japanese_stays_japanese(opened: Opener, shared: tuple[Served, Path]) -> None:
    watched = opened(shared[0])
    page = watched.page
    assert page.get_attribute("html", "lang") == "en"
    with page.expect_navigation():
        page.click("#switch-lang")
    assert page.get_attribute("html", "lang") == "ja"
    expect(page.locator("nav")).to_contain_text("概要")
    assert page.inner_text("#switch-lang") == "English"
    with page.expect_navigation():
        page.click(f"nav a[href^='/m/{NAME}/findings']")
    assert urlsplit(page.url).path == f"/m/{NAME}/findings" and "lang=ja" in page.url
    assert page.get_attribute("html", "lang") == "ja"
    expect(page.locator("nav")).to_contain_text("概要")


PAYLOADS = {
    "service": "<script>window.__pwned=1</script> Kaden",
    "fleet": '<img src=x onerror="window.__pwned=2"> washers',
    "component": '"><svg onload=alert(1)> gateway',
    "justification": "</textarea><script>window.__pwned=3</script> javascript:alert(4)",
    "owner": "' onmouseover='window.__pwned=5",
    "ticket": "javascript:window.__pwned=6",
    "zone": "<iframe srcdoc=\"<script>parent.__pwned=7</script>\"></iframe>",
}


#: Attributes that would run script: event handlers anywhere, javascript: in any link or source.
LIVE_ATTRIBUTES = """() => Array.from(document.querySelectorAll('*')).flatMap(e => Array.from(e.attributes)
  .filter(a => /^on/i.test(a.name) || (/(^|:)(href|src|action|formaction|data)$/i.test(a.name)
                                       && /^\\s*javascript:/i.test(a.value)))
  .map(a => e.tagName + ' ' + a.name + '=' + a.value))"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, dict[str, Any]]]:
    data: dict[str, Any] = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    data["service"]["name"] = PAYLOADS["service"]
    data["fleets"][0]["name"] = PAYLOADS["fleet"]
    data["components"][0]["name"] = PAYLOADS["component"]
    data["zones"][0]["name"] = PAYLOADS["zone"]
    data["tracking"][0].update(justification=PAYLOADS["justification"], owner=PAYLOADS["owner"],
                               ticket=PAYLOADS["ticket"])
    path = tmp_path_factory.mktemp("hostile") / "hostile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    load_model(path)  # still a valid model
    with serve(path) as served:
        yield served, data


def test_hostile_model_text_stays_text(opened: Opener, hostile: tuple[Served, dict[str, Any]]) -> None:
    served, data = hostile
    watched = opened(served)
    page = watched.page
    base = "/m/hostile"
    fleet = data["fleets"][0]["id"]
    component = data["components"][0]["id"]
    tracked = data["tracking"][0]["id"]
    pages = {
        f"{base}/": [PAYLOADS["service"]],
        f"{base}/findings": [PAYLOADS["justification"], PAYLOADS["owner"]],
        f"{base}/element/{fleet}": [PAYLOADS["fleet"]],
        f"{base}/element/{component}": [PAYLOADS["component"]],
        f"{base}/questions": [],
        f"{base}/whatif": [],
        f"{base}/whatif?control=secrets-management": [],
        f"{base}/edit/components/0": [],
        f"{base}/edit/fleets/0": [],
        f"{base}/changes": [],
    }
    for where, texts in pages.items():
        answer = page.goto(watched.path(where), wait_until="load")
        assert answer is not None and answer.status == 200, where
        body = page.text_content("body") or ""  # the findings' bodies are in closed <details>
        for text in texts:
            assert text in body, (where, text)
        assert page.evaluate("typeof window.__pwned") == "undefined", where
        assert page.locator("script:not([src])").count() == 0, where
        assert page.locator("script[src]").evaluate_all("s => s.map(x => x.getAttribute('src'))") \
            == ["/static/workbench.js"], where
        assert page.evaluate(LIVE_ATTRIBUTES) == [], where
        assert page.locator("img[src=x], iframe, svg[onload]").count() == 0, where
    page.goto(watched.path(f"{base}/"))
    assert page.inner_text("h1") == PAYLOADS["service"]
    page.goto(watched.path(f"{base}/edit/fleets/0"))
    assert page.locator("#in-name").input_value() == PAYLOADS["fleet"]
    page.goto(watched.path(f"{base}/edit/components/0"))
    assert page.locator("#in-name").input_value() == PAYLOADS["component"]
    page.goto(watched.path(f"{base}/findings"))
    entry = page.locator(f"details[id='f-{tracked}']")
    entry.locator("summary").click()
    expect(entry.locator("textarea[name=justification]")).to_have_value(PAYLOADS["justification"])
    expect(entry.locator("input[name=ticket]")).to_have_value(PAYLOADS["ticket"])
    expect(entry.locator(".finding-body")).to_contain_text(PAYLOADS["justification"])
    assert page.evaluate("typeof window.__pwned") == "undefined"


def test_diagram_node_opens_its_element(opened: Opener, shared: tuple[Served, Path]) -> None:
    watched = opened(shared[0])
    page = watched.page
    link = page.locator("#dfd svg g.node.fleet a").first
    href = link.get_attribute("xlink:href") or link.get_attribute("href")
    assert href is not None and href.startswith(f"/m/{NAME}/element/")
    element = href.rsplit("/", 1)[1]
    with page.expect_navigation():
        link.click()
    assert page.url == watched.path(href)
    expect(page.locator("h1")).to_contain_text(element)
    facts = page.locator("#facts")
    expect(facts).to_be_visible()
    assert facts.locator("tr", has=page.locator("th", has_text=re.compile(r"^id$"))).locator("td").inner_text() \
        == element
    assert page.locator("details.finding").count() > 0
    assert page.locator("#stated").is_visible()
    # the findings listed are this element's own
    assert all(a.endswith(f"/element/{element}") for a in page.locator(
        "details.finding summary a").evaluate_all("links => links.map(a => a.getAttribute('href'))"))


def test_attack_path_overlay(opened: Opener, shared: tuple[Served, Path]) -> None:
    watched = opened(shared[0])
    page = watched.page
    assert "picked" not in (page.get_attribute("#dfd", "class") or "")
    with page.expect_navigation():
        page.select_option("#path-picker", "1")  # the page's script submits the form
    assert "path=1" in page.url
    expect(page.locator("#dfd")).to_have_class(re.compile(r"\bpicked\b"))
    assert page.locator("#path-picker").input_value() == "1"
    opacity = page.locator("#dfd svg g.node").evaluate_all(
        "nodes => nodes.map(n => [n.classList.contains('on-p1'), getComputedStyle(n).opacity])")
    on = [o for picked, o in opacity if picked]
    off = [o for picked, o in opacity if not picked]
    assert on and off
    assert set(on) == {"1"} and set(off) == {"0.25"}
    expect(page.locator("#picked-steps")).to_be_visible()


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
        stop(process)
        os.close(read_end)
