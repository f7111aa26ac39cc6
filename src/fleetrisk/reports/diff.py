"""Risk diff between two assessments of the same service: what a model change made riskier.

Findings are matched by their stable id (``<scenario>@<element>``).
- new: in NEW only; resolved: in OLD only, or needing attention in OLD and now mitigated
  or a false positive; changed: status or risk score differs.
- The gate counts changes that *add* an open finding at or above a level: a finding open in
  NEW at or above it that was not open at or above it in OLD. Accepted risks do not count.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from fleetrisk.reports.i18n import number
from fleetrisk.reports.markdown import esc
from fleetrisk.reports.ui_text import band_label, outcome_label, status_label, ui
from fleetrisk.results import (
    Assessment,
    Finding,
)
from fleetrisk.textsafe import inert, json_inert
from fleetrisk.vocab import BANDS

ATTENTION = ("open", "unknown", "in-progress")
CLOSED = ("mitigated", "false-positive")


@dataclass(frozen=True)
class FindingChange:
    id: str
    title: str
    before_status: str | None
    after_status: str | None
    before_score: int | None
    after_score: int | None
    before_band: str | None
    after_band: str | None


@dataclass(frozen=True)
class RiskDiff:
    new: list[FindingChange] = field(default_factory=list)
    resolved: list[FindingChange] = field(default_factory=list)
    changed: list[FindingChange] = field(default_factory=list)
    unchanged: int = 0
    open_by_band: dict[str, tuple[int, int]] = field(default_factory=dict)
    open_score: tuple[int, int] = (0, 0)
    devices_at_risk: tuple[int, int] = (0, 0)
    blast_radius: dict[str, tuple[int, int]] = field(default_factory=dict)
    cut_sets_added: list[str] = field(default_factory=list)
    cut_sets_removed: list[str] = field(default_factory=list)


def _change(before: Finding | None, after: Finding | None) -> FindingChange:
    some = after or before
    assert some is not None
    return FindingChange(
        id=some.id, title=some.title,
        before_status=before.status if before else None, after_status=after.status if after else None,
        before_score=before.risk.score if before else None, after_score=after.risk.score if after else None,
        before_band=before.risk.band if before else None, after_band=after.risk.band if after else None,
    )


def _cut_key(outcome: str, fleet: str, members: list[str]) -> str:
    return f"{outcome}@{fleet}: {{{', '.join(sorted(members))}}}"


def diff_assessments(old: Assessment, new: Assessment) -> RiskDiff:
    before = {f.id: f for f in old.findings}
    after = {f.id: f for f in new.findings}
    added, resolved, changed = [], [], []
    unchanged = 0
    for fid in sorted(before.keys() | after.keys()):
        b, a = before.get(fid), after.get(fid)
        if b is None:
            added.append(_change(None, a))
        elif a is None or (b.status in ATTENTION and a.status in CLOSED):
            resolved.append(_change(b, a))
        elif (b.status, b.risk.score) != (a.status, a.risk.score):
            changed.append(_change(b, a))
        else:
            unchanged += 1

    def open_score(x: Assessment) -> int:
        return sum(f.risk.score for f in x.findings if f.status == "open")

    blast_old = {b.element: b.devices_at_risk for b in old.blast_radius}
    blast_new = {b.element: b.devices_at_risk for b in new.blast_radius}
    blast = {e: (blast_old.get(e, 0), blast_new.get(e, 0)) for e in sorted(blast_old.keys() | blast_new.keys())
             if blast_old.get(e, 0) != blast_new.get(e, 0)}
    cuts_old = {_cut_key(c.outcome, c.fleet, c.members) for c in old.cut_sets}
    cuts_new = {_cut_key(c.outcome, c.fleet, c.members) for c in new.cut_sets}
    return RiskDiff(
        new=added, resolved=resolved, changed=changed, unchanged=unchanged,
        open_by_band={b: (old.summary.open_by_band.get(b, 0), new.summary.open_by_band.get(b, 0))
                      for b in reversed(BANDS)},
        open_score=(open_score(old), open_score(new)),
        devices_at_risk=(old.summary.devices_at_risk, new.summary.devices_at_risk),
        blast_radius=blast,
        cut_sets_added=sorted(cuts_new - cuts_old),
        cut_sets_removed=sorted(cuts_old - cuts_new),
    )


def gating_changes(diff: RiskDiff, level: str) -> list[FindingChange]:
    """Changes that add an open finding at or above ``level`` (low, medium, high, critical)."""
    floor = BANDS.index(level)

    def at_or_above(status: str | None, band: str | None) -> bool:
        return status == "open" and band is not None and BANDS.index(band) >= floor

    return [c for c in (*diff.new, *diff.changed)
            if at_or_above(c.after_status, c.after_band) and not at_or_above(c.before_status, c.before_band)]


def render_diff_json(diff: RiskDiff, gate: str | None = None) -> str:
    data = asdict(diff)
    if gate is not None:
        data["gate"] = {"level": gate, "failing": [c.id for c in gating_changes(diff, gate)]}
    return json_inert(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)) + "\n"


def render_diff_md(diff: RiskDiff, lang: str, gate: str | None = None) -> str:
    t = ui(lang)
    lines = [f"## {t['diff_title']}", ""]
    lines += [f"| | {t['diff_before']} | {t['diff_after']} | {t['diff_delta']} |", "|---|---:|---:|---:|"]
    for band, (b, a) in diff.open_by_band.items():
        lines.append(f"| {t['open']}: {band_label(band, lang)} | {b} | {a} | {a - b:+d} |")
    b, a = diff.open_score
    lines.append(f"| {t['diff_open_score']} | {b} | {a} | {a - b:+d} |")
    b, a = diff.devices_at_risk
    lines.append(f"| {t['devices_at_risk']} | {number(b, lang)} | {number(a, lang)} | {a - b:+,d} |")
    lines.append("")
    if gate is not None:
        failing = gating_changes(diff, gate)
        verdict = (t["diff_gate_fail"].format(n=len(failing), level=band_label(gate, lang)) if failing
                   else t["diff_gate_pass"].format(level=band_label(gate, lang)))
        lines += [f"**{t['diff_gate']}**: {verdict}", ""]
    for key, items in (("diff_new", diff.new), ("diff_resolved", diff.resolved), ("diff_changed", diff.changed)):
        if not items:
            continue
        lines += [f"### {t[key]} ({len(items)})", "",
                  f"| {t['finding']} | {t['diff_before']} | {t['diff_after']} |", "|---|---|---|"]
        lines.extend(f"| {esc(c.title)}<br>`{c.id}` | {_state(c.before_status, c.before_band, c.before_score, lang)} "
                     f"| {_state(c.after_status, c.after_band, c.after_score, lang)} |" for c in items)
        lines.append("")
    if not (diff.new or diff.resolved or diff.changed):
        lines += [t["diff_nothing"], ""]
    lines += [t["diff_unchanged"].format(n=diff.unchanged), ""]
    if diff.blast_radius:
        lines += [f"### {t['diff_blast']}", "", f"| {t['element']} | {t['diff_before']} | {t['diff_after']} |",
                  "|---|---:|---:|"]
        lines.extend(f"| `{e}` | {number(b, lang)} | {number(a, lang)} |" for e, (b, a) in diff.blast_radius.items())
        lines.append("")
    for key, cuts in (("diff_cutsets_added", diff.cut_sets_added), ("diff_cutsets_removed", diff.cut_sets_removed)):
        if cuts:
            lines += [f"### {t[key]} ({len(cuts)})", ""]
            lines.extend(f"- {_cut_text(c, lang)}" for c in cuts)
            lines.append("")
    return inert("\n".join(lines))


def _state(status: str | None, band: str | None, score: int | None, lang: str) -> str:
    if status is None:
        return "-"
    return f"{status_label(status, lang)}, {band_label(band, lang)} ({score})"


def _cut_text(key: str, lang: str) -> str:
    outcome, _, rest = key.partition("@")
    target, _, members = rest.partition(": ")  # a data set's target holds a colon of its own
    return f"{outcome_label(outcome, lang)} @ `{target}`: `{members}`"
