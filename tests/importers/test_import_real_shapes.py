"""Imports of fixtures shaped like real public models: pytm output of Cookbook-style models
(made with pytm 1.4.0, see data/sources), and Threat Dragon, Threagile and OTM files written
in the shape of those tools' public demo models.

A stated type is never contradicted by a guess; topology comes before names; boundaries drawn
as lines survive as crossing markers; a source without devices invents none."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import run_cli
from fleetrisk.importers import import_file
from fleetrisk.importers.writer import render_yaml

DATA = Path(__file__).resolve().parent / "data"
FIXTURES = {
    "pytm-shop": ("pytm", "pytm_cookbook_shop.json"),
    "pytm-lock": ("pytm", "pytm_cookbook_lock.json"),
    "td-iot": ("threat-dragon", "threat_dragon_iot_style.json"),
    "threagile-demo": ("threagile", "threagile_demo_style.yaml"),
    "otm-tool": ("otm", "otm_tool_style.json"),
}


def imported(fixture: str) -> dict[str, Any]:
    source, name = FIXTURES[fixture]
    return yaml.safe_load(render_yaml(import_file(source, DATA / name)))  # type: ignore[no-any-return]


def where(model: dict[str, Any], element: str) -> tuple[str, str | None]:
    """(section, kind) of an element: kind for components, None for fleets and accounts."""
    for section in ("fleets", "components", "accounts", "data"):
        for item in model.get(section, []):
            if item["id"] == element:
                return section, item.get("kind")
    raise AssertionError(f"{element} is not in the imported model")


#: (fixture, element id, what the source states, section, kind): the stated type decides.
STATED = [
    ("pytm-shop", "customer-database", "pytm Datastore named 'Customer Database'", "components", "data-store"),
    ("pytm-shop", "admin", "pytm Actor ' admin ' (isAdmin)", "accounts", None),
    ("pytm-shop", "support-chatbot", "pytm LLM with isThirdParty", "components", "external-dependency"),
    ("pytm-lock", "lock-events-db", "pytm Datastore", "components", "data-store"),
    ("pytm-lock", "owner", "pytm Actor", "accounts", None),
    ("td-iot", "customer-database", "Threat Dragon store named 'Customer Database'", "components", "data-store"),
    ("td-iot", "user", "Threat Dragon actor", "accounts", None),
    ("threagile-demo", "smart-meter", "Threagile technology iot-device", "fleets", None),
    ("threagile-demo", "customer-database", "Threagile datastore, technology database", "components", "data-store"),
    ("threagile-demo", "identity-provider", "Threagile technology identity-provider", "components",
     "identity-provider"),
    ("threagile-demo", "customer-web-browser", "Threagile technology browser, used by a human", "accounts", None),
    ("otm-tool", "customer-database", "OTM type 'database' named 'Customer Database'", "components", "data-store"),
    ("otm-tool", "broker", "OTM type 'mqtt-broker'", "components", "device-gateway"),
    ("otm-tool", "api-gateway", "OTM type 'api-gateway'", "components", "user-app-backend"),
    ("otm-tool", "web-client", "OTM type 'web-client'", "accounts", None),
    ("otm-tool", "thermostat", "OTM type 'iot-device'", "fleets", None),
    ("otm-tool", "owner-account", "OTM type 'user-account'", "accounts", None),
]


@pytest.mark.parametrize(("fixture", "element", "stated", "section", "kind"), STATED,
                         ids=[f"{row[0]}:{row[1]}" for row in STATED])
def test_a_stated_type_decides_the_kind(fixture: str, element: str, stated: str, section: str,
                                        kind: str | None) -> None:
    assert where(imported(fixture), element) == (section, kind), stated


#: (fixture, element id, section, kind, why): guesses where no type is stated; topology first.
GUESSED = [
    ("td-iot", "cloud-api", "components", "command-service", "receives from the plug and sends it 'Send command'"),
    ("pytm-lock", "cloud-api", "components", "command-service", "receives lock events, sends 'Send command'"),
    ("otm-tool", "thermostat-api", "components", "command-service", "sends 'Set target temperature' to devices"),
    ("td-iot", "browser", "accounts", None, "a Browser process the User runs is a client, not a server"),
    ("td-iot", "mobile-app", "accounts", None, "a Mobile App process the User runs is a client"),
    ("td-iot", "my-script", "accounts", None, "only calls the local API drawn inside the device"),
    ("pytm-shop", "customer-browser", "accounts", None, "a Server named 'Customer<br/>Browser' used by a customer"),
    ("pytm-lock", "mobile-app", "accounts", None, "a Server named 'Mobile App' used by the owner"),
    ("td-iot", "api-gateway", "components", "user-app-backend", "an API gateway is not the device gateway"),
    ("pytm-lock", "api-gateway", "components", "user-app-backend", "an API gateway is not the device gateway"),
    ("threagile-demo", "customer-portal", "components", "user-app-backend", "a portal only customers use"),
    ("threagile-demo", "meter-gateway", "components", "device-gateway", "receives from the meters"),
]


@pytest.mark.parametrize(("fixture", "element", "section", "kind", "why"), GUESSED,
                         ids=[f"{row[0]}:{row[1]}" for row in GUESSED])
def test_topology_comes_before_names(fixture: str, element: str, section: str, kind: str | None, why: str) -> None:
    assert where(imported(fixture), element) == (section, kind), why


def test_threat_dragon_boundary_lines_become_crossing_markers(tmp_path: Path) -> None:
    model_path = tmp_path / "m.yaml"
    report = tmp_path / "report.md"
    result = run_cli("import", "--from", "threat-dragon", str(DATA / "threat_dragon_iot_style.json"),
                     "-o", str(model_path), "--report", str(report))
    assert result.returncode == 0, result.stderr
    text = model_path.read_text(encoding="utf-8")
    crossing = "  # guess: crosses the trust boundary 'Internet' drawn as a line in Threat Dragon\n  - id: "
    marked = {chunk.split("\n", 1)[0] for chunk in text.split(crossing)[1:]}
    assert marked == {"https", "telemetry", "send-command", "https-2"}, "the flows drawn across the line"
    assert "crosses the trust boundary 'Partner line'" in text, "the misspelt curve shape Threat Dragon wrote"
    mapping = report.read_text(encoding="utf-8")
    assert "boundary line 'Internet' -\\> crossing marked on 4 flows" in mapping
    model = yaml.safe_load(text)
    assert {z["id"] for z in model["zones"]} == {"cloud-account"}, "only the box encloses anything"
    assert {c["id"]: c.get("zone") for c in model["components"]}["cloud-api"] == "cloud-account"


def test_threat_dragon_parts_drawn_inside_a_device_join_it() -> None:
    model = imported("td-iot")
    assert [f["id"] for f in model["fleets"]] == ["smart-plug"]
    assert model["fleets"][0]["local_interface"] is True
    assert "local-api" not in {c["id"] for c in model["components"]}
    flows = {f["id"]: (f["from"], f["to"]) for f in model["flows"]}
    assert flows["http"] == ("mobile-app", "smart-plug"), "a flow to the local API reaches the devices"
    assert ("smart-plug", "smart-plug") not in flows.values(), "the device's own inner flow is left out"


@pytest.mark.parametrize("fixture", ["pytm-shop", "td-iot", "threagile-demo", "otm-tool"])
def test_internet_zones_are_untrusted_whatever_their_rating(fixture: str) -> None:
    zones = {z["name"]: z["trust"] for z in imported(fixture).get("zones", [])}
    internet = {name: trust for name, trust in zones.items() if "internet" in name.lower()}
    if fixture == "td-iot":
        assert not internet  # drawn as a line, so no zone
        return
    assert internet and set(internet.values()) == {"untrusted"}


def test_otm_rating_does_not_make_the_internet_trusted() -> None:
    model = imported("otm-tool")
    zones = {z["name"]: z["trust"] for z in model["zones"]}
    assert zones == {"Internet": "untrusted", "Cloud": "production", "Homes": "untrusted"}


def test_otm_tags_are_protocols_only_when_they_name_one() -> None:
    flows = {f["id"]: f for f in imported("otm-tool")["flows"]}
    assert "protocol" not in flows["browse"], "the tag 'public' is a label, not a protocol"
    assert flows["readings-2"]["protocol"] == "mqtts"


def test_pytm_cookbook_shapes_import(tmp_path: Path) -> None:
    """Blank and <br/> names, pytm's 'undefined' data, processedBy, classification, storesPII."""
    model_path = tmp_path / "m.yaml"
    result = run_cli("import", "--from", "pytm", str(DATA / "pytm_cookbook_shop.json"), "-o", str(model_path))
    assert result.returncode == 0, result.stderr
    assert "2 data items named 'undefined' are pytm's stand-ins" in result.stdout
    model = yaml.safe_load(model_path.read_text(encoding="utf-8"))
    names = {item["id"]: item.get("name") for section in ("zones", "components", "accounts")
             for item in model.get(section, [])}
    assert names["boundary-1"] == "Boundary 1" and names["shop-cloud"] == "Shop Cloud"
    assert names["web-server"] == "Web Server" and names["admin"] == "admin"
    assert not any("<" in str(name) for name in names.values())
    zone_of = {c["id"]: c.get("zone") for c in model["components"]}
    assert zone_of["cdn-network"] == "boundary-1", "elements in the blank-named boundary are placed in it"
    text = model_path.read_text(encoding="utf-8")
    assert "the pytm name is blank: named 'Boundary 1' here" in text
    assert "markup taken out of the pytm name 'Web<br/>Server'" in text
    data = {d["id"]: d for d in model["data"]}
    assert "undefined" not in data
    assert data["order"]["kind"] == "personal", "SENSITIVE classification, no telling name"
    assert data["order"]["stored_in"] == ["customer-database"], "processedBy, data stores first"
    assert data["catalogue"]["kind"] == "other" and data["catalogue"]["stored_in"] == ["cdn-network", "web-server"]
    assert data["session-token"]["kind"] == "credentials"
    assert "personal-data-in-customer-database" not in data, "storesPII is met by the personal order data"
    flows = {f["id"]: f for f in model["flows"]}
    assert flows["web-server-to-customer-database"]["carries"] == ["order"], "a blank flow name: id from its ends"
    assert "carries" not in flows["unsecure-mysql-connection"], "pytm's 'undefined' data is not carried"


def test_pytm_stores_pii_adds_personal_data_where_none_is_stated(tmp_path: Path) -> None:
    raw = json.loads((DATA / "pytm_cookbook_shop.json").read_text(encoding="utf-8"))
    for item in raw["data"]:
        if item["name"] == "Order":  # now it is only handled by the web server, and public
            item["processedBy"], item["classification"] = ["Web<br/>Server"], "Classification.PUBLIC"
    edited = tmp_path / "shop.json"
    edited.write_text(json.dumps(raw), encoding="utf-8")
    data = {d["id"]: d for d in yaml.safe_load(render_yaml(import_file("pytm", edited)))["data"]}
    assert data["order"]["kind"] == "other"
    assert data["personal-data-in-customer-database"] == {
        "id": "personal-data-in-customer-database", "name": "Personal data in Customer Database", "kind": "personal",
        "stored_in": ["customer-database"]}, "storesPII with no personal data stored there"


def test_pytm_data_marked_sensitive_by_classification_is_noted() -> None:
    draft = import_file("pytm", DATA / "pytm_cookbook_shop.json")
    order = next(e for e in draft.sections["data"] if e.id == "order")
    assert [n.key for n in order.notes["kind"]] == ["g_data_kind_sensitivity"]
    assert dict(order.notes["kind"][0].args)["stated"] == "classification SENSITIVE"


def test_threagile_cia_ratings_set_data_sensitivity() -> None:
    data = {d["id"]: d for d in imported("threagile-demo")["data"]}
    assert data["contract-summaries"]["kind"] == "personal", "restricted, and the name gives nothing"
    assert data["billing-ledger"]["kind"] == "personal", "strictly-confidential"
    assert data["tariff-table"]["kind"] == "other", "public"
    assert data["meter-readings"]["kind"] == "telemetry", "the name decides what the rating does not"
    assert data["customer-contracts"]["records"] == 10_000


@pytest.mark.parametrize("fixture", ["pytm-shop"])
def test_a_source_without_devices_gets_no_findings_about_devices(fixture: str, tmp_path: Path) -> None:
    source, name = FIXTURES[fixture]
    model_path = tmp_path / "m.yaml"
    assert run_cli("import", "--from", source, str(DATA / name), "-o", str(model_path)).returncode == 0
    model = yaml.safe_load(model_path.read_text(encoding="utf-8"))
    assert model["fleets"] == [{"id": "devices", "name": "Devices", "devices": 0, "safety": "none"}]
    report = json.loads(run_cli("assess", str(model_path), "--format", "json").stdout)
    assert report["findings"], "the shop's stated data still gets assessed"
    assert not [f for f in report["findings"] if f["element"] == "devices"]
    assert all(f["impact"]["devices"] == 0 for f in report["findings"]), "no finding counts invented devices"
    assert report["single_points"] == [], "no single point of fleet compromise"
    assert all(p["fleet"].startswith("data:") for p in report["attack_paths"]), "only paths to stated data"
    assert all(c["fleet"].startswith("data:") for c in report["cut_sets"])
    assert report["summary"]["devices_at_risk"] == 0


@pytest.mark.parametrize("fixture", sorted(FIXTURES))
def test_every_fixture_imports_validates_and_lists_questions(fixture: str, tmp_path: Path) -> None:
    source, name = FIXTURES[fixture]
    model_path = tmp_path / "m.yaml"
    result = run_cli("import", "--from", source, str(DATA / name), "-o", str(model_path))
    assert result.returncode == 0, result.stderr
    assert "## Questions that settle the most unknowns" in result.stdout
    assert result.stdout.count("\n1. **") == 1 and "\n6. **" not in result.stdout, "the first five questions"
    assert run_cli("validate", str(model_path)).returncode == 0


def test_a_client_named_component_that_holds_a_key_stays_a_component(tmp_path: Path) -> None:
    doc = {"otmVersion": "0.2.0", "project": {"name": "p", "id": "p"},
           "trustZones": [{"id": "cloud", "name": "Cloud", "risk": {"trustRating": 70}}],
           "components": [
               {"id": "owner", "name": "Owner", "type": "user-account", "parent": {"trustZone": "cloud"},
                "attributes": {"audience": "customer"}},
               {"id": "app-signer", "name": "App store", "type": "", "parent": {"trustZone": "cloud"}},
               {"id": "store-key", "name": "Store key", "type": "signing-key", "parent": {"component": "app-signer"},
                "attributes": {"custody": "cloud-kms", "signs": ["app"]}},
               {"id": "db", "name": "Apps DB", "type": "database", "parent": {"trustZone": "cloud"}}],
           "dataflows": [{"id": "a", "name": "Upload", "source": "owner", "destination": "app-signer"},
                         {"id": "b", "name": "Save", "source": "app-signer", "destination": "db"}]}
    path = tmp_path / "m.otm.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    model = yaml.safe_load(render_yaml(import_file("otm", path)))
    assert where(model, "app-signer")[0] == "components", "it holds a key, so it is no one's client"
    assert model["keys"][0]["holder"] == "app-signer"
