"""Run every scenario's case file: what must fire, stay silent, be mitigated or unknown.

The cases run through :mod:`fleetrisk.engine.cases`, as ``fleetrisk catalog test`` runs them.
"""

from __future__ import annotations

import pytest

from fleetrisk.catalog.loader import load_catalog
from fleetrisk.engine.cases import load_scenario_case, orphan_cases, run_case

CATALOG = load_catalog()


@pytest.mark.parametrize("scenario", CATALOG.scenarios, ids=lambda s: s.id)
def test_case(scenario) -> None:  # type: ignore[no-untyped-def]
    case = load_scenario_case(scenario)
    assert case.case.scenario == scenario.id
    failures = run_case(case, CATALOG)
    assert not failures, "\n".join(f.render() for f in failures)


def test_every_case_file_has_a_scenario() -> None:
    assert not orphan_cases(CATALOG.root)
