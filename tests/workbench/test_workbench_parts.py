"""The workbench's parts on their own: the element forms, the workspace's versions and writes,
what-if changes, and the words of its pages in both languages."""

from __future__ import annotations

import gc
import re
import shutil
import weakref
from importlib import resources
from pathlib import Path

import pytest

from conftest import DEFAULT, EXAMPLES
from fleetrisk.errors import UsageError
from fleetrisk.model.loader import load_model
from fleetrisk.reports.diff import diff_assessments
from fleetrisk.reports.ui_text import ui
from fleetrisk.workbench import check_bind
from fleetrisk.workbench.forms import SECTIONS, element_changes, form_fields, read_form
from fleetrisk.workbench.labels import labels
from fleetrisk.workbench.views import Comparison, stale_acceptances, whatif_changes
from fleetrisk.workbench.workspace import Analysis, Problem, Workspace
from fleetrisk.workbench.yamledit import Change


@pytest.fixture
def model(tmp_path: Path) -> Path:
    target = tmp_path / "model.yaml"
    shutil.copy(DEFAULT, target)
    return target


def test_every_form_field_is_a_field_of_the_model_with_help_in_both_languages() -> None:
    for section, cls in SECTIONS.items():
        fields = form_fields(section)
        keys = {f.key for f in fields}
        assert keys == {info.alias or name for name, info in cls.model_fields.items()}, section
        for f in fields:
            assert f.help("en") and f.help("ja"), (section, f.key)
            if f.input == "select" and f.options != ("true", "false"):
                assert all(f.meaning(o, "en") for o in f.options), (section, f.key)


def test_a_form_reads_typed_values_and_names_the_fields_it_cannot_read() -> None:
    values, problems = read_form("fleets", {
        "f.id": ["washers"], "f.devices": ["1,200"], "f.safety": ["low"], "f.local_interface": ["true"],
        "f.reconnect": [""], "f.offline_behaviour": ["explodes"],
    })
    assert values["devices"] == 1200 and values["local_interface"] is True and values["reconnect"] is None
    assert [p.key for p in problems] == ["offline_behaviour"]
    _, problems = read_form("fleets", {"f.devices": ["many"]})
    assert [p.key for p in problems] == ["devices"]


def test_a_form_lists_values_and_words() -> None:
    values, problems = read_form("components", {"f.exposure": ["devices", "internet"], "f.depends_on": ["a, b  c"]})
    assert not problems
    assert values["exposure"] == ["internet", "devices"]  # the model's order
    assert values["depends_on"] == ["a", "b", "c"]


def test_an_emptied_field_is_taken_out_and_an_unchanged_one_left_alone() -> None:
    changes = element_changes("components", 2, {"auth": None, "kind": "ota-service", "rate_limited": True},
                              {"auth": "password", "kind": "ota-service"})
    assert changes == [Change(("components", 2, "auth"), action="drop"),
                       Change(("components", 2, "rate_limited"), True)]
    added = element_changes("flows", None, {"id": "f", "from": "a", "to": "b", "protocol": None}, None)
    assert added == [Change(("flows",), {"id": "f", "from": "a", "to": "b"}, "append")]


def test_the_workspace_sees_an_outside_edit_and_refuses_a_stale_write(model: Path) -> None:
    workspace = Workspace(model)
    file = workspace.files["model"]
    first = file.snapshot().version
    before = workspace.versions()
    model.write_text(model.read_text(encoding="utf-8").replace("Kaden Connect", "Kaden Link"), encoding="utf-8")
    assert file.snapshot().version != first and workspace.versions() != before
    found = workspace.analysis(file, "en")
    assert isinstance(found, Analysis) and found.assessment.service.name.startswith("Kaden Link")
    text = model.read_text(encoding="utf-8")
    saved = file.save([Change(("components", 0, "rate_limited"), True)], first)
    assert saved.stale and model.read_text(encoding="utf-8") == text


def test_the_analyses_of_a_text_no_longer_on_disk_are_let_go(model: Path) -> None:
    workspace = Workspace(model)
    file = workspace.files["model"]
    first, japanese = workspace.analysis(file, "en"), workspace.analysis(file, "ja")
    assert workspace.analysis(file, "en") is first  # one text is analysed once per language
    gone = [weakref.ref(first), weakref.ref(japanese)]
    del first, japanese
    model.write_text(model.read_text(encoding="utf-8") + "# changed\n", encoding="utf-8")
    now = workspace.analysis(file, "en")
    gc.collect()
    assert isinstance(now, Analysis) and now.version == file.snapshot().version
    assert [ref() for ref in gone] == [None, None]


def test_a_write_that_would_break_the_model_is_not_made(model: Path) -> None:
    file = Workspace(model).files["model"]
    text = model.read_text(encoding="utf-8")
    saved = file.save([Change(("components", 0, "zone"), "nowhere")], file.snapshot().version)
    assert saved.problem is not None and saved.version is None
    assert any("nowhere" in e.render() for e in saved.problem.errors)
    assert all(e.location is not None and e.location.line for e in saved.problem.errors)
    assert model.read_text(encoding="utf-8") == text


def test_a_broken_file_is_a_problem_with_its_location(model: Path) -> None:
    model.write_text("fleetrisk: 1\nservice: [\n", encoding="utf-8")
    workspace = Workspace(model)
    found = workspace.analysis(workspace.files["model"], "en")
    assert isinstance(found, Problem)
    assert found.errors[0].location is not None and found.errors[0].location.line >= 2


def test_a_folder_opens_every_model_in_it(tmp_path: Path) -> None:
    for example in EXAMPLES.glob("*.yaml"):
        shutil.copy(example, tmp_path / example.name)
    (tmp_path / "notes.txt").write_text("not a model", encoding="utf-8")
    workspace = Workspace(tmp_path)
    assert sorted(workspace.files) == sorted(p.stem for p in EXAMPLES.glob("*.yaml"))


def test_what_if_changes_are_made_in_memory_only(model: Path) -> None:
    workspace = Workspace(model)
    file = workspace.files["model"]
    saved = workspace.analysis(file, "en")
    assert isinstance(saved, Analysis)
    a = saved.assessment
    top = a.fix_first[0].control
    variant = workspace.analysis(file, "en", whatif_changes(a, [top], [], saved.loaded.model))
    assert isinstance(variant, Analysis)
    closes = next(item.closes for item in a.fix_first if item.control == top)
    resolved = {c.id for c in Comparison(saved, variant, diff_assessments(a, variant.assessment)).diff.resolved}
    assert set(closes) <= resolved  # switched on wherever it applies, as the fix-first list counts it
    rows = {key: (b, v) for key, b, v in Comparison(saved, variant, None).rows}  # type: ignore[arg-type]
    critical, at_risk = rows["open_critical"], rows["devices_at_risk"]
    assert critical[1] < critical[0] or at_risk[1] < at_risk[0]
    assert model.read_bytes() == DEFAULT.read_bytes()


def test_stale_acceptances_are_the_expired_or_undated_ones() -> None:
    import datetime as dt

    loaded = load_model(EXAMPLES / "smart-appliance-cloud.yaml")
    fake = Analysis("v", None, None, loaded, None, "USD")  # type: ignore[arg-type]
    accepted = [t for t in loaded.model.tracking if t.status == "accepted"]
    far = stale_acceptances(fake, dt.date(2100, 1, 1))
    assert {s.entry for s in far} == {t.id for t in accepted}
    near = stale_acceptances(fake, dt.date(2000, 1, 1))
    assert {s.entry for s in near} == {t.id for t in accepted if t.expires is None}


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_listening_beyond_this_machine_needs_the_flag(host: str) -> None:
    with pytest.raises(UsageError) as refused:
        check_bind(host, allow_remote=False)
    assert "--allow-remote" in refused.value.render()
    check_bind(host, allow_remote=True)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_needs_no_flag(host: str) -> None:
    check_bind(host, allow_remote=False)


def _template_keys() -> set[str]:
    folder = resources.files("fleetrisk.workbench") / "templates"
    keys: set[str] = set()
    for item in folder.iterdir():
        text = item.read_text(encoding="utf-8")
        keys |= set(re.findall(r"\bt\.([a-z_][a-z0-9_]*)", text))
        keys |= set(re.findall(r"\bt\[['\"]([a-z0-9_-]+)['\"]\]", text))
    return keys


def test_every_word_a_page_uses_exists_in_both_languages() -> None:
    rows = ["devices_at_risk", "open_critical", "open_high", "open_medium", "open_low", "cut_sets",
            "single_points", "attack_paths", "expected_loss"]
    dynamic = {f"wb_section_{s}" for s in SECTIONS} | {f"wb_row_{r}" for r in rows}
    for lang in ("en", "ja"):
        known = {**ui(lang), **labels(lang)}
        missing = sorted((_template_keys() | dynamic) - set(known))
        assert not missing, (lang, missing)
    assert labels("en").keys() == labels("ja").keys()
    assert all(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", w) for k, w in labels("ja").items()
               if k not in ("wb_other_lang",)), "every Japanese label is written in Japanese"


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_every_question_s_answer_goes_where_the_model_reads_it(example: str) -> None:
    from fleetrisk.engine.assess import assess
    from fleetrisk.engine.questions import questions
    from fleetrisk.model.loader import load_model_text
    from fleetrisk.workbench.views import answer_value, takes_a_list
    from fleetrisk.workbench.yamledit import edit_text, parse_path

    text = (EXAMPLES / example).read_text(encoding="utf-8")
    asked = questions(assess(load_model_text(text, example)))
    for q in asked:
        if not q.allowed:
            continue
        value = answer_value(q.allowed[0], q.allowed, takes_a_list(q.element_type, q.field))
        answered = edit_text(text, [Change(parse_path(path), value) for path in q.paths])
        again = questions(assess(load_model_text(answered, example)))
        assert (q.element_type, q.field) not in {(a.element_type, a.field) for a in again}, (q.field, q.paths)
