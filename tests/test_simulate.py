"""The loss simulation: analytic cases, PERT, correlation, determinism, the command and the charts."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from conftest import DEFAULT, run_cli, wildcard_read_refuted
from fleetrisk.engine.loss_model import EventCount, Pert
from fleetrisk.engine.simulate import simulate
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


def test_level_sums_equal_the_totals_of_the_same_draws() -> None:
    quant = quant_graph([
        edge("a", (), "control:c", 4, entries=("internet",)),
        edge("b", ("control:c",), OUT_A, 2),
        edge("c", ("control:c",), OUT_B, 5),
    ], {OUT_A: 10, OUT_B: 20}, {})
    lowered = [1 for _ in quant.pairs]
    sim = simulate(quant, inputs({"internet": (1.0, 2.0, 4.0)}, per_device=(1.0, 3.0, 9.0)), 50_000, seed=2,
                   scenarios=[lowered])
    assert sim.expected([p.level for p in quant.pairs]) == pytest.approx(sim.totals[0].mean(), rel=1e-12)
    assert sim.expected(lowered) == pytest.approx(sim.totals[1].mean(), rel=1e-12)
    assert sim.expected(lowered) < sim.expected([p.level for p in quant.pairs])


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
    assert 0 < loss["p50"] <= loss["p90"] <= loss["p99"]
    losses = [p["loss"] for p in report["exceedance"]]
    assert losses == sorted(losses)  # rarer thresholds are higher
    for key in ("by_outcome", "by_fleet", "by_entry"):
        assert sum(c["expected_loss"] for c in report[key]) == pytest.approx(loss["mean"], rel=1e-9)
    assert {c["id"] for c in report["by_fleet"]} >= {"aircons", "washers"}


def test_table_output_in_japanese() -> None:
    result = run_cli("simulate", str(DEFAULT), "--iterations", "2000", "--lang", "ja")
    assert result.returncode == 0, result.stderr
    assert "年間損失" in result.stdout and "攻撃の起点別" in result.stdout


def test_loss_section_overrides_defaults(tmp_path: Path) -> None:
    text = DEFAULT.read_text(encoding="utf-8")
    model = tmp_path / "model.yaml"
    model.write_text(text + "\nloss:\n  currency: JPY\n  usd_rate: 150\n  per_event: {low: 0, mode: 0, high: 0}\n",
                     encoding="utf-8")
    base = json.loads(run_cli("simulate", str(DEFAULT), "--iterations", "5000", "--format", "json").stdout)
    result = run_cli("simulate", str(model), "--iterations", "5000", "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["currency"] == "JPY"
    assert "per_event" not in report["defaults_used"] and "per_event" in base["defaults_used"]
    assert report["annual_loss"]["mean"] > 100 * base["annual_loss"]["mean"]


@pytest.mark.parametrize(("loss", "needle"), [
    ("  currency: JPY\n", "usd_rate"),
    ("  per_event: {low: 5, mode: 1, high: 9}\n", "low <= mode <= high"),
    ("  step_success: {rare: 0.9}\n", "must not fall"),
    ("  control_costs: {no-such-control: 5}\n", "no-such-control"),
    ("  threat_event_frequency: {moon: {low: 1, mode: 1, high: 1}}\n", "moon"),
])
def test_bad_loss_input_is_a_located_message(tmp_path: Path, loss: str, needle: str) -> None:
    model = tmp_path / "model.yaml"
    model.write_text(DEFAULT.read_text(encoding="utf-8") + "\nloss:\n" + loss, encoding="utf-8")
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
