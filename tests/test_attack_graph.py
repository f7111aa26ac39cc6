"""Attack graph: known answers on small models, and cut sets checked against brute force."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DEFAULT, HARDENED
from fleetrisk.engine.assess import assess, explore_paths
from fleetrisk.engine.cutsets import brute_force_cut_sets, compute_cut_sets
from fleetrisk.engine.graph import AttackGraph, Edge
from fleetrisk.engine.reach import compute_reach
from fleetrisk.model.loader import from_data, load_model

FIRMWARE: dict[str, Any] = {
    "fleetrisk": 1,
    "service": {"name": "t", "types": ["software-distribution"]},
    "fleets": [{
        "id": "washers", "devices": 1_000_000, "safety": "low",
        "accepts": [{"from": "ota", "input": "firmware", "verification": "signature", "key": "fw",
                     "anti_rollback": True, "expiry_checked": True, "hardware_bound": True}],
        "rollout": {"staged": False},
    }],
    "components": [
        {"id": "ota", "kind": "ota-service", "exposure": ["internet"], "secrets_exposed_in": []},
        {"id": "hsm", "kind": "signing-service", "exposure": ["internal"], "secrets_exposed_in": []},
        {"id": "signer-a", "kind": "signing-service", "exposure": ["internal"], "secrets_exposed_in": []},
        {"id": "signer-b", "kind": "signing-service", "exposure": ["internal"], "secrets_exposed_in": []},
    ],
    "keys": [{"id": "fw", "holder": "ota", "custody": "online-file", "signs": ["firmware"],
              "shared_across_products": False, "debug_and_release_shared": False, "rotation_possible": True}],
}


def cuts(data: dict[str, Any], outcome: str, target: str) -> list[list[str]]:
    result = assess(from_data(data))
    return [c.members for c in result.cut_sets if c.outcome == outcome and c.fleet == target]


def test_online_key_on_the_ota_server_is_a_single_point() -> None:
    found = cuts(FIRMWARE, "firmware-takeover", "washers")
    assert ["ota"] in found
    result = assess(from_data(FIRMWARE))
    ota = next(b for b in result.blast_radius if b.element == "ota")
    assert ota.by_outcome["firmware-takeover"] == 1_000_000
    assert ota.by_fleet == {"washers": 1_000_000}


def test_a_service_wide_finding_counts_each_component_it_hands_over_as_falling() -> None:
    """No disclosure policy is one more way into each internet-facing component: the component
    still falls in every cut set, and nothing becomes reachable without a compromise."""
    data = copy.deepcopy(FIRMWARE)
    data["practices"] = {"vulnerability_disclosure": False}
    result = assess(from_data(data))
    assert ("T3.no-vulnerability-disclosure@service", "open") in {(f.id, f.status) for f in result.findings}
    found = cuts(data, "firmware-takeover", "washers")
    assert ["ota"] in found
    assert [] not in found


def test_offline_hsm_removes_the_single_point() -> None:
    data = copy.deepcopy(FIRMWARE)
    data["keys"][0].update(holder="hsm", custody="offline-hsm")
    found = cuts(data, "firmware-takeover", "washers")
    assert found, "the outcome stays reachable, but only by two compromises"
    assert min(len(c) for c in found) == 2
    assert ["fw", "ota"] in found


def test_two_of_three_threshold_needs_two_compromises() -> None:
    data = copy.deepcopy(FIRMWARE)
    data["keys"][0] = {"id": "fw", "custody": "threshold", "signs": ["firmware"],
                       "threshold": {"k": 2, "holders": ["ota", "signer-a", "signer-b"]},
                       "shared_across_products": False, "debug_and_release_shared": False,
                       "rotation_possible": True}
    found = cuts(data, "firmware-takeover", "washers")
    assert min(len(c) for c in found) == 2
    assert ["ota", "signer-a"] in found and ["ota", "signer-b"] in found
    assert all(len(c) > 1 for c in found)


def test_transport_only_firmware_falls_with_the_delivering_component() -> None:
    data = copy.deepcopy(FIRMWARE)
    data["fleets"][0]["accepts"][0] = {"from": "ota", "input": "firmware", "verification": "transport"}
    data["keys"] = []
    assert ["ota"] in cuts(data, "firmware-takeover", "washers")


def test_staged_rollout_limits_the_devices_hit() -> None:
    data = copy.deepcopy(FIRMWARE)
    data["fleets"][0]["rollout"] = {"staged": True, "first_wave_percent": 1, "halt_on_anomaly": True}
    result = assess(from_data(data))
    ota = next(b for b in result.blast_radius if b.element == "ota")
    assert ota.by_outcome["firmware-takeover"] == 10_000


SHARED_SECRET: dict[str, Any] = {
    "fleetrisk": 1,
    "service": {"name": "t", "types": ["remote-control"]},
    "fleets": [{
        "id": "plugs", "devices": 300_000, "safety": "low",
        "identity": {"kind": "shared-secret", "key_storage": "firmware-image", "revocable": False},
        "ownership_binding": "possession-and-owner-confirm",
        "accepts": [{"from": "broker", "input": "command", "verification": "transport", "use": "acts"}],
    }],
    "components": [
        {"id": "broker", "kind": "device-gateway", "exposure": ["internal"], "auth": "password",
         "authorization": "global", "rate_limited": True, "secrets_exposed_in": []},
    ],
    "flows": [{"id": "plug-mqtt", "from": "plugs", "to": "broker", "protocol": "mqtt"}],
}


def test_one_genuine_device_reaches_the_fleet_through_a_broker_without_per_device_acls() -> None:
    found = explore_paths(from_data(SHARED_SECRET), outcome="hijacked", fleet="plugs", k=5)
    device_paths = [p for p in found if p.entry == "device"
                    and any(s.finding == "T7.broker-acl-not-per-device@broker" for s in p.steps)]
    assert device_paths, [(p.entry, [s.finding for s in p.steps]) for p in found]
    steps = [s.finding or s.kind for s in device_paths[0].steps]
    assert steps == ["T7.broker-acl-not-per-device@broker", "authority"]
    gains = [g for s in device_paths[0].steps for g in s.gains]
    assert "control:broker" in gains and "outcome:hijacked@plugs" in gains


def test_shared_secret_is_an_open_finding_on_the_fleet() -> None:
    result = assess(from_data(SHARED_SECRET))
    secret = next(f for f in result.findings if f.id == "T7.shared-fleet-secret@plugs")
    assert secret.status == "open" and secret.fleets == ["plugs"]


PARTNER: dict[str, Any] = {
    "fleetrisk": 1,
    "service": {"name": "t", "types": ["partner-exchange"]},
    "fleets": [{"id": "meters", "devices": 800_000, "safety": "none"}],
    "components": [
        {"id": "ingest", "kind": "ingestion", "exposure": ["devices"]},
        {"id": "lake", "kind": "data-store", "exposure": ["internal"]},
        {"id": "partner-api", "kind": "partner-api", "exposure": ["partners"], "authorization": "global",
         "depends_on": ["lake"],
         "partner": {"scope": "global", "capabilities": ["read-data"], "vetting": "strong",
                     "token_lifetime": "short-bound", "token_storage": "vault"}},
    ],
    "data": [{"id": "readings", "kind": "telemetry", "records": 900_000_000, "stored_in": ["lake"]}],
    "flows": [{"id": "f1", "from": "meters", "to": "ingest", "carries": ["readings"]}],
}


def test_global_partner_scope_gives_a_partner_path_to_a_bulk_breach() -> None:
    found = explore_paths(from_data(PARTNER), outcome="data-exposed", k=5)
    partner = [p for p in found if p.entry == "partner" and p.fleet == "data:readings"]
    assert partner, [(p.entry, p.fleet) for p in found]
    assert partner[0].steps[0].finding == "T8.partner-global-scope@partner-api"
    assert partner[0].band in ("high", "critical")


def test_default_example_has_a_single_point_and_the_hardened_one_none() -> None:
    def single_points(path: object) -> list[tuple[str, str, list[str]]]:
        result = assess(load_model(str(path)))
        return [(c.outcome, c.fleet, c.members) for c in result.cut_sets
                if c.size == 1 and not c.fleet.startswith("data:")]

    weak = single_points(DEFAULT)
    assert ("firmware-takeover", "washers", ["ota"]) in weak
    assert single_points(HARDENED) == []


def test_finding_likelihood_follows_reachability() -> None:
    result = assess(from_data(SHARED_SECRET))
    acl = next(f for f in result.findings if f.id == "T7.broker-acl-not-per-device@broker")
    assert acl.likelihood.reach is not None
    assert acl.likelihood.score == min(acl.likelihood.base, acl.likelihood.reach)


# --- cut sets against brute force on random small graphs ----------------------------------

BASIC = ["control:a", "control:b", "control:c", "hold:k"]
POSITIONS = [*BASIC, "control:d", "impersonate:f"]
OUTCOMES = ["outcome:hijacked@f", "outcome:firmware-takeover@f"]


@st.composite
def graphs(draw: st.DrawFn) -> AttackGraph:
    edges = []
    for number in range(draw(st.integers(min_value=1, max_value=7))):
        requires = tuple(sorted(draw(st.sets(st.sampled_from(POSITIONS), max_size=3))))
        threshold = None
        if len(requires) >= 2 and draw(st.booleans()):
            threshold = draw(st.integers(min_value=1, max_value=len(requires)))
        basic = draw(st.sampled_from([None, *BASIC])) if not requires else None
        grants = tuple(sorted(draw(st.sets(st.sampled_from(POSITIONS[4:] + OUTCOMES + BASIC), min_size=1,
                                           max_size=2))))
        edges.append(Edge(id=f"e{number}", kind="finding", element="x", requires=requires, grants=grants,
                          likelihood=draw(st.integers(1, 5)), entries=("internet",) if not requires else (),
                          threshold=threshold, basic=basic))
    return AttackGraph(edges, list(BASIC), {"f": 10}, dict.fromkeys(OUTCOMES, 10), {})


@settings(max_examples=300, deadline=None)
@given(graphs(), st.integers(min_value=1, max_value=3))
def test_cut_sets_are_minimal_and_complete(graph: AttackGraph, size: int) -> None:
    computed = compute_cut_sets(graph, max_size=size)
    for node in OUTCOMES + POSITIONS:
        expected = sorted(sorted(s) for s in brute_force_cut_sets(graph, node, size))
        got = sorted(sorted(s) for s in computed.families.get(node, []))
        assert got == expected, (node, graph.edges)


@settings(max_examples=200, deadline=None)
@given(graphs())
def test_reach_is_the_best_max_min_derivation(graph: AttackGraph) -> None:
    """Reach values agree with a naive fixpoint of max over edges of min over requirements."""
    reach = compute_reach(graph)
    value: dict[str, int] = {}
    changed = True
    while changed:
        changed = False
        for edge in graph.edges:
            inputs = [value.get(n, 0) for n in edge.requires]
            if edge.threshold is not None:
                got = sorted(inputs, reverse=True)[edge.threshold - 1]
            else:
                got = min(inputs, default=5)
            got = min(got, edge.likelihood)
            if got == 0:
                continue
            for node in edge.grants:
                if got > value.get(node, 0):
                    value[node] = got
                    changed = True
    assert {n: v for n, v in reach.value.items() if v} == value


def test_paths_command_filters_and_explains() -> None:
    import json

    from conftest import run_cli

    result = run_cli("paths", str(DEFAULT), "--outcome", "firmware-takeover", "--fleet", "washers",
                     "--format", "json")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found and all(p["outcome"] == "firmware-takeover" and p["fleet"] == "washers" for p in found)
    assert all(p["steps"] and p["steps"][-1]["gains"] for p in found)
    assert any(s["cut_by"] for p in found for s in p["steps"])
    table = run_cli("paths", str(DEFAULT), "--outcome", "firmware-takeover", "-k", "1")
    assert table.returncode == 0 and "ota" in table.stdout
    for bad in (["--outcome", "world-domination"], ["--fleet", "toasters"]):
        refused = run_cli("paths", str(DEFAULT), *bad)
        assert refused.returncode == 2 and "Traceback" not in refused.stderr


def test_paths_to_one_outcome_are_distinct_ways_not_detours() -> None:
    found = explore_paths(load_model(DEFAULT), k=3, minimum="low")
    assert found
    by_outcome: dict[tuple[str, str], list[set[tuple[str, str | None, str]]]] = {}
    for path in found:
        steps = {(s.kind, s.finding, s.element) for s in path.steps}
        by_outcome.setdefault((path.outcome, path.fleet), []).append(steps)
    for outcome, paths in by_outcome.items():
        for i, one in enumerate(paths):
            for j, other in enumerate(paths):
                assert i == j or not one < other, (outcome, sorted(map(str, one)), sorted(map(str, other)))


def test_a_path_keeps_its_entry_whatever_k_is() -> None:
    loaded = load_model(DEFAULT)

    def labels(k: int) -> dict[tuple[str, ...], str]:
        found = explore_paths(loaded, k=k, minimum="low", outcome="firmware-takeover")
        return {(p.fleet, *[f"{s.kind}:{s.finding or s.element}:{s.requires}" for s in p.steps]): p.entry
                for p in found}

    few, many = labels(3), labels(6)
    assert few and set(few) <= set(many)
    assert all(many[steps] == entry for steps, entry in few.items())


def test_a_threshold_over_a_ring_of_drive_positions_falls_with_either_member() -> None:
    def drive(eid: str, need: str, grant: str) -> Edge:
        return Edge(eid, "drive", "x", (need,), (grant,), 5)

    edges = [drive("da", "control:a", "drive:a"), drive("db", "control:b", "drive:b"),
             drive("a>b", "drive:a", "drive:b"), drive("b>a", "drive:b", "drive:a"),
             Edge("t", "custody", "k", ("drive:a", "drive:b"), ("outcome:o@f",), 5, threshold=2)]
    graph = AttackGraph(edges, ["control:a", "control:b"], {}, {"outcome:o@f": 1}, {})
    assert compute_cut_sets(graph).families["outcome:o@f"] == brute_force_cut_sets(graph, "outcome:o@f", 3)


def test_a_single_input_passes_its_whole_family_and_a_cut_family_marks_what_follows() -> None:
    basic = [f"control:c{i}" for i in range(100)]
    edges = [Edge(f"f{i}", "finding", f"c{i}", (), ("p",), 3, basic=f"control:c{i}") for i in range(100)]
    edges += [Edge("e1", "finding", "x", ("p",), ("q",), 3), Edge("e2", "authority", "x", ("q",), ("outcome:x@f",), 5)]
    graph = AttackGraph(edges, basic, {}, {"outcome:x@f": 1}, {})
    whole = compute_cut_sets(graph)
    assert len(whole.families["outcome:x@f"]) == 100 and not whole.truncated
    capped = compute_cut_sets(graph, cap=40)
    assert len(capped.families["outcome:x@f"]) == 40
    assert {"p", "q", "outcome:x@f"} <= capped.truncated  # a cut family's consequences say so too
