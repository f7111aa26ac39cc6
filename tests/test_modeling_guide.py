"""docs/modeling-guide.md says what each modelling choice makes the analysis conclude: its worked
example and every variant it describes are assessed here, and the findings it names must follow."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from conftest import ROOT
from fleetrisk.engine.assess import assess
from fleetrisk.model.loader import from_data
from fleetrisk.results import Assessment

GUIDE = (ROOT / "docs" / "modeling-guide.md").read_text(encoding="utf-8")
Model = dict[str, Any]


def _example() -> Model:
    block = re.search(r"```yaml\n# washers\.yaml\n(.*?)```", GUIDE, re.S)
    assert block is not None, "the worked example is the yaml block that starts with '# washers.yaml'"
    data: Model = yaml.safe_load(block.group(1))
    return data


def _assessed(model: Model) -> Assessment:
    return assess(from_data(model))


def _single_points(result: Assessment, outcome: str) -> set[str]:
    return {c.members[0] for c in result.cut_sets if c.outcome == outcome and c.size == 1}


def _component(model: Model, cid: str) -> Model:
    return next(c for c in model["components"] if c["id"] == cid)


def _status(result: Assessment, finding: str) -> str | None:
    assert finding in GUIDE, f"{finding} is not in the guide"
    return next((f.status for f in result.findings if f.id == finding), None)


def test_the_worked_example_settles_everything_and_has_its_single_points() -> None:
    result = _assessed(_example())
    assert [f.id for f in result.findings if f.status in ("open", "unknown")] == []
    assert _single_points(result, "hijacked") == {"broker", "commands"}
    firmware = [set(c.members) for c in result.cut_sets if c.outcome == "firmware-takeover"]
    assert {"ota", "fw-key"} in firmware and all(len(members) == 2 for members in firmware)


def test_naming_the_upstream_service_hides_the_relay() -> None:
    model = _example()
    model["fleets"][0]["accepts"][1]["from"] = "commands"
    assert _single_points(_assessed(model), "hijacked") == {"commands"}


def test_a_signature_the_relay_cannot_forge_removes_both_single_points() -> None:
    model = _example()
    model["fleets"][0]["accepts"][1].update(verification="signature", key="cmd-key")
    model["keys"].append({"id": "cmd-key", "holder": "release-hsm", "custody": "offline-hsm", "signs": ["command"]})
    assert _single_points(_assessed(model), "hijacked") == set()


def test_the_consoles_exposure_decides_the_exposed_admin_plane_finding() -> None:
    model = _example()
    assert _status(_assessed(model), "T3.exposed-admin-plane@console") is None
    _component(model, "console")["exposure"] = ["internet"]
    opened = _assessed(model)
    assert _status(opened, "T3.exposed-admin-plane@console") == "open"
    assert next(f for f in opened.findings if f.id == "T3.exposed-admin-plane@console").risk.band == "high"
    console = _component(model, "console")
    console["exposure"] = []
    del console["zone"]
    assert _status(_assessed(model), "T3.exposed-admin-plane@console") == "unknown"


def _voice(change: Callable[[Model], None]) -> Assessment:
    model = _example()
    change(model)
    return _assessed(model)


@pytest.mark.parametrize(("change", "opened"), [
    (lambda m: _component(m, "voice-link")["partner"].update(scope="global"),
     {"T8.partner-global-scope@voice-link", "T8.partner-actuation-unscoped@voice-link"}),
    (lambda m: _component(m, "voice-link")["partner"].update(token_lifetime="long-bearer"),
     {"T8.long-lived-partner-tokens@voice-link"}),
    (lambda m: _component(m, "voice-link").update(authorization="global"), {"T8.consent-not-enforced@voice-link"}),
], ids=["scope", "tokens", "authorization"])
def test_the_partner_facts_open_the_t8_findings(change: Callable[[Model], None], opened: set[str]) -> None:
    result = _voice(change)
    assert {f.id for f in result.findings if f.status == "open"} == opened
    assert all(_status(result, finding) == "open" for finding in opened)


def test_a_flow_that_trusts_the_partner_interface_makes_it_a_single_point() -> None:
    def trusting(model: Model) -> None:
        next(f for f in model["flows"] if f["id"] == "voice-to-commands")["authorization"] = "global"

    result = _voice(trusting)
    assert [f.id for f in result.findings if f.status == "open"] == []
    assert _single_points(result, "hijacked") == {"broker", "commands", "voice-link"}


def _as_dependency(model: Model) -> Model:
    model = copy.deepcopy(model)
    model["components"] = [c for c in model["components"] if c["id"] != "voice-link"]
    model["flows"] = [f for f in model["flows"] if f["id"] != "voice-to-commands"]
    block = re.search(r"  - (\{id: speech-api.*\})\n", GUIDE)
    assert block is not None
    model["components"].append(yaml.safe_load(block.group(1)))
    _component(model, "commands")["depends_on"] = ["broker", "speech-api"]
    return model


def test_a_dependency_can_stop_or_mislead_the_fleet_but_never_hijack_it() -> None:
    model = _as_dependency(_example())
    result = _assessed(model)
    assert _status(result, "T1.degraded-on-single-dependency@speech-api") == "unknown"
    assert _single_points(result, "hijacked") == {"broker", "commands"}
    model["fleets"][0]["offline_behaviour"] = "fails"
    failing = _assessed(model)
    assert _status(failing, "T1.single-external-dependency@speech-api") == "open"
    assert "speech-api" in _single_points(failing, "unavailable")
    answers = _as_dependency(_example())
    answers["components"].append({"id": "answers", "kind": "content-feed", "zone": "prod", "exposure": ["devices"],
                                  "auth": "mtls", "authorization": "per-device", "depends_on": ["speech-api"]})
    answers["fleets"][0]["accepts"].append({"input": "information", "from": "answers", "verification": "transport",
                                            "use": "displays"})
    assert _status(_assessed(answers), "T2.third-party-information-source@speech-api") == "open"
