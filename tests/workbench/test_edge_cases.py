"""The workbench on the files and models a review found it mishandled: a linked model file, a
file that cannot be written, CRLF line ends and a byte-order mark, file names that are not
plain URL words, stated empty lists, an attack path number out of range, findings on parts of
the model that have no page, and the Japanese pages' messages. One real server over one
folder; each test changes its own file."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx
import pytest

from conftest import DEFAULT
from fleetrisk.workbench.labels import labels
from fleetrisk.workbench.views import element_section
from fleetrisk.workbench.workspace import Analysis, Workspace
from workbench.server import Served, serve
from workbench.test_security import SMALL, forms

Form = dict[str, list[str]]


@dataclass
class Folder:
    served: Served
    root: Path
    client: httpx.Client

    def form(self, page: str, action: str) -> Form:
        """The fields of the first form on ``page`` whose action holds ``action``."""
        answer = self.client.get(page)
        assert answer.status_code == 200, (page, answer.status_code)
        for found in forms(answer.text):
            if action in str(found["action"]):
                sent: Form = {}
                for k, v in found["fields"]:  # type: ignore[attr-defined]
                    sent.setdefault(k, []).append(v)
                return sent
        raise AssertionError(f"no form for {action!r} on {page}")

    def post(self, path: str, form: Form) -> httpx.Response:
        return self.client.post(path, content=urlencode(form, doseq=True).encode(),
                                headers={"Origin": self.served.base,
                                         "Content-Type": "application/x-www-form-urlencoded"})

    def triage(self, name: str, **values: str) -> httpx.Response:
        """Record a decision on the first finding of model ``name``."""
        form = self.form(f"/m/{quote(name)}/findings", "/triage")
        form.update({"status": ["accepted"], "owner": ["platform team"], "justification": ["a reason"],
                     "expires": ["2031-01-31"]})
        form.update({k: [v] for k, v in values.items()})
        return self.post(f"/m/{quote(name)}/triage", form)


#: The registry states it is reachable from nowhere and depends on nothing (empty lists).
EMPTY_LISTS = SMALL + "    exposure: []\n    depends_on: []\n"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Folder]:
    root = tmp_path_factory.mktemp("edge")
    served = root / "served"
    served.mkdir()
    elsewhere = root / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "real.yaml").write_text(SMALL, encoding="utf-8")
    os.symlink(elsewhere / "real.yaml", served / "linked.yaml")
    (served / "windows.yaml").write_bytes(b"\xef\xbb\xbf" + SMALL.replace("\n", "\r\n").encode())
    (served / "replaced.yaml").write_text(SMALL, encoding="utf-8")
    (served / "plant#2.yaml").write_text(SMALL, encoding="utf-8")
    (served / "what?.yaml").write_text(SMALL, encoding="utf-8")
    (served / "工場 A.yaml").write_text(SMALL, encoding="utf-8")
    (served / "empty-lists.yaml").write_text(EMPTY_LISTS, encoding="utf-8")
    (served / "plain.yaml").write_text(SMALL, encoding="utf-8")  # never changed
    shutil.copy(DEFAULT, served / "appliance.yaml")  # findings and paths on the service and a zone
    with serve(served) as running, closing(running.client()) as client:
        yield Folder(running, served, client)


def test_a_linked_model_in_a_folder_is_written_through_its_link(folder: Folder) -> None:
    answer = folder.triage("linked")
    assert answer.status_code == 303, answer.text
    link = folder.root / "linked.yaml"
    assert link.is_symlink()
    assert "owner: platform team" in link.resolve().read_text(encoding="utf-8")


def test_a_file_that_cannot_be_written_is_a_problem_on_the_page_not_a_server_error(folder: Folder) -> None:
    target = folder.root / "replaced.yaml"
    form = folder.form("/m/replaced/findings", "/triage")
    # The file is replaced by a link to the same text: the version still holds, the write is refused.
    copy = folder.root.parent / "elsewhere" / "same.yaml"
    copy.write_text(SMALL, encoding="utf-8")
    target.unlink()
    os.symlink(copy, target)
    form.update({"status": ["accepted"], "owner": ["me"], "justification": ["why"], "expires": ["2031-01-31"]})
    answer = folder.post("/m/replaced/triage", form)
    assert answer.status_code == 422, answer.text
    assert "cannot write the model file" in answer.text
    assert copy.read_text(encoding="utf-8") == SMALL


def test_a_file_with_crlf_line_ends_and_a_byte_order_mark_keeps_them(folder: Folder) -> None:
    target = folder.root / "windows.yaml"
    answer = folder.triage("windows")
    assert answer.status_code == 303, answer.text
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf# A small service.\r\n")
    assert raw.count(b"\n") == raw.count(b"\r\n")  # every line, the new ones too
    assert b"owner: platform team\r\n" in raw
    assert folder.client.get("/m/windows/findings").status_code == 200  # and it is read back as it was
    assert folder.triage("windows", owner="a second decision").status_code == 303


@pytest.mark.parametrize("file", ["plant#2.yaml", "what?.yaml", "工場 A.yaml"])
def test_a_model_whose_file_name_is_not_a_plain_url_word_is_reached_by_its_links(folder: Folder, file: str) -> None:
    portfolio = folder.client.get("/").text
    links = re.findall(r'<tr id="model-[^"]*">\s*<td><a href="([^"]+)">', portfolio)
    assert len(links) == len(list(folder.root.glob("*.yaml")))
    opened = {link: folder.client.get(link) for link in links}  # as a browser follows them
    shown = {link: re.search(r'<code class="muted">([^<]+)</code>', a.text) for link, a in opened.items()}
    link = next((link for link, m in shown.items() if m and Path(m.group(1)).name == file), None)
    assert link is not None, {link: a.status_code for link, a in opened.items()}
    assert opened[link].status_code == 200
    name = link.removeprefix("/m/").removesuffix("/")
    assert folder.form(f"/m/{quote(name)}/findings", "/triage")["back"] == [f"/m/{name}/findings"]
    answer = folder.triage(name)
    assert answer.status_code == 303, answer.text
    assert folder.client.get(answer.headers["location"]).status_code == 200
    assert "owner: platform team" in (folder.root / file).read_text(encoding="utf-8")


def test_an_element_form_keeps_the_empty_lists_the_file_states(folder: Folder) -> None:
    target = folder.root / "empty-lists.yaml"
    form = folder.form("/m/empty-lists/edit/components/1", "/edit/")
    form["f.name"] = ["the registry"]
    answer = folder.post("/m/empty-lists/edit/components/1", form)
    assert answer.status_code == 303, answer.text
    assert target.read_text(encoding="utf-8") == EMPTY_LISTS + "    name: the registry\n"


def test_an_attack_path_number_beyond_the_paths_picks_none_out(folder: Folder) -> None:
    picked = folder.client.get("/m/plain/?path=1").text
    assert re.search(r'<div class="scroll picked" id="dfd">', picked)
    paths = len(re.findall(r'<option value="\d+"', picked.split('id="path-picker"')[1].split("</select>")[0]))
    assert paths >= 1
    for number in (str(paths + 1), "99"):
        page = folder.client.get(f"/m/plain/?path={number}")
        assert page.status_code == 200
        assert re.search(r'<div class="scroll" id="dfd">', page.text), number  # not every element greyed out
        assert 'id="picked-steps"' not in page.text
        assert " selected" not in page.text.split('id="path-picker"')[1].split("</select>")[0]


def test_a_finding_or_step_on_the_service_or_a_zone_links_to_no_missing_page(folder: Folder) -> None:
    analysis = Workspace(DEFAULT).analysis(Workspace(DEFAULT).files["smart-appliance-cloud"], "en")
    assert isinstance(analysis, Analysis)
    on_others = {f.element for f in analysis.assessment.findings if element_section(analysis, f.element) is None}
    assert on_others  # the example has findings on the service and on a zone
    number = next(n for n, p in enumerate(analysis.assessment.attack_paths, 1)
                  if any(element_section(analysis, s.element) is None for s in p.steps))
    for page in ("/m/appliance/findings", f"/m/appliance/?path={number}"):
        text = folder.client.get(page).text
        links = set(re.findall(r'href="(/m/appliance/element/[^"?]+)', text))
        assert links
        assert {link: folder.client.get(link).status_code for link in links} == dict.fromkeys(links, 200)
    findings = folder.client.get("/m/appliance/findings").text
    assert all(f"@ {element}</span>" in findings for element in on_others)  # named, without a link


def test_a_japanese_form_that_cannot_be_written_says_why_in_japanese(folder: Folder) -> None:
    ja = labels("ja")
    form = folder.form("/m/plain/findings?lang=ja", "/triage")
    form.update({"status": ["accepted"], "owner": [""], "justification": [""], "expires": ["soon"]})
    answer = folder.post("/m/plain/triage", form)
    assert answer.status_code == 422
    assert '<html lang="ja">' in answer.text
    for word in (ja["wb_need_owner"], ja["wb_need_justification"], ja["wb_need_date"], ja["wb_not_written"]):
        assert word in answer.text
    assert "who answers" not in answer.text
    assert 'href="/m/plain/findings?lang=ja"' in answer.text  # back to the page the form was on
    edit = folder.form("/m/plain/edit/fleets/0?lang=ja", "/edit/")
    edit["f.devices"] = ["many"]
    answer = folder.post("/m/plain/edit/fleets/0", edit)
    assert answer.status_code == 422
    assert ja["wb_need_whole"] in answer.text and "a whole number" not in answer.text
    assert (folder.root / "plain.yaml").read_text(encoding="utf-8") == SMALL
