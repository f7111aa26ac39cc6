"""What to fix first: findings ranked by consequence, and controls ranked by the stated risk they remove.

Both rest on stated facts only: open findings, the headline attack paths and the single
points of fleet compromise. Equal scores are never broken by id: after the risk score come
the devices and records at stake, whether the finding lies on an easiest path or on a single
point, its likelihood and impact, and last its place in the model file.
"""

from __future__ import annotations

from collections.abc import Iterable

from fleetrisk.catalog.loader import Catalog
from fleetrisk.results import (
    STATUSES,
    AttackPath,
    CutSet,
    Finding,
    FixFirst,
)
from fleetrisk.vocab import BANDS, HOLDING_STATES

_STATUS_ORDER = {status: i for i, status in enumerate(STATUSES)}


def headline_findings(paths: Iterable[AttackPath], cuts: Iterable[CutSet]) -> tuple[set[str], set[str]]:
    """(findings on an easiest path, elements that are a single point of compromise)."""
    on_path = {step.finding for path in paths for step in path.steps if step.finding is not None}
    single = {member for cut in cuts if cut.size == 1 for member in cut.members}
    return on_path, single


def rank_findings(
    findings: list[Finding], catalog: Catalog, on_path: set[str], single: set[str]
) -> list[Finding]:
    """Findings by status, then consequence; a total order that ids do not decide."""
    order = {s.id: i for i, s in enumerate(catalog.scenarios)}

    def key(f: Finding) -> tuple[int, ...]:
        headline = f.id in on_path or f.element in single
        return (
            _STATUS_ORDER[f.status], -f.risk.score, -f.impact.devices, -(f.impact.records or 0),
            -int(headline), -f.likelihood.score, -f.impact.score,
            f.location.line, f.location.column, order.get(f.scenario, len(order)),
        )

    return sorted(findings, key=key)


def fix_first(
    findings: list[Finding], catalog: Catalog, paths: list[AttackPath], devices: dict[str, int]
) -> list[FixFirst]:
    """Controls that close open findings, the one removing the most stated risk first.

    A control closes a finding when, added to the controls already holding for it, it makes
    the scenario's ``mitigated_by`` true. It cuts an attack path when it closes a finding on
    the path or is the control named by one of the path's own steps. ``devices`` gives each
    fleet's size; the devices a control protects are those of the fleets reached by the
    high and critical findings it closes and of the outcomes whose paths it cuts.
    """
    closes: dict[str, list[Finding]] = {}
    scenarios = {s.id: s for s in catalog.scenarios}
    for finding in findings:
        if finding.status != "open":
            continue
        expr = scenarios[finding.scenario].mitigated_by
        held = {c.id for c in finding.controls if c.status in HOLDING_STATES}
        for control in dict.fromkeys(expr.controls()):
            if control not in held and expr.evaluate((held | {control}).__contains__):
                closes.setdefault(control, []).append(finding)
    for path in paths:
        for step in path.steps:
            if step.finding is None and step.cut_by in catalog.controls:
                closes.setdefault(step.cut_by, [])
    result: list[FixFirst] = []
    for control, closed in closes.items():
        closed_ids = {f.id for f in closed}
        cut = [p for p in paths if any(s.finding in closed_ids or (s.finding is None and s.cut_by == control)
                                       for s in p.steps)]
        fleets = {fl for f in closed if f.risk.band in ("high", "critical") for fl in f.fleets}
        fleets |= {p.fleet for p in cut if not p.fleet.startswith("data:")}
        records = {f.element: f.impact.records or 0 for f in closed if f.impact.records}
        highest = max((BANDS.index(f.risk.band) for f in closed), default=-1)
        result.append(FixFirst(
            control=control,
            closes=[f.id for f in closed],
            highest=BANDS[highest] if highest >= 0 else None,
            risk_removed=sum(f.risk.score for f in closed),
            paths_cut=len(cut),
            devices=sum(devices.get(fl, 0) for fl in fleets),
            records=sum(records.values()),
            cost=catalog.controls[control].cost,
        ))
    position = {cid: i for i, cid in enumerate(catalog.controls)}
    result.sort(key=lambda x: (
        -BANDS.index(x.highest) if x.highest else 1, -x.paths_cut, -x.devices, -x.records, -x.risk_removed,
        x.cost, position[x.control],
    ))
    return [item for item in result if item.closes or item.paths_cut]
