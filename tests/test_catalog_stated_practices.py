"""Service-wide practices a rule reads: stated true, stated false and left out.

A case file holds one model, so it can show a practice stated one way only. Here each rule's
case model is assessed again with the practice flipped and with it left out: a stated good
practice silences the rule, and leaving it out asks about exactly the elements that would
otherwise be open, never about the ones the rest of the rule already clears.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from fleetrisk.catalog.loader import case_file, load_case, load_catalog
from fleetrisk.engine.assess import assess
from fleetrisk.model.loader import from_data

CATALOG = load_catalog()

PRACTICE_RULES = [
    ("T6.unmonitored-firmware-signing-key", "key_use_monitoring"),
    ("T5.unmonitored-code-signing-key", "key_use_monitoring"),
    ("T6.unscanned-signing-key-file", "secrets_scanning"),
    ("T3.no-vulnerability-disclosure", "vulnerability_disclosure"),
    ("T2.unmonitored-content-signing-key", "key_use_monitoring"),
    ("T3.unwatched-mass-operations", "anomaly_detection"),
    ("T4.unreviewed-access-changes", "access_changes_reviewed"),
    ("T3.unhardened-production-cloud", "hardening_baseline"),
]


def _statuses(scenario_id: str, model: dict[str, Any]) -> dict[str, str]:
    result = assess(from_data(model), CATALOG)
    return {f.element: f.status for f in result.findings if f.scenario == scenario_id}


@pytest.mark.parametrize(("scenario_id", "practice"), PRACTICE_RULES, ids=[r[0] for r in PRACTICE_RULES])
def test_practice_stated_and_left_out(scenario_id: str, practice: str) -> None:
    scenario = CATALOG.scenario(scenario_id)
    case, _ = load_case(case_file(scenario.file))
    assert case.model["practices"][practice] is False

    good = copy.deepcopy(case.model)
    good["practices"][practice] = True
    assert _statuses(scenario_id, good) == {}

    unstated = copy.deepcopy(case.model)
    del unstated["practices"][practice]
    found = _statuses(scenario_id, unstated)
    # unknown where the rule was open, and where another unstated fact already left it unknown
    assert {e for e, s in found.items() if s == "unknown"} == set(case.expect.open) | set(case.expect.unknown)
    assert {e for e, s in found.items() if s == "mitigated"} == set(case.expect.mitigated)
    assert not set(found) & set(case.expect.silent)


def test_service_wide_rule_mitigated_and_not_applicable() -> None:
    """A service-wide rule has one element to judge, so its case shows it open only: here the
    same model with the control declared, and without the architecture that makes it matter."""
    scenario_id = "T3.no-vulnerability-disclosure"
    case, _ = load_case(case_file(CATALOG.scenario(scenario_id).file))

    declared = copy.deepcopy(case.model)
    declared["controls"] = {"vulnerability-disclosure-programme": "implemented"}
    assert _statuses(scenario_id, declared) == {"service": "mitigated"}

    internal = copy.deepcopy(case.model)
    for component in internal["components"]:
        component["exposure"] = ["internal"]
    assert _statuses(scenario_id, internal) == {}


@pytest.mark.parametrize(("images", "status"), [
    ("floating-public", "open"), ("pinned-public", None), ("curated", None), (None, "unknown"),
])
def test_base_images_stated_each_way_and_left_out(images: str | None, status: str | None) -> None:
    """The base-image practice is a list of values, not true or false: only floating public images
    open the rule, and leaving it out asks about it."""
    scenario_id = "T3.floating-base-images"
    case, _ = load_case(case_file(CATALOG.scenario(scenario_id).file))
    model = copy.deepcopy(case.model)
    if images is None:
        del model["practices"]["server_base_images"]
    else:
        model["practices"]["server_base_images"] = images
    assert _statuses(scenario_id, model) == ({"service": status} if status else {})
