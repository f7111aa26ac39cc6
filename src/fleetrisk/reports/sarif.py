"""SARIF 2.1.0 writer, for GitHub code scanning and other SARIF viewers.

- One rule per scenario the assessment ran, bundled or from an organisation catalog (all of
  them, so a viewer can tell "ran and found nothing" from "unknown rule"), with help text in
  the report's language, all taken from the assessment. Scenarios an organisation catalog
  switched off are no rules; the run's properties list them with the justification.
- One result per finding that still needs attention: open, unknown and in-progress.
  Mitigated, accepted and false-positive findings are left out: GitHub code scanning shows
  every uploaded result as an alert and does not act on SARIF ``suppressions``, so an
  accepted risk would otherwise reappear on every upload. When a finding leaves the open
  set, code scanning closes its alert as fixed; an expired acceptance reopens it.
- Text is the model's own; control and invisible characters in it are ``\\u`` escapes
  (:func:`fleetrisk.textsafe.json_inert`), so no viewer or terminal gets them raw.
- Levels: critical and high -> error, medium -> warning, low -> note; unknown -> note.
- Each result points at the model file's line and column; ``partialFingerprints`` holds a
  hash of the stable finding id, so alerts survive edits that move lines.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from fleetrisk._version import __version__
from fleetrisk.reports.i18n import devices
from fleetrisk.reports.ui_text import band_label, ui
from fleetrisk.results import Assessment, Finding
from fleetrisk.textsafe import json_inert
from fleetrisk.vocab import LIKELIHOOD_LEVELS

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
REPORTED = ("open", "in-progress", "unknown")
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
#: GitHub reads ``security-severity`` (0-10) to rank alerts: critical > 9, high 7-8.9, ...
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0"}


def level_of(finding: Finding) -> str:
    return "note" if finding.status == "unknown" else LEVELS[finding.risk.band]


def fingerprint(finding_id: str) -> str:
    return hashlib.sha256(finding_id.encode("utf-8")).hexdigest()[:32]


def artifact_uri(file: str) -> tuple[str, str | None]:
    """A URI for the model file and its base id: relative paths stay relative to the checkout."""
    path = PurePosixPath(file.replace("\\", "/"))
    if path.is_absolute():
        return path.as_uri(), None
    return quote(path.as_posix(), safe="/-._~"), "%SRCROOT%"


def rule_name(scenario_id: str) -> str:
    """``T3.acme.no-dual-control`` -> ``AcmeNoDualControl`` (``T6.online-signing-key`` -> ``OnlineSigningKey``)."""
    return "".join(word.capitalize() for part in scenario_id.split(".")[1:] for word in part.split("-"))


def render_sarif(assessment: Assessment) -> str:
    lang = assessment.lang
    t = ui(lang)
    worst: dict[str, int] = {}
    for f in assessment.findings:
        if f.status in REPORTED:
            worst[f.scenario] = max(worst.get(f.scenario, 0), f.risk.score)
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for sid, info in assessment.scenarios.items():
        index[sid] = len(rules)
        title, description = info.title, info.description
        impact, fix = info.fleet_impact, info.remediation
        base = LIKELIHOOD_LEVELS[info.likelihood] * info.severity if info.likelihood and info.severity else 0
        score = worst.get(sid) or base
        band = "critical" if score >= 16 else "high" if score >= 10 else "medium" if score >= 5 else "low"
        refs = "; ".join(f"{name} {', '.join(ids)}" for name, ids in info.references.items())
        family = info.family or sid.split(".", 1)[0]
        rules.append({
            "id": sid,
            "name": rule_name(sid),
            "shortDescription": {"text": title},
            "fullDescription": {"text": description},
            "help": {
                "text": f"{description}\n\n{t['sarif_help_impact']}: {impact}\n\n{t['sarif_help_fix']}: {fix}\n\n"
                        f"{t['references']}: {refs}",
                "markdown": f"{description}\n\n**{t['sarif_help_impact']}**: {impact}\n\n"
                            f"**{t['sarif_help_fix']}**: {fix}\n\n**{t['references']}**: {refs}",
            },
            "defaultConfiguration": {"level": LEVELS[band]},
            "properties": {
                "tags": ["security", "threat-model", family, *(f"stride-{s}" for s in info.stride)],
                "security-severity": SECURITY_SEVERITY[band],
                "precision": "high",
            },
        })
    results = [_result(f, index, lang) for f in assessment.findings if f.status in REPORTED]
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "fleetrisk",
            "version": __version__,
            "semanticVersion": __version__,
            "rules": rules,
        }},
        "language": lang,
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {"model": assessment.model, "devicesAtRisk": assessment.summary.devices_at_risk},
    }
    if len(assessment.catalogs) > 1:
        run["properties"]["catalogs"] = [c.model_dump(mode="json") for c in assessment.catalogs]
    if assessment.disabled:  # switched off by an organisation catalog: no rule, and the reason why
        run["properties"]["disabledRules"] = [d.model_dump(mode="json") for d in assessment.disabled]
    if any(r["locations"][0]["physicalLocation"]["artifactLocation"].get("uriBaseId") for r in results):
        run["originalUriBaseIds"] = {"%SRCROOT%": {"description": {"text": "repository root"}}}
    log = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
    return json_inert(json.dumps(log, ensure_ascii=False, indent=2)) + "\n"


def _result(f: Finding, index: dict[str, int], lang: str) -> dict[str, Any]:
    t = ui(lang)
    uri, base = artifact_uri(f.location.file)
    artifact: dict[str, Any] = {"uri": uri}
    if base:
        artifact["uriBaseId"] = base
    message = t["sarif_message"].format(title=f.title, element=f.element, band=band_label(f.risk.band, lang),
                                        score=f.risk.score, devices=devices(f.impact.devices, lang))
    if f.status == "unknown" and f.missing:
        message += (f"（{t['fill_in']}: {'、'.join(f.missing)}）" if lang == "ja"
                    else f" ({t['fill_in']}: {', '.join(f.missing)})")
    return {
        "ruleId": f.scenario,
        "ruleIndex": index[f.scenario],
        "level": level_of(f),
        "message": {"text": message},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact,
                "region": {"startLine": max(1, f.location.line), "startColumn": max(1, f.location.column)},
            },
            "logicalLocations": [{"name": f.element, "fullyQualifiedName": f.location.path or f.element,
                                  "kind": "object"}],
        }],
        "partialFingerprints": {"fleetriskFindingId/v1": fingerprint(f.id)},
        "properties": {
            "findingId": f.id,
            "status": f.status,
            "risk": f.risk.score,
            "band": f.risk.band,
            "devices": f.impact.devices,
            "fleets": f.fleets,
            "reasons": [r.model_dump(mode="json", exclude_defaults=True) for r in f.reasons],
        },
    }
