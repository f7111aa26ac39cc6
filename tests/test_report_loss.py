"""`assess --loss` and `--budget`: the HTML report's quantitative-loss section, written by the real CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import DEFAULT, run_cli

BUDGET = "500000"


def _html(directory: Path, *extra: str) -> str:
    done = run_cli("assess", str(DEFAULT), "--format", "html", "--output", str(directory), *extra)
    assert done.returncode == 0, done.stderr
    return (directory / "report.html").read_text(encoding="utf-8")


def _section(html: str) -> str:
    start = html.index('<section id="loss">')
    return html[start:html.index("</section>", start)]


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _html(tmp_path_factory.mktemp("loss"), "--budget", BUDGET)


@pytest.fixture(scope="module")
def plan_json() -> dict[str, object]:
    done = run_cli("plan", str(DEFAULT), "--budget", BUDGET, "--seed", "1", "--format", "json")  # default years
    assert done.returncode == 0, done.stderr
    data: dict[str, object] = json.loads(done.stdout)
    return data


def test_budget_adds_the_section_with_both_charts_and_the_plan(planned: str, plan_json: dict[str, object]) -> None:
    section = _section(planned)
    assert '<a href="#loss">Quantitative loss</a>' in planned
    assert "<h2>Quantitative loss</h2>" in section
    assert section.count("<svg") == 2
    assert 'class="lec-before"' in section and 'class="lec-after"' in section
    assert 'class="risk-before"' in section and 'class="risk-after"' in section
    controls = plan_json["controls"]
    assert isinstance(controls, list) and controls
    rows = re.findall(r"<code>([^<]+)</code></td>", section)
    assert rows == [c["id"] for c in controls]  # the same controls, in the plan's order
    for key in ("risk_before", "risk_after", "cost", "budget"):
        value = plan_json[key]
        assert isinstance(value, float | int)
        assert f"{value:,.0f} USD" in section, key
    simulated = plan_json["simulated"]
    assert isinstance(simulated, dict)
    for key in ("before", "before_stderr", "after", "reduction", "reduction_stderr"):
        assert f"{simulated[key]:,.0f} USD" in section, key  # the same years as `plan`
    for control in controls:
        assert f"{control['marginal_value']:,.0f} USD<br>± {control['marginal_stderr']:,.0f} USD" in section
    assert "100,000 simulated years (seed 1)" in section
    assert re.search(r"\d\.\d\d% of the revenue the model states", section)
    assert "Cost of a Data Breach Report 2023" in section and "docs/loss-model.md" in section


def test_terminal_summary_gives_expected_loss_before_and_after(plan_json: dict[str, object]) -> None:
    done = run_cli("assess", str(DEFAULT), "--budget", BUDGET)
    assert done.returncode == 0, done.stderr
    before, after = plan_json["risk_before"], plan_json["risk_after"]
    assert isinstance(before, float) and isinstance(after, float)
    summary = " ".join(done.stdout.split())  # the line wraps at the terminal's width
    assert (f"Expected annual loss before: {before:,.0f} USD; "
            f"Expected annual loss with the plan: {after:,.0f} USD") in summary


def test_loss_without_budget_draws_the_curve_only(tmp_path: Path) -> None:
    section = _section(_html(tmp_path, "--loss", "--iterations", "5000", "--seed", "7"))
    assert section.count("<svg") == 1
    assert 'class="lec-before"' in section and "lec-after" not in section
    assert 'id="plan-table"' not in section
    assert "5,000 simulated years (seed 7)" in section


def test_japanese_section_has_japanese_labels(tmp_path: Path) -> None:
    section = _section(_html(tmp_path, "--budget", BUDGET, "--iterations", "5000", "--lang", "ja"))
    for label in ("損失の定量評価", "損失超過曲線", "計画の前後の年間予想損失", "対策計画", "計画実施後の年間予想損失",
                  "5,000年分のモンテカルロ・シミュレーション",
                  "シミュレーションした年では", "標準誤差", "出典付きの既定値", "使用した既定値の出典"):
        assert label in section
    assert re.search(r"売上高（25億 USD）の \d\.\d\d% である", section)
    for english in ("Quantitative loss", "Loss exceedance curve", "Countermeasure plan", "with the plan",
                    "standard error", "revenue", "within noise", "sourced defaults"):
        assert english not in section


def test_same_seed_gives_identical_bytes(tmp_path: Path, planned: str) -> None:
    assert _html(tmp_path, "--budget", BUDGET) == planned


def test_other_seed_gives_other_numbers(tmp_path: Path) -> None:
    first = _section(_html(tmp_path / "a", "--loss", "--iterations", "5000", "--seed", "1"))
    second = _section(_html(tmp_path / "b", "--loss", "--iterations", "5000", "--seed", "2"))
    assert first != second


def test_plain_assess_has_no_loss_section(tmp_path: Path) -> None:
    html = _html(tmp_path)
    assert 'id="loss"' not in html and "#loss" not in html
    assert "Quantitative loss" not in html
    done = run_cli("assess", str(DEFAULT))
    assert "Expected annual loss" not in done.stdout


def test_bad_budget_and_iterations_exit_2() -> None:
    for args in (("--budget", "-5"), ("--loss", "--iterations", "0")):
        done = run_cli("assess", str(DEFAULT), *args)
        assert done.returncode == 2, args
        assert "Traceback" not in done.stderr
        assert "--budget" in done.stderr or "--iterations" in done.stderr
