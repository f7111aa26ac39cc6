"""The verify command: check declared controls against the running deployment, within a scope."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from fleetrisk.atomic import write_atomic
from fleetrisk.cli._common import Lang, add_command, err, guard, out
from fleetrisk.cli._files import load_model_file, readable
from fleetrisk.cli._outputs import check_output
from fleetrisk.errors import InputError, Location, UsageError
from fleetrisk.evidence import EVIDENCE_FORMAT, Check, EvidenceFile
from fleetrisk.messages import check_found, check_status, word
from fleetrisk.probes import DEFAULT_SECRETS_FILE
from fleetrisk.textsafe import json_inert

if TYPE_CHECKING:  # the probe modules and protocol clients load only when this command runs
    from fleetrisk.model.loader import LoadedModel
    from fleetrisk.probes.plan import Plan, Probe
    from fleetrisk.probes.scope import Scope
    from fleetrisk.probes.secrets import Secrets

LABELS = {
    "en": {
        "status": "Status", "check": "Check", "control": "Control", "element": "Element", "target": "Target",
        "details": "Details", "tier": "Tier", "action": "Action", "scope": "Scope", "allowed": "allowed",
        "refused": "REFUSED",
        "safe": "safe", "intrusive": "intrusive", "static": "static", "skipped": "Not planned",
        "plan": "Dry run: nothing was sent", "results": "Live verification",
    },
    "ja": {
        "status": "判定", "check": "検査", "control": "対策", "element": "要素", "target": "対象",
        "details": "詳細", "tier": "区分", "action": "実行内容", "scope": "スコープ", "allowed": "許可",
        "refused": "拒否",
        "safe": "非破壊", "intrusive": "影響あり", "static": "静的", "skipped": "未実施",
        "plan": "ドライラン（送信なし）", "results": "実地検証",
    },
}


class VerifyFormat(StrEnum):
    table = "table"
    json = "json"


def verify(
    model: Annotated[Path, typer.Argument(help="Model file whose components declare endpoints.")],
    scope: Annotated[Path, typer.Option("--scope", help="Allow-list of hosts and ports, rates and time budget.")],
    secrets: Annotated[Path | None, typer.Option(
        "--secrets", help=f"Test identities (default: ./{DEFAULT_SECRETS_FILE} if present).")] = None,
    intrusive: Annotated[bool, typer.Option(
        "--intrusive", help="Also run canary, cross-tenant, burst and TUF client checks.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List every action; send nothing.")] = False,
    fmt: Annotated[VerifyFormat, typer.Option("--format", "-f", case_sensitive=False)] = VerifyFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the evidence JSON here.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an --output that is not an evidence file from "
                                        "verify, even an input of this run.")] = False,
    lang: Annotated[Lang, typer.Option(help="Label language.", case_sensitive=False)] = Lang.en,
) -> None:
    """Probe the deployment's endpoints and record evidence on the declared controls."""

    def run() -> None:
        try:
            from fleetrisk.probes.plan import build_plan
            from fleetrisk.probes.runner import run_plan, utc_now
        except ModuleNotFoundError as exc:  # the protocol clients are an optional extra
            raise UsageError(f"live verification needs the Python package {exc.name!r}, which is not installed",
                             hint="pip install 'fleetrisk[probes]' (make demo and make test install it)") from exc
        from fleetrisk.probes.scope import Gate, load_scope

        if output is not None:  # refused before anything is sent (and on a dry run, which would be refused too)
            inputs = [(model, "model"), (scope, "scope file"), (secrets or Path(DEFAULT_SECRETS_FILE), "secrets file")]
            check_output(output, kind="evidence", inputs=inputs, force=force)
        loaded = load_model_file(model)
        allowed = load_scope(readable(scope, "scope file"))
        identities = _secrets(secrets)
        plan = build_plan(loaded, allowed, identities, intrusive=intrusive, now=utc_now())
        t = LABELS[lang.value]
        if not plan.probes:
            for note in plan.skipped:
                err.print(f"{t['skipped']}: {word(note, lang.value)}", markup=False)
            raise _nothing_to_probe(loaded, model)
        if dry_run:
            _show_plan(plan, allowed, fmt, lang.value)
            _refuse_outside(plan, allowed)
            return
        _refuse_outside(plan, allowed)
        for note in plan.skipped:
            err.print(f"{t['skipped']}: {word(note, lang.value)}", markup=False)

        def progress(number: int, probe: Probe) -> None:
            err.print(f"[{number}] {word(probe.action, lang.value)}", markup=False)

        checks = run_plan(plan, Gate(allowed), progress=progress if sys.stderr.isatty() else None)
        evidence = EvidenceFile(fleetrisk_evidence=EVIDENCE_FORMAT, checks=checks)
        text = json_inert(evidence.model_dump_json(indent=2)) + "\n"
        if output is not None:
            try:
                write_atomic(output, text)
            except OSError as exc:
                raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from exc
            err.print(f"wrote {output}; next: fleetrisk assess {model} --evidence {output}", markup=False)
        if fmt is VerifyFormat.json and output is None:
            sys.stdout.write(text)
        else:
            _show_checks(checks, lang.value)

    guard(run)


def _nothing_to_probe(loaded: LoadedModel, model: Path) -> InputError:
    """Why a plan is empty: no endpoints at all, or none that any check applies to."""
    endpoints = [e for c in loaded.model.components for e in c.endpoints]
    if not endpoints:
        return InputError("nothing to verify: the model declares no endpoints", location=Location(str(model)),
                          hint="list what to probe under each component's endpoints (docs/verify.md)")
    return InputError(f"nothing to verify: no check applies to the model's {len(endpoints)} endpoint(s)",
                      location=Location(str(model)),
                      hint="http and https endpoints are probed when marked protected: true; mqtt, mqtts, "
                           "tls and tuf always are (docs/verify.md)")


def _secrets(path: Path | None) -> Secrets:
    from fleetrisk.probes.secrets import empty_secrets, load_secrets

    if path is not None:
        return load_secrets(readable(path, "secrets file"))
    default = Path(DEFAULT_SECRETS_FILE)
    if default.is_file():
        err.print(f"using test identities from {default}", markup=False)
        return load_secrets(default)
    return empty_secrets()


def _refuse_outside(plan: Plan, scope: Scope) -> None:
    refused = plan.refused(scope)
    if not refused:
        return
    from fleetrisk.probes.scope import ScopeError

    targets = sorted({f"{host}:{port}" for _, (host, port) in refused})
    raise ScopeError(
        f"outside the scope: {', '.join(targets)}; nothing was sent to any target",
        hint=f"add them to the targets in {scope.file}, or remove those endpoints from the model")


def _show_plan(plan: Plan, scope: Scope, fmt: VerifyFormat, lang: str) -> None:
    t = LABELS[lang]

    def verdict(probe: Probe) -> str:
        bad = [f"{h}:{p}" for h, p in probe.contacts if scope.rule_for(h, p) is None]
        return f"{t['refused']} {', '.join(bad)}" if bad else t["allowed"]

    if fmt is VerifyFormat.json:
        actions = [{"tier": p.tier, "action": word(p.action, lang), "checks": [c for c, _ in p.checks],
                    "controls": sorted({c for _, c in p.checks}), "element": p.element, "target": p.target,
                    "contacts": [f"{h}:{port}" for h, port in p.contacts], "scope": verdict(p)}
                   for p in plan.probes]
        sys.stdout.write(json_inert(json.dumps({"dry_run": True, "actions": actions,
                                                "not_planned": [word(note, lang) for note in plan.skipped]},
                                               indent=2, ensure_ascii=False)) + "\n")
        return
    table = Table(title=t["plan"], title_justify="left")
    for column in ("#", t["tier"], t["check"], t["element"], t["action"], t["scope"]):
        table.add_column(column, overflow="fold")
    for number, p in enumerate(plan.probes, start=1):
        table.add_row(str(number), t[p.tier], ", ".join(dict.fromkeys(c for c, _ in p.checks)), p.element or "-",
                      word(p.action, lang), verdict(p))
    out.print(table)
    for note in plan.skipped:
        out.print(f"{t['skipped']}: {word(note, lang)}", markup=False)


def _show_checks(checks: list[Check], lang: str) -> None:
    t = LABELS[lang]
    table = Table(title=t["results"], title_justify="left")
    for column in (t["status"], t["check"], t["control"], t["element"], t["target"], t["details"]):
        table.add_column(column, overflow="fold")
    for c in checks:
        table.add_row(check_status(c.status, lang), c.check, c.control, c.element or "-", c.target,
                      check_found(c, lang))
    out.print(table)
    counts = {s: sum(1 for c in checks if c.status == s) for s in ("verified", "refuted", "inconclusive")}
    out.print(", ".join(f"{check_status(s, lang)} {n}" for s, n in counts.items()), markup=False)


def register(app: typer.Typer) -> None:
    """Add the verify command to ``app``."""
    add_command(app, verify)
