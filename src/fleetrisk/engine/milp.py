"""A small mixed-integer program builder over HiGHS (``highspy``), with every status checked.

Rows are kept as {column: coefficient}, so a column named twice in one row is summed, never
passed twice: HiGHS rejects such a row and says so only in the return status.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from highspy import HighsModelStatus, HighsStatus, HighsVarType, kHighsInf

# The Python subclass ``highspy.Highs`` prints a banner on stdout when it is created, which
# would corrupt JSON output; the core class underneath prints nothing while output is off.
from highspy._core import _Highs

INF = kHighsInf


class SolverError(RuntimeError):
    """HiGHS refused a call: a bug here, not a user error."""


@dataclass
class Milp:
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    rows: list[tuple[float, float, dict[int, float]]] = field(default_factory=list)

    def var(self, lower: float = 0.0, upper: float = 1.0, *, integer: bool = True, cost: float = 0.0) -> int:
        self.lower.append(lower)
        self.upper.append(upper)
        self.integer.append(integer)
        self.cost.append(cost)
        return len(self.cost) - 1

    def row(self, lower: float, upper: float, terms: Iterable[tuple[int, float]]) -> None:
        merged: dict[int, float] = {}
        for column, value in terms:
            merged[column] = merged.get(column, 0.0) + value
        self.rows.append((lower, upper, {c: v for c, v in merged.items() if v != 0.0}))

    def solve(self, objective: list[float] | None = None) -> tuple[HighsModelStatus, list[float]]:
        """Minimise ``objective`` (default: the columns' costs); (status, column values)."""
        highs = _Highs()
        _check(highs.setOptionValue("output_flag", False), "setOptionValue")
        _check(highs.setOptionValue("mip_rel_gap", 0.0), "setOptionValue")
        _check(highs.setOptionValue("threads", 1), "setOptionValue")
        n = len(self.cost)
        costs = np.asarray(objective if objective is not None else self.cost, dtype=np.float64)
        _check(highs.addVars(n, np.asarray(self.lower), np.asarray(self.upper)), "addVars")
        columns = np.arange(n, dtype=np.int32)
        kinds = np.array([HighsVarType.kInteger if i else HighsVarType.kContinuous for i in self.integer])
        if n:
            _check(highs.changeColsIntegrality(n, columns, kinds), "changeColsIntegrality")
            _check(highs.changeColsCost(n, columns, costs), "changeColsCost")
        for lower, upper, terms in self.rows:
            index = np.fromiter(terms, dtype=np.int32, count=len(terms))
            values = np.fromiter(terms.values(), dtype=np.float64, count=len(terms))
            _check(highs.addRow(lower, upper, len(terms), index, values), "addRow")
        _check(highs.run(), "run")
        status = highs.getModelStatus()
        values_out = list(highs.getSolution().col_value) if status == HighsModelStatus.kOptimal else []
        return status, values_out


def status_name(status: HighsModelStatus) -> str:
    return str(status.name).removeprefix("k").lower()


def _check(status: HighsStatus, call: str) -> None:
    if status != HighsStatus.kOk:
        raise SolverError(f"HiGHS {call} returned {status.name}")
