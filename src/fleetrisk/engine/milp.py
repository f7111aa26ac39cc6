"""A small mixed-integer program builder over HiGHS (``highspy``), with every status checked.

Rows are kept as {column: coefficient}, so a column named twice in one row is summed, never
passed twice: HiGHS rejects such a row and says so only in the return status.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
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

    def solve(
        self, objective: list[float] | None = None, start: dict[int, float] | None = None
    ) -> tuple[HighsModelStatus, list[float]]:
        """Minimise ``objective`` (default: the columns' costs); (status, column values).

        ``start`` is a feasible assignment (or part of one) that HiGHS takes as its first
        incumbent: a warm start, which only prunes the search, never changes the optimum.
        HiGHS 1.16 can return the start's values beside the optimum's objective value (seen
        when presolve alone settles the model); the values are checked against the objective,
        and on a mismatch the model is solved again without the start.
        """
        if not self.cost:  # nothing to decide: HiGHS would call the model empty
            return HighsModelStatus.kOptimal, []
        costs = np.asarray(objective if objective is not None else self.cost, dtype=np.float64)
        status, values, reported = self._run(costs, start)
        if start and status == HighsModelStatus.kOptimal:
            found = float(np.dot(costs, values))
            if abs(found - reported) > 1e-7 * max(1.0, abs(reported)):
                status, values, _ = self._run(costs, None)
        return status, values

    def _run(self, costs: npt.NDArray[np.float64], start: dict[int, float] | None
             ) -> tuple[HighsModelStatus, list[float], float]:
        highs = _Highs()
        _check(highs.setOptionValue("output_flag", False), "setOptionValue")
        _check(highs.setOptionValue("mip_rel_gap", 0.0), "setOptionValue")
        _check(highs.setOptionValue("threads", 1), "setOptionValue")
        # Probing (presolve rule 15) tries each binary both ways; the continuous reach columns of
        # the plan become implied binaries, and probing them took 11 of 11.4 s at 30,000
        # components, for a search that then needs one node.
        _check(highs.setOptionValue("presolve_rule_off", 1 << 15), "setOptionValue")
        n = len(self.cost)
        _check(highs.addVars(n, np.asarray(self.lower), np.asarray(self.upper)), "addVars")
        columns = np.arange(n, dtype=np.int32)
        kinds = np.array([HighsVarType.kInteger if i else HighsVarType.kContinuous for i in self.integer])
        _check(highs.changeColsIntegrality(n, columns, kinds), "changeColsIntegrality")
        _check(highs.changeColsCost(n, columns, costs), "changeColsCost")
        if self.rows:
            lower = np.fromiter((r[0] for r in self.rows), dtype=np.float64, count=len(self.rows))
            upper = np.fromiter((r[1] for r in self.rows), dtype=np.float64, count=len(self.rows))
            sizes = np.fromiter((len(r[2]) for r in self.rows), dtype=np.int32, count=len(self.rows))
            starts = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int32)
            nonzeros = int(sizes.sum())
            index = np.fromiter((c for r in self.rows for c in r[2]), dtype=np.int32, count=nonzeros)
            values = np.fromiter((v for r in self.rows for v in r[2].values()), dtype=np.float64, count=nonzeros)
            _check(highs.addRows(len(self.rows), lower, upper, nonzeros, starts, index, values), "addRows")
        if start:
            keys = np.fromiter(start, dtype=np.int32, count=len(start))
            given = np.fromiter(start.values(), dtype=np.float64, count=len(start))
            # A start HiGHS finds infeasible is a warning, and ignored: the search runs without it.
            _check(highs.setSolution(len(start), keys, given), "setSolution", warning=True)
        _check(highs.run(), "run")
        status = highs.getModelStatus()
        if status != HighsModelStatus.kOptimal:
            return status, [], 0.0
        return status, list(highs.getSolution().col_value), float(highs.getInfo().objective_function_value)


def status_name(status: HighsModelStatus) -> str:
    return str(status.name).removeprefix("k").lower()


def _check(status: HighsStatus, call: str, *, warning: bool = False) -> None:
    if status != HighsStatus.kOk and not (warning and status == HighsStatus.kWarning):
        raise SolverError(f"HiGHS {call} returned {status.name}")
