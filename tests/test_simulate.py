"""The loss simulation: analytic cases, PERT, correlation, determinism, the command and the charts."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from conftest import DEFAULT, run_cli, wildcard_read_refuted
from fleetrisk.engine.loss_model import EventCount, Pert
from fleetrisk.engine.simulate import expectation, simulate
from fleetrisk.quant_results import ExceedancePoint
from fleetrisk.reports.loss_svg import render_exceedance_curve, render_risk_comparison
from quant_fixtures import edge, inputs, quant_graph

OUT_A, OUT_B = "outcome:hijacked@f", "outcome:false-information@f"


def test_fixed_frequency_and_fixed_loss_give_the_known_mean_and_poisson_variance() -> None:
    quant = quant_graph([edge("hit", (), OUT_A, 5, entries=("internet",))], {OUT_A: 0}, {})
    rates = inputs({"internet": (2.0, 2.0, 2.0)}, per_event=(1000.0, 1000.0, 1000.0), success=1.0)
    sim = simulate(quant, rates, 200_000, seed=7)
    totals = sim.totals[0]
    stderr = totals.std(ddof=1) / np.sqrt(totals.size)
    assert abs(totals.mean() - 2000.0) < 4 * stderr
    counts = totals / 1000.0
    assert np.allclose(counts, np.round(counts))  # whole events only
    assert counts.var(ddof=1) == pytest.approx(2.0, rel=0.03)  # Poisson: variance = mean
    assert counts.mean() == pytest.approx(2.0, rel=0.01)


def test_step_success_thins_the_events_and_devices_scale_the_loss() -> None:
    quant = quant_graph([edge("hit", (), OUT_A, 3, entries=("internet",))], {OUT_A: 500}, {})
    rates = inputs({"internet": (1.0, 1.0, 1.0)}, per_device=(2.0, 2.0, 2.0))
    sim = simulate(quant, rates, 200_000, seed=3)
    expected = 1.0 * 0.4 * 500 * 2.0  # rate x chance at level 3 x devices x loss per device
    stderr = sim.totals[0].std(ddof=1) / np.sqrt(200_000)
    assert abs(sim.totals[0].mean() - expected) < 4 * stderr


def test_pert_keeps_its_mode_and_mean() -> None:
    pert = Pert(0.0, 2.0, 10.0)
    draws = pert.sample(np.random.default_rng(1), 2_000_000)
    counts, edges_ = np.histogram(draws, bins=100, range=(0.0, 10.0))
    peak = (edges_[counts.argmax()] + edges_[counts.argmax() + 1]) / 2
    assert abs(peak - 2.0) <= 0.25
    assert draws.mean() == pytest.approx((0 + 4 * 2 + 10) / 6, rel=0.005)
    assert draws.min() >= 0.0 and draws.max() <= 10.0


def test_event_count_mixture_has_the_rate_mean() -> None:
    count = EventCount(Pert(1.0, 3.0, 11.0))
    draws = count.sample(np.random.default_rng(5), 500_000)
    assert draws.mean() == pytest.approx(count.rate.mean, rel=0.01)
    assert draws.var() > draws.mean()  # an uncertain rate spreads the count beyond Poisson


def _pair_losses(edges: list, seed: int = 11) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[type-arg]
    quant = quant_graph(edges, {OUT_A: 100, OUT_B: 100}, {})
    rates = inputs({"internet": (3.0, 3.0, 3.0), "insider": (3.0, 3.0, 3.0)})
    by_outcome = {p.outcome: i for i, p in enumerate(quant.pairs)}
    assert set(by_outcome) == {OUT_A, OUT_B}
    alone = []
    for outcome in (OUT_A, OUT_B):
        alone.append([p.level if p.outcome == outcome else 0 for p in quant.pairs])
    sim = simulate(quant, rates, 200_000, seed=seed, scenarios=alone)
    return sim.totals[1], sim.totals[2]


def test_a_shared_component_is_correlated_across_scenarios() -> None:
    a, b = _pair_losses([
        edge("in-web", (), "control:c", 5, entries=("internet",)),
        edge("in-staff", (), "control:c", 5, entries=("insider",)),
        edge("key", ("control:c",), "hold:k", 2),
        edge("to-a", ("hold:k",), OUT_A, 5, entries=("internet",)),
        edge("to-b", ("hold:k",), OUT_B, 5, entries=("insider",)),
    ])
    assert np.corrcoef(a, b)[0, 1] > 0.3


def test_independent_components_are_not_correlated() -> None:
    a, b = _pair_losses([
        edge("in-web", (), "control:c", 5, entries=("internet",)),
        edge("in-staff", (), "control:c", 5, entries=("insider",)),
        edge("key-1", ("control:c",), "hold:k1", 2),
        edge("key-2", ("control:c",), "hold:k2", 2),
        edge("to-a", ("hold:k1",), OUT_A, 5, entries=("internet",)),
        edge("to-b", ("hold:k2",), OUT_B, 5, entries=("insider",)),
    ])
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.015


def test_exact_expectation_is_what_the_simulated_years_converge_to() -> None:
    quant = quant_graph([
        edge("a", (), "control:c", 4, entries=("internet",)),
        edge("b", ("control:c",), OUT_A, 2),
        edge("c", ("control:c",), OUT_B, 5),
    ], {OUT_A: 10, OUT_B: 20}, {})
    rates = inputs({"internet": (1.0, 2.0, 4.0)}, per_event=(5.0, 10.0, 40.0), per_device=(1.0, 3.0, 9.0))
    lowered = [1 for _ in quant.pairs]
    sim = simulate(quant, rates, 400_000, seed=2, scenarios=[lowered])
    exact = expectation(quant, rates)
    for scenario, levels in ((0, [p.level for p in quant.pairs]), (1, lowered)):
        assert abs(sim.mean(scenario) - exact.total(levels)) < 4 * sim.stderr(scenario)
    # By hand: mean events x chance of the level x (mean fixed + devices x mean per device).
    events = (1.0 + 8.0 + 4.0) / 6
    per_device = (1.0 + 12.0 + 9.0) / 6
    fixed = (5.0 + 40.0 + 40.0) / 6
    by_hand = sum(events * {2: 0.2, 4: 0.6}[level] * (fixed + devices * per_device)
                  for level, devices in ((2, 10), (4, 20)))  # c is reached at 4, so OUT_B at 4
    assert exact.total([p.level for p in quant.pairs]) == pytest.approx(by_hand, rel=1e-4)


def test_scenarios_share_the_draws_and_their_differences_are_paired() -> None:
    quant = quant_graph([
        edge("a", (), "control:c", 4, entries=("internet",)),
        edge("b", ("control:c",), OUT_A, 3),
        edge("c", ("control:c",), OUT_B, 4),
    ], {OUT_A: 10, OUT_B: 20}, {})
    rates = inputs({"internet": (1.0, 2.0, 4.0)}, per_device=(1.0, 3.0, 9.0))
    drop_b = [0 if p.outcome == OUT_B else p.level for p in quant.pairs]
    drop_both = [0 for _ in quant.pairs]
    sim = simulate(quant, rates, 50_000, seed=9, scenarios=[drop_b, drop_both])
    alone = simulate(quant, rates, 50_000, seed=9)
    assert np.array_equal(sim.totals[0], alone.totals[0])  # extra scenarios change no draw
    assert np.all(sim.totals[1] <= sim.totals[0]) and not np.any(sim.totals[2])
    mean, stderr, differing = sim.difference(0, 1)
    assert mean == pytest.approx(sim.mean(0) - sim.mean(1))
    assert 0 < stderr < np.hypot(sim.stderr(0), sim.stderr(1))  # paired: less noise than apart
    assert differing == np.count_nonzero(sim.totals[0] - sim.totals[1])


def test_records_count_as_households_and_grow_as_a_power_beyond_the_knee() -> None:
    rates = inputs({"internet": (1.0, 1.0, 1.0)})
    rates.records_knee, rates.records_exponent = 100_000.0, 0.5
    assert rates.counted_records(50_000, "personal", 1e9) == 50_000
    assert rates.counted_records(400_000, "personal", 1e9) == pytest.approx(200_000)  # 1e5 x 4 ^ 0.5
    assert rates.counted_records(9.6e9, "media", 4_450_000) == rates.counted_records(4_450_000, "media", 1e12)
    assert rates.counted_records(9.6e9, "credentials", 100) > rates.counted_records(9.6e9, "media", 100)


def test_same_seed_same_bytes_and_another_seed_differs() -> None:
    args = ("simulate", str(DEFAULT), "--iterations", "20000", "--format", "json")
    first, second = run_cli(*args, "--seed", "4"), run_cli(*args, "--seed", "4")
    other = run_cli(*args, "--seed", "5")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert json.loads(first.stdout)["annual_loss"] != json.loads(other.stdout)["annual_loss"]


def test_simulate_json_has_percentiles_curve_and_contributions() -> None:
    result = run_cli("simulate", str(DEFAULT), "--iterations", "20000", "--format", "json")
    report = json.loads(result.stdout)
    loss = report["annual_loss"]
    assert 0 <= loss["p50"] <= loss["p90"] < loss["p99"]
    losses = [p["loss"] for p in report["exceedance"]]
    assert losses == sorted(losses)  # rarer thresholds are higher
    for key in ("by_outcome", "by_fleet", "by_entry"):
        assert sum(c["expected_loss"] for c in report[key]) == pytest.approx(loss["expected"], rel=1e-9)
    assert abs(loss["mean"] - loss["expected"]) < 4 * loss["mean_stderr"]
    assert {c["id"] for c in report["by_fleet"]} >= {"aircons", "washers"}


def test_table_output_in_japanese() -> None:
    result = run_cli("simulate", str(DEFAULT), "--iterations", "2000", "--lang", "ja")
    assert result.returncode == 0, result.stderr
    assert "年間損失" in result.stdout and "攻撃の起点別" in result.stdout


def with_loss(tmp_path: Path, loss: str, model: Path = DEFAULT) -> Path:
    """``model`` with its ``loss`` section replaced by ``loss`` (YAML lines under ``loss:``)."""
    text = model.read_text(encoding="utf-8")
    head = text[:text.index("\nloss:")] if "\nloss:" in text else text
    path = tmp_path / "model.yaml"
    path.write_text(head + "\nloss:\n" + loss, encoding="utf-8")
    return path


def test_loss_section_overrides_defaults(tmp_path: Path) -> None:
    model = with_loss(tmp_path, "  currency: JPY\n  usd_rate: 150\n  per_event: {low: 0, mode: 0, high: 0}\n"
                                "  records_knee: 1000\n  revenue: 375000000000\n")
    base = json.loads(run_cli("simulate", str(DEFAULT), "--iterations", "5000", "--format", "json").stdout)
    result = run_cli("simulate", str(model), "--iterations", "5000", "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["currency"] == "JPY"
    used = report["provenance"]["defaults_used"]
    assert "per_event" not in used and "records.knee" not in used and "records.exponent" in used
    assert "per_event" in base["provenance"]["defaults_used"]
    assert report["provenance"]["revenue"] == 375_000_000_000
    assert report["annual_loss"]["share_of_revenue"] == pytest.approx(report["annual_loss"]["expected"] / 375e9)
    # Yen at 150 to the dollar, without the fixed part and with a lower knee: the same order of magnitude.
    expected, before = report["annual_loss"]["expected"], base["annual_loss"]["expected"]
    assert 10 * before < expected < 150 * before


@pytest.mark.parametrize(("loss", "needle"), [
    ("  currency: JPY\n", "usd_rate"),
    ("  per_event: {low: 5, mode: 1, high: 9}\n", "low <= mode <= high"),
    ("  step_success: {rare: 0.9}\n", "must not fall"),
    ("  control_costs: {no-such-control: 5}\n", "no-such-control"),
    ("  threat_event_frequency: {moon: {low: 1, mode: 1, high: 1}}\n", "moon"),
    ("  records_exponent: 2\n", "records_exponent"),
    ("  revenue: 0\n", "revenue"),
])
def test_bad_loss_input_is_a_located_message(tmp_path: Path, loss: str, needle: str) -> None:
    model = with_loss(tmp_path, loss)
    result = run_cli("simulate", str(model), "--iterations", "100")
    assert result.returncode == 2
    assert needle in result.stderr and "Traceback" not in result.stderr
    assert f"{model}:" in result.stderr


def test_iterations_out_of_range_is_a_usage_error() -> None:
    result = run_cli("simulate", str(DEFAULT), "--iterations", "0")
    assert result.returncode == 2 and "--iterations" in result.stderr


def test_exceedance_svg_is_well_formed_escaped_and_deterministic() -> None:
    before = [ExceedancePoint(probability=p, loss=x) for p, x in ((0.9, 1e3), (0.5, 1e5), (0.1, 1e7))]
    after = [ExceedancePoint(probability=p, loss=x / 10) for p, x in ((0.9, 1e3), (0.5, 1e5), (0.1, 1e7))]
    svg = render_exceedance_curve(before, after, "USD", "ja")
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f"{ns}polyline")) == 2
    assert "損失超過曲線" in svg and "<script" not in svg
    assert svg == render_exceedance_curve(before, after, "USD", "ja")
    assert len(ET.fromstring(render_exceedance_curve(before, None, "USD")).findall(f"{ns}polyline")) == 1


def test_risk_comparison_svg_draws_proportional_bars() -> None:
    svg = render_risk_comparison(2_000_000.0, 500_000.0, "EUR", "en")
    root = ET.fromstring(svg)
    bars = {r.get("class"): float(r.get("width", "0")) for r in root.iter("{http://www.w3.org/2000/svg}rect")}
    assert bars["risk-after"] == pytest.approx(bars["risk-before"] / 4, rel=0.01)
    assert "2M EUR" in svg and "500k EUR" in svg


def test_svg_text_is_escaped() -> None:
    svg = render_exceedance_curve([ExceedancePoint(probability=0.5, loss=10.0)], None, "<b>")
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    ET.fromstring(svg)


@pytest.mark.parametrize("example", sorted(p.name for p in (Path(DEFAULT).parent).glob("*.yaml")))
def test_every_bundled_example_simulates(example: str) -> None:
    model = Path(DEFAULT).parent / example
    result = run_cli("simulate", str(model), "--iterations", "2000", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert report["annual_loss"]["mean"] >= 0


def test_simulate_with_evidence_that_refutes_a_control_gives_a_higher_loss(tmp_path: Path) -> None:
    """simulate and plan read the one analysis: live evidence reaches the loss too."""
    model = tmp_path / "model.yaml"
    model.write_text(
        "fleetrisk: 1\n"
        "service: {name: t, types: [remote-control]}\n"
        "fleets:\n"
        "  - id: plugs\n"
        "    devices: 200000\n"
        "    safety: low\n"
        "    identity: {kind: per-device-certificate, key_storage: secure-element, revocable: true}\n"
        "    accepts: [{input: command, from: broker, verification: transport, use: acts}]\n"
        "components:\n"
        "  - {id: broker, kind: device-gateway, exposure: [devices], auth: mtls, authorization: per-device,\n"
        "     controls: {broker-topic-acl: verified}}\n",
        encoding="utf-8")
    evidence = wildcard_read_refuted(tmp_path / "evidence.json")

    def expected_loss(*extra: str) -> float:
        result = run_cli("simulate", str(model), "--iterations", "20000", "--format", "json", *extra)
        assert result.returncode == 0, result.stderr
        return float(json.loads(result.stdout)["annual_loss"]["mean"])

    assert expected_loss("--evidence", str(evidence)) > expected_loss()
