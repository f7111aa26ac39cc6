"""`fleetrisk export --to otm`: Open Threat Model 0.2 JSON with the assessment's threats."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import DEFAULT, run_cli

DATA = Path(__file__).resolve().parent / "data"


def export(model: Path, *extra: str) -> dict[str, Any]:
    result = run_cli("export", "--to", "otm", str(model), *extra)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def require(item: dict[str, Any], *keys: str) -> None:
    missing = [k for k in keys if k not in item]
    assert not missing, f"missing {missing} in {item.get('id')}"


def check_otm_shape(doc: dict[str, Any]) -> None:
    """The required fields of OTM 0.2, and that every reference resolves."""
    require(doc, "otmVersion", "project")
    assert doc["otmVersion"].startswith("0.2")
    require(doc["project"], "name", "id")
    zones = {z["id"] for z in doc["trustZones"]}
    for zone in doc["trustZones"]:
        require(zone, "id", "name", "risk")
        assert 0 <= zone["risk"]["trustRating"] <= 100
    components = {c["id"] for c in doc["components"]}
    threats = {t["id"] for t in doc["threats"]}
    mitigations = {m["id"] for m in doc["mitigations"]}
    assets = {a["id"] for a in doc["assets"]}
    for comp in doc["components"]:
        require(comp, "id", "name", "type", "parent")
        parent = comp["parent"]
        assert parent.get("trustZone") in zones or parent.get("component") in components
        for instance in comp["threats"]:
            require(instance, "threat", "state")
            assert instance["threat"] in threats
            assert {m["mitigation"] for m in instance["mitigations"]} <= mitigations
    for flow in doc["dataflows"]:
        require(flow, "id", "name", "source", "destination")
        assert flow["source"] in components and flow["destination"] in components
        assert set(flow["assets"]) <= assets
    for threat in doc["threats"]:
        require(threat, "id", "name", "risk")
        likelihood = threat["risk"]["likelihood"]  # null for a finding the model's facts could not decide
        assert (likelihood is None and "unknown" in threat["tags"]) or 0 <= likelihood <= 100
        assert 0 <= threat["risk"]["impact"] <= 100
    for mitigation in doc["mitigations"]:
        require(mitigation, "id", "name", "riskReduction")
    for asset in doc["assets"]:
        require(asset, "id", "name", "risk")


def test_export_of_the_example_has_every_finding() -> None:
    doc = export(DEFAULT)
    check_otm_shape(doc)
    report = json.loads(run_cli("assess", str(DEFAULT), "--format", "json").stdout)
    assert [t["id"] for t in doc["threats"]] == [f["id"] for f in report["findings"]]
    attached = {i["threat"] for c in doc["components"] for i in c["threats"]}
    attached |= {i["threat"] for f in doc["dataflows"] for i in f["threats"]}
    element_findings = {f["id"] for f in report["findings"] if f["element_type"] != "service"}
    assert element_findings <= attached
    signing = next(c for c in doc["components"] if c["id"] == "fw-signing")
    assert signing["type"] == "signing-key"
    assert any(i["threat"] == "T6.online-signing-key@fw-signing" and i["state"] == "EXPOSED"
               for i in signing["threats"])
    assert signing["representations"][0]["line"] >= 1


def test_export_of_an_imported_model(tmp_path: Path) -> None:
    model = tmp_path / "m.yaml"
    imported = run_cli("import", "--from", "threagile", str(DATA / "threagile_small.yaml"), "-o", str(model))
    assert imported.returncode == 0, imported.stderr
    doc = export(model)
    check_otm_shape(doc)
    assert doc["project"]["name"] == "Vending machine cloud"
    fleet = next(c for c in doc["components"] if c["id"] == "vending-machine")
    assert fleet["type"] == "device-fleet"


def test_export_is_deterministic_and_respects_existing_files(tmp_path: Path) -> None:
    out = tmp_path / "model.otm.json"
    assert run_cli("export", "--to", "otm", str(DEFAULT), "-o", str(out)).returncode == 0
    first = out.read_bytes()
    refused = run_cli("export", "--to", "otm", str(DEFAULT), "-o", str(out))
    assert refused.returncode == 2 and "already exists" in refused.stderr
    assert run_cli("export", "--to", "otm", str(DEFAULT), "-o", str(out), "--force").returncode == 0
    assert out.read_bytes() == first


def test_export_of_a_bad_model_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("fleetrisk: 1\nservice: {name: x, types: [telemetry]}\nfleets: []\n", encoding="utf-8")
    result = run_cli("export", "--to", "otm", str(bad))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert str(bad) in result.stderr
