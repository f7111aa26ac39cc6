"""The scope file: the only hosts and ports a verification run may touch, how fast, for how long.

Nothing is in scope by default. Every connection a probe opens first passes :meth:`Gate.admit`,
which refuses targets outside the allow-list, spaces connections to honour the per-target
rate and stops the run when the total time budget is spent.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, field_validator

from fleetrisk.errors import UsageError
from fleetrisk.probes.config import load_document

DEFAULT_CACHE_DIR = ".fleetrisk-cache"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ScopeTarget(_Strict):
    """One allowed host with its ports and limits."""

    host: Annotated[str, Field(min_length=1, max_length=253)]
    ports: Annotated[list[Annotated[StrictInt, Field(ge=1, le=65535)]], Field(min_length=1, max_length=64)]
    requests_per_second: Annotated[StrictFloat | StrictInt, Field(gt=0, le=50)] = Field(
        default=5, description="Most new connections or requests per second to this host and port."
    )
    burst_requests: Annotated[StrictInt, Field(ge=1, le=200)] = Field(
        default=20, description="Size of the one bounded burst the intrusive rate-limit check may send."
    )

    @field_validator("host")
    @classmethod
    def _literal_host(cls, value: str) -> str:
        if any(ch in value for ch in "*?/[] "):
            raise ValueError("must be one literal host name or address (no wildcards, ranges or URLs)")
        return value.lower()


class ScopeFile(_Strict):
    """``scope.yaml``: the allow-list and the time budget."""

    fleetrisk_scope: Literal[1]
    budget_seconds: Annotated[StrictFloat | StrictInt, Field(gt=0, le=3600)] = Field(
        description="Total wall time the run may take; checks left when it runs out are not run."
    )
    cache_dir: str = Field(default=DEFAULT_CACHE_DIR, description="Kept client state (TUF), relative to this file.")
    targets: list[ScopeTarget] = Field(default_factory=list)


class ScopeError(UsageError):
    """A target outside the scope."""

    code = "scope"


class BudgetExhausted(Exception):
    """The run's time budget is spent; the check was not (fully) run."""


@dataclass(frozen=True)
class Scope:
    """A loaded scope file."""

    spec: ScopeFile
    file: str
    cache_dir: Path

    def rule_for(self, host: str, port: int) -> ScopeTarget | None:
        wanted = host.lower().strip("[]")
        for target in self.spec.targets:
            if target.host.strip("[]") == wanted and port in target.ports:
                return target
        return None

    def require(self, host: str, port: int) -> ScopeTarget:
        rule = self.rule_for(host, port)
        if rule is None:
            raise ScopeError(f"{host}:{port} is outside the scope; nothing was sent to it",
                             hint=f"add host {host} with port {port} to the targets in {self.file}")
        return rule


def load_scope(path: Path) -> Scope:
    """Read and check a scope file."""
    spec, _ = load_document(path, ScopeFile, "fleetrisk_scope",
                            "a scope file starts with 'fleetrisk_scope: 1'; see docs/verify.md")
    return Scope(spec, str(path), path.parent / spec.cache_dir)


@dataclass
class Gate:
    """Admits connections inside the scope, at the scope's rates, within the time budget."""

    scope: Scope
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    opened: list[tuple[str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.deadline = self.clock() + float(self.scope.spec.budget_seconds)
        self._next_slot: dict[tuple[str, int], float] = {}
        self._lock = threading.Lock()

    def remaining(self) -> float:
        return self.deadline - self.clock()

    def timeout(self, cap: float) -> float:
        """A network timeout no longer than ``cap`` nor the budget left."""
        left = self.remaining()
        if left <= 0:
            raise BudgetExhausted
        return min(cap, left)

    def admit(self, host: str, port: int) -> None:
        """Wait for the target's next rate slot; refuse out-of-scope targets and a spent budget."""
        rule = self.scope.require(host, port)
        key = (host.lower(), port)
        with self._lock:
            now = self.clock()
            start = max(now, self._next_slot.get(key, now))
            if start >= self.deadline:
                raise BudgetExhausted
            self._next_slot[key] = start + 1.0 / float(rule.requests_per_second)
        if start > now:
            self.sleep(start - now)
        self.opened.append(key)

    def admit_burst(self, host: str, port: int) -> int:
        """Admit the one bounded burst the scope allows on this target; returns its size."""
        rule = self.scope.require(host, port)
        if self.remaining() <= 0:
            raise BudgetExhausted
        self.opened.append((host.lower(), port))
        return rule.burst_requests
