"""Labels of the quantitative outputs (simulate, plan, loss charts) in English and Japanese."""

from __future__ import annotations

import math

_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "annual_loss": "Annual loss",
        "years": "simulated years",
        "mean": "mean",
        "p50": "median",
        "p90": "90th pct",
        "p99": "99th pct",
        "by_outcome": "Expected annual loss by outcome",
        "by_fleet": "Expected annual loss by fleet or data set",
        "by_entry": "Expected annual loss by attacker entry",
        "name": "Name",
        "expected": "Expected loss / year",
        "share": "Share",
        "events": "Loss events / year",
        "plan": "Countermeasure plan",
        "objective_loss": "least expected loss within budget",
        "objective_critical-paths": "cut every path to critical outcomes",
        "control": "Control",
        "title": "Title",
        "cost": "Cost / year",
        "marginal": "Marginal value / year (± standard error)",
        "budget": "Budget",
        "risk_before": "Expected annual loss before",
        "risk_after": "Expected annual loss with the plan",
        "exceedance_title": "Loss exceedance curve",
        "exceedance_x": "Annual loss",
        "exceedance_y": "Chance per year of exceeding",
        "before": "as modelled",
        "after": "with the plan",
        "risk_title": "Expected annual loss, before and after the plan",
        "loss_section": "Quantitative loss",
        "loss_note": "Monte Carlo over {iterations} simulated years (seed {seed}); amounts are yearly, in {currency}. "
                     "The method is in docs/quantitative.md.",
        "no_controls": "The budget funds no control.",
        "expected_exact": "expected",
        "simulated_mean": "simulated mean",
        "stderr": "standard error",
        "probability_of_loss": "years with any loss",
        "share_line": "Expected annual loss is {share} of the revenue the model states ({revenue}); "
                      "the plausible band is {low} to {high}.",
        "share_above": "It lies above that band: check the model's loss inputs and its revenue.",
        "share_below": "It lies below that band: few or no ways from the internet reach the fleets and data, "
                       "or the loss inputs are low.",
        "no_revenue": "The model states no revenue (loss.revenue), so the loss is not shown as a share of it.",
        "provenance": "{count} inputs come from the sourced defaults ({version}); the model's loss section gives "
                      "the rest. Sources and reasoning: docs/loss-model.md.",
        "max_frequency": "With these inputs no outcome has more than {value} loss events a year.",
        "sources": "Sources of the defaults used",
        "flag_column": "Note",
        "within_noise": "within noise",
        "noise_note": "Controls marked \"within noise\": the simulated years cannot tell their benefit from zero "
                      "(less than {z} standard errors); the plan keeps them, but they are not a decision on "
                      "their own.",
        "simulated_line": "On the simulated years: {before} ± {before_se} before, {after} ± {after_se} with the "
                          "plan, a reduction of {reduction} ± {reduction_se} (same years before and after).",
        "exact_note": "Expected losses are exact for the model's inputs and do not depend on the seed; the "
                      "simulated years give the spread.",
    },
    "ja": {
        "annual_loss": "年間損失",
        "years": "年分のシミュレーション",
        "mean": "平均",
        "p50": "中央値",
        "p90": "90パーセンタイル",
        "p99": "99パーセンタイル",
        "by_outcome": "結果別の年間予想損失",
        "by_fleet": "フリート・データセット別の年間予想損失",
        "by_entry": "攻撃の起点別の年間予想損失",
        "name": "名前",
        "expected": "年間予想損失",
        "share": "割合",
        "events": "年間損失事象数",
        "plan": "対策計画",
        "objective_loss": "予算内で予想損失を最小化",
        "objective_critical-paths": "重大な結果に至る経路をすべて遮断",
        "control": "対策",
        "title": "名称",
        "cost": "年間費用",
        "marginal": "限界効果（年額、± 標準誤差）",
        "budget": "予算",
        "risk_before": "対策前の年間予想損失",
        "risk_after": "計画実施後の年間予想損失",
        "exceedance_title": "損失超過曲線",
        "exceedance_x": "年間損失",
        "exceedance_y": "年間超過確率",
        "before": "現状",
        "after": "計画実施後",
        "risk_title": "計画の前後の年間予想損失",
        "loss_section": "損失の定量評価",
        "loss_note": "{iterations}年分のモンテカルロ・シミュレーション（シード {seed}）。"
                     "金額は年額で、単位は {currency}。手法は docs/quantitative.md を参照。",
        "no_controls": "この予算で実施できる対策はない。",
        "expected_exact": "予想損失",
        "simulated_mean": "シミュレーションの平均",
        "stderr": "標準誤差",
        "probability_of_loss": "損失が生じた年の割合",
        "share_line": "年間予想損失はモデルに記載の売上高（{revenue}）の {share} である。"
                      "妥当な範囲は {low}〜{high} である。",
        "share_above": "この範囲を上回っているため、モデルの損失の入力値と売上高を確認すること。",
        "share_below": "この範囲を下回っている。インターネットからフリートやデータに至る経路がほとんどないか、"
                       "損失の入力値が低い。",
        "no_revenue": "モデルに売上高（loss.revenue）の記載がないため、損失を売上高に対する割合で示していない。",
        "provenance": "入力値のうち {count} 項目は出典付きの既定値（{version}）から取り、"
                      "残りはモデルの損失の記載による。出典と根拠は docs/loss-model.md を参照。",
        "max_frequency": "この入力値では、どの結果も年間損失事象数は {value} 以下である。",
        "sources": "使用した既定値の出典",
        "flag_column": "注記",
        "within_noise": "誤差の範囲内",
        "noise_note": "「誤差の範囲内」の対策は、シミュレーションした年では効果をゼロと区別できない"
                      "（標準誤差の {z} 倍未満）。計画には含めるが、単独で判断の根拠にはしない。",
        "simulated_line": "シミュレーションした年では、対策前 {before} ± {before_se}、計画実施後 {after} ± {after_se}、"
                          "削減額 {reduction} ± {reduction_se} である（対策前後で同じ年を用いた）。",
        "exact_note": "予想損失はモデルの入力値に対する厳密値であり、乱数シードに依存しない。"
                      "損失のばらつきはシミュレーションした年から求めている。",
    },
}


def plan_labels(lang: str) -> dict[str, str]:
    return _LABELS["ja" if lang == "ja" else "en"]


def percent(share: float) -> str:
    """A share as a percentage with two significant digits at least (0.41%, 0.0032%, 3%)."""
    if share == 0:
        return "0%"
    value = share * 100
    digits = max(0, 1 - math.floor(math.log10(abs(value))))
    return f"{value:.{digits}f}%"
