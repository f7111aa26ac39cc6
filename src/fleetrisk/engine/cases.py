"""Catalog case files: the small model beside each scenario, and where it must fire or stay silent.

``fleetrisk catalog check`` loads every case strictly, ``fleetrisk catalog test`` also runs
them, and the project's own tests run the bundled catalog's cases the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from fleetrisk.catalog.loader import Catalog, CompiledScenario, case_file, load_case, scenario_files
from fleetrisk.catalog.schema import Case
from fleetrisk.engine.assess import assess
from fleetrisk.errors import CatalogError, Location
from fleetrisk.model.loader import LoadedModel, from_document
from fleetrisk.model.yamlio import Document

EXPECTED = ("open", "mitigated", "unknown")


@dataclass(frozen=True)
class CaseFailure:
    """An expectation of a case file the scenario did not meet, at the line that states it."""

    scenario: str
    location: Location
    message: str

    def render(self) -> str:
        return f"{self.location}: error[case]: {self.message}"


@dataclass(frozen=True)
class LoadedCase:
    scenario: CompiledScenario
    case: Case
    document: Document
    model: LoadedModel


def load_scenario_case(scenario: CompiledScenario) -> LoadedCase:
    """The case beside ``scenario``, strictly: it names the scenario, its model is valid and its
    expectations name elements of that model. A problem raises, located in the case file."""
    path = case_file(scenario.file)
    if not path.is_file():
        raise CatalogError(f"scenario {scenario.id} has no case file {path.name} beside it",
                           location=Location(scenario.file, 1, 1),
                           hint="every scenario needs a case (docs/catalog-authoring.md)")
    case, doc = load_case(path)
    if case.scenario != scenario.id:
        raise CatalogError(f"the case names scenario {case.scenario!r}, but the scenario beside it is {scenario.id!r}",
                           location=doc.locate(("scenario",)), hint=f"write 'scenario: {scenario.id}'")
    if "catalog" in case.model:
        raise CatalogError("a case model does not name catalogs: it runs with the catalog under test",
                           location=doc.locate(("model", "catalog")), hint="remove 'catalog:' from the case model")
    model_doc = Document(str(path), case.model,
                         {key[1:]: pos for key, pos in doc.positions.items() if key[:1] == ("model",)})
    loaded = from_document(model_doc)
    ids = {h.id for handles in loaded.index.by_type.values() for h in handles}
    for wanted in (*EXPECTED, "silent"):
        for i, element in enumerate(getattr(case.expect, wanted)):
            if element not in ids:
                raise CatalogError(f"expect.{wanted} names {element!r}, which is not in the case's model",
                                   location=doc.locate(("expect", wanted, i)),
                                   hint="name a fleet, component, key, data set, flow, account or zone of the model")
    return LoadedCase(scenario, case, doc, loaded)


def run_case(loaded: LoadedCase, catalog: Catalog) -> list[CaseFailure]:
    """Assess the case's model with ``catalog``; every expectation the scenario misses is a failure."""
    sid = loaded.scenario.id
    result = assess(loaded.model, catalog)
    mine = {f.element: f.status for f in result.findings if f.scenario == sid}
    expect, doc = loaded.case.expect, loaded.document
    failures = []
    for wanted in EXPECTED:
        for i, element in enumerate(getattr(expect, wanted)):
            got = mine.get(element)
            if got != wanted:
                failures.append(CaseFailure(sid, doc.locate(("expect", wanted, i)),
                                            f"{sid} must be {wanted} on {element}, got {got or 'no finding'}"))
    for i, element in enumerate(expect.silent):
        if element in mine:
            failures.append(CaseFailure(sid, doc.locate(("expect", "silent", i)),
                                        f"{sid} must stay silent on {element}, got {mine[element]}"))
    return failures


def run_cases(catalog: Catalog, scenarios: Iterable[CompiledScenario]) -> tuple[int, list[CaseFailure]]:
    """Load every case strictly first (a broken one raises), then run them: (cases run, failures)."""
    cases = [load_scenario_case(s) for s in scenarios]
    return len(cases), [failure for case in cases for failure in run_case(case, catalog)]


def orphan_cases(root: Path) -> list[Path]:
    """Case files under ``root/scenarios`` with no scenario file beside them."""
    scenarios = {p.with_suffix("") for p in scenario_files(root)}
    cases = sorted(root.glob("scenarios/T*/*.case.yaml"))
    return [c for c in cases if c.with_name(c.name[: -len(".case.yaml")]) not in scenarios]
