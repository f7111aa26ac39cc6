"""Shared inputs for the report tests: assessments with attack-graph results, hostile models."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

from conftest import DEFAULT, ROOT
from fleetrisk import assess, load_model
from fleetrisk.engine.paths import single_points
from fleetrisk.model.loader import LoadedModel
from fleetrisk.results import Assessment, AttackPath, BlastRadius, CutSet, PathStep

SARIF_SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"
AS_OF = "2026-01-15"

#: Free text that would run script if any writer forgot to escape it.
PAYLOADS = (
    "<script>window.__xss = 1</script>",
    '"><img src=x onerror="window.__xss = 2">',
    "'><svg onload=alert(3)>",
    "</title></svg><script>alert(4)</script>",
    "<iframe srcdoc=\"<script>parent.__xss = 5</script>\"></iframe>",
    "javascript:alert(6)",
    "=HYPERLINK(\"http://evil.example\",\"x\")",
)


@functools.cache
def loaded_default() -> LoadedModel:
    return load_model(DEFAULT)


def with_graph_results(result: Assessment) -> Assessment:
    """``result`` plus hand-made attack paths, blast radius and cut sets (marker values)."""
    finding = next(f for f in result.findings if f.id == "T6.online-signing-key@fw-signing")
    step = PathStep(kind="finding", finding=finding.id, scenario=finding.scenario, element=finding.element,
                    title=finding.title, requires=["control:ota"], gains=["hold:fw-signing",
                                                                         "outcome:firmware-takeover@washers"],
                    likelihood=4, why=["marker why"], cut_by="offline-root-threshold-signing")
    foothold = PathStep(kind="foothold", element="ota", title="ota reached from the internet",
                        requires=["entry:internet"], gains=["control:ota"], likelihood=5, why=[], cut_by="")
    path = AttackPath(outcome="firmware-takeover", fleet="washers", entry="internet", likelihood=4, risk=20,
                      band="critical", devices=1_200_000, steps=[foothold, step])
    low_path = AttackPath(outcome="data-exposed", fleet="data:telemetry", entry="insider", likelihood=2, risk=6,
                          band="medium", devices=0, steps=[foothold])
    blast = [BlastRadius(element="fw-signing", element_type="key", devices_at_risk=4_457_000,
                         by_fleet={"washers": 1_200_000, "aircons": 2_400_000},
                         by_outcome={"firmware-takeover": 4_457_000})]
    cuts = [
        CutSet(outcome="firmware-takeover", fleet="washers", members=["fw-signing"], size=1, devices=1_200_000),
        CutSet(outcome="firmware-takeover", fleet="aircons", members=["fw-signing"], size=1, devices=2_400_000),
        CutSet(outcome="hijacked", fleet="fridges", members=["command-service", "device-registry"], size=2,
               devices=800_000),
    ]
    return result.model_copy(update={"attack_paths": [low_path, path], "blast_radius": blast, "cut_sets": cuts,
                                     "single_points": single_points(cuts)})


@functools.cache
def default_assessment(lang: str = "en") -> Assessment:
    import datetime as dt

    return with_graph_results(assess(loaded_default(), lang=lang, as_of=dt.date.fromisoformat(AS_OF)))


def hostile_model(directory: Path) -> Path:
    """The default example with every free-text field replaced by script payloads."""
    data: dict[str, Any] = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    counter = iter(range(10_000))

    def payload() -> str:
        return PAYLOADS[next(counter) % len(PAYLOADS)]

    data["service"]["name"] = PAYLOADS[0] + " " + PAYLOADS[1]
    data["service"]["owner"] = payload()
    data["service"]["description"] = payload()
    for section in ("zones", "fleets", "components", "keys", "data", "accounts"):
        for item in data.get(section, []):
            item["name"] = payload() + " " + payload()
    for fleet in data["fleets"]:
        fleet["device_class"] = payload()
    for flow in data.get("flows", []):
        flow["protocol"] = payload()
    for entry in data.get("tracking", []):
        entry["justification"] = PAYLOADS[6]
        entry["owner"] = payload()
        entry["ticket"] = payload()
    path = directory / "hostile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
