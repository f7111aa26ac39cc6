"""Run every scenario's case file: what must fire, stay silent, be mitigated or unknown."""

from __future__ import annotations

from pathlib import Path

import pytest

from fleetrisk.catalog.loader import case_file, load_case, load_catalog
from fleetrisk.engine.assess import assess
from fleetrisk.model.loader import from_document
from fleetrisk.model.yamlio import Document

CATALOG = load_catalog()


@pytest.mark.parametrize("scenario", CATALOG.scenarios, ids=lambda s: s.id)
def test_case(scenario) -> None:  # type: ignore[no-untyped-def]
    path = case_file(scenario.file)
    assert path.exists(), f"{scenario.id} has no case file at {path}"
    case, doc = load_case(path)
    assert case.scenario == scenario.id
    model_doc = Document(
        str(path),
        case.model,
        {key[1:]: pos for key, pos in doc.positions.items() if key[:1] == ("model",)},
    )
    loaded = from_document(model_doc)
    result = assess(loaded, CATALOG)
    mine = {f.element: f.status for f in result.findings if f.scenario == scenario.id}
    expect = case.expect
    for wanted in ("open", "mitigated", "unknown"):
        for element in getattr(expect, wanted):
            got = mine.get(element)
            assert got == wanted, f"{scenario.id} must be {wanted} on {element}, got {got}"
    for element in expect.silent:
        assert element not in mine, f"{scenario.id} must stay silent on {element}, got {mine[element]}"
    declared = set(expect.open) | set(expect.mitigated) | set(expect.unknown) | set(expect.silent)
    ids = {h.id for hs in loaded.index.by_type.values() for h in hs}
    assert declared <= ids, f"case names elements not in its model: {sorted(declared - ids)}"


def test_every_case_file_has_a_scenario() -> None:
    root = CATALOG.root / "scenarios"
    cases = sorted(root.glob("T*/*.case.yaml"))
    known = {Path(s.file).with_suffix("").name for s in CATALOG.scenarios}
    orphans = [c for c in cases if c.name[: -len(".case.yaml")] not in known]
    assert not orphans, f"case files without a scenario: {orphans}"
