"""Markdown writer, sized for a pull-request comment."""

from __future__ import annotations

import re

from fleetrisk.messages import check_result, element_type, explain_finding, word_expression
from fleetrisk.reports.i18n import LIKELIHOOD_JA, devices, impact_axes, join, labels, number, wildcard_line
from fleetrisk.reports.ui_text import framework_name, reference_id, service_type_label
from fleetrisk.results import Assessment, Finding, Question
from fleetrisk.textsafe import inert

TABLE_LIMIT = 40
#: Single points listed in full; a pull-request comment stays short (the JSON and HTML have all).
SINGLE_POINT_LIMIT = 10
DETAIL_LIMIT = 12

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#!~])")


def esc(text: str) -> str:
    """Escape model-provided text so it cannot inject Markdown or HTML.

    Control and invisible characters are left to the whole document's pass through
    :func:`fleetrisk.textsafe.inert`, which every Markdown writer's result goes through.
    """
    return _SPECIAL.sub(r"\\\1", text.replace("\r", " ").replace("\n", " "))


def prose(text: str) -> str:
    """fleetrisk's own text with `code` spans (field texts): the spans kept, the rest escaped."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: no spans
        return esc(text)
    return "".join(esc(part) if i % 2 == 0 else code(part) for i, part in enumerate(parts))


def code(text: str) -> str:
    """An identifier or path as a code span (escaped text instead when it holds a backtick)."""
    if "`" in text or "\n" in text or "\r" in text:
        return esc(text)
    return f"`{text}`"


def render_markdown(assessment: Assessment) -> str:
    lang = assessment.lang
    t = labels(lang)
    lines: list[str] = []
    add = lines.append
    svc = assessment.service
    add(f"# {t['report_title']}: {esc(svc.name)}")
    add("")
    add(f"- {t['service_types']}: {join([service_type_label(s, lang) for s in svc.types], lang)}")
    add(f"- {t['fleets']}: {svc.fleets} / {t['devices']}: {devices(svc.devices, lang)} / "
        f"{t['components']}: {svc.components}")
    add(f"- {t['devices_at_risk']}: **{devices(assessment.summary.devices_at_risk, lang)}**")
    add("")
    lines.extend(_single_points(assessment))
    lines.extend(_fix_first(assessment))
    add(f"## {t['summary']}")
    add("")
    bands = assessment.summary.open_by_band
    add("| " + " | ".join(t[f"band_{b}"] for b in bands) + " | " + t["unknown"] + " | "
        + t["mitigated"] + " | " + t["tracked"] + " |")
    add("|" + "---:|" * (len(bands) + 3))
    status = assessment.summary.by_status
    tracked = status["accepted"] + status["false-positive"] + status["in-progress"]
    add("| " + " | ".join(str(v) for v in bands.values())
        + f" | {status['unknown']} | {status['mitigated']} | {tracked} |")
    add("")
    reached = assessment.summary.outcomes_by_band
    if any(reached.values()):
        add(f"{t['outcomes_reached']}: " + join([f"{t['band_' + b]} {n}" for b, n in reached.items()], lang))
        add("")
    add(f"## {t['families']}")
    add("")
    add(f"| {t['family']} | {t['threat']} | {t['open']} | {t['unknown']} | {t['mitigated']} | {t['highest']} |")
    add("|---|---|---:|---:|---:|---|")
    for fam in assessment.families:
        highest = t[f"band_{fam.highest}"] if fam.highest else "-"
        add(f"| {fam.family} | {fam.title} | {fam.open} | {fam.unknown} | {fam.mitigated} | {highest} |")
    add("")
    open_findings = [f for f in assessment.findings if f.status == "open"]
    add(f"## {t['top_risks']} ({len(open_findings)})")
    add("")
    if open_findings:
        add(f"| {t['risk']} | {t['finding']} | {t['element']} | {t['location']} |")
        add("|---|---|---|---|")
        for f in open_findings[:TABLE_LIMIT]:
            add(f"| {t['band_' + f.risk.band]} ({f.risk.score}) | {esc(f.title)}<br>`{f.id}` | "
                f"{code(f.element)} | {code(f'{f.location.file}:{f.location.line}')} |")
        if len(open_findings) > TABLE_LIMIT:
            add("")
            add(t["more"].format(n=len(open_findings) - TABLE_LIMIT))
        add("")
        for f in open_findings[:DETAIL_LIMIT]:
            lines.extend(_detail(f, assessment))
    else:
        add(t["none"])
        add("")
    unknown = [f for f in assessment.findings if f.status == "unknown"]
    if unknown:
        add(f"## {t['unknown_title']} ({len(unknown)})")
        add("")
        add(f"| {t['finding']} | {t['fill_in']} |")
        add("|---|---|")
        for f in unknown[:TABLE_LIMIT]:
            add(f"| {esc(f.title)}<br>`{f.id}` | {', '.join('`' + m + '`' for m in f.missing)} |")
        add("")
    lines.extend(_questions(assessment))
    lines.extend(_assumed(assessment))
    tracked_findings = [f for f in assessment.findings if f.tracking is not None]
    if tracked_findings:
        add(f"## {t['tracked_title']}")
        add("")
        by_wildcard = assessment.summary.suppressed_by_wildcard
        if by_wildcard:
            add(wildcard_line(by_wildcard, lang, code))
            add("")
        add(f"| {t['finding']} | {t['status']} | {t['justification']} |")
        add("|---|---|---|")
        for f in tracked_findings:
            assert f.tracking is not None
            entry = f" {code(f.tracking.entry)}" if f.tracking.entry in by_wildcard else ""
            add(f"| `{f.id}` | {t['status_' + f.status]}{entry} | {esc(f.tracking.justification)} "
                f"({esc(f.tracking.owner)}) |")
        add("")
    lines.extend(_catalogs(assessment))
    add(f"## {t['matrix']}")
    add("")
    types = assessment.service.types
    add(f"| {t['family']} | " + " | ".join(service_type_label(s, lang) for s in types) + " |")
    add("|---|" + "---|" * len(types))
    cells = {(c.family, c.service_type): c for c in assessment.matrix}
    for fam in assessment.families:
        row = [cells[(fam.family, st)] for st in types if (fam.family, st) in cells]
        add(f"| {fam.family} | " + " | ".join(f"{t['relevance_' + c.relevance]}" for c in row) + " |")
    add("")
    return inert("\n".join(lines))


def _catalogs(assessment: Assessment) -> list[str]:
    """The organisation catalogs that ran, and the scenarios they switched off with why (only when there are)."""
    if len(assessment.catalogs) < 2 and not assessment.disabled:
        return []
    t = labels(assessment.lang)
    out = [f"## {t['catalogs_title']}", "", t["catalogs_intro"], "",
           f"| {t['catalog']} | {t['catalog_prefix']} | {t['catalog_path']} | {t['catalog_scenarios']} | "
           f"{t['catalog_controls']} |", "|---|---|---|---:|---:|"]
    for c in assessment.catalogs:
        out.append(f"| {esc(c.title)} | {code(c.prefix) if c.prefix else '-'} | {code(c.path) if c.path else '-'} | "
                   f"{c.scenarios} | {c.controls} |")
    out.append("")
    if assessment.disabled:
        out += [f"### {t['disabled_title']}", "", t["disabled_intro"], "",
                f"| {t['disabled_scenario']} | {t['disabled_by']} | {t['justification']} |", "|---|---|---|"]
        for d in assessment.disabled:
            out.append(f"| {esc(d.title)}<br>{code(d.scenario)} | {code(d.by)} | {esc(d.justification)} |")
        out.append("")
    return out


def _single_points(assessment: Assessment) -> list[str]:
    """The section that leads the report: what one compromise hands over, fleet by fleet."""
    t = labels(assessment.lang)
    lang = assessment.lang
    points = assessment.single_points
    free = [c for c in assessment.cut_sets if c.size == 0 and not c.fleet.startswith("data:")]
    out = [f"## {t['single_points']}", ""]
    between = "\uff0f" if lang == "ja" else "; "
    if not points and not free:
        return [*out, t["no_single_points"], ""]
    if points:
        out += [f"| {t['element']} | {t['outcomes']} | {t['devices']} |", "|---|---|---:|"]
        for point in points[:SINGLE_POINT_LIMIT]:
            hits = between.join(f"{t['outcome_' + h.outcome]} @ {join(h.fleets, lang)}" for h in point.hits)
            out.append(f"| `{point.element}` | {hits} | {number(point.devices, lang)} |")
        out.append("")
        if len(points) > SINGLE_POINT_LIMIT:
            out += [t["more_single_points"].format(n=len(points) - SINGLE_POINT_LIMIT), ""]
    if free:
        out.append(t["no_compromise_needed"] + ("\uff1a" if lang == "ja" else ": ")
                   + between.join(f"{t['outcome_' + c.outcome]} @ {c.fleet}" for c in free))
        out.append("")
    return out


def _fix_first(assessment: Assessment) -> list[str]:
    """Controls by the stated risk they remove, with the findings each closes."""
    if not assessment.fix_first:
        return []
    t = labels(assessment.lang)
    lang = assessment.lang
    out = [f"## {t['fix_first']}", "", t["fix_first_intro"], "",
           f"| # | {t['control']} | {t['closes']} | {t['paths_cut']} | {t['devices']} | {t['records']} |",
           "|---:|---|---|---:|---:|---:|"]
    for i, item in enumerate(assessment.fix_first[:DETAIL_LIMIT], 1):
        info = assessment.controls.get(item.control)
        title = f" {esc(info.title)}" if info else ""
        closes = ", ".join(f"`{fid}`" for fid in item.closes[:4])
        if len(item.closes) > 4:
            closes += f" (+{len(item.closes) - 4})"
        out.append(f"| {i} | `{item.control}`{title} | {closes or '-'} | {item.paths_cut} | "
                   f"{number(item.devices, lang)} | {number(item.records, lang)} |")
    return [*out, ""]


QUESTIONS_SHOWN = 5


def _questions(assessment: Assessment) -> list[str]:
    """The first questions that settle the most unknowns, ahead of the assumed view."""
    if not assessment.questions:
        return []
    return [*render_questions(assessment, assessment.questions[:QUESTIONS_SHOWN], heading="##").split("\n"), ""]


def render_questions(assessment: Assessment, chosen: list[Question], heading: str = "#") -> str:
    """Questions as Markdown: each field, what it means, its values, where it goes, what it settles."""
    from fleetrisk.engine.questions import unknown_share  # the writer only counts what answers settle

    lang = assessment.lang
    t = labels(lang)
    out = [f"{heading} {t['questions_title']}", ""]
    if not chosen:
        return inert("\n".join([*out, t["questions_none"]]))
    out += [t["questions_intro"], ""]
    for i, question in enumerate(chosen, 1):
        asked = t["question"].format(field=question.field, type=element_type(question.element_type, lang))
        meaning = f" {prose(question.description)}" if question.description else ""
        out.append(f"{i}. **{asked}**{meaning}")
        if question.allowed:
            out.append(f"   - {t['question_values']}: " + join([code(v) for v in question.allowed], lang))
        shown = [code(p) for p in question.paths[:4]]
        if len(question.paths) > 4:
            shown.append(f"+{len(question.paths) - 4}")
        out.append(f"   - {t['question_where']}: " + join(shown, lang))
        out.append(f"   - {t['question_settles'].format(n=len(question.findings), risk=question.risk)}")
    unknown = sum(1 for f in assessment.findings if f.status == "unknown")
    out += ["", t["questions_share"].format(share=unknown_share(assessment, chosen), n=unknown)]
    return inert("\n".join(out))


def _assumed(assessment: Assessment) -> list[str]:
    """What unstated facts would open: a to-do list, kept apart from every result."""
    if not assessment.assumed:
        return []
    t = labels(assessment.lang)
    lang = assessment.lang
    out = [f"## {t['assumed_title']}", "", t["assumed_intro"], "",
           f"| {t['outcomes']} | {t['risk']} | {t['likelihood_change']} | {t['devices']} | {t['hangs_on']} |",
           "|---|---|---|---:|---|"]
    for item in assessment.assumed[:TABLE_LIMIT]:
        out.append(f"| {t['outcome_' + item.outcome]} @ {code(item.fleet)} | {t['band_' + item.band]} ({item.risk}) | "
                   f"{item.stated_likelihood} → {item.likelihood} | {number(item.devices, lang)} | "
                   + ", ".join(f"`{m}`" for m in item.missing) + " |")
    return [*out, ""]


def _detail(f: Finding, assessment: Assessment) -> list[str]:
    lang = assessment.lang
    scenario = assessment.scenarios[f.scenario]
    t = labels(lang)
    likelihood = LIKELIHOOD_JA[f.likelihood.level] if lang == "ja" else f.likelihood.level
    impact = f.impact
    axes = impact_axes(impact.score, impact.safety, impact.service, impact.scale, lang,
                       by_records=impact.records is not None and not f.fleets)
    if lang == "ja":
        score = (f"`{f.id}`: {t['risk']} **{t['band_' + f.risk.band]}**\uff08{f.risk.score}\uff09= "
                 f"{t['likelihood']} {likelihood}\uff08{f.likelihood.score}\uff09× {axes}\uff0f"
                 f"{devices(impact.devices, lang)}")
    else:
        score = (f"`{f.id}`: {t['risk']} **{t['band_' + f.risk.band]}** ({f.risk.score}) = "
                 f"{t['likelihood']} {likelihood} ({f.likelihood.score}) × {axes}; {devices(impact.devices, lang)}")
    separator = "、" if lang == "ja" else "; "
    out = [
        f"### {esc(f.title)}",
        "",
        score,
        "",
        esc(scenario.description),
        "",
        f"- **{t['why']}**: " + separator.join(esc(r) for r in explain_finding(assessment, f)),
        f"- **{t['fleet_impact']}**: {esc(scenario.fleet_impact)}",
        f"- **{t['fix']}**: {esc(scenario.remediation)}",
        f"- **{t['closed_by']}**: {word_expression(f.mitigated_by, lang, code=True)}",
        f"- **{t['references']}**: "
        + separator.join(f"{framework_name(name, lang)} {join([reference_id(name, i, lang) for i in ids], lang)}"
                         for name, ids in scenario.references.items()),
        f"- **{t['location']}**: {code(f'{f.location.file}:{f.location.line}')}",
    ]
    for e in f.evidence:
        where = (f"\uff08{code(e.target)}\u3001{esc(e.timestamp)}\uff09" if lang == "ja"
                 else f" ({code(e.target)}, {esc(e.timestamp)}) ")
        out.append(f"- **{t['live_evidence']}**: {code(e.check)}{where}{esc(check_result(e, lang))}")
    out.append("")
    return out
