"""Odd and hostile peer files: every one stops with exit 2 and a message naming the file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from conftest import run_cli
from fleetrisk.importers.draft import slugify
from fleetrisk.importers.writer import scalar

DATA = Path(__file__).resolve().parent / "data"


def td_model(cells: list[dict]) -> str:  # type: ignore[type-arg]
    return json.dumps({"summary": {"title": "t"}, "detail": {"diagrams": [{"id": 0, "cells": cells}]}}, indent=2)


def pytm_model(elements: list[dict], flows: list[dict]) -> str:  # type: ignore[type-arg]
    return json.dumps({"name": "m", "boundaries": [], "data": [], "elements": elements, "flows": flows})


PROCESS = {"id": "p", "shape": "process", "data": {"name": "API"}}
CASES: dict[str, tuple[str, str, str]] = {
    # name: (source, file text, expected words in the message)
    "truncated-json": ("pytm", '{"elements": [', "not valid JSON"),
    "json-nan": ("pytm", '{"elements": [], "flows": [], "x": NaN}', "not valid JSON"),
    "json-top-list": ("pytm", "[1, 2]", "must be an object"),
    "not-pytm": ("pytm", '{"hello": "world"}', "not pytm --json output"),
    "empty": ("threat-dragon", "   \n", "empty"),
    "pytm-unknown-class": ("pytm", pytm_model([{"__class__": "Spaceship", "name": "X"}], []),
                           "unknown pytm element class 'Spaceship'"),
    "pytm-dangling-flow": ("pytm", pytm_model([{"__class__": "Server", "name": "A"}],
                                              [{"name": "f", "source": "A", "sink": "Ghost"}]),
                           "its sink 'Ghost' is not an element"),
    "pytm-unknown-boundary": ("pytm", pytm_model([{"__class__": "Server", "name": "A", "inBoundary": "Nowhere"}], []),
                              "is in boundary 'Nowhere', which is not under 'boundaries'"),
    "pytm-duplicate-name": ("pytm", pytm_model([{"__class__": "Server", "name": "A"},
                                                {"__class__": "Process", "name": "A"}], []),
                            "two elements are named 'A'"),
    "pytm-huge-name": ("pytm", pytm_model([{"__class__": "Server", "name": "x" * 200_000}], []),
                       "200,000 characters long"),
    "pytm-name-not-text": ("pytm", pytm_model([{"__class__": "Server", "name": 42}], []), "must be text"),
    "td-unknown-shape": ("threat-dragon", td_model([{"id": "z", "shape": "hexagon"}]),
                         "unknown Threat Dragon shape 'hexagon'"),
    "td-flow-to-missing-cell": ("threat-dragon", td_model([PROCESS, {"id": "f", "shape": "flow",
                                                                      "source": {"cell": "p"},
                                                                      "target": {"cell": "nope"}}]),
                                "names cell 'nope'"),
    "td-v1-diagram-not-an-object": ("threat-dragon", json.dumps({"detail": {"diagrams": [{"diagramJson": [1]}]}}),
                                    "diagramJson must be an object"),
    "td-v1-unknown-type": ("threat-dragon", json.dumps({"detail": {"diagrams": [{"diagramJson": {"cells": [
        {"type": "tm.Hexagon", "id": "x"}]}}]}}), "unknown Threat Dragon shape 'tm.Hexagon'"),
    "td-no-diagrams": ("threat-dragon", json.dumps({"summary": {}}), "not a Threat Dragon v2 model"),
    "td-huge-description": ("threat-dragon", td_model([{**PROCESS, "data": {"name": "A", "description": "d" * 5000}}]),
                            "5,000 characters long"),
    "otm-no-version": ("otm", json.dumps({"components": []}), "not an Open Threat Model file"),
    "otm-given-to-threat-dragon": ("threat-dragon", json.dumps({"otmVersion": "0.2.0"}), "--from otm"),
    "otm-component-without-id": ("otm", json.dumps({"otmVersion": "0.2.0", "components": [{"name": "A"}]}),
                                 "components[0] has no id"),
    "otm-duplicate-id": ("otm", json.dumps({"otmVersion": "0.2.0", "components": [{"id": "a"}, {"id": "a"}]}),
                         "two entries of 'components' have the id 'a'"),
    "otm-missing-zone": ("otm", json.dumps({"otmVersion": "0.2.0",
                                            "components": [{"id": "a", "parent": {"trustZone": "ghost"}}]}),
                         "parent trust zone 'ghost' is not in trustZones"),
    "otm-dangling-flow": ("otm", json.dumps({"otmVersion": "0.2.0", "components": [{"id": "a"}],
                                             "dataflows": [{"id": "f", "source": "a", "destination": "ghost"}]}),
                          "its destination 'ghost' is not a component"),
    "otm-components-not-a-list": ("otm", json.dumps({"otmVersion": "0.2.0", "components": {"a": 1}}),
                                  "components must be a list"),
    "threagile-not-a-model": ("threagile", "title: x\n", "not a Threagile model"),
    "threagile-unknown-type": ("threagile", "technical_assets:\n  A:\n    id: a\n    type: spaceship\n",
                               "unknown type 'spaceship'"),
    "threagile-dangling-link": ("threagile", "technical_assets:\n  A:\n    id: a\n    type: process\n"
                                "    communication_links:\n      L:\n        target: ghost\n",
                                "targets 'ghost'"),
    "threagile-boundary-ghost": ("threagile", "technical_assets:\n  A:\n    id: a\n    type: process\n"
                                 "trust_boundaries:\n  B:\n    id: b\n    technical_assets_inside: [a, ghost]\n",
                                 "lists 'ghost'"),
    "threagile-yaml-tag": ("threagile", "technical_assets: !!python/object:os.system {}\n", "not allowed"),
    "threagile-tab": ("threagile", "technical_assets:\n\tA: 1\n", "YAML syntax error"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exits_2_with_a_message(case: str, tmp_path: Path) -> None:
    source, content, expected = CASES[case]
    path = tmp_path / f"{case}.input"
    path.write_text(content, encoding="utf-8")
    out = tmp_path / "out.yaml"
    result = run_cli("import", "--from", source, str(path), "-o", str(out))
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert str(path) in result.stderr
    assert expected in result.stderr
    assert not out.exists()


def test_threagile_errors_point_at_the_line(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(CASES["threagile-dangling-link"][1], encoding="utf-8")
    result = run_cli("import", "--from", "threagile", str(path), "-o", str(tmp_path / "o.yaml"))
    assert f"{path}:7:9:" in result.stderr


def test_json_errors_point_at_the_line(tmp_path: Path) -> None:
    path = tmp_path / "td.json"
    path.write_text(td_model([PROCESS, {"id": "bad-cell", "shape": "hexagon"}]), encoding="utf-8")
    result = run_cli("import", "--from", "threat-dragon", str(path), "-o", str(tmp_path / "o.yaml"))
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if '"bad-cell"' in text)
    assert re.search(rf"{re.escape(str(path))}:{line}:\d+:", result.stderr), result.stderr


def test_invalid_utf8_and_binary(tmp_path: Path) -> None:
    path = tmp_path / "bin.json"
    path.write_bytes(b'{"a": "\xff\xfe"}')
    result = run_cli("import", "--from", "pytm", str(path), "-o", str(tmp_path / "o.yaml"))
    assert result.returncode == 2 and "invalid UTF-8" in result.stderr


def test_missing_file_and_unknown_source(tmp_path: Path) -> None:
    result = run_cli("import", "--from", "pytm", str(tmp_path / "nope.json"))
    assert result.returncode == 2 and "error[file]: cannot read the pytm file: no such file" in result.stderr
    result = run_cli("import", "--from", "visio", str(DATA / "pytm_small.json"))
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_odd_names_still_give_a_valid_model(tmp_path: Path) -> None:
    names = ["温度センサー", "a: b # c", "'quoted' \"both\"", "yes", "null", "0x1F", "- dash", "tab\there",
             "line\u2028sep", "\u0085next", "x" * 999]
    elements = [{"__class__": "Server", "name": n} for n in names]
    path = tmp_path / "odd.json"
    path.write_text(pytm_model(elements, [{"name": "f", "source": names[0], "sink": names[1]}]), encoding="utf-8")
    out = tmp_path / "odd.yaml"
    result = run_cli("import", "--from", "pytm", str(path), "-o", str(out))
    assert result.returncode == 0, result.stderr
    model = yaml.safe_load(out.read_text(encoding="utf-8"))
    ids = [c["id"] for c in model["components"]]
    assert len(ids) == len(set(ids)) == len(names)
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9_.-]{0,79}", i) for i in ids)
    assert {c["name"] for c in model["components"]} >= {"温度センサー", "a: b # c", "yes", "null", "0x1F"}
    assert run_cli("validate", str(out)).returncode == 0


@pytest.mark.parametrize("value", ["plain", "yes", "No", "~", "1.5", "2026-01-01", "a: b", "#x", "x #y", "é",
                                   "\\", '"', "\x07bell", "\u2028", "trailing ", "[list]", "{m}", "*alias", "&a",
                                   "!tag", "%dir", "@at", "`tick", "?q", "-", "0o17", ".inf"])
def test_scalars_read_back_as_written(value: str) -> None:
    assert yaml.safe_load(f"key: {scalar(value)}\n") == {"key": value}


def test_slugify() -> None:
    assert slugify("Web API (v2)") == "web-api-v2"
    assert slugify("Café Über") == "cafe-uber"
    assert slugify("温度") == ""
    assert slugify("--a--b--") == "a-b"
    assert len(slugify("y" * 500)) == 60


def test_bidirectional_and_invisible_characters_are_escaped_in_the_model_and_report(tmp_path: Path) -> None:
    """A peer tool's names reach the written model as YAML escapes and the mapping report as visible text."""
    from fleetrisk.textsafe import UNSAFE

    names = ["admin\u202egnp.exe", "a\u200bpi", "tag\U000e0041", "[/x] [link=https://evil.example]x[/link]"]
    path = tmp_path / "bidi.json"
    path.write_text(pytm_model([{"__class__": "Server", "name": n} for n in names], []), encoding="utf-8")
    out, report = tmp_path / "bidi.yaml", tmp_path / "bidi.md"
    result = run_cli("import", "--from", "pytm", str(path), "-o", str(out), "--report", str(report))
    assert result.returncode == 0, result.stderr
    written, mapping = out.read_text(encoding="utf-8"), report.read_text(encoding="utf-8")
    for text in (written, mapping, result.stdout, result.stderr):
        assert UNSAFE.search(text) is None
    assert '"admin\\u202egnp.exe"' in written and '"tag\\U000e0041"' in written
    assert {c["name"] for c in yaml.safe_load(written)["components"]} == set(names)  # the exact names, read back
    assert run_cli("validate", str(out)).returncode == 0


@pytest.mark.parametrize("value", ["\u202eevil", "zero\u200bwidth", "\U000e0041tag", "\ufeffbom", "\x85nel"])
def test_acting_characters_read_back_as_written(value: str) -> None:
    assert yaml.safe_load(f"key: {scalar(value)}\n") == {"key": value}
    assert "\\u" in scalar(value) or "\\U" in scalar(value)
