#!/usr/bin/env python3
"""Screenshot the top screen (1440x900) of the bundled example's HTML report, in English and
Japanese, into docs/images/. Run with `make screenshots` (needs Debian chromium and
fonts-noto-cjk, which scripts/system-deps.sh installs)."""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

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
        browser.close()


if __name__ == "__main__":
    main()
