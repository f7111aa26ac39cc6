"""Authority reach through any number of hops, and stated facts kept apart from assumptions.

Each known answer is a small generic architecture with one behaviour: which fleets a breach
reaches, by which steps, and whether an unstated field can change the headline.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DEFAULT, HARDENED
from fleetrisk.engine.assess import assess, explore_paths
from fleetrisk.messages import explain_finding
from fleetrisk.model.loader import from_data, load_model
from fleetrisk.results import Assessment


def _model(**parts: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "fleetrisk": 1,
        "service": {"name": "t", "types": ["remote-control", "software-distribution"]},
        "practices": {"it_iot_segmentation": "separate"},
    }
    base.update(parts)
    return base


def _plugs(accepts: list[dict[str, Any]], devices: int = 350_000) -> list[dict[str, Any]]:
    return [{
        "id": "plugs", "devices": devices, "safety": "moderate", "offline_behaviour": "keeps-working",
        "identity": {"kind": "per-device-certificate", "key_storage": "secure-element", "revocable": True},
        "accepts": accepts,
    }]


def _single_points(result: Assessment, outcome: str, fleet: str = "plugs") -> list[list[str]]:
    return sorted(c.members for c in result.cut_sets if c.outcome == outcome and c.fleet == fleet and c.size == 1)


def _reached(data: dict[str, Any], element: str) -> list[str]:
    index = from_data(data).index
    return [f.id for f in index.fleets_reached(index.by_id[element])]


# --- a console two services away ----------------------------------------------------------

CONSOLE = _model(
    fleets=_plugs([{"input": "command", "from": "commands", "verification": "transport", "use": "acts"}]),
    components=[
        {"id": "console", "kind": "admin-console", "exposure": ["internet"]},
        {"id": "orchestrator", "kind": "config-service", "exposure": ["internal"]},
        {"id": "commands", "kind": "command-service", "exposure": ["internal"]},
    ],
    flows=[
        {"id": "console-to-orch", "from": "console", "to": "orchestrator"},
        {"id": "orch-to-commands", "from": "orchestrator", "to": "commands"},
        {"id": "commands-to-plugs", "from": "commands", "to": "plugs"},
    ],
)


def test_a_console_reaches_the_fleet_through_two_services() -> None:
    assert _reached(CONSOLE, "console") == ["plugs"]
    result = assess(from_data(CONSOLE))
    assert ["console"] in _single_points(result, "hijacked")
    blast = {b.element: b.devices_at_risk for b in result.blast_radius}
    assert blast["console"] == 350_000
    paths = explore_paths(from_data(CONSOLE), outcome="hijacked", fleet="plugs", k=5)
    from_console = [p for p in paths if p.steps[0].element == "console"]
    assert from_console, [[s.element for s in p.steps] for p in paths]
    steps = [(s.kind, s.element) for s in from_console[0].steps]
    assert steps == [("foothold", "console"), ("drive", "orchestrator"), ("drive", "commands"),
                     ("authority", "plugs")]


def test_a_flow_that_checks_the_end_users_rights_stops_the_reach() -> None:
    scoped = copy.deepcopy(CONSOLE)
    scoped["flows"][1]["authorization"] = "per-object"
    assert _reached(scoped, "console") == []
    assert ["console"] not in _single_points(assess(from_data(scoped)), "hijacked")


def test_a_console_whose_mass_operations_need_a_second_party_does_not_reach_alone() -> None:
    approved = copy.deepcopy(CONSOLE)
    approved["components"][0]["mass_operations"] = {"allowed": True, "approval": "multi-party"}
    assert _reached(approved, "console") == []


# --- build, sign, deliver -------------------------------------------------------------------

PIPELINE = _model(
    fleets=_plugs([{"input": "firmware", "from": "ota", "verification": "signature", "key": "fw",
                    "anti_rollback": True, "expiry_checked": True, "hardware_bound": True}]),
    components=[
        {"id": "ci", "kind": "build-pipeline", "exposure": ["internet"], "secrets_exposed_in": []},
        {"id": "signer", "kind": "signing-service", "exposure": ["internal"], "secrets_exposed_in": []},
        {"id": "ota", "kind": "ota-service", "exposure": ["internet"], "secrets_exposed_in": []},
    ],
    keys=[{"id": "fw", "holder": "signer", "custody": "online-hsm", "signs": ["firmware"],
           "shared_across_products": False, "debug_and_release_shared": False, "rotation_possible": True}],
    flows=[
        {"id": "ci-to-signer", "from": "ci", "to": "signer"},
        {"id": "signer-to-ota", "from": "signer", "to": "ota"},
    ],
)


def test_a_pipeline_whose_signing_step_feeds_the_update_server_is_a_single_point() -> None:
    assert _reached(PIPELINE, "ci") == ["plugs"]
    result = assess(from_data(PIPELINE))
    assert ["ci"] in _single_points(result, "firmware-takeover")
    assert ["ota"] not in _single_points(result, "firmware-takeover")  # it needs the key too
    paths = explore_paths(from_data(PIPELINE), outcome="firmware-takeover", fleet="plugs", k=5)
    through_ci = [p for p in paths if p.steps[0].element == "ci" or ("foothold", "ci") in
                  [(s.kind, s.element) for s in p.steps]]
    assert through_ci, [[s.element for s in p.steps] for p in paths]
    kinds = [(s.kind, s.element) for s in through_ci[0].steps]
    assert ("drive", "signer") in kinds and ("custody", "fw") in kinds and kinds[-1] == ("authority", "plugs")


def test_an_offline_key_keeps_the_pipeline_from_signing_alone() -> None:
    offline = copy.deepcopy(PIPELINE)
    offline["keys"][0]["custody"] = "offline-hsm"
    result = assess(from_data(offline))
    assert ["ci"] not in _single_points(result, "firmware-takeover")


# --- an account behind a sign-in service ------------------------------------------------------

ACCOUNT = _model(
    fleets=_plugs([{"input": "command", "from": "commands", "verification": "transport", "use": "acts"}]),
    components=[
        {"id": "login", "kind": "identity-provider", "exposure": ["internet"]},
        {"id": "backend", "kind": "user-app-backend", "exposure": ["internet"], "depends_on": ["login"]},
        {"id": "commands", "kind": "command-service", "exposure": ["internal"]},
    ],
    flows=[{"id": "backend-to-commands", "from": "backend", "to": "commands"}],
    accounts=[{"id": "owners", "audience": "customer", "via": "login", "capabilities": ["control-actuators"]}],
)


def test_an_account_reaches_what_the_backend_behind_its_sign_in_service_reaches() -> None:
    index = from_data(ACCOUNT).index
    assert [f.id for f in index.fleets_reached(index.by_id["owners"])] == ["plugs"]
    assert _reached(ACCOUNT, "login") == ["plugs"]
    result = assess(from_data(ACCOUNT))
    assert ["login"] in _single_points(result, "hijacked")
    assert ["backend"] in _single_points(result, "hijacked")


# --- an unknown opens a path only in the assumed view -------------------------------------------

UNSTATED = _model(
    fleets=_plugs([{"input": "command", "from": "broker", "verification": "transport", "use": "acts"}]),
    components=[{"id": "broker", "kind": "device-gateway", "exposure": ["devices"], "auth": "mtls",
                 "rate_limited": True, "redundancy": "multi", "secrets_exposed_in": []}],
    flows=[{"id": "plugs-to-broker", "from": "plugs", "to": "broker", "protocol": "mqtt"}],
)


def test_an_unstated_field_opens_a_path_only_in_the_assumed_view() -> None:
    result = assess(from_data(UNSTATED))
    acl = next(f for f in result.findings if f.id == "T7.broker-acl-not-per-device@broker")
    assert acl.status == "unknown" and acl.missing == ["components[0].authorization"]
    headline = {s.finding for p in result.attack_paths for s in p.steps}
    assert acl.id not in headline
    assert not any(c.size == 0 for c in result.cut_sets if c.outcome == "data-exposed")
    assumed = [a for a in result.assumed if a.outcome == "data-exposed" and a.fleet == "plugs"]
    assert assumed and assumed[0].hangs_on == [acl.id]
    assert assumed[0].missing == ["components[0].authorization"] and assumed[0].stated_likelihood == 0
    stated = copy.deepcopy(UNSTATED)
    stated["components"][0]["authorization"] = "global"
    opened = assess(from_data(stated))
    assert any(s.finding == acl.id for p in opened.attack_paths for s in p.steps)
    assert not [a for a in opened.assumed if acl.id in a.hangs_on]


# --- properties ----------------------------------------------------------------------------------

KINDS = ["admin-console", "command-service", "config-service", "user-app-backend", "identity-provider",
         "data-store", "signing-service", "partner-api"]


@st.composite
def architectures(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(2, 7))
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=n, max_size=n))
    ids = [f"c{i}" for i in range(n)]
    pairs = st.tuples(st.sampled_from(ids), st.sampled_from(ids)).filter(lambda p: p[0] != p[1])
    flows = draw(st.lists(pairs, max_size=10, unique=True))
    deps = draw(st.lists(pairs, max_size=6, unique=True))
    source = draw(st.sampled_from(ids))
    components = [{"id": c, "kind": k, "depends_on": sorted({b for a, b in deps if a == c})}
                  for c, k in zip(ids, kinds, strict=True)]
    return _model(
        fleets=_plugs([{"input": "command", "from": source, "verification": "transport", "use": "acts"}]),
        components=components,
        flows=[{"id": f"l{i}", "from": a, "to": b} for i, (a, b) in enumerate(flows)],
    )


def _all_reached(data: dict[str, Any]) -> dict[str, set[str]]:
    index = from_data(data).index
    return {c.id: {f.id for f in index.fleets_reached(c)} for c in index.by_type["component"]}


def _closure(data: dict[str, Any]) -> dict[str, set[str]]:
    """Reach by the plain definition: a fixpoint over the drive links, no bit masks."""
    index = from_data(data).index
    reach = {c.id: {f.id for f in index.related(c, "fleets_served")} for c in index.by_type["component"]}
    changed = True
    while changed:
        changed = False
        for source, target, _ in index.drive_links:
            if not reach[target.id] <= reach[source.id]:
                reach[source.id] |= reach[target.id]
                changed = True
    return reach


@settings(max_examples=150, deadline=None)
@given(architectures(), st.data())
def test_reach_is_the_closure_and_grows_with_every_flow(data: dict[str, Any], draw: st.DataObject) -> None:
    before = _all_reached(data)
    assert before == _closure(data)
    ids = [c["id"] for c in data["components"]]
    a = draw.draw(st.sampled_from(ids))
    b = draw.draw(st.sampled_from([i for i in ids if i != a]))
    grown = copy.deepcopy(data)
    grown["flows"].append({"id": "extra", "from": a, "to": b})
    after = _all_reached(grown)
    assert all(before[c] <= after[c] for c in ids)


@settings(max_examples=40, deadline=None)
@given(architectures())
def test_the_stated_view_never_rests_on_an_unknown_finding(data: dict[str, Any]) -> None:
    result = assess(from_data(data))
    unknown = {f.id for f in result.findings if f.status == "unknown"}
    assert not unknown & {s.finding for p in result.attack_paths for s in p.steps}
    for assumed in result.assumed:
        assert assumed.hangs_on and set(assumed.hangs_on) <= unknown


def test_the_bundled_example_headline_holds_no_unknown() -> None:
    result = assess(load_model(str(DEFAULT)))
    unknown = {f.id for f in result.findings if f.status == "unknown"}
    assert unknown
    assert not unknown & {s.finding for p in result.attack_paths for s in p.steps}


# --- one analysis, whichever command and language renders it --------------------------------------


def _structure(result: Assessment) -> dict[str, Any]:
    """Everything but the language's words."""
    return {
        "findings": [(f.id, f.status, f.risk.score, f.impact.devices, f.fleets, f.missing, f.reasons)
                     for f in result.findings],
        "paths": [(p.outcome, p.fleet, p.entry, p.likelihood,
                   [(s.kind, s.element, s.finding, s.reasons) for s in p.steps]) for p in result.attack_paths],
        "cuts": [(c.outcome, c.fleet, c.members) for c in result.cut_sets],
        "fix_first": [(x.control, x.closes) for x in result.fix_first],
        "assumed": [(a.outcome, a.fleet, a.hangs_on, a.missing) for a in result.assumed],
    }


def test_one_analysis_in_both_languages_and_in_paths() -> None:
    loaded = load_model(str(DEFAULT))
    english = assess(loaded, lang="en")
    japanese = assess(load_model(str(DEFAULT)), lang="ja")
    assert _structure(english) == _structure(japanese)
    assert all(f.reasons for f in english.findings if f.status == "open")  # every open finding says why, as data
    assert explain_finding(english, english.findings[0]) != explain_finding(japanese, japanese.findings[0])
    explored = explore_paths(load_model(str(DEFAULT)), k=3, minimum="high")
    as_explored = {(p.outcome, p.fleet, tuple((s.kind, s.element, s.finding) for s in p.steps)) for p in explored}
    for path in english.attack_paths:
        assert (path.outcome, path.fleet, tuple((s.kind, s.element, s.finding) for s in path.steps)) in as_explored


def test_the_ranking_is_a_total_order_that_ids_do_not_decide() -> None:
    """Renaming every element leaves the order of findings as it was (positions, not ids)."""
    data = copy.deepcopy(CONSOLE)
    renamed = copy.deepcopy(CONSOLE)
    names = {"console": "zz-console", "orchestrator": "aa-orch", "commands": "mm-commands", "plugs": "00-plugs"}
    for component in renamed["components"]:
        component["id"] = names[component["id"]]
    renamed["fleets"][0]["id"] = names["plugs"]
    renamed["fleets"][0]["accepts"][0]["from"] = names["commands"]
    for flow in renamed["flows"]:
        flow["from"], flow["to"] = names[flow["from"]], names[flow["to"]]
    before = [f.id for f in assess(from_data(data)).findings]
    back = {new: old for old, new in names.items()}

    def original(finding_id: str) -> str:
        scenario, _, element = finding_id.partition("@")
        return f"{scenario}@{back.get(element, element)}"

    assert [original(f.id) for f in assess(from_data(renamed)).findings] == before
    assert len(set(before)) == len(before)


# --- an outsider inside the corporate network ------------------------------------------------------

CORPORATE = _model(
    zones=[{"id": "office", "trust": "corporate"}, {"id": "build", "trust": "production"}],
    fleets=_plugs([{"input": "firmware", "from": "ota", "verification": "signature", "key": "fw",
                    "anti_rollback": True, "expiry_checked": True, "hardware_bound": True}]),
    components=[
        {"id": "signer", "kind": "signing-service", "zone": "build", "exposure": ["internal"], "auth": "password",
         "secrets_exposed_in": []},
        {"id": "ota", "kind": "ota-service", "zone": "build", "exposure": ["internal"], "auth": "mtls",
         "secrets_exposed_in": []},
    ],
    keys=[{"id": "fw", "holder": "signer", "custody": "online-file", "signs": ["firmware"],
           "shared_across_products": False, "debug_and_release_shared": False, "rotation_possible": True}],
)


def _corporate_paths(data: dict[str, Any]) -> list[list[tuple[str, str]]]:
    paths = explore_paths(from_data(data), outcome="firmware-takeover", fleet="plugs", k=5)
    return [[(s.kind, s.element) for s in p.steps] for p in paths if p.entry == "corporate"]


def test_a_corporate_breach_reaches_the_signing_host_only_where_it_is_not_separated() -> None:
    assert _corporate_paths(CORPORATE) == []  # separated, as stated
    shared = copy.deepcopy(CORPORATE)
    shared["practices"]["it_iot_segmentation"] = "shared"
    found = _corporate_paths(shared)
    assert found, explore_paths(from_data(shared), outcome="firmware-takeover", fleet="plugs", k=5)
    assert found[0][:2] == [("foothold", "office"), ("foothold", "build")]
    assert ("foothold", "signer") in found[0] and ("custody", "fw") in found[0]
    assert found[0][-1] == ("authority", "plugs")
    one_directory = copy.deepcopy(CORPORATE)
    for zone in one_directory["zones"]:
        zone["identity_provider"] = "corp-ad"
    assert _corporate_paths(one_directory)


def test_a_vpn_puts_whoever_holds_it_inside_the_networks_it_opens() -> None:
    vpn = copy.deepcopy(CORPORATE)
    vpn["components"].append({"id": "vpn", "kind": "remote-access", "zone": "office", "exposure": ["internet"],
                              "auth": "password"})
    vpn["flows"] = [{"id": "vpn-to-signer", "from": "vpn", "to": "signer", "protocol": "ssh",
                     "authorization": "per-object"}]
    paths = explore_paths(from_data(vpn), outcome="firmware-takeover", fleet="plugs", k=5)
    through_vpn = [[(s.kind, s.element) for s in p.steps] for p in paths
                   if ("foothold", "vpn") in [(s.kind, s.element) for s in p.steps]]
    assert through_vpn, [[(s.kind, s.element) for s in p.steps] for p in paths]
    assert ("foothold", "signer") in through_vpn[0]


# --- availability that degrades -----------------------------------------------------------------------

DEGRADED = _model(
    fleets=[{"id": "cars", "devices": 600_000, "safety": "moderate", "offline_behaviour": "degraded",
             "accepts": [{"input": "information", "from": "maps", "verification": "signature", "key": "maps-key",
                          "use": "displays"}]}],
    components=[
        {"id": "maps", "kind": "content-feed", "exposure": ["devices"], "depends_on": ["dns"]},
        {"id": "dns", "kind": "external-dependency", "dependency": {"kind": "dns", "redundancy": "single"}},
    ],
    keys=[{"id": "maps-key", "holder": "maps", "custody": "offline-hsm", "signs": ["information"]}],
)


def test_a_degraded_offline_fleet_under_a_single_dns_counts_for_availability() -> None:
    result = assess(from_data(DEGRADED))
    finding = next(f for f in result.findings if f.id == "T1.degraded-on-single-dependency@dns")
    assert finding.status == "open" and finding.fleets == ["cars"] and finding.impact.devices == 600_000
    assert "T1.single-external-dependency@dns" not in {f.id for f in result.findings if f.status == "open"}
    paths = explore_paths(from_data(DEGRADED), outcome="unavailable", fleet="cars", k=3)
    assert any([s.finding for s in p.steps] == [finding.id] for p in paths), [[s.finding for s in p.steps]
                                                                               for p in paths]
    failing = copy.deepcopy(DEGRADED)
    failing["fleets"][0]["offline_behaviour"] = "fails"
    stronger = next(f for f in assess(from_data(failing)).findings if f.id == "T1.single-external-dependency@dns")
    assert stronger.risk.score > finding.risk.score  # losing features weighs less than stopping


def test_the_summary_counts_the_outcomes_the_paths_show() -> None:
    """No critical path beside a summary that says nothing critical is reachable."""
    for path in (DEFAULT, HARDENED):
        result = assess(load_model(str(path)))
        shown = {(p.outcome, p.fleet) for p in result.attack_paths if p.band == "critical"}
        assert result.summary.outcomes_by_band["critical"] >= len(shown)
        assert (result.summary.outcomes_by_band["critical"] == 0) == (not shown)


# --- many fleets: one shared fan position changes nothing a reader sees ------------------------------


def _many_fleets(n: int) -> dict[str, Any]:
    fleets = [{"id": f"fleet{i}", "devices": 1000 * (i + 1), "safety": "moderate", "offline_behaviour": "fails",
               "identity": {"kind": "per-device-certificate", "key_storage": "secure-element", "revocable": True},
               "accepts": [{"input": "command", "from": "commands", "verification": "transport", "use": "acts"}]}
              for i in range(n)]
    single = {"allowed": True, "approval": "single-operator", "rate_limited": False, "independently_signed": False}
    return _model(fleets=fleets, components=[
        {"id": "console", "kind": "admin-console", "exposure": ["internet"], "auth": "password",
         "privileged": {"scope": "all-tenants", "standing_access": "standing-broad", "can_push_to_devices": True,
                        "audited": False}, "mass_operations": single},
        {"id": "commands", "kind": "command-service", "exposure": ["internet"], "auth": "password",
         "depends_on": ["dns"], "mass_operations": single},
        {"id": "dns", "kind": "external-dependency", "exposure": ["internet"],
         "dependency": {"kind": "dns", "redundancy": "single"}},
    ], flows=[{"id": "console-to-commands", "from": "console", "to": "commands"}])


def test_fan_positions_change_no_path_and_no_gain(monkeypatch: Any) -> None:
    import fleetrisk.engine.graph as graph_module

    data = _many_fleets(10)
    fanned = assess(from_data(data))
    for path in fanned.attack_paths:
        for step in path.steps:
            if step.scenario is None:
                continue
            granted = {t.partition(":")[2] for t in _scenario_grants(step.scenario) if t.startswith("outcome:")}
            shown = {g.removeprefix("outcome:").partition("@")[0] for g in step.gains if g.startswith("outcome:")}
            assert shown <= granted, (step.finding, step.gains)
            assert not any(g.startswith("fan:") for g in step.gains + step.requires)
    monkeypatch.setattr(graph_module, "FAN_OUT", 1000)
    plain = assess(from_data(data))

    def seen(result: Assessment) -> Any:  # a fan shows the path's own outcome among the gains, not every fleet's
        return ([(p.outcome, p.fleet, p.entry, [(s.kind, s.element, s.finding) for s in p.steps])
                 for p in result.attack_paths], [(x.control, x.closes, x.paths_cut) for x in result.fix_first],
                [(a.outcome, a.fleet, a.hangs_on) for a in result.assumed], result.cut_sets, result.single_points)

    assert seen(fanned) == seen(plain)
    assert all(f"outcome:{p.outcome}@{p.fleet}" in p.steps[-1].gains for p in fanned.attack_paths)


def _scenario_grants(scenario_id: str) -> list[str]:
    from fleetrisk.catalog.loader import load_catalog

    return list(load_catalog().scenario(scenario_id).spec.effect.grants)


def test_every_path_ends_on_its_own_outcome_and_fleet() -> None:
    for model in (DEFAULT, HARDENED):
        for path in assess(load_model(str(model))).attack_paths:
            assert f"outcome:{path.outcome}@{path.fleet}" in path.steps[-1].gains, (path.outcome, path.fleet)
