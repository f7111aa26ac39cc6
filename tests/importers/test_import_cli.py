"""`fleetrisk import` on small hand-written models in each peer format, run as a user runs it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLES, run_cli

DATA = Path(__file__).resolve().parent / "data"
SOURCES = [
    ("pytm", "pytm_small.json"),
    ("threagile", "threagile_small.yaml"),
    ("threat-dragon", "threat_dragon_small.json"),
    ("threat-dragon", "threat_dragon_v1_small.json"),
    ("otm", "otm_small.json"),
]


def do_import(source: str, name: str, out: Path, *extra: str) -> str:
    result = run_cli("import", "--from", source, str(DATA / name), "-o", str(out), *extra)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


@pytest.mark.parametrize(("source", "name"), SOURCES)
def test_import_validates_and_assesses(source: str, name: str, tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    summary = do_import(source, name, model)
    assert "# guess:" in model.read_text(encoding="utf-8")
    assert "# fill in:" in model.read_text(encoding="utf-8")
    assert "A human must fill in" in summary
    validated = run_cli("validate", str(model))
    assert validated.returncode == 0, validated.stderr
    assessed = run_cli("assess", str(model), "--format", "json")
    assert assessed.returncode == 0, assessed.stderr
    report = json.loads(assessed.stdout)
    assert report["findings"], "an imported IoT model should yield findings"
    assert {f["location"]["file"] for f in report["findings"]} == {str(model)}


def load(path: Path) -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def by_id(model: dict, section: str) -> dict:  # type: ignore[type-arg]
    return {item["id"]: item for item in model.get(section, [])}


def test_pytm_mapping(tmp_path: Path) -> None:
    model_path = tmp_path / "m.yaml"
    summary = do_import("pytm", "pytm_small.json", model_path)
    model = load(model_path)
    fleets, comps, flows = by_id(model, "fleets"), by_id(model, "components"), by_id(model, "flows")
    accounts, data = by_id(model, "accounts"), by_id(model, "data")
    assert set(fleets) == {"smart-lock"}
    assert comps["mqtt-broker"]["kind"] == "device-gateway"
    assert comps["firmware-update-service"]["kind"] == "ota-service"
    assert comps["telemetry-db"] == {"id": "telemetry-db", "name": "Telemetry DB", "kind": "data-store",
                                     "zone": "data-tier", "encryption_at_rest": True}
    assert comps["weather-provider"]["kind"] == "external-dependency"
    assert accounts["home-owner"]["audience"] == "customer"
    assert accounts["ops-engineer"]["audience"] == "staff"
    assert flows["lock-events-2"] == {"id": "lock-events-2", "from": "smart-lock", "to": "mqtt-broker",
                                      "protocol": "mqtts", "carries": ["lock-events"], "encryption": "tls"}
    assert "encryption" not in flows["store-events"], "pytm's 'not encrypted' default is not a statement"
    assert flows["forecast-2"]["encryption"] == "none", "a protocol named HTTP is plaintext (a guess)"
    assert data["lock-events"]["stored_in"] == ["telemetry-db"]
    assert data["session-token"]["kind"] == "credentials"
    assert "devices" in comps["mqtt-broker"]["exposure"]
    assert "2 findings" in summary and "not copied" in summary
    text = model_path.read_text(encoding="utf-8")
    assert "it receives data from firmware-update-service (flow firmware)" in text


def test_threagile_mapping_uses_stated_facts(tmp_path: Path) -> None:
    model_path = tmp_path / "m.yaml"
    summary = do_import("threagile", "threagile_small.yaml", model_path)
    model = load(model_path)
    comps, flows, data = by_id(model, "components"), by_id(model, "flows"), by_id(model, "data")
    assert set(by_id(model, "fleets")) == {"vending-machine"}
    assert set(by_id(model, "accounts")) == {"operator-browser"}
    assert comps["sales-database"]["zone"] == "data-tier", "the innermost boundary wins"
    assert comps["device-broker"]["zone"] == "cloud-account"
    assert comps["device-broker"]["redundancy"] == "single"
    assert comps["sales-database"]["encryption_at_rest"] is True
    assert flows["sales-upload"]["authentication"] == "mtls"
    assert flows["sales-upload"]["encryption"] == "none"
    assert flows["persist-sales"]["encryption"] == "tls"
    assert data["sales-records"]["stored_in"] == ["sales-database"]
    assert data["sales-records"]["records"] == 1_000_000
    assert "risk-tracking entries are not imported" in summary
    assert "'shared_runtimes' is not imported" in summary


def test_threat_dragon_mapping_uses_geometry(tmp_path: Path) -> None:
    model_path = tmp_path / "m.yaml"
    summary = do_import("threat-dragon", "threat_dragon_small.json", model_path)
    model = load(model_path)
    comps, flows = by_id(model, "components"), by_id(model, "flows")
    assert set(by_id(model, "fleets")) == {"indoor-camera"}
    assert comps["clip-storage"]["zone"] == "restricted-data", "the smallest box holding the centre wins"
    assert comps["video-relay"]["zone"] == "cloud-production"
    assert set(flows) == {"video-stream", "video-stream-reverse", "sign-in", "save-clip"}
    assert flows["video-stream-reverse"]["from"] == "video-relay"
    assert by_id(model, "data")["credentials-in-clip-storage"]["stored_in"] == ["clip-storage"]
    assert "Home network edge" in summary, "curves are reported, not silently dropped"
    assert "1 threats written in Threat Dragon" in summary


def test_threat_dragon_version_1_is_read_like_version_2(tmp_path: Path) -> None:
    model_path = tmp_path / "m.yaml"
    summary = do_import("threat-dragon", "threat_dragon_v1_small.json", model_path)
    model = load(model_path)
    comps, flows = by_id(model, "components"), by_id(model, "flows")
    assert set(by_id(model, "fleets")) == {"parcel-lockers"}
    assert set(by_id(model, "accounts")) == {"courier"}
    assert comps["locker-command-service"]["kind"] == "command-service", "names come from attrs.text"
    assert comps["locker-database"]["encryption_at_rest"] is True
    assert flows["open-door"] == {"id": "open-door", "from": "locker-command-service", "to": "parcel-lockers",
                                  "protocol": "mqtts", "encryption": "tls"}, "flow names come from the labels"
    assert by_id(model, "data")["credentials-in-locker-database"]["stored_in"] == ["locker-database"]
    assert "open-door: crosses the trust boundary" in summary, "a version 1 boundary is a line: a crossing marker"
    assert "'Read state' is marked out of scope" in summary
    assert "1 threats written in Threat Dragon" in summary


def test_otm_mapping_keeps_ids_and_reads_nesting(tmp_path: Path) -> None:
    model_path = tmp_path / "m.yaml"
    summary = do_import("otm", "otm_small.json", model_path)
    model = load(model_path)
    zones, comps, flows = by_id(model, "zones"), by_id(model, "components"), by_id(model, "flows")
    assert zones["public-internet"]["trust"] == "untrusted", "a UUID id gives way to the name; rating 5 is untrusted"
    assert zones["cloud-vpc"]["trust"] == "production"
    assert zones["vendor-zone"]["trust"] == "third-party"
    assert set(by_id(model, "fleets")) == {"doorbells"}
    assert by_id(model, "accounts")["homeowner"]["audience"] == "customer"
    assert comps["relay-worker"]["zone"] == "cloud-vpc", "a component nested in another takes its zone"
    assert comps["chime-partner"]["kind"] == "partner-api", "a fleetrisk kind as OTM type is stated, not guessed"
    assert comps["ota"]["kind"] == "ota-service"
    assert by_id(model, "data")["video-clips"]["stored_in"] == ["clips"]
    assert flows["ring-events"]["authorization"] == "per-tenant"
    assert flows["clip-upload-reverse"]["from"] == "relay"
    assert flows["doorbell-telemetry"]["encryption"] == "tls", "mqtts from the tags"
    assert "'Unused asset' is neither stored nor carried" in summary
    assert "1 threats written in OTM" in summary


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_otm_round_trip_gives_back_the_architecture(example: str, tmp_path: Path) -> None:
    example_path = EXAMPLES / example
    otm, back = tmp_path / "model.otm.json", tmp_path / "back.yaml"
    exported = run_cli("export", "--to", "otm", str(example_path), "-o", str(otm))
    assert exported.returncode == 0, exported.stderr
    summary = do_import("otm", str(otm), back)
    original, again = load(example_path), load(back)
    for section, fields in {
        "zones": ("trust",), "fleets": ("devices", "safety"), "components": ("kind", "zone"),
        "keys": ("custody", "holder", "signs", "threshold"), "data": ("kind", "records", "stored_in"),
        "flows": ("from", "to", "carries", "protocol", "encryption", "authentication", "authorization"),
        "accounts": ("audience",),
    }.items():
        before, after = by_id(original, section), by_id(again, section)
        assert set(after) == set(before), section
        for element_id, item in before.items():
            for name in fields:
                assert after[element_id].get(name) == item.get(name), (section, element_id, name)
    assert "devices and safety are placeholders" not in summary, "fleet size and safety travel in OTM attributes"
    assert run_cli("validate", str(back)).returncode == 0


def test_no_invented_fleet_when_the_source_has_no_devices(tmp_path: Path) -> None:
    """A source without devices gets a fleet of 0 devices, marked to fill in, that is not assessed."""
    model_path = tmp_path / "m.yaml"
    summary = do_import("pytm", "pytm_no_devices.json", model_path)
    model = load(model_path)
    assert model["fleets"] == [{"id": "devices", "name": "Devices", "devices": 0, "safety": "none"}]
    text = model_path.read_text(encoding="utf-8")
    assert "# fill in: the pytm model names no devices, so this fleet has 0 devices" in text
    assert "devices: the pytm model names no devices" in summary
    assert "placeholders" not in summary, "no device facts are invented to fill in"
    assessed = run_cli("assess", str(model_path), "--format", "json")
    assert assessed.returncode == 0, assessed.stderr
    report = json.loads(assessed.stdout)
    assert [f["id"] for f in report["findings"] if f["element"] == "devices"] == []
    assert report["single_points"] == [] and report["attack_paths"] == []
    assert report["summary"]["by_status"]["open"] == 0


def test_report_file_lists_every_section(tmp_path: Path) -> None:
    report = tmp_path / "mapping.md"
    do_import("threagile", "threagile_small.yaml", tmp_path / "m.yaml", "--report", str(report))
    text = report.read_text(encoding="utf-8")
    for heading in ("## A human must fill in", "## Guessed", "## Not imported", "## Mapped"):
        assert heading in text
    assert "Threagile technical-asset-less" not in text
    assert "vending-machine: accepts:" in text


def test_japanese_comments_and_report(tmp_path: Path) -> None:
    model_path = tmp_path / "m.yaml"
    summary = do_import("threat-dragon", "threat_dragon_small.json", model_path, "--lang", "ja")
    text = model_path.read_text(encoding="utf-8")
    assert "# 推定: " in text and "# 要記入: " in text
    assert "人が記入すべきもの" in summary
    assert run_cli("validate", str(model_path)).returncode == 0


def test_never_overwrites_without_force(tmp_path: Path) -> None:
    out = tmp_path / "m.yaml"
    out.write_text("keep me\n", encoding="utf-8")
    refused = run_cli("import", "--from", "pytm", str(DATA / "pytm_small.json"), "-o", str(out))
    assert refused.returncode == 2
    assert "already exists" in refused.stderr and "--force" in refused.stderr
    assert out.read_text(encoding="utf-8") == "keep me\n"
    report = tmp_path / "r.md"
    report.write_text("old report\n", encoding="utf-8")
    refused = run_cli("import", "--from", "pytm", str(DATA / "pytm_small.json"), "-o", str(tmp_path / "new.yaml"),
                      "--report", str(report))
    assert refused.returncode == 2
    assert not (tmp_path / "new.yaml").exists()
    do_import("pytm", "pytm_small.json", out, "--force")
    assert out.read_text(encoding="utf-8").startswith("# Imported by fleetrisk")


def test_output_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    do_import("threat-dragon", "threat_dragon_small.json", first)
    do_import("threat-dragon", "threat_dragon_small.json", second)
    assert first.read_bytes() == second.read_bytes()


def test_stdout_when_no_output_given() -> None:
    result = run_cli("import", "--from", "threagile", str(DATA / "threagile_small.yaml"))
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout)["fleetrisk"] == 1
    assert "A human must fill in" in result.stderr


def test_threat_dragon_flow_with_a_loose_end_is_left_out_and_reported(tmp_path: Path) -> None:
    cells = [
        {"id": "a", "shape": "process", "data": {"name": "Command service"}},
        {"id": "b", "shape": "actor", "data": {"name": "Smart lock"}},
        {"id": "f1", "shape": "flow", "data": {"name": "Commands"}, "source": {"cell": "a"}, "target": {"cell": "b"}},
        {"id": "f2", "shape": "flow", "data": {"name": "Half drawn"}, "source": {"x": 5, "y": 5},
         "target": {"cell": "a"}},
    ]
    source = tmp_path / "td.json"
    source.write_text(json.dumps({"summary": {"title": "t"}, "detail": {"diagrams": [{"cells": cells}]}}, indent=2),
                      encoding="utf-8")
    out = tmp_path / "m.yaml"
    result = run_cli("import", "--from", "threat-dragon", str(source), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "flow 'Half drawn' (line 37): its source is not attached to an element" in result.stdout
    model = load(out)
    assert [f["id"] for f in model["flows"]] == ["commands"]
    assert run_cli("validate", str(out)).returncode == 0


@pytest.mark.parametrize(("name", "description", "device"), [
    ("IoT Device", "", True),
    ("Smart lock", "", True),
    ("Vending machines", "", True),
    ("Field units", "battery-powered sensors in the field", True),
    ("Cloud API", "Node.js", False),
    ("Device registry", "", False),
    ("Firmware update service", "", False),
    ("Vehicle telematics backend", "", False),
    ("Field units", "the MQTT broker the sensors publish to", False),
    ("Payment provider", "", False),
])
def test_device_guess_reads_the_name_first(name: str, description: str, device: bool) -> None:
    from fleetrisk.importers.mapping import looks_like_device

    assert looks_like_device(name, description) is device


@pytest.mark.parametrize(("name", "description", "kind"), [
    ("Accounting PostgreSQL", "CD-MICROSOFT-AZURE-DB-POSTGRESQL", "data-store"),
    ("Public API v2", "web-service", None),
    ("Release pipeline", "", "build-pipeline"),
    ("Orders", "CI CD", "build-pipeline"),
    ("MQTT broker", "message-broker", "device-gateway"),
    ("Reporting", "Node.js", "analytics"),
])
def test_component_kind_reads_the_name_before_the_description(name: str, description: str, kind: str | None) -> None:
    from fleetrisk.importers.mapping import component_kind

    assert component_kind(name, description) == kind


@pytest.mark.parametrize(("name", "human"), [
    ("Mobile Client", True), ("Homeowner", True), ("Smartphone app", True), ("Payment provider", False),
])
def test_human_guess(name: str, human: bool) -> None:
    from fleetrisk.importers.mapping import looks_human

    assert looks_human(name) is human


def test_threagile_merge_keys_are_read(tmp_path: Path) -> None:
    source = tmp_path / "threagile.yaml"
    source.write_text(
        "title: Merge test\n"
        "data_assets:\n"
        "  Meter readings: &readings\n"
        "    id: meter-readings\n"
        "    quantity: many\n"
        "  Billing readings:\n"
        "    <<: *readings\n"
        "    id: billing-readings\n"
        "technical_assets:\n"
        "  Reading store:\n"
        "    id: reading-store\n"
        "    type: datastore\n"
        "    technology: database\n"
        "    data_assets_stored: [meter-readings, billing-readings]\n",
        encoding="utf-8",
    )
    out = tmp_path / "m.yaml"
    result = run_cli("import", "--from", "threagile", str(source), "-o", str(out))
    assert result.returncode == 0, result.stderr
    data = by_id(load(out), "data")
    assert set(data) == {"meter-readings", "billing-readings"}
    assert data["billing-readings"]["records"] == data["meter-readings"]["records"] == 10_000, "merged quantity"


def test_report_counts_match_the_markers_and_leave_out_dropped_data(tmp_path: Path) -> None:
    model_path, report = tmp_path / "m.yaml", tmp_path / "r.md"
    summary = do_import("otm", "otm_small.json", model_path, "--report", str(report))
    text = model_path.read_text(encoding="utf-8")
    announced = int(re.search(r"A human must fill in \(marked 'fill in:' in the model\) \((\d+)\)", summary)[1])
    assert text.count("# fill in: ") == announced, "service-wide items are marked under 'service:'"
    assert "orphan" not in report.read_text(encoding="utf-8").split("## Not imported")[0], \
        "a data set left out is not also listed as mapped or guessed"


def test_japanese_report_names_the_japanese_markers(tmp_path: Path) -> None:
    summary = do_import("pytm", "pytm_small.json", tmp_path / "m.yaml", "--lang", "ja")
    assert "'要記入:' と記載" in summary and "'推定:' と記載" in summary
    assert "'fill in:'" not in summary and "'guess:'" not in summary


def test_otm_data_and_keys_on_devices_or_people_are_left_to_components(tmp_path: Path) -> None:
    source = tmp_path / "cam.otm.json"
    source.write_text(json.dumps({
        "otmVersion": "0.2.0", "project": {"name": "Cameras", "id": "cams"},
        "components": [
            {"id": "cam", "name": "Indoor camera", "type": "iot-device", "assets": {"stored": ["clips"]}},
            {"id": "owner", "name": "Homeowner", "type": "user-account", "assets": {"stored": ["clips"]}},
            {"id": "relay", "name": "Video relay", "type": "media-relay", "assets": {"stored": ["clips"]}},
            {"id": "k", "name": "Camera key", "type": "signing-key", "parent": {"component": "cam"},
             "attributes": {"custody": "online-file", "signs": ["firmware"]}},
            {"id": "t", "name": "Release key", "type": "signing-key",
             "attributes": {"custody": "threshold", "threshold": {"k": 2, "holders": ["cam", "relay"]}}},
        ],
        "assets": [{"id": "clips", "name": "Video clips"}],
        "dataflows": [{"id": "f", "name": "Stream", "source": "cam", "destination": "relay"}],
    }), encoding="utf-8")
    out = tmp_path / "m.yaml"
    summary = do_import("otm", str(source), out)
    model = load(out)
    assert by_id(model, "data")["clips"]["stored_in"] == ["relay"], "only components store data"
    assert "holder" not in by_id(model, "keys")["k"], "a device is not a key holder in the model"
    assert "t" not in by_id(model, "keys")
    assert "signing key 'Release key' uses threshold custody without its k and holders" in summary
    assert run_cli("validate", str(out)).returncode == 0


def test_pytm_names_with_odd_whitespace_still_match_their_references(tmp_path: Path) -> None:
    raw = json.loads((DATA / "pytm_small.json").read_text(encoding="utf-8"))
    text = json.dumps(raw).replace('"MQTT broker"', '" MQTT \\tbroker "')
    assert text != json.dumps(raw)
    source = tmp_path / "spaces.json"
    source.write_text(text, encoding="utf-8")
    model = load_after(do_import("pytm", str(source), tmp_path / "m.yaml"), tmp_path / "m.yaml")
    assert "mqtt-broker" in by_id(model, "components")
    assert any(f["to"] == "mqtt-broker" or f["from"] == "mqtt-broker" for f in model["flows"])


def load_after(summary: str, path: Path) -> dict:  # type: ignore[type-arg]
    assert "Imported:" in summary
    return load(path)
