"""CSV writer: one row per finding, for spreadsheets.

- Columns are fixed and in a stable order (:data:`COLUMNS`); headers are in the report's
  language, values that are codes (ids, scores, file, line) stay as they are, and statuses,
  bands and likelihoods are shown in the report's language.
- RFC 4180: comma separated, fields quoted when needed, CRLF line ends.
- UTF-8. Japanese reports start with a byte-order mark so that spreadsheet programs on
  Japanese systems open them as UTF-8 (without it they assume Shift_JIS); English reports
  have none, so plain CSV readers see no stray character in the first header.
- Text that starts like a formula (``= + - @``, tab, CR) gets a leading apostrophe, so a
  model's free text cannot run as a spreadsheet formula.
- Control and invisible characters (ESC, carriage return, bidirectional overrides, zero-width
  spaces) are shown as escapes such as ``\\x1b`` (:func:`fleetrisk.textsafe.inert`).
"""

from __future__ import annotations

import csv
import io

from fleetrisk.messages import word_expression
from fleetrisk.reports.ui_text import (
    band_label,
    element_type_label,
    framework_name,
    likelihood_label,
    reference_id,
    status_label,
    ui,
)
from fleetrisk.results import Assessment, Finding, ScenarioInfo
from fleetrisk.textsafe import inert

COLUMNS = (
    "id", "scenario", "family", "title", "element", "element_type", "status", "band", "score",
    "likelihood", "impact", "devices", "fleets", "file", "line", "column", "path", "missing",
    "mitigated_by", "remediation", "tracking_owner", "tracking_expires", "tracking_justification", "references",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def neutralise(text: str) -> str:
    """Keep spreadsheet programs from reading ``text`` as a formula, and show control characters."""
    text = inert(text)
    return "'" + text if text.startswith(_FORMULA_START) else text


def render_csv(assessment: Assessment) -> str:
    lang = assessment.lang
    t = ui(lang)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([t[f"csv_{c}"] for c in COLUMNS])
    for f in assessment.findings:
        scenario = assessment.scenarios[f.scenario]
        writer.writerow([neutralise(v) if isinstance(v, str) else v for v in _row(f, scenario, lang)])
    return (BOM if lang == "ja" else "") + buffer.getvalue()


def _row(f: Finding, scenario: ScenarioInfo, lang: str) -> list[str | int]:
    tracking = f.tracking
    return [
        f.id, f.scenario, f.family, f.title, f.element, element_type_label(f.element_type, lang),
        status_label(f.status, lang), band_label(f.risk.band, lang), f.risk.score,
        likelihood_label(f.likelihood.level, lang), f.impact.score, f.impact.devices, " ".join(f.fleets),
        f.location.file, f.location.line, f.location.column, f.location.path, " ".join(f.missing),
        word_expression(f.mitigated_by, lang), scenario.remediation,
        tracking.owner if tracking else "",
        (tracking.expires or "") if tracking else "",  # ISO, so a spreadsheet sorts it
        tracking.justification if tracking else "",
        "; ".join(f"{framework_name(name, lang)} {', '.join(reference_id(name, i, lang) for i in ids)}"
                  for name, ids in scenario.references.items()),
    ]
