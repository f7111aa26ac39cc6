"""Controls and compliance views: what closes the findings, and framework coverage.

Coverage compares the catalogs the assessment ran (which identifiers of a framework their
scenarios and controls map, as the assessment carries them) with its open findings (which of
them they touch).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from fleetrisk.results import Assessment
from fleetrisk.vocab import HOLDING_STATES

#: Frameworks shown in the compliance view, in this order.
COVERAGE_FRAMEWORKS = ("etsi-en-303-645", "nist-ir-8259a", "owasp-isvs")


@dataclass(frozen=True)
class IdentifierRow:
    identifier: str
    mapped_by: int
    open_findings: int


@dataclass(frozen=True)
class FrameworkCoverage:
    framework: str
    rows: tuple[IdentifierRow, ...]

    @property
    def mapped(self) -> int:
        return len(self.rows)

    @property
    def touched(self) -> int:
        return sum(1 for r in self.rows if r.open_findings)


@dataclass(frozen=True)
class ControlRow:
    id: str
    title: str
    cost: int
    closes: int


def natural_key(identifier: str) -> tuple[tuple[int, str], ...]:
    """Sort ``5.3-9`` before ``5.3-10``."""
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in re.split(r"(\d+)", identifier) if p)


def framework_coverage(assessment: Assessment) -> list[FrameworkCoverage]:
    mapped: dict[str, Counter[str]] = {fw: Counter() for fw in COVERAGE_FRAMEWORKS}
    items = [*(s.references for s in assessment.scenarios.values()),
             *(c.references for c in assessment.controls.values())]
    for references in items:
        for fw, ids in references.items():
            if fw in mapped:
                mapped[fw].update(set(ids))
    touched: dict[str, Counter[str]] = {fw: Counter() for fw in COVERAGE_FRAMEWORKS}
    for finding in assessment.findings:
        if finding.status != "open":
            continue
        for fw, ids in assessment.scenarios[finding.scenario].references.items():
            if fw in touched:
                touched[fw].update(set(ids))
    result = []
    for fw in COVERAGE_FRAMEWORKS:
        ids = sorted(set(mapped[fw]) | set(touched[fw]), key=natural_key)
        rows = tuple(IdentifierRow(i, mapped[fw][i], touched[fw][i]) for i in ids)
        result.append(FrameworkCoverage(fw, rows))
    return result


def control_rows(assessment: Assessment) -> list[ControlRow]:
    """Controls named by findings, ranked by how many open findings each would close."""
    closes: Counter[str] = Counter()
    for finding in assessment.findings:
        if finding.status == "open":
            closes.update({c.id for c in finding.controls if c.status not in HOLDING_STATES})
    named = {c.id for f in assessment.findings for c in f.controls} | {x.control for x in assessment.fix_first}
    rows = [ControlRow(cid, info.title, info.cost, closes[cid]) for cid, info in assessment.controls.items()
            if cid in named]
    rows.sort(key=lambda r: (-r.closes, r.cost, r.id))
    return rows
