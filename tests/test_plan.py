"""The plan: exact against brute force on small graphs, budget behaviour, the command, the cost file."""

from __future__ import annotations

import itertools
import json
import random
import re
import shutil
from pathlib import Path

import pytest

from conftest import DEFAULT, run_cli
from fleetrisk.catalog.conditions import ControlExpr
from fleetrisk.catalog.loader import default_root, load_catalog
from fleetrisk.engine.graph import Edge
from fleetrisk.engine.milp import Milp
from fleetrisk.engine.plan import plan_critical, plan_loss
from fleetrisk.engine.quant_graph import QuantGraph, entry_levels
from fleetrisk.engine.simulate import Expectation, expectation
from fleetrisk.errors import CatalogError, InputError
from quant_fixtures import edge, inputs, one, quant_graph
from test_simulate import with_loss

CONTROLS = ["c0", "c1", "c2", "c3", "c4"]
OUTCOMES = ["outcome:hijacked@f", "outcome:unavailable@f", "outcome:code-execution@f"]


def random_instance(seed: int) -> tuple[QuantGraph, Expectation, dict[str, float]]:
    """A small random AND/OR graph with entries, thresholds, cycles and control expressions."""
    rnd = random.Random(seed)
    positions = ["control:a", "control:b", "control:c", "hold:k"]
    edges: list[Edge] = []
    cut_by: dict[str, ControlExpr] = {}
    for i, position in enumerate(positions[:3]):
        for entry in rnd.sample(["internet", "insider"], rnd.randint(1, 2)):
            edges.append(edge(f"foot-{i}-{entry}", (), position, rnd.randint(2, 5), entries=(entry,)))
    for i in range(rnd.randint(6, 10)):
        targets = positions + OUTCOMES
        grant = rnd.choice(targets[1:])
        requires = tuple(rnd.sample(positions, rnd.randint(1, 2)))
        threshold = 2 if len(requires) == 2 and rnd.random() < 0.2 else None
        eid = f"e{i}"
        edges.append(edge(eid, requires, grant, rnd.randint(1, 5), threshold=threshold))
        roll = rnd.random()
        if roll < 0.5:
            cut_by[eid] = one(rnd.choice(CONTROLS))
        elif roll < 0.7:
            cut_by[eid] = ControlExpr("any", None, tuple(one(c) for c in rnd.sample(CONTROLS, 2)))
        elif roll < 0.85:
            cut_by[eid] = ControlExpr("all", None, tuple(one(c) for c in rnd.sample(CONTROLS, 2)))
    for e in edges:
        if e.id.startswith("foot") and rnd.random() < 0.5:
            cut_by[e.id] = one(rnd.choice(CONTROLS))
    quant = quant_graph(edges, {o: 10 * (i + 1) for i, o in enumerate(OUTCOMES)}, cut_by)
    costs = {c: float(rnd.randint(1, 5)) for c in CONTROLS}
    rates = inputs({"internet": (0.5, 2.0, 4.0), "insider": (0.1, 0.5, 1.0)}, per_device=(1.0, 2.0, 5.0),
                   costs=costs)
    return quant, expectation(quant, rates), costs


def affordable(costs: dict[str, float], budget: float) -> list[tuple[str, ...]]:
    return [s for n in range(len(CONTROLS) + 1) for s in itertools.combinations(CONTROLS, n)
            if sum(costs[c] for c in s) <= budget]


SEEDS = range(12)


@pytest.mark.parametrize("seed", SEEDS)
def test_loss_plan_matches_brute_force(seed: int) -> None:
    quant, exact, costs = random_instance(seed)
    for budget in (0.0, 3.0, 6.0, 100.0):
        plan = plan_loss(quant, exact, costs, budget)
        options = affordable(costs, budget)
        best = min(exact.total(quant.levels(s)) for s in options)
        assert exact.total(plan.levels) == pytest.approx(best, rel=1e-9, abs=1e-9)
        assert plan.levels == quant.levels(plan.controls)
        cheapest = min(sum(costs[c] for c in s) for s in options
                       if exact.total(quant.levels(s)) <= best * (1 + 1e-9) + 1e-9)
        assert plan.cost == pytest.approx(cheapest)  # among plans of the least loss, the cheapest


@pytest.mark.parametrize("seed", SEEDS)
def test_critical_plan_matches_brute_force(seed: int) -> None:
    quant, _, costs = random_instance(seed)
    quant.critical = [o for o in OUTCOMES[:2] if entry_levels(quant.graph, None, set()).get(o)]

    def cuts_all(subset: tuple[str, ...]) -> bool:
        values = entry_levels(quant.graph, None, quant.cut_edges(subset))
        return not any(values.get(o) for o in quant.critical)

    feasible = [s for s in affordable(costs, 1e9) if cuts_all(s)]
    if not feasible:
        with pytest.raises(InputError, match="no control cuts"):
            plan_critical(quant, costs, None)
        return
    plan = plan_critical(quant, costs, None)
    assert cuts_all(tuple(plan.controls))
    assert plan.cost == min(sum(costs[c] for c in s) for s in feasible)


@pytest.mark.parametrize("seed", SEEDS)
def test_budget_behaviour(seed: int) -> None:
    quant, exact, costs = random_instance(seed)
    before = exact.total([p.level for p in quant.pairs])
    assert plan_loss(quant, exact, costs, 0.0).controls == []
    previous = before
    for budget in (0.0, 1.0, 2.0, 4.0, 7.0, 11.0, 25.0):
        plan = plan_loss(quant, exact, costs, budget)
        after = exact.total(plan.levels)
        assert plan.cost <= budget
        assert after <= before + 1e-9
        assert after <= previous + 1e-9  # a larger budget never leaves more risk
        previous = after


def test_a_useless_control_is_never_bought() -> None:
    quant = quant_graph([edge("a", (), "outcome:hijacked@f", 5, entries=("internet",))],
                        {"outcome:hijacked@f": 10}, {"a": one("c0")})
    quant.cut_by["never-there"] = one("c1")  # cuts no edge of the graph
    exact = expectation(quant, inputs({"internet": (1, 1, 1)}))
    plan = plan_loss(quant, exact, {"c0": 1.0, "c1": 0.5}, 10.0)
    assert plan.controls == ["c0"]
    assert exact.total(plan.levels) == 0.0


def test_milp_merges_repeated_columns_in_a_row() -> None:
    milp = Milp()
    x = milp.var(cost=1.0)
    milp.row(1.0, float("inf"), [(x, 0.5), (x, 0.5)])  # x >= 1, given as two halves
    status, values = milp.solve()
    assert status.name == "kOptimal"
    assert values[x] == pytest.approx(1.0)


def test_plan_command_json() -> None:
    result = run_cli("plan", str(DEFAULT), "--budget", "500000", "--iterations", "5000", "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["cost"] <= report["budget"] == 500000
    assert report["risk_after"] < report["risk_before"]
    assert report["controls"] and all(c["marginal_value"] > 0 for c in report["controls"])
    assert sum(c["cost"] for c in report["controls"]) == pytest.approx(report["cost"])
    assert report["solver"] == "optimal"
    simulated = report["simulated"]
    assert abs(simulated["before"] - report["risk_before"]) < 4 * simulated["before_stderr"]
    assert abs(simulated["after"] - report["risk_after"]) < 4 * simulated["after_stderr"]
    assert simulated["reduction"] == pytest.approx(simulated["before"] - simulated["after"])
    assert 0 < simulated["reduction_stderr"] < simulated["before_stderr"]  # paired years: less noise
    assert report["provenance"]["sources"] and report["provenance"]["defaults_used"]


def test_plan_critical_paths_cuts_every_critical_outcome() -> None:
    result = run_cli("plan", str(DEFAULT), "--budget", "10000000", "--objective", "critical-paths",
                     "--iterations", "2000", "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["critical_outcomes"] and report["critical_cut"] is True
    tight = run_cli("plan", str(DEFAULT), "--budget", str(report["cost"] - 1), "--objective", "critical-paths",
                    "--iterations", "2000")
    assert tight.returncode == 2 and "more than the budget" in tight.stderr


@pytest.mark.parametrize("args", [("plan",), ("plan", "--budget", "-5"), ("plan", "--budget", "nan")])
def test_plan_needs_a_budget(args: tuple[str, ...]) -> None:
    result = run_cli(*args, str(DEFAULT), "--iterations", "100")
    assert result.returncode == 2 and "budget" in result.stderr and "Traceback" not in result.stderr


def test_model_control_costs_change_the_plan(tmp_path: Path) -> None:
    chosen = json.loads(run_cli("plan", str(DEFAULT), "--budget", "500000", "--iterations", "2000",
                                "--format", "json").stdout)
    assert "object-level-authorization" in {c["id"] for c in chosen["controls"]}
    model = with_loss(tmp_path, "  control_costs: {object-level-authorization: 900000}\n")
    result = run_cli("plan", str(model), "--budget", "500000", "--iterations", "2000", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert "object-level-authorization" not in {c["id"] for c in json.loads(result.stdout)["controls"]}


def test_every_control_has_a_yearly_cost_and_the_file_is_strict(tmp_path: Path) -> None:
    catalog = load_catalog()
    assert set(catalog.control_costs) == set(catalog.controls)
    assert all(cost > 0 for cost in catalog.control_costs.values())
    root = tmp_path / "data"
    shutil.copytree(default_root(), root)
    costs = root / "costs.yaml"
    costs.write_text(costs.read_text(encoding="utf-8") + "  made-up-control: 5\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="made-up-control"):
        load_catalog(root)
    costs.write_text(costs.read_text(encoding="utf-8").replace("  made-up-control: 5\n", "")
                     .replace("  customer-mfa: 60000", ""), encoding="utf-8")
    with pytest.raises(CatalogError, match="customer-mfa"):
        load_catalog(root)


def test_the_plan_keeps_a_finding_that_evidence_reopened_on_one_component() -> None:
    """A service-wide control does not hide a finding that live evidence reopened on one element."""
    from fleetrisk.engine.quant_graph import prepare
    from fleetrisk.evidence import Check, Evidence
    from fleetrisk.model.loader import from_data

    single = {"allowed": True, "approval": "single-operator", "rate_limited": False, "independently_signed": False}
    data = {
        "fleetrisk": 1, "service": {"name": "t", "types": ["remote-control"]},
        "controls": {"mass-operation-approval": "implemented"},
        "fleets": [{"id": "plugs", "devices": 3000, "safety": "moderate",
                    "accepts": [{"input": "command", "from": "commands", "verification": "transport", "use": "acts"}]}],
        "components": [{"id": "commands", "kind": "command-service", "exposure": ["internet"], "auth": "password",
                        "mass_operations": single}],
    }
    evidence = Evidence([Check(check="x.mass", control="mass-operation-approval", element="commands",
                               status="refuted", target="https://commands", details="one operator pushed to all",
                               timestamp="2026-01-01T00:00:00Z")])
    quant = prepare(from_data(data), evidence=evidence)
    assert any(e.id.startswith("T3.unapproved-mass-operations@commands") for e in quant.graph.edges)
    assert not any(e.id.startswith("T3.unapproved-mass-operations@commands")
                   for e in prepare(from_data(data)).graph.edges)


@pytest.mark.parametrize("seed", range(40))
def test_the_shrunk_layers_reach_as_the_graph_does(seed: int) -> None:
    """Forced nodes, ancestors only and merged equivalents change no pair's level, for any
    set of controls; a plan without one control, raised incrementally, is the full answer."""
    from fleetrisk.engine.plan_layers import build_layers

    quant, exact, costs = random_instance(seed)
    layers = build_layers(quant)
    for subset in affordable(costs, 1e9):
        assert layers.levels(subset) == quant.levels(subset), subset
    plan = plan_loss(quant, exact, costs, 8.0)
    for control, levels in layers.without_each(plan.controls).items():
        assert levels == quant.levels([c for c in plan.controls if c != control])


def _plan_json(*args: str) -> dict[str, object]:
    done = run_cli("plan", str(DEFAULT), "--budget", "500000", "--format", "json", *args)
    assert done.returncode == 0, done.stderr
    data: dict[str, object] = json.loads(done.stdout)
    return data


def test_plan_and_assess_budget_give_the_same_plan() -> None:
    """The same model, budget and seed: the same controls, figures and simulated years."""
    from fleetrisk import __version__
    from fleetrisk.cli._common import ITERATIONS
    from fleetrisk.engine.quant_run import loss_view
    from fleetrisk.model.loader import load_model

    planned = _plan_json("--seed", "3")
    view = loss_view(load_model(str(DEFAULT)), ITERATIONS, 3, 500000.0, lang="en", tool=f"fleetrisk {__version__}")
    assert view.plan is not None
    assessed = json.loads(view.plan.model_dump_json())
    assessed["model"] = planned["model"]  # the path as given on each command line
    assert assessed == planned
    assert planned["iterations"] == ITERATIONS


def test_five_seeds_give_the_same_plan() -> None:
    """The plan is chosen on exact expected losses: no seed moves it. Choices whose benefit is
    not within noise are the same, and so is every marginal value."""
    plans = [_plan_json("--seed", str(seed), "--iterations", "20000") for seed in (1, 2, 3, 4, 5)]
    decided = [[(c["id"], c["marginal_value"]) for c in p["controls"] if not c["within_noise"]]  # type: ignore[union-attr]
               for p in plans]
    assert decided[0] and all(d == decided[0] for d in decided)
    assert all(p["risk_before"] == plans[0]["risk_before"] and p["risk_after"] == plans[0]["risk_after"]
               for p in plans)
    assert len({json.dumps(p["simulated"]) for p in plans}) == 5  # the years themselves differ


def test_a_benefit_within_noise_is_flagged_and_a_clear_one_is_not() -> None:
    from fleetrisk.catalog.loader import load_catalog
    from fleetrisk.engine.quant_run import LossSetup, plan_report, simulate_plan
    from fleetrisk.engine.simulate import outcome_losses
    from fleetrisk.model.loader import load_model

    quant = quant_graph([edge("big", (), "outcome:hijacked@f", 5, entries=("internet",)),
                         edge("tiny", (), "outcome:unavailable@f", 1, entries=("insider",))],
                        {"outcome:hijacked@f": 1000, "outcome:unavailable@f": 1},
                        {"big": one("customer-mfa"), "tiny": one("device-rate-limiting")})
    rates = inputs({"internet": (1, 1, 1), "insider": (0.01, 0.01, 0.01)},
                   costs={"customer-mfa": 1.0, "device-rate-limiting": 1.0})
    losses = outcome_losses(quant, rates)
    setup = LossSetup(load_model(str(DEFAULT)), load_catalog(), quant, rates, losses, expectation(quant, rates, losses))
    chosen = plan_loss(quant, setup.exact, rates.control_costs, 10.0)
    assert chosen.controls == ["customer-mfa", "device-rate-limiting"]
    sim, marginals = simulate_plan(setup, chosen, 2000, 1)
    report = plan_report(setup, sim, chosen, marginals, objective="loss", budget=10.0, lang="en", tool="t")
    flags = {c.id: c.within_noise for c in report.controls}
    assert flags == {"customer-mfa": False, "device-rate-limiting": True}
    assert [c.id for c in report.controls] == ["customer-mfa", "device-rate-limiting"]  # decisions first
    table = run_cli("plan", str(DEFAULT), "--budget", "500000", "--iterations", "300")
    assert "within noise" in table.stdout  # a few years cannot resolve the smaller benefits
    assert "not a decision on their own" in " ".join(table.stdout.split())


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("command", ["plan", "simulate"])
def test_quantitative_tables_and_sentences_fit_80_columns(command: str, lang: str) -> None:
    from rich.cells import cell_len

    extra = ("--budget", "500000") if command == "plan" else ()
    done = run_cli(command, str(DEFAULT), "--lang", lang, "--iterations", "2000", *extra, env={"COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert not [line for line in lines if cell_len(line) > 80]
    assert "docs/loss-model.md" in done.stdout and re.search(r"\b\d\.\d\d%", done.stdout)  # share of revenue


def test_same_seed_gives_the_same_plan_bytes() -> None:
    args = ("plan", str(DEFAULT), "--budget", "500000", "--iterations", "3000", "--format", "json", "--seed", "8")
    first, second = run_cli(*args), run_cli(*args)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
