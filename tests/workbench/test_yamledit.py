"""Edits written back into a model file keep what the author wrote: comments, order, quoting,
flow mappings and indentation, and change only the lines the edit is about."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path

import pytest

from conftest import EXAMPLES
from fleetrisk.model.loader import load_model_text
from fleetrisk.workbench.yamledit import (
    _LAYOUTS,
    Change,
    EditError,
    _dump,
    _edit,
    _fits,
    _indents,
    _part,
    _yaml,
    edit_text,
    merge,
    parse_path,
)

BASE = """\
# A model for the edit tests.
fleetrisk: 1
service:
  name: Edit test   # the service
  types: [telemetry]

fleets:
  - id: washers
    devices: 1000      # counted in 2026
    safety: low
    accepts:
      - {from: ota, input: firmware, verification: signature}

components:
  - id: ota
    kind: ota-service
    auth: password     # staff password, no MFA
  - {id: gateway, kind: device-gateway,
     exposure: [internet]}

tracking:
  - id: T1.unused@ota
    status: accepted
    justification: kept for the test
    owner: team

# The loss section comes last.
loss:
  revenue: 1000000
"""


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


CASES = [
    pytest.param([Change(("components", 0, "auth"), "mtls")],
                 ["    auth: password     # staff password, no MFA"],
                 ["    auth: mtls         # staff password, no MFA"],
                 id="set-keeps-inline-comment-in-its-column"),
    pytest.param([Change(("components", 0, "rate_limited"), True)],
                 [], ["    rate_limited: true"], id="add-key-at-end-of-mapping"),
    pytest.param([Change(("fleets", 0, "identity", "kind"), "per-device-certificate")],
                 [], ["    identity:", "      kind: per-device-certificate"], id="make-mappings-on-the-way"),
    pytest.param([Change(("components", 1, "auth"), "mtls")],
                 ["  - {id: gateway, kind: device-gateway,", "     exposure: [internet]}"],
                 ["  - {id: gateway, kind: device-gateway, exposure: [internet], auth: mtls}"],
                 id="flow-mapping-item-alone"),
    pytest.param([Change(("fleets", 0, "accepts", 0, "hardware_bound"), False)],
                 ["      - {from: ota, input: firmware, verification: signature}"],
                 ["      - {from: ota, input: firmware, verification: signature, hardware_bound: false}"],
                 id="nested-flow-mapping"),
    pytest.param([Change(("components", 0, "auth"), action="drop")],
                 ["    auth: password     # staff password, no MFA"], [], id="drop-a-field"),
    pytest.param([Change(("tracking",), {"id": "T3.x@ota", "status": "in-progress", "justification": "fixing",
                                         "owner": "me", "expires": dt.date(2027, 3, 1)}, "append")],
                 [], ["  - id: T3.x@ota", "    status: in-progress", "    justification: fixing", "    owner: me",
                      "    expires: 2027-03-01"], id="append-to-a-list"),
    pytest.param([Change(("tracking", 0, "status"), "false-positive")],
                 ["    status: accepted"], ["    status: false-positive"], id="replace-in-a-list-item"),
]


@pytest.mark.parametrize(("changes", "removed", "added"), CASES)
def test_an_edit_changes_only_its_own_lines(changes: list[Change], removed: list[str], added: list[str]) -> None:
    after = edit_text(BASE, changes)
    assert changed_lines(BASE, after) == (removed, added)
    load_model_text(after)  # still a valid model


def test_appended_items_go_above_the_comment_that_leads_into_the_next_section() -> None:
    after = edit_text(BASE, [Change(("tracking",), {"id": "T3.y@ota", "status": "accepted",
                                                    "justification": "j", "owner": "o"}, "append")])
    lines = after.splitlines()
    assert lines.index("  - id: T3.y@ota") < lines.index("# The loss section comes last.") < lines.index("loss:")
    assert lines[lines.index("# The loss section comes last.") - 1] == ""


def test_a_new_section_is_made_when_the_file_has_none() -> None:
    text = BASE[:BASE.index("tracking:")] + BASE[BASE.index("# The loss"):]
    after = edit_text(text, [Change(("tracking",), {"id": "T1.z@ota", "status": "accepted", "justification": "j",
                                                    "owner": "o", "expires": dt.date(2027, 1, 1)}, "append")])
    model = load_model_text(after).model
    assert [t.id for t in model.tracking] == ["T1.z@ota"]
    assert changed_lines(text, after)[0] == []


@pytest.mark.parametrize("text", ["on", "off", "yes", "no", "1:20", "017", "2027-01-01", "null", "~", "true",
                                  "#not a comment", "a: b", "- item", "[x]", "{y}", "*alias", "&anchor",
                                  "!!python/object", "'quoted'", '"double"', "line\nbreak", " padded ", "%TAG",
                                  "@at", "`tick", "3.0", "1e5", "0x1F", ".inf", "<script>alert(1)</script>"])
def test_text_reads_back_as_the_very_same_text(text: str) -> None:
    after = edit_text(BASE, [Change(("tracking", 0, "justification"), text)])
    assert load_model_text(after).model.tracking[0].justification == text


def test_a_file_that_already_round_trips_is_unchanged_but_for_the_edit() -> None:
    text = (EXAMPLES / "smart-appliance-cloud.yaml").read_text(encoding="utf-8")
    model = load_model_text(text).model
    for i, component in enumerate(model.components):
        after = edit_text(text, [Change(("components", i, "rate_limited"), not component.rate_limited)])
        removed, added = changed_lines(text, after)
        assert len(removed) <= 2 and 1 <= len(added) <= 1, (component.id, removed, added)
        assert load_model_text(after).model.components[i].rate_limited is (not component.rate_limited)


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_every_comment_of_every_example_survives_an_edit(example: str) -> None:
    text = (EXAMPLES / example).read_text(encoding="utf-8")
    after = edit_text(text, [Change(("fleets", 0, "reconnect"), "backoff-jitter"),
                             Change(("tracking",), {"id": "T1.c@x", "status": "accepted", "justification": "j",
                                                    "owner": "o"}, "append")])
    comments = [line.strip() for line in text.splitlines() if line.strip().startswith("#")]
    assert [line.strip() for line in after.splitlines() if line.strip().startswith("#")] == comments
    assert load_model_text(after).model.fleets[0].reconnect == "backoff-jitter"


@pytest.mark.parametrize(("indent", "seq"), [(2, 0), (4, 0), (2, 2), (4, 2)])
def test_the_author_s_indentation_is_kept(indent: int, seq: int) -> None:
    pad, dash = " " * indent, " " * seq
    text = (f"fleetrisk: 1\nservice:\n{pad}name: S\n{pad}types:\n{pad}{dash}- telemetry\n"
            f"fleets:\n{dash}- id: f\n{dash}  devices: 10\n{dash}  safety: low\n"
            f"components:\n{dash}- id: c\n{dash}  kind: ota-service\n")
    after = edit_text(text, [Change(("components", 0, "auth"), "mtls")])
    assert changed_lines(text, after) == ([], [f"{dash}  auth: mtls"])


@pytest.mark.parametrize("layout", _LAYOUTS)
def test_the_layout_is_read_from_the_text_alone(layout: tuple[int, int, int]) -> None:
    tree = _yaml(_LAYOUTS[0]).load("a:\n  b: 1\n  c:\n  - x\n  d:\n  - e: 1\n    f:\n      g: 2\n")
    text = _dump(_yaml(layout), tree)
    assert [other for other in _LAYOUTS if _fits(other, _indents(text))] == [layout]


def test_a_file_of_mixed_indentation_keeps_its_lines_where_the_edit_is_not() -> None:
    text = ("fleetrisk: 1\nservice:\n  name: S\n  types:\n  - telemetry\n"  # a list at the key's column ...
            "fleets:\n  - id: f\n    devices: 10\n"  # ... and one indented under it
            "components:\n  - id: c\n    kind: ota-service\n")
    assert not [layout for layout in _LAYOUTS if _fits(layout, _indents(text))]
    after = edit_text(text, [Change(("components", 0, "auth"), "mtls")])
    assert changed_lines(text, after) == ([], ["    auth: mtls"])


PARTS = """\
fleetrisk: 1
service:
  name: S
fleets:   # the fleets
  - id: a
    accepts:
      - {from: ota, input: firmware}
  # b is the old model
  - id: b

    devices: 3

# The components follow.
components:
  - id: ota
"""


@pytest.mark.parametrize(("changes", "part"), [
    pytest.param([Change(("fleets", 0, "accepts", 0, "hardware_bound"), True)], (4, 8, "fleets:   # the fleets\n"),
                 id="first-item-with-the-comment-at-its-dashes"),
    pytest.param([Change(("fleets", 1, "devices"), 4), Change(("fleets", 1, "safety"), "low")],
                 (8, 13, "fleets:   # the fleets\n"), id="last-item-with-the-comment-below-it"),
    pytest.param([Change(("fleets",), {"id": "c"}, "append")], (8, 13, "fleets:   # the fleets\n"), id="append"),
    pytest.param([Change(("fleets", 0, "devices"), 1), Change(("fleets", 1, "devices"), 1)], (3, 13, ""),
                 id="two-items-one-section"),
    pytest.param([Change(("fleets", 1), action="drop")], (3, 13, ""), id="a-whole-item"),
    pytest.param([Change(("service", "name"), "T")], (1, 3, ""), id="a-section-that-is-no-list"),
    pytest.param([Change(("fleets", 2, "devices"), 1)], (3, 13, ""), id="an-item-the-list-does-not-have"),
    pytest.param([Change(("fleets", 0, "devices"), 1), Change(("components", 0, "auth"), "mtls")], None,
                 id="two-sections"),
    pytest.param([Change(("tracking", 0, "status"), "accepted")], None, id="a-section-the-file-does-not-have"),
])
def test_an_edit_reads_and_writes_only_the_part_of_the_file_it_is_about(
        changes: list[Change], part: tuple[int, int, str] | None) -> None:
    found = _part(PARTS.splitlines(keepends=True), changes)
    assert (found[:3] if found is not None else None) == part
    try:  # the part alone gives the text (or the refusal) the whole file gives
        whole = _edit(PARTS, changes, _indents(PARTS))
    except EditError as exc:
        with pytest.raises(EditError, match=re.escape(str(exc))):
            edit_text(PARTS, changes)
    else:
        assert edit_text(PARTS, changes) == whole


def test_an_item_that_refers_to_an_anchor_elsewhere_is_edited_through_the_whole_file() -> None:
    text = "fleetrisk: 1\ndefaults: &d\n  safety: low\nfleets:\n  - id: f\n    <<: *d\n    devices: 10   # counted\n"
    after = edit_text(text, [Change(("fleets", 0, "devices"), 20)])
    assert after == text.replace("devices: 10", "devices: 20")


@pytest.mark.parametrize(("path", "message"), [
    (("fleets", 7, "safety"), "no item 7"),
    (("service", "name", "x"), "no such place"),
    (("fleets", "x"), "no such place"),
])
def test_an_edit_to_a_place_the_file_does_not_have_is_refused(path: tuple[str | int, ...], message: str) -> None:
    with pytest.raises(EditError, match=message):
        edit_text(BASE, [Change(path, "x")])


@pytest.mark.parametrize(("text", "steps"), [
    ("fleets[0].accepts[1].hardware_bound", ("fleets", 0, "accepts", 1, "hardware_bound")),
    ("practices.anomaly_detection", ("practices", "anomaly_detection")),
    ("components[12].auth", ("components", 12, "auth")),
])
def test_model_paths_parse(text: str, steps: tuple[str | int, ...]) -> None:
    assert parse_path(text) == steps


@pytest.mark.parametrize("text", ["", "a..b", "a[x]", "a[0", ".a", "a[-1]", "a b"])
def test_bad_model_paths_are_refused(text: str) -> None:
    with pytest.raises(EditError):
        parse_path(text)


def test_merge_keeps_the_author_s_side_where_only_the_author_differs() -> None:
    base = "a: 1\nb: 2\nc: 3\n"
    mine = "a: 1   # mine\nb: 2\nc: 3\n"
    theirs = "a: 1\nb: 2\nc: 4\n"
    assert merge(mine, base, theirs) == "a: 1   # mine\nb: 2\nc: 4\n"


def test_merge_takes_the_edit_where_both_sides_touch_the_same_lines() -> None:
    base = "k: [1, 2]\n"
    mine = "k: [1,\n    2]\n"
    theirs = "k: [1, 3]\n"
    assert merge(mine, base, theirs) == theirs


def test_a_file_that_is_not_yaml_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EditError):
        edit_text("a: [unclosed\n", [Change(("a",), 1)])
