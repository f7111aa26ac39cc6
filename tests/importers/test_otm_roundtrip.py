"""OTM export then import then assess gives back the model's findings, and exports validate
against the official OTM 0.2.0 JSON schema (vendored in data/otm_schema.json, see its NOTICE)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conftest import EXAMPLES, run_cli
from fleetrisk.engine.assess import assess
from fleetrisk.importers import import_file
from fleetrisk.importers.otm import render_otm
from fleetrisk.importers.writer import render_yaml
from fleetrisk.model.loader import load_model, load_model_text
from fleetrisk.results import Assessment

DATA = Path(__file__).resolve().parent / "data"
BUNDLED = sorted(EXAMPLES.glob("*.yaml"))
SCHEMA = json.loads((DATA / "otm_schema.json").read_text(encoding="utf-8"))


def validate_otm(doc: dict[str, Any]) -> None:
    validator = jsonschema.Draft7Validator(SCHEMA)
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]
    assert not problems, problems[:5]


def verdicts(result: Assessment) -> dict[str, tuple[str, int, int, int]]:
    return {f.id: (f.status, f.risk.score, f.likelihood.score, f.impact.score) for f in result.findings}


def round_trip(model: Path, tmp_path: Path) -> tuple[Assessment, Assessment, dict[str, Any]]:
    loaded = load_model(model)
    before = assess(loaded)
    otm_path = tmp_path / "model.otm.json"
    otm_path.write_text(render_otm(loaded, before), encoding="utf-8")
    draft = import_file("otm", otm_path)
    back = load_model_text(render_yaml(draft), str(tmp_path / "back.yaml"))
    return before, assess(back), json.loads(otm_path.read_text(encoding="utf-8"))


def test_every_bundled_example_is_checked() -> None:
    assert len(BUNDLED) >= 4


@pytest.mark.parametrize("model", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_round_trip_keeps_every_finding_status_and_score(model: Path, tmp_path: Path) -> None:
    before, after, doc = round_trip(model, tmp_path)
    assert verdicts(after) == verdicts(before)
    assert before.findings, "an example with no findings proves nothing"
    assert [f.id for f in after.findings] == [f.id for f in before.findings], "same ranking"
    assert [s.element for s in after.single_points] == [s.element for s in before.single_points]
    validate_otm(doc)


@pytest.mark.parametrize("model", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_threat_states_say_what_the_assessment_knows(model: Path, tmp_path: Path) -> None:
    before, _, doc = round_trip(model, tmp_path)
    status = {f.id: f.status for f in before.findings}
    threats = {t["id"]: t for t in doc["threats"]}
    wanted = {"open": "EXPOSED", "unknown": "UNKNOWN", "mitigated": "MITIGATED", "accepted": "ACCEPTED",
              "false-positive": "NOT_APPLICABLE", "in-progress": "EXPOSED"}
    instances = [i for c in doc["components"] + doc["dataflows"] for i in c["threats"]]
    assert instances
    for instance in instances:
        assert instance["state"] == wanted[status[instance["threat"]]]
    for finding_id, finding_status in status.items():
        risk = threats[finding_id]["risk"]
        if finding_status == "unknown":
            assert risk["likelihood"] is None and "not assessed" in risk["likelihoodComment"]
            assert threats[finding_id]["tags"] == ["unknown"]
        else:
            assert isinstance(risk["likelihood"], int) and risk["likelihood"] > 0


def test_the_examples_cover_unknown_and_mitigated_findings() -> None:
    statuses = {f.status for model in BUNDLED for f in assess(load_model(model)).findings}
    assert {"open", "unknown", "mitigated"} <= statuses


def test_every_fact_travels_in_namespaced_attributes(tmp_path: Path) -> None:
    model = EXAMPLES / "connected-vehicle.yaml"
    _, _, doc = round_trip(model, tmp_path)
    facts = doc["project"]["attributes"]["fleetrisk"]
    assert facts["service"]["name"] and "practices" in facts
    for item in doc["trustZones"]:
        if not item["id"].startswith("fleetrisk-"):
            assert item["attributes"]["fleetrisk"]["id"] == item["id"]
    for collection in ("components", "assets", "dataflows"):
        for item in doc[collection]:
            assert item["attributes"]["fleetrisk"]["id"] == item["id"], (collection, item["id"])
    fleets = [c for c in doc["components"] if c["type"] == "device-fleet"]
    assert any("identity" in c["attributes"]["fleetrisk"] for c in fleets)


def test_hand_edited_fleetrisk_attributes_fall_back_to_a_plain_reading(tmp_path: Path) -> None:
    model = EXAMPLES / "smart-appliance-cloud.yaml"
    _, _, doc = round_trip(model, tmp_path)
    fleet = next(c for c in doc["components"] if c["type"] == "device-fleet")
    fleet["attributes"]["fleetrisk"]["safety"] = "catastrophic"  # not a safety level
    broken = tmp_path / "edited.otm.json"
    broken.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "m.yaml"
    result = run_cli("import", "--from", "otm", str(broken), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "fleetrisk attributes do not make a valid model" in result.stdout
    assert "catastrophic" not in out.read_text(encoding="utf-8")
    assert run_cli("validate", str(out)).returncode == 0


def test_export_of_an_imported_peer_model_validates(tmp_path: Path) -> None:
    model = tmp_path / "m.yaml"
    assert run_cli("import", "--from", "threagile", str(DATA / "threagile_small.yaml"), "-o",
                   str(model)).returncode == 0
    result = run_cli("export", "--to", "otm", str(model))
    assert result.returncode == 0, result.stderr
    validate_otm(json.loads(result.stdout))


def test_the_vendored_schema_rejects_what_it_should() -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"otmVersion": "0.2.0", "project": {"name": "x"}}, SCHEMA)
