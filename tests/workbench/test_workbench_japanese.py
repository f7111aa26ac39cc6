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
