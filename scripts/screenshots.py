#!/usr/bin/env python3
"""Screenshot the top screen (1440x900) of the bundled example's HTML report, in English and
Japanese, and the workbench's main views (``fleetrisk serve`` on a copy of the example), into
docs/images/. Run with `make screenshots` (needs Debian chromium and fonts-noto-cjk, which
scripts/system-deps.sh installs)."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from fleetrisk import assess, load_model
from fleetrisk.reports import render_report

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "src" / "fleetrisk" / "examples" / "smart-appliance-cloud.yaml"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars"]


def main() -> None:
    out = ROOT / "docs" / "images"
    out.mkdir(parents=True, exist_ok=True)
    os.chdir(ROOT)  # the report names the model by the path it was given
    loaded = load_model(str(MODEL.relative_to(ROOT)))
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for lang in ("en", "ja"):
            page_file = Path(tmp) / f"report-{lang}.html"
            result = assess(loaded, lang=lang, as_of=dt.date(2026, 12, 5))
            page_file.write_text(render_report("html", result, loaded), encoding="utf-8")
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.goto(page_file.as_uri(), wait_until="load")
            page.screenshot(path=str(out / f"report-top-{lang}.png"))
            page.close()
            print(f"wrote docs/images/report-top-{lang}.png", file=sys.stderr)
        workbench(browser, Path(tmp), out)
        browser.close()


#: Workbench views: (file name, path under the model, language).
VIEWS = [
    ("workbench-overview-en.png", "/", "en"),
    ("workbench-overview-ja.png", "/", "ja"),
    ("workbench-findings-en.png", "/findings", "en"),
    ("workbench-questions-en.png", "/questions", "en"),
    ("workbench-whatif-en.png", "/whatif?control={control}", "en"),
    ("workbench-path-en.png", "/?path=1#dfd-section", "en"),
]


def workbench(browser: Any, tmp: Path, out: Path) -> None:
    """The workbench's main views, served from a copy of the example (nothing is written to it)."""
    model = tmp / "smart-appliance-cloud.yaml"
    shutil.copy(MODEL, model)
    control = assess(load_model(model)).fix_first[0].control
    server = subprocess.Popen([sys.executable, "-m", "fleetrisk", "serve", str(model), "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert server.stdout is not None
        url = ""
        while not url:
            line = server.stdout.readline()
            if not line:
                raise SystemExit("the workbench did not start")
            found = re.search(r"open: (http://\S+)", line)
            url = found.group(1) if found else ""
        base = url.partition("/?")[0] + "/m/smart-appliance-cloud"
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(url, wait_until="load")
        for name, path, lang in VIEWS:
            address = base + path.format(control=control)
            if lang == "ja":
                address += ("&" if "?" in address else "?") + "lang=ja"
            page.goto(address, wait_until="load")
            if "#" in path:
                page.locator(path.partition("#")[2].join(["#", ""])).scroll_into_view_if_needed()
            page.screenshot(path=str(out / name))
            print(f"wrote docs/images/{name}", file=sys.stderr)
        page.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
