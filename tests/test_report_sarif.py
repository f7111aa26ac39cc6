"""SARIF 2.1.0: valid against the official schema, located at model lines, stable fingerprints."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from conftest import run_cli
from fleetrisk import assess, load_model
from fleetrisk.catalog.loader import load_catalog
from fleetrisk.reports.sarif import artifact_uri, render_sarif
from report_fixtures import SARIF_SCHEMA, default_assessment, hostile_model


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_valid_against_official_schema(validator: jsonschema.Draft4Validator, lang: str) -> None:
    log = json.loads(render_sarif(default_assessment(lang)))
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, errors[0].message


def test_hostile_model_still_valid(validator: jsonschema.Draft4Validator, tmp_path: Path) -> None:
    log = json.loads(render_sarif(assess(load_model(hostile_model(tmp_path)))))
    assert not list(validator.iter_errors(log))


def test_schema_really_rejects_broken_logs(validator: jsonschema.Draft4Validator) -> None:
    log = json.loads(render_sarif(default_assessment()))
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert list(validator.iter_errors(log))


def test_every_result_points_at_its_model_line() -> None:
    result = default_assessment()
    log = json.loads(render_sarif(result))
    by_id = {f.id: f for f in result.findings}
    results = log["runs"][0]["results"]
    assert results
    for r in results:
        finding = by_id[r["properties"]["findingId"]]
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] == artifact_uri(finding.location.file)[0]
        assert loc["artifactLocation"]["uri"].endswith("src/fleetrisk/examples/smart-appliance-cloud.yaml")
        assert loc["region"]["startLine"] == finding.location.line >= 1
        assert loc["region"]["startColumn"] == finding.location.column >= 1


def test_statuses_and_levels() -> None:
    result = default_assessment()
    accepted = result.findings[0].model_copy(update={"status": "accepted"})
    mitigated = result.findings[1].model_copy(update={"status": "mitigated"})
    edited = result.model_copy(update={"findings": [accepted, mitigated, *result.findings[2:]]})
    log = json.loads(render_sarif(edited))
    ids = {r["properties"]["findingId"]: r for r in log["runs"][0]["results"]}
    assert accepted.id not in ids and mitigated.id not in ids
    expected = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
    for f in edited.findings[2:]:
        if f.status in ("open", "in-progress"):
            assert ids[f.id]["level"] == expected[f.risk.band]
        elif f.status == "unknown":
            assert ids[f.id]["level"] == "note"
    assert any(f.status == "unknown" for f in edited.findings)


def test_one_rule_per_scenario_and_stable_fingerprints() -> None:
    log = json.loads(render_sarif(default_assessment()))
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [s.id for s in load_catalog().scenarios]
    for r in run["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    prints = [r["partialFingerprints"]["fleetriskFindingId/v1"] for r in run["results"]]
    assert len(set(prints)) == len(prints)
    again = json.loads(render_sarif(default_assessment()))
    assert prints == [r["partialFingerprints"]["fleetriskFindingId/v1"] for r in again["runs"][0]["results"]]


def test_fingerprint_survives_line_moves() -> None:
    result = default_assessment()
    moved = result.findings[0].model_copy(
        update={"location": result.findings[0].location.model_copy(update={"line": 999})})
    edited = result.model_copy(update={"findings": [moved, *result.findings[1:]]})
    first = json.loads(render_sarif(result))["runs"][0]["results"][0]
    second = json.loads(render_sarif(edited))["runs"][0]["results"][0]
    assert first["partialFingerprints"] == second["partialFingerprints"]
    assert second["locations"][0]["physicalLocation"]["region"]["startLine"] == 999


def test_relative_model_path_gives_repository_relative_uri() -> None:
    result = run_cli("assess", "src/fleetrisk/examples/smart-appliance-cloud.yaml", "--format", "sarif")
    assert result.returncode == 0, result.stderr
    first = json.loads(result.stdout)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert first["artifactLocation"] == {"uri": "src/fleetrisk/examples/smart-appliance-cloud.yaml",
                                          "uriBaseId": "%SRCROOT%"}


def test_artifact_uris() -> None:
    assert artifact_uri("models/a b.yaml") == ("models/a%20b.yaml", "%SRCROOT%")
    assert artifact_uri("/srv/m.yaml") == ("file:///srv/m.yaml", None)


def test_japanese_help_text() -> None:
    log = json.loads(render_sarif(default_assessment("ja")))
    rule = next(r for r in log["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "T6.online-signing-key")
    assert rule["shortDescription"]["text"] == "ファームウェア署名鍵が配信サーバ上にオンラインで置かれている"
    assert "対策" in rule["help"]["text"]
