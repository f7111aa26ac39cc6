"""The loss defaults: sourced data, and figures a reader can believe on every bundled example.

The band (catalog/data/loss-defaults.yaml, docs/loss-model.md) is a year's expected loss as a
share of the revenue each example states: at most 4 % (the gravest GDPR fine's cap) for every
example, and at least 0.003 % for one whose fleets or data are reachable from the internet.
No outcome may have a loss event a year or more: with the defaults that is bounded for any
model (every entry's mean events times the top step chance stays below 1).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import DEFAULT, EXAMPLES, HARDENED, run_cli
from fleetrisk.catalog.loader import default_root, load_catalog
from fleetrisk.catalog.loss_defaults import load_loss_defaults
from fleetrisk.engine.loss_model import loss_inputs
from fleetrisk.engine.quant_run import loss_setup
from fleetrisk.errors import CatalogError
from fleetrisk.model.loader import load_model

BUNDLED = sorted(EXAMPLES.glob("*.yaml"))


@pytest.fixture(scope="module")
def reports() -> dict[str, dict[str, object]]:
    """``simulate --format json`` of every bundled example."""
    found = {}
    for model in BUNDLED:
        done = run_cli("simulate", str(model), "--iterations", "20000", "--format", "json")
        assert done.returncode == 0, done.stderr
        found[model.name] = json.loads(done.stdout)
    return found


def test_every_default_figure_names_its_sources() -> None:
    defaults = load_loss_defaults(default_root())
    figures = defaults.figures()
    assert len(figures) >= 35
    for name, figure in figures.items():
        assert figure.source, name
        for source in figure.source:
            cited = defaults.sources[source]
            assert cited.citation and cited.figures and 1990 <= cited.year <= 2100, (name, source)
    # The published studies are cited, not only fleetrisk's own assumptions.
    assert {"ibm-2023", "dbir-2023", "gdpr-art83"} <= set(defaults.sources)
    assert any(s != "assumption" for f in figures.values() for s in f.source)


@pytest.mark.parametrize(("edit", "needle"), [
    (("ibm-2023]}", "no-such-study]}"), "unknown source 'no-such-study'"),
    (("  supplier: {low: 0.002, mode: 0.01, high: 0.05, source: [dbir-2024]}\n", ""), "supplier"),
    (("rare: {value: 0.002,", "rare: {value: 0.9,"), "must not fall"),
    (("per_event: {low: 100000, mode: 500000,", "per_event: {low: 900000, mode: 500000,"), "low <= mode <= high"),
])
def test_a_broken_defaults_file_is_a_located_catalog_error(tmp_path: Path, edit: tuple[str, str],
                                                           needle: str) -> None:
    root = tmp_path / "data"
    shutil.copytree(default_root(), root)
    path = root / "loss-defaults.yaml"
    text = path.read_text(encoding="utf-8")
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    with pytest.raises(CatalogError, match=needle) as caught:
        load_loss_defaults(root)
    assert caught.value.location is not None and "loss-defaults.yaml" in str(caught.value.location)


def test_with_the_defaults_no_outcome_can_happen_once_a_year() -> None:
    inputs = loss_inputs(load_model(str(DEFAULT)), load_catalog())
    assert "step_success.almost-certain" in inputs.defaults_used
    assert inputs.max_outcome_frequency() < 0.5


@pytest.mark.parametrize("model", BUNDLED, ids=lambda p: p.stem)
def test_every_bundled_example_is_within_the_band_and_no_outcome_is_yearly(
        model: Path, reports: dict[str, dict[str, object]]) -> None:
    report = reports[model.name]
    loss, provenance = report["annual_loss"], report["provenance"]
    assert isinstance(loss, dict) and isinstance(provenance, dict)
    low, high = provenance["revenue_band"]
    share = loss["share_of_revenue"]
    assert provenance["revenue"] and share == pytest.approx(loss["expected"] / provenance["revenue"])
    assert share <= high, f"{model.name}: {share:.4%} of revenue"
    by_entry = report["by_entry"]
    assert isinstance(by_entry, list)
    if any(row["id"] == "internet" for row in by_entry):
        assert share >= low, f"{model.name}: {share:.6%} of revenue"
        assert provenance["within_band"] is True
    outcomes = report["by_outcome"]
    assert isinstance(outcomes, list) and outcomes
    assert max(row["events"] for row in outcomes) < 1.0
    assert provenance["max_outcome_frequency"] < 1.0
    # The simulated years agree with the exact expectation.
    assert abs(loss["mean"] - loss["expected"]) < 4 * loss["mean_stderr"]


def test_the_figures_of_the_issue_are_gone(reports: dict[str, dict[str, object]]) -> None:
    """Billions a year and fleets taken over every year were the old defaults' figures."""
    weak = reports[DEFAULT.name]
    loss = weak["annual_loss"]
    assert isinstance(loss, dict)
    assert 1e6 < loss["expected"] < 1e8  # was 3.0 billion USD
    assert loss["probability_of_loss"] < 0.5  # was 0.9995
    outcomes = {row["id"]: row for row in weak["by_outcome"]}  # type: ignore[union-attr]
    assert outcomes["firmware-takeover@aircons"]["events"] < 0.1  # was 2.56 a year
    hardened = reports[HARDENED.name]["annual_loss"]
    assert isinstance(hardened, dict)
    assert hardened["expected"] < loss["expected"] / 100


def test_a_hardened_model_below_the_band_is_told_why() -> None:
    done = run_cli("simulate", str(HARDENED), "--iterations", "2000")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "below that band: few or no ways from the internet" in text
    assert "loss events a year" in text and "docs/loss-model.md" in text


def test_the_defaults_report_where_they_come_from() -> None:
    setup = loss_setup(load_model(str(DEFAULT)))
    sources = setup.inputs.sources
    assert "ibm-2023" in sources and "Cost of a Data Breach Report 2023" in sources["ibm-2023"]
    assert setup.inputs.defaults_version
    assert set(setup.inputs.defaults_used) >= {"per_event", "per_record.personal", "records.knee"}
