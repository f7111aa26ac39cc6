"""UI labels for reports in English and Japanese. Catalog text comes translated already."""

from __future__ import annotations

from collections.abc import Callable

from fleetrisk.messages import STATUS_WORDS

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "report_title": "fleetrisk assessment",
        "single_points": "Single points of fleet compromise",
        "no_single_points": "None: no single component or key hands over a fleet outcome on its own.",
        "no_compromise_needed": "Reachable without compromising any component or key",
        "outcomes": "Outcomes",
        "fix_first": "What to fix first",
        "outcomes_reached": "Fleet and data outcomes reachable on stated facts, by risk",
        "fix_first_intro": "Controls ordered by the stated risk they remove: highest band closed, attack paths cut, "
                           "then devices and records protected.",
        "control": "Control",
        "closes": "Closes",
        "paths_cut": "Paths cut",
        "records": "Records",
        "assumed_title": "If the unknowns are as bad as they can be",
        "questions_title": "Questions that settle the most unknowns",
        "questions_intro": "Each question is one field the model leaves out, on every element of a type that "
                           "lacks it; answering it settles the unknown findings listed (risk: their summed scores).",
        "question": "What is `{field}` for each {type}?",
        "question_values": "values",
        "question_where": "where",
        "question_settles": "settles {n} unknown finding(s) (risk {risk})",
        "questions_share": "Answering these settles {share:.0%} of the {n} unknown findings.",
        "questions_none": "The model states every fact the catalog asks about.",
        "assumed_intro": "Not part of any result above: these outcomes open, or get easier, only if the unstated "
                         "facts below turn out badly. Answering them settles the question either way.",
        "likelihood_change": "Likelihood (stated → assumed)",
        "hangs_on": "Fill in",
        "no_paths": "No attack path reaches an outcome at that risk.",
        "entry": "entry",
        "step": "Step",
        "outcome_unavailable": "devices unavailable",
        "outcome_false-information": "false information",
        "outcome_hijacked": "devices hijacked",
        "outcome_code-execution": "attacker code runs",
        "outcome_firmware-takeover": "firmware taken over",
        "outcome_data-exposed": "data exposed",
        "service": "Service",
        "service_types": "Service types",
        "fleets": "Fleets",
        "devices": "Devices",
        "components": "Components",
        "summary": "Summary",
        "devices_at_risk": "Devices in fleets with an open high or critical finding",
        "families": "Threats by family",
        "family": "Family",
        "threat": "Threat",
        "open": "Open",
        "unknown": "Unknown",
        "mitigated": "Mitigated",
        "tracked": "Tracked",
        "highest": "Highest open risk",
        "top_risks": "Open findings",
        "finding": "Finding",
        "element": "Element",
        "risk": "Risk",
        "likelihood": "Likelihood",
        "impact": "Impact",
        "axis_safety": "device characteristics (safety)",
        "axis_service": "service characteristics",
        "axis_scale": "number of devices",
        "axis_records": "number of records",
        "status": "Status",
        "why": "Why it applies",
        "fleet_impact": "Why it matters at fleet scale",
        "fix": "How to fix",
        "closed_by": "Closed by",
        "references": "References",
        "location": "Model location",
        "live_evidence": "Live evidence",
        "unknown_title": "Unknown: facts the model does not state",
        "fill_in": "Fill in",
        "matrix": "Threat x service type relevance",
        "more": "{n} more findings in the JSON report",
        "more_single_points": "{n} more single points in the JSON and HTML reports",
        "none": "none",
        "tracked_title": "Tracked decisions",
        "justification": "Justification",
        "wildcard_tracked": "Findings decided by wildcard tracking entries",
        "catalogs_title": "Catalogs",
        "catalogs_intro": "Organisation catalogs ran beside the bundled one; their scenario ids carry their prefix "
                          "(T<n>.<prefix>.<name>).",
        "catalog": "Catalog",
        "catalog_prefix": "Prefix",
        "catalog_path": "Folder",
        "catalog_scenarios": "Scenarios",
        "catalog_controls": "Controls",
        "disabled_title": "Scenarios switched off",
        "disabled_intro": "These scenarios did not run: an organisation catalog switched them off, for the reason "
                          "given.",
        "disabled_scenario": "Scenario",
        "disabled_by": "Switched off by",
        "mitigated_title": "Mitigated",
        "band_low": "low",
        "band_medium": "medium",
        "band_high": "high",
        "band_critical": "critical",
        "relevance_H": "high",
        "relevance_M": "medium",
        "relevance_L": "low",
        "relevance_-": "rare",
    },
    "ja": {
        "report_title": "fleetrisk 評価レポート",
        "single_points": "単独でフリート全体の侵害に至る要素",
        "no_single_points": "なし: 単独でフリートへの影響をもたらすコンポーネントや鍵はない。",
        "no_compromise_needed": "コンポーネントや鍵を侵害せずに到達できる結果",
        "outcomes": "結果",
        "fix_first": "優先して実施すべき対策",
        "outcomes_reached": "記述済みの事実で到達できるフリート・データへの影響（リスク区分別）",
        "fix_first_intro": "記述済みの事実にもとづき、取り除けるリスクの大きい順に並べた。解消できる最大のリスク区分、"
                           "遮断できる攻撃経路の数、守られるデバイス数・レコード数の順に比較している。",
        "control": "対策",
        "closes": "解消する指摘",
        "paths_cut": "遮断する経路",
        "records": "レコード数",
        "assumed_title": "情報不足の事項が最悪だった場合",
        "questions_title": "情報不足を最も多く解消する質問",
        "questions_intro": "各質問は、モデルに記載のない一つの項目を、それを欠く同種の要素すべてについてまとめたもの。"
                           "回答すれば、挙げた情報不足の指摘事項が確定する（リスクはそれらのリスク値の合計）。",
        "question": "各{type}の `{field}` は何か",
        "question_values": "取り得る値",
        "question_where": "記載箇所",
        "question_settles": "情報不足の指摘事項 {n} 件が確定する（リスク {risk}）",
        "questions_share": "これらに回答すると、情報不足の指摘事項 {n} 件のうち {share:.0%} が確定する。",
        "questions_none": "カタログが必要とする事項はすべてモデルに記載されている。",
        "assumed_intro": "ここに挙げる結果は、上記のいずれの結果にも含めていない。下記の未記述の事項が悪い方に"
                         "転んだ場合にのみ到達できる（または到達しやすくなる）。記述すれば、どちらであるかが確定する。",
        "likelihood_change": "発生可能性（記述済み → 仮定）",
        "hangs_on": "記述すべき項目",
        "no_paths": "指定したリスク以上の結果に至る攻撃経路はない。",
        "entry": "攻撃の起点",
        "step": "段階",
        "outcome_unavailable": "デバイス停止",
        "outcome_false-information": "誤情報の表示",
        "outcome_hijacked": "デバイス乗っ取り",
        "outcome_code-execution": "デバイス上での不正コード実行",
        "outcome_firmware-takeover": "ファームウェア掌握",
        "outcome_data-exposed": "データ漏洩",
        "service": "サービス",
        "service_types": "サービス種別",
        "fleets": "フリート数",
        "devices": "デバイス数",
        "components": "コンポーネント数",
        "summary": "概要",
        "devices_at_risk": "未対応の高・重大リスクを抱えるフリートのデバイス数",
        "families": "脅威分類別の状況",
        "family": "分類",
        "threat": "脅威",
        "open": "未対応",
        "unknown": "情報不足",
        "mitigated": "対策済み",
        "tracked": "追跡中",
        "highest": "未対応の最大リスク",
        "top_risks": "未対応の指摘事項",
        "finding": "指摘事項",
        "element": "対象要素",
        "risk": "リスク",
        "likelihood": "発生可能性",
        "impact": "影響度",
        "axis_safety": "デバイスの特性（安全性）",
        "axis_service": "サービスの特性",
        "axis_scale": "デバイスの数（台数）",
        "axis_records": "レコードの数（件数）",
        "status": "状態",
        "why": "判定根拠",
        "fleet_impact": "フリート規模での影響",
        "fix": "推奨対応",
        "closed_by": "解消に有効な対策",
        "references": "参照情報",
        "location": "モデル上の位置",
        "live_evidence": "実地検証の結果",
        "unknown_title": "情報不足: モデルに記述のない事項",
        "fill_in": "記述すべき項目",
        "matrix": "脅威とサービス種別の関連度",
        "more": "ほか {n} 件の指摘事項は JSON レポートを参照",
        "more_single_points": "ほか {n} 件の要素は JSON・HTML レポートを参照",
        "none": "なし",
        "tracked_title": "追跡中の判断",
        "justification": "判断理由",
        "wildcard_tracked": "ワイルドカードの追跡エントリで判断された指摘",
        "catalogs_title": "使用したカタログ",
        "catalogs_intro": "同梱カタログに加えて組織カタログを使用した。組織のシナリオ ID には接頭辞が付く"
                          "（T<n>.<接頭辞>.<名前>）。",
        "catalog": "カタログ",
        "catalog_prefix": "接頭辞",
        "catalog_path": "フォルダ",
        "catalog_scenarios": "シナリオ数",
        "catalog_controls": "対策数",
        "disabled_title": "無効にしたシナリオ",
        "disabled_intro": "以下のシナリオは実行していない。組織カタログが、記載の理由により無効にしている。",
        "disabled_scenario": "シナリオ",
        "disabled_by": "無効にしたカタログ",
        "mitigated_title": "対策済み",
        "band_low": "低",
        "band_medium": "中",
        "band_high": "高",
        "band_critical": "重大",
        "relevance_H": "高",
        "relevance_M": "中",
        "relevance_L": "低",
        "relevance_-": "まれ",
    },
}

LIKELIHOOD_JA = {"rare": "極めて低い", "unlikely": "低い", "possible": "中程度", "likely": "高い",
                 "almost-certain": "極めて高い"}


for _code, _labels in LABELS.items():  # finding statuses are worded once, in the message catalogue
    _labels.update({f"status_{status}": words for status, words in STATUS_WORDS[_code].items()})


def labels(lang: str) -> dict[str, str]:
    return LABELS["ja" if lang == "ja" else "en"]


def wildcard_line(by_entry: dict[str, int], lang: str, code: Callable[[str], str] = str) -> str:
    """How many findings wildcard tracking entries decide, in all and per entry (``code`` marks up an id)."""
    total = sum(by_entry.values())
    if lang == "ja":
        parts = "、".join(f"{code(entry)} {n}件" for entry, n in by_entry.items())
        return f"{labels(lang)['wildcard_tracked']}: {total}件（{parts}）"
    parts = ", ".join(f"{code(entry)} {n}" for entry, n in by_entry.items())
    return f"{labels(lang)['wildcard_tracked']}: {total} ({parts})"


def devices(value: int, lang: str) -> str:
    """A device count in running text: 445.7万台 in Japanese, 4,457,000 devices in English."""
    return f"{number(value, lang)}台" if lang == "ja" else f"{value:,} devices"


def records(value: int, lang: str) -> str:
    """A record count in running text: 580万件, or 5,800,000 records."""
    return f"{number(value, lang)}件" if lang == "ja" else f"{value:,} records"


def join(items: list[str], lang: str) -> str:
    """A list in running text: 、 between Japanese items, a comma and space in English."""
    return ("、" if lang == "ja" else ", ").join(items)


def impact_axes(score: int, safety: int, service: int, scale: int, lang: str, *, by_records: bool = False) -> str:
    """An impact with its three axes, in the working group's words in Japanese."""
    t = labels(lang)
    third = t["axis_records"] if by_records else t["axis_scale"]
    if lang == "ja":
        return (f"{t['impact']} {score}\uff08{t['axis_safety']} {safety}\uff0f{t['axis_service']} {service}\uff0f"
                f"{third} {scale}\uff09")
    return f"{t['impact']} {score} ({t['axis_safety']} {safety} / {t['axis_service']} {service} / {third} {scale})"


def money(value: float, currency: str, lang: str) -> str:
    """An amount: 30.1億 USD in Japanese (万/億 from ten thousand up), 3,007,616,737 USD in English."""
    return f"{number(round(value), lang)} {currency}"


def compact_money(value: float, currency: str, lang: str) -> str:
    """A chart tick: 1億 USD in Japanese, 100M USD in English."""
    if lang == "ja":
        return f"{number(round(value), lang)} {currency}"
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix} {currency}"
    return f"{value:.3g} {currency}"


def number(value: int, lang: str) -> str:
    """Group digits; Japanese reports also use 万 / 億 for large counts."""
    if lang == "ja" and value >= 10_000:
        if value >= 100_000_000:
            return f"{value / 100_000_000:.1f}億".replace(".0億", "億")
        return f"{value / 10_000:.1f}万".replace(".0万", "万")
    return f"{value:,}"
