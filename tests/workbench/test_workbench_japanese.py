"""The workbench's pages as a reader sees them: reasons and amounts written out, and in Japanese
the glossary's terms and full-width punctuation around the workbench's own words."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from collections.abc import Iterator

import httpx
import pytest

from conftest import DEFAULT
from fleetrisk.engine.assess import assess
from fleetrisk.messages import explain_finding
from fleetrisk.model.loader import load_model
from workbench.server import Served, serve

NAME = DEFAULT.stem


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One server over a copy of the default example, committed to git so /changes has a HEAD."""
    folder = tmp_path_factory.mktemp("ja")
    target = folder / DEFAULT.name
    shutil.copy(DEFAULT, target)
    git = ["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", target.name], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "model"], check=True)
    with serve(target) as running:
        yield running


@pytest.fixture(scope="module")
def client(served: Served) -> Iterator[httpx.Client]:
    opened = served.client()
    yield opened
    opened.close()


def _page(client: httpx.Client, path: str) -> str:
    answer = client.get(path)
    assert answer.status_code == 200, (path, answer.status_code)
    return answer.text


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_finding_lists_its_reasons_one_per_item(client: httpx.Client, lang: str) -> None:
    page = _page(client, f"/m/{NAME}/findings" + ("?lang=ja" if lang == "ja" else ""))
    assert "[&#39;" not in page and "['" not in page  # no Python list printed as text
    loaded = load_model(str(DEFAULT))
    a = assess(loaded, lang=lang)
    first = next(f for f in a.findings if f.status == "open")
    body = page.split(f'id="f-{first.id}"', 1)[1].split("</details>", 1)[0]
    items = [html.unescape(i) for i in re.findall(r"<li>(.*?)</li>", body.split('class="why"', 1)[1].split("</ul>")[0])]
    assert items == explain_finding(a, first)


@pytest.mark.parametrize(("lang", "unit"), [("en", "USD"), ("ja", "万 USD")])
def test_the_changes_page_shows_the_expected_loss_as_an_amount(client: httpx.Client, lang: str, unit: str) -> None:
    page = _page(client, f"/m/{NAME}/changes" + ("?lang=ja" if lang == "ja" else ""))
    row = page.split('id="row-expected_loss"', 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert len(cells) == 2
    for cell in cells:
        assert unit in cell, cell
        assert not re.search(r"\.\d{3,}", cell), cell  # not a float's digits


#: Words the glossary replaces (docs/glossary.md), with the workbench's own former variants: open is
#: 未対応, a finding is 指摘事項, a step of a path is 段階, tracking is 追跡.
REJECTED = ["単一障害点", "被害範囲", "侵入口", "該当する理由", "宣言なし", "再オープン", "解消する対策", "参照規格",
            "未対策", "検出事項", "ステップ", "管理：", "管理中"]
JA_PAGES = ["/", "/?path=1", "/findings", "/questions", "/whatif?control=offline-root-threshold-signing",
            "/element/ota", "/edit/components/0", "/edit/data/new", "/changes"]


def _running_text(page: str) -> str:
    """What a reader reads as the page's own words: no code, diagrams, form help from the model's
    field notes, or finding reasons (the message catalogue's, checked with the reports)."""
    page = re.sub(r"<(script|style|svg|code|pre|textarea)\b[^>]*>.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'<p class="help">.*?</p>|<ul class="why">.*?</ul>', " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "\n", page))


@pytest.mark.parametrize("path", JA_PAGES)
def test_a_japanese_page_uses_the_glossary_and_full_width_punctuation(client: httpx.Client, path: str) -> None:
    page = _page(client, f"/m/{NAME}{path}" + ("&" if "?" in path else "?") + "lang=ja")
    own = _running_text(page)
    assert not [term for term in REJECTED if term in own]
    half_width = re.findall(r".{0,10}[\u3040-\u30ff\u4e00-\u9fff\uff09] ?[:(,].{0,10}", own)
    assert not half_width
