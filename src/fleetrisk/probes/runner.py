"""Run a plan: every probe through the gate, every outcome stamped as evidence.

No check's details show a secrets-file value (a password, a header): a library's error
message that quotes one has it replaced by ``REDACTED`` before it becomes evidence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

from fleetrisk.evidence import Check
from fleetrisk.messages import Text
from fleetrisk.probes.outcome import INCONCLUSIVE, Outcome, stamp
from fleetrisk.probes.plan import Plan, Probe
from fleetrisk.probes.scope import BudgetExhausted, Gate, ScopeError
from fleetrisk.redact import hide


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def run_plan(plan: Plan, gate: Gate, *, clock: Callable[[], dt.datetime] = utc_now,
             progress: Callable[[int, Probe], None] | None = None) -> list[Check]:
    """Run the probes in order; a spent budget or a failing probe gives inconclusive checks."""
    refused = plan.refused(gate.scope)
    if refused:
        raise ScopeError(f"{refused[0][1][0]}:{refused[0][1][1]} is outside the scope; nothing was sent")
    checks: list[Check] = []
    for number, probe in enumerate(plan.probes, start=1):
        if progress is not None:
            progress(number, probe)
        outcomes = [replace(o, text=_hidden(o.text, plan.hidden)) for o in _run_one(probe, gate)]
        checks += [stamp(o, element=probe.element, target=probe.target, tier=probe.tier, now=clock(),
                         applies_to=probe.applies_to)
                   for o in outcomes]
    return checks


def _run_one(probe: Probe, gate: Gate) -> list[Outcome]:
    budget = gate.scope.spec.budget_seconds
    try:
        if gate.remaining() <= 0:
            raise BudgetExhausted
        return probe.run(gate)
    except BudgetExhausted:
        reason = Text.of("check.not_run", budget=budget)
    except ScopeError:
        raise
    except Exception as exc:  # a probe's library failed in a way it did not foresee
        reason = Text.of("check.crashed", error=f"{type(exc).__name__}: {exc}")
    return [Outcome(check, control, INCONCLUSIVE, reason) for check, control in probe.checks]


def _hidden(text: Text, values: tuple[str, ...]) -> Text:
    """``text`` with every secrets-file value in its arguments (nested ones too) replaced."""
    def clean(value: object) -> object:
        if isinstance(value, str):
            return hide(value, values)
        if isinstance(value, Text):
            return _hidden(value, values)
        if isinstance(value, tuple):
            return tuple(clean(v) for v in value)
        return value

    return Text(text.key, tuple((name, clean(value)) for name, value in text.args))
