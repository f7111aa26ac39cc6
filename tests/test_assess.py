"""Assessment behaviour: statuses, tracking, scoring, explanations, determinism."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from conftest import BROKER
from fleetrisk.engine.assess import assess
from fleetrisk.engine.score import DEVICE_BANDS, band, impact_score, log_band
from fleetrisk.errors import ModelValidationError
from fleetrisk.messages import explain_finding
from fleetrisk.model.loader import from_data, load_model_text
from fleetrisk.results import ControlState

BASE: dict[str, Any] = {
    "fleetrisk": 1,
    "service": {"name": "t", "types": ["software-distribution"]},
    "fleets": [{
        "id": "washers", "devices": 2_000_000, "safety": "moderate",
        "accepts": [{"from": "ota", "input": "firmware", "verification": "signature", "key": "fw"}],
    }],
    "components": [{"id": "ota", "kind": "ota-service", "exposure": ["internet"]}],
    "keys": [{"id": "fw", "holder": "ota", "custody": "online-file", "signs": ["firmware"]}],
}
FINDING = "T6.online-signing-key@fw"


def run(data: dict[str, Any], **kwargs: Any):  # type: ignore[no-untyped-def]
    return assess(from_data(data), **kwargs)


def by_id(result) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {f.id: f for f in result.findings}


def why(result, finding_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The finding's explanation as the report writers word it."""
    return explain_finding(result, by_id(result)[finding_id])


def test_online_key_is_open_with_trace_and_fleet_scale() -> None:
    result = run(BASE)
    finding = by_id(result)[FINDING]
    assert finding.status == "open"
    assert finding.family == "T6"
    assert finding.fleets == ["washers"]
    assert finding.impact.devices == 2_000_000
    assert finding.impact.scale == 5
    assert finding.risk.band == "critical"
    assert any("key_signs_from_holder = true" in line for line in why(result, FINDING))
    assert any("offline-root-threshold-signing" in line and "not-declared" in line for line in why(result, FINDING))


def test_declared_control_mitigates_and_planned_does_not() -> None:
    for status, expected in (("implemented", "mitigated"), ("verified", "mitigated"),
                             ("planned", "open"), ("absent", "open")):
        data = copy.deepcopy(BASE)
        data["keys"][0]["controls"] = {"offline-root-threshold-signing": status}
        assert by_id(run(data))[FINDING].status == expected, status


def test_service_wide_control_counts() -> None:
    data = copy.deepcopy(BASE)
    data["controls"] = {"offline-root-threshold-signing": "implemented"}
    finding = by_id(run(data))[FINDING]
    assert finding.status == "mitigated"
    assert finding.controls[0].declared_on == "service"


def test_offline_key_is_silent() -> None:
    data = copy.deepcopy(BASE)
    data["keys"][0]["custody"] = "offline-hsm"
    assert FINDING not in by_id(run(data))


def test_unknown_names_the_missing_field() -> None:
    data = copy.deepcopy(BASE)
    result = run(data)
    unknown = [f for f in result.findings if f.status == "unknown"]
    assert unknown, "a model with facts left out must yield unknown findings"
    assert all(f.missing for f in unknown)
    assert any("fleets[0]" in m for f in unknown for m in f.missing)


def test_tracking_accepts_and_expiry_reopens() -> None:
    data = copy.deepcopy(BASE)
    data["tracking"] = [{"id": FINDING, "status": "accepted", "justification": "HSM migration in Q3",
                         "owner": "secops", "expires": dt.date(2030, 1, 1)}]
    live = by_id(run(data, as_of=dt.date(2029, 12, 31)))[FINDING]
    assert live.status == "accepted"
    assert live.tracking is not None and live.tracking.owner == "secops"
    later = run(data, as_of=dt.date(2030, 1, 2))
    expired = by_id(later)[FINDING]
    assert expired.status == "open"
    assert expired.tracking is not None and expired.tracking.expired
    assert any("expired" in line for line in why(later, FINDING))


def test_tracking_wildcards_and_stale_entries() -> None:
    data = copy.deepcopy(BASE)
    data["tracking"] = [{"id": "T6.*@fw", "status": "in-progress", "justification": "j", "owner": "o"}]
    assert by_id(run(data))[FINDING].status == "in-progress"
    data["tracking"] = [{"id": "T6.online-signing-key@fw-typo", "status": "accepted",
                         "justification": "j", "owner": "o"}]
    with pytest.raises(ModelValidationError, match="matches no finding") as info:
        run(data)
    assert "did you mean 'T6.online-signing-key@fw'" in info.value.render()


def test_unknown_control_in_model_is_an_error() -> None:
    text = (
        "fleetrisk: 1\nservice: {name: t, types: [telemetry]}\n"
        "fleets: [{id: f, devices: 1, safety: low}]\n"
        "components:\n  - id: c\n    kind: ota-service\n    controls: {ddos-protectoin: implemented}\n"
    )
    with pytest.raises(ModelValidationError) as info:
        assess(load_model_text(text, "m.yaml"))
    rendered = info.value.render()
    assert "m.yaml:7:" in rendered and "did you mean 'ddos-protection'" in rendered


def test_location_points_at_the_element() -> None:
    text = (
        "fleetrisk: 1\nservice: {name: t, types: [telemetry]}\n"
        "fleets:\n  - id: washers\n    devices: 10\n    safety: low\n"
        "    accepts: [{from: ota, input: firmware, verification: signature, key: fw}]\n"
        "components:\n  - {id: ota, kind: ota-service}\n"
        "keys:\n  - {id: fw, holder: ota, custody: online-file, signs: [firmware]}\n"
    )
    result = assess(load_model_text(text, "m.yaml"))
    finding = by_id(result)[FINDING]
    assert (finding.location.file, finding.location.line) == ("m.yaml", 11)
    assert finding.location.path == "keys[0]"
    assert "key 'fw': signs = [firmware] (line 11)" in why(result, FINDING)


def test_unknown_explanation_names_element_field_and_line() -> None:
    text = (
        "fleetrisk: 1\nservice: {name: t, types: [telemetry]}\n"
        "fleets:\n  - id: big\n    devices: 500000\n    safety: low\n"
        "components:\n  - {id: gw, kind: device-gateway}\n"
    )
    result = assess(load_model_text(text, "m.yaml"))
    storm = by_id(result)["T1.reconnect-storm@big"]
    assert storm.status == "unknown"
    assert storm.missing == ["fleets[0].reconnect"]
    assert "unknown: fleet 'big' does not state reconnect (fleets[0].reconnect, line 4)" in why(
        result, "T1.reconnect-storm@big")
    unstated = [r for r in storm.reasons if r.code == "unstated"]
    assert [(r.element, r.name, r.value, r.line) for r in unstated] == [("big", "reconnect", "fleets[0].reconnect", 4)]


@pytest.mark.parametrize(("count", "expected"), [(0, 1), (100, 1), (101, 2), (10_000, 2), (100_001, 4),
                                                 (1_000_000, 4), (1_000_001, 5)])
def test_device_log_bands(count: int, expected: int) -> None:
    assert log_band(count, DEVICE_BANDS) == expected


def test_impact_and_bands() -> None:
    assert impact_score(1, 1, 1) == 1
    assert impact_score(2, 5, 5) == 4  # mean 4
    assert impact_score(1, 1, 5) == 4  # never more than one below the largest axis
    assert [band(s) for s in (1, 4, 5, 9, 10, 15, 16, 25)] == [
        "low", "low", "medium", "medium", "high", "high", "critical", "critical"]


def test_bigger_fleet_never_lowers_risk() -> None:
    small, big = copy.deepcopy(BASE), copy.deepcopy(BASE)
    small["fleets"][0]["devices"] = 50
    assert by_id(run(small))[FINDING].risk.score <= by_id(run(big))[FINDING].risk.score


def test_japanese_assessment_uses_japanese_catalog_text() -> None:
    finding = by_id(run(BASE, lang="ja"))[FINDING]
    assert "署名鍵" in finding.title


def test_refuted_evidence_reopens_a_declared_control() -> None:
    from fleetrisk.evidence import Check, Evidence

    data = copy.deepcopy(BASE)
    data["keys"][0]["controls"] = {"offline-root-threshold-signing": "implemented"}
    assert by_id(run(data))[FINDING].status == "mitigated"
    refuted = Evidence([Check(check="tuf.static-audit", control="offline-root-threshold-signing", element="fw",
                              status="refuted", target="http://127.0.0.1:8000/metadata",
                              details="root and targets signed by the same online key",
                              timestamp="2026-11-25T00:00:00Z", tier="static")])
    finding = by_id(run(data, evidence=refuted))[FINDING]
    assert finding.status == "open"
    assert finding.controls[0].status == "refuted"
    assert finding.evidence and finding.evidence[0].status == "refuted"
    verified = Evidence([c.model_copy(update={"status": "verified"}) for c in refuted.checks])
    data["keys"][0]["controls"] = {}
    assert by_id(run(data, evidence=verified))[FINDING].status == "mitigated"


def test_result_construct_fast_path_equals_validated_model() -> None:
    values: dict[str, Any] = {"id": "C-1", "status": "absent", "declared_on": "service"}
    fast = ControlState.model_construct(**values)
    validated = ControlState.model_validate(values)
    assert fast == validated
    assert fast.model_dump_json() == validated.model_dump_json()
    assert fast.model_fields_set == set(values)


def test_result_construct_with_fields_left_out_keeps_defaults() -> None:
    partial = ControlState.model_construct(id="C-1", status="absent")
    assert partial.declared_on is None
    assert partial.model_fields_set == {"id", "status"}
    assert partial.model_dump_json() == ControlState.model_validate({"id": "C-1", "status": "absent"}).model_dump_json()


ACL_FINDING = "T7.broker-acl-not-per-device@broker"


def observed(check: str, status: str = "refuted", element: str = "broker"):  # type: ignore[no-untyped-def]
    from fleetrisk.evidence import Check, Evidence

    return Evidence([Check(check=check, control="broker-topic-acl", element=element, status=status,  # type: ignore[arg-type]
                           target="mqtt://127.0.0.1:1883", details="a device read another device's topic",
                           timestamp="2026-11-25T00:00:00Z", tier="intrusive")])


@pytest.mark.parametrize(("stated", "check", "status", "expected"), [
    ("per-device", "mqtt.wildcard-subscribe", "refuted", "open"),       # contradicted: the observed fact wins
    (None, "mqtt.cross-device-publish", "refuted", "open"),            # unstated: the observed fact fills it
    ("per-device", "mqtt.wildcard-subscribe", "verified", None),       # verified: the model stands
    ("per-device", "tls.protocol-versions", "refuted", None),          # proves no authorisation fact
])
def test_refuted_checks_show_component_facts(stated: str | None, check: str, status: str,
                                             expected: str | None) -> None:
    data = copy.deepcopy(BROKER)
    if stated is None:
        del data["components"][0]["authorization"]
    result = run(data, evidence=observed(check, status))
    finding = by_id(result).get(ACL_FINDING)
    assert (finding.status if finding else None) == expected
    if expected:
        stated_text = stated or "nothing"
        assert any(line.startswith(f"live evidence: {check} (mqtt://127.0.0.1:1883")
                   and f"authorization = global; the model states {stated_text}" in line
                   for line in why(result, ACL_FINDING))
        assert [e.check for e in finding.evidence] == [check]
        observed_reasons = [r for r in finding.reasons if r.observed]
        assert [(r.element, r.name, r.value, r.check, r.stated, r.line) for r in observed_reasons] == [
            ("broker", "authorization", "global", check, stated, None)  # the model's line no longer says it
        ]


def test_a_weaker_statement_is_kept_and_findings_elsewhere_are_untouched() -> None:
    data = copy.deepcopy(BROKER)
    data["components"][0]["authorization"] = "none"
    result = run(data, evidence=observed("mqtt.wildcard-subscribe"))
    assert not any(line.startswith("live evidence:") for line in why(result, ACL_FINDING)), "none is weaker"
    other = by_id(run(BROKER, evidence=observed("mqtt.wildcard-subscribe", element="ghost")))
    assert ACL_FINDING not in other, "a check on an element the model does not have changes nothing"


def test_observed_fact_is_explained_in_japanese() -> None:
    result = run(BROKER, lang="ja", evidence=observed("mqtt.wildcard-subscribe"))
    assert any(line.startswith("実地検証：mqtt.wildcard-subscribe") and "（モデルの記述：per-device）" in line
               for line in why(result, ACL_FINDING))


def test_evidence_text_loses_control_characters() -> None:
    from fleetrisk.evidence import Check

    check = Check(check="http.rate-limit-burst", control="rate-limiting", status="refuted", target="http://x\x1b[2J",
                  details="server said \x00\x07 hello\nnext line", timestamp="2026-11-25T00:00:00Z")
    assert check.details == "server said ?? hello\nnext line"
    assert check.target == "http://x?[2J"


def test_result_construct_out_of_order_keeps_field_order() -> None:
    shuffled = ControlState.model_construct(declared_on="service", status="absent", id="C-1")
    assert shuffled.model_dump_json() == '{"id":"C-1","status":"absent","declared_on":"service"}'


def test_the_service_type_table_counts_each_finding_where_its_plane_runs() -> None:
    from conftest import DEFAULT
    from fleetrisk.catalog.loader import load_catalog
    from fleetrisk.model.loader import load_model

    result = assess(load_model(str(DEFAULT)))
    catalog = load_catalog()
    cells = {(c.family, c.service_type): c.open for c in result.matrix}
    assert len({tuple(cells[(f.family, t)] for t in result.service.types) for f in result.families}) > 1
    assert any(len({cells[(f.family, t)] for t in result.service.types}) > 1 for f in result.families)
    planes = {p.id: set(p.service_types) for p in catalog.taxonomy.facets.plane}
    for family in {f.family for f in result.families}:
        for service_type in result.service.types:
            expected = sum(1 for f in result.findings if f.status == "open" and f.family == family and (
                not planes[catalog.scenario(f.scenario).spec.facets.plane]
                or service_type in planes[catalog.scenario(f.scenario).spec.facets.plane]))
            assert cells[(family, service_type)] == expected
