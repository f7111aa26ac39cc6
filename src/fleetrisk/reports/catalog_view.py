"""Views of the catalog itself: JSON for tools, Markdown for docs, a table for terminals."""

from __future__ import annotations

import json
from typing import Any

from rich.table import Table

from fleetrisk.catalog.loader import Catalog, CompiledScenario


def _scenarios(catalog: Catalog, family: str | None) -> list[CompiledScenario]:
    return [s for s in catalog.scenarios if family is None or s.spec.family == family]


def catalog_data(catalog: Catalog, family: str | None = None) -> dict[str, Any]:
    scenarios = []
    for item in _scenarios(catalog, family):
        spec = item.spec
        data = spec.model_dump(mode="json")
        data["controls"] = sorted(set(item.mitigated_by.controls()))
        data["mitigated_by"] = item.mitigated_by.describe()
        scenarios.append(data)
    controls = [
        c.model_dump(mode="json")
        for c in sorted(catalog.controls.values(), key=lambda c: c.id)
        if family is None or family in c.counters
    ]
    return {
        "families": [f.model_dump(mode="json") for f in catalog.taxonomy.families],
        "scenarios": scenarios,
        "controls": controls,
        "relevance": {k: dict(v) for k, v in catalog.taxonomy.relevance.items()},
    }


def render_catalog_json(catalog: Catalog, family: str | None = None) -> str:
    return json.dumps(catalog_data(catalog, family), ensure_ascii=False, indent=2) + "\n"


def render_catalog_table(catalog: Catalog, family: str | None, lang: str) -> Table:
    ja = lang == "ja"
    table = Table(title="fleetrisk catalog" if not ja else "fleetrisk 脅威カタログ", title_justify="left")
    for column in (("ID", "ID"), ("target", "対象"), ("likelihood", "発生可能性"),
                   ("severity", "深刻度"), ("title", "タイトル")):
        table.add_column(column[1] if ja else column[0], overflow="fold")
    for item in _scenarios(catalog, family):
        spec = item.spec
        target = spec.target + (f" ({', '.join(spec.kinds)})" if spec.kinds else "")
        table.add_row(spec.id, target, spec.likelihood, str(spec.impact.severity), spec.title.get(lang))
    return table


def render_catalog_md(catalog: Catalog, family: str | None, lang: str) -> str:
    ja = lang == "ja"
    lines: list[str] = []
    for fam in catalog.taxonomy.families:
        if family is not None and fam.id != family:
            continue
        lines += [f"## {fam.id} {fam.title.get(lang)}", "", fam.summary.get(lang), ""]
        header = ("| ID | 対象 | 発生可能性 | 深刻度 | タイトル | 解消する対策 |" if ja
                  else "| id | target | likelihood | severity | title | closed by |")
        lines += [header, "|---|---|---|---:|---|---|"]
        for item in _scenarios(catalog, fam.id):
            spec = item.spec
            target = spec.target + (f" ({', '.join(spec.kinds)})" if spec.kinds else "")
            lines.append(f"| `{spec.id}` | {target} | {spec.likelihood} | {spec.impact.severity} | "
                         f"{spec.title.get(lang)} | `{item.mitigated_by.describe()}` |")
        lines.append("")
    lines += ["## " + ("対策" if ja else "Controls"), "",
              "| ID | " + ("名称 | 相対コスト | 対象の脅威 |" if ja else "title | cost | counters |"),
              "|---|---|---:|---|"]
    for control in sorted(catalog.controls.values(), key=lambda c: c.id):
        if family is None or family in control.counters:
            lines.append(f"| `{control.id}` | {control.title.get(lang)} | {control.cost} | "
                         f"{', '.join(control.counters)} |")
    lines.append("")
    return "\n".join(lines)
