"""The catalog as a whole: counts, ids, languages, references, and strict loading."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from fleetrisk.catalog.loader import BASELINES, case_file, load_catalog
from fleetrisk.catalog.schema import FAMILIES
from fleetrisk.errors import CatalogError

CATALOG = load_catalog()
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def test_counts() -> None:
    assert len(CATALOG.scenarios) >= 48
    for family in FAMILIES:
        assert len(CATALOG.by_family(family)) >= 5, family
    assert len(CATALOG.controls) >= 30


def test_ids_are_unique_and_stable_in_form() -> None:
    ids = [s.id for s in CATALOG.scenarios]
    assert len(ids) == len(set(ids))
    for scenario in CATALOG.scenarios:
        assert Path(scenario.file).stem == scenario.id.split(".", 1)[1]
        assert Path(scenario.file).parent.name == scenario.spec.family


def test_every_scenario_has_a_case() -> None:
    missing = [s.id for s in CATALOG.scenarios if not case_file(s.file).exists()]
    assert not missing


def _texts(item: object) -> list[tuple[str, str, str]]:
    out = []
    for name in ("title", "description", "fleet_impact", "remediation", "evidence", "summary"):
        text = getattr(item, name, None)
        if text is not None:
            out.append((name, text.en, text.ja))
    return out


def test_both_languages_are_present_and_distinct() -> None:
    items = [s.spec for s in CATALOG.scenarios] + list(CATALOG.controls.values())
    items += list(CATALOG.taxonomy.families)
    for item in items:
        for name, en, ja in _texts(item):
            where = f"{getattr(item, 'id', '?')}.{name}"
            assert en.strip() and ja.strip(), where
            assert JAPANESE.search(ja), f"{where}: Japanese text has no Japanese"
            assert not JAPANESE.search(en), f"{where}: English text contains Japanese"
            assert en != ja, where


def test_references_resolve_and_cite_two_baselines() -> None:
    for scenario in CATALOG.scenarios:
        refs = scenario.spec.references
        assert set(refs) <= set(CATALOG.frameworks), scenario.id
        assert sum(1 for b in BASELINES if b in refs) >= 2, scenario.id
    for control in CATALOG.controls.values():
        assert set(control.references) <= set(CATALOG.frameworks), control.id
        assert control.references, control.id


def test_every_control_counters_something_and_is_used() -> None:
    used = {c for s in CATALOG.scenarios for c in s.mitigated_by.controls()}
    unused = sorted(set(CATALOG.controls) - used)
    assert not unused, f"controls no scenario names: {unused}"


def test_relevance_matrix_is_complete() -> None:
    service_types = {t.id for t in CATALOG.taxonomy.service_types}
    assert set(CATALOG.taxonomy.relevance) == set(FAMILIES)
    for row in CATALOG.taxonomy.relevance.values():
        assert set(row) == service_types


def test_scenarios_are_not_blanket_rules() -> None:
    """A rule on components must name the kinds it concerns, or read a field that narrows it."""
    for scenario in CATALOG.scenarios:
        if scenario.spec.target == "component":
            assert scenario.spec.kinds or scenario.applies.fields(), scenario.id


# --- strict loading: a copy of the catalog with one thing broken -------------------------

GOOD = "scenarios/T6/online-signing-key.yaml"
BREAKAGES = [
    ("unknown field", lambda d: d.update(severity_x=3), "Extra inputs"),
    ("unknown operator", lambda d: d.update(applies={"field": "signs", "holds": "firmware"}), "unknown operator"),
    ("unknown model field", lambda d: d.update(applies={"field": "signz", "contains": "firmware"}), "unknown field"),
    ("unknown enum value", lambda d: d.update(applies={"field": "custody", "equals": "usb-stick"}), "not among"),
    ("unknown control", lambda d: d.update(mitigated_by="magic"), "unknown control"),
    ("unknown framework", lambda d: d["references"].update(iso99999=["1"]), "unknown framework"),
    ("one baseline only", lambda d: d.update(references={"etsi-en-303-645": ["5.3-10"]}), "at least two"),
    ("bad effect token", lambda d: d["effect"].update(grants=["outcome:world-domination"]), "unknown outcome"),
    ("effect on wrong type", lambda d: d["effect"].update(requires=["hold:holder"]), "needs a key"),
    ("missing Japanese", lambda d: d["title"].pop("ja"), "Field required"),
]


@pytest.mark.parametrize(("label", "breaker", "message"), BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_broken_catalog_fails_naming_the_file(tmp_path: Path, label: str, breaker, message: str) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "data"
    shutil.copytree(CATALOG.root, root)
    target = root / GOOD
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    breaker(data)
    target.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogError, match=message) as info:
        load_catalog(root)
    assert "online-signing-key.yaml" in info.value.render()
