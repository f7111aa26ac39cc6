"""Rules that read flows: architectures imported from peer tools with plaintext and
unauthenticated device flows come out with open findings on those flows, and the plain
device channel is traced from the service that sends commands through the gateway that
relays them."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from conftest import EXAMPLES, ROOT
from fleetrisk.catalog.loader import load_catalog
from fleetrisk.engine.assess import assess
from fleetrisk.importers import import_file
from fleetrisk.importers.writer import render_yaml
from fleetrisk.model.loader import from_data, load_model_text
from fleetrisk.results import Assessment

CATALOG = load_catalog()
DATA = ROOT / "tests" / "importers" / "data"


def imported(tool: str, name: str, tmp_path: Path) -> tuple[str, Assessment]:
    text = render_yaml(import_file(tool, DATA / name))
    return text, assess(load_model_text(text, str(tmp_path / "imported.yaml")), CATALOG)


def statuses(result: Assessment) -> dict[str, str]:
    return {f.id: f.status for f in result.findings}


def on_flows(result: Assessment, status: str) -> set[str]:
    return {f.id for f in result.findings if f.element_type == "flow" and f.status == status}


def test_pytm_plaintext_device_and_sign_in_flows_are_open(tmp_path: Path) -> None:
    text, result = imported("pytm", "pytm_plain_flows.json", tmp_path)
    # pytm's 'not encrypted' flag is its default, not a statement; a protocol named MQTT or HTTP is
    assert "encryption: none  # guess: protocol 'mqtt' runs without encryption" in text
    found = statuses(result)
    assert found["T7.plaintext-device-session@plug-report"] == "open"  # plugs over plain MQTT
    assert found["T4.plaintext-sensitive-flow@plug-report"] == "open"  # with the device password
    assert found["T4.plaintext-sensitive-flow@owner-sign-in"] == "open"  # a profile over HTTP
    # a flow with no protocol stated is asked about, and an MQTTS flow is left alone
    assert found["T4.plaintext-sensitive-flow@register"] == "unknown"
    assert not any(key.endswith("@app-status") for key in found)
    assert len(on_flows(result, "open")) >= 3


def test_threagile_plaintext_and_unauthenticated_flows_are_open(tmp_path: Path) -> None:
    _, result = imported("threagile", "threagile_plain_flows.yaml", tmp_path)
    found = statuses(result)
    # meters upload readings and their credentials over plain MQTT with no authentication
    assert found["T7.plaintext-device-session@meter-upload"] == "open"
    assert found["T4.plaintext-sensitive-flow@meter-upload"] == "open"
    # the per-device reading of that flow waits for the fleet's identity, which Threagile does not state
    assert found["T7.unauthenticated-device-flow@meter-upload"] == "unknown"
    missing = next(f.missing for f in result.findings if f.id == "T7.unauthenticated-device-flow@meter-upload")
    assert missing == ["fleets[0].identity.kind"]
    # customers look up bills over HTTP with no authentication
    assert found["T4.unauthenticated-flow-into-data-holder@look-up-bill"] == "open"
    assert found["T4.plaintext-sensitive-flow@look-up-bill"] == "open"
    # the broker's encrypted, authenticated write to the database raises nothing about flows
    assert not any(key.endswith("@store-readings") for key in found)


def _example() -> dict[str, Any]:
    data = yaml.safe_load((EXAMPLES / "smart-appliance-cloud.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _flow(model: dict[str, Any], flow_id: str) -> dict[str, Any]:
    flow = next(f for f in model["flows"] if f["id"] == flow_id)
    assert isinstance(flow, dict)
    return flow


def _channel(model: dict[str, Any]) -> dict[str, str]:
    result = assess(from_data(model), CATALOG)
    return {f.element: f.status for f in result.findings if f.scenario == "T3.plaintext-device-channel"}


def test_commands_relayed_by_the_gateway_over_a_plain_session_hijack_the_fleet() -> None:
    model = _example()
    assert _channel(model) == {}, "every device session of the example is encrypted"

    plain = copy.deepcopy(model)
    _flow(plain, "washers-to-gateway")["encryption"] = "none"
    # washers take commands from the command service, which sends them to the gateway
    # (flow commands-to-gateway), so they travel over the washers' own session
    assert _channel(plain) == {"washers": "open"}

    unstated = copy.deepcopy(plain)
    del _flow(unstated, "washers-to-gateway")["encryption"]
    assert _channel(unstated) == {"washers": "unknown"}

    # without that flow, nothing the washers act on unsigned is shown to pass the gateway
    unrelayed = copy.deepcopy(plain)
    unrelayed["flows"] = [f for f in unrelayed["flows"] if f["id"] != "commands-to-gateway"]
    assert _channel(unrelayed) == {}
