"""Load the catalog strictly: every file validated, every condition compiled, every
reference resolved. Any problem raises :class:`CatalogError` naming the file."""

from __future__ import annotations

import functools
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fleetrisk.catalog.conditions import (
    Condition,
    ConditionError,
    ControlExpr,
    compile_condition,
    compile_controls,
)
from fleetrisk.catalog.schema import (
    FAMILIES,
    Case,
    Control,
    ControlFile,
    EffectOutcome,
    Framework,
    Frameworks,
    Scenario,
    Taxonomy,
)
from fleetrisk.errors import CatalogError, FleetriskError, Location
from fleetrisk.model.queries import relation_target
from fleetrisk.model.yamlio import Document, load_path

#: Frameworks of which every scenario must cite at least two.
BASELINES = ("etsi-en-303-645", "nist-ir-8259a", "owasp-iot-top10", "owasp-isvs",
             "csa-iot-scf", "enisa-iot-baseline", "tuf-uptane")

M = typing.TypeVar("M", bound=BaseModel)

_TOKEN = re.compile(r"^(entry|(control|hold|impersonate):[a-z_]+|outcome:[a-z-]+)$")


@dataclass(frozen=True)
class CompiledScenario:
    """A scenario with its conditions compiled."""

    spec: Scenario
    applies: Condition
    mitigated_by: ControlExpr
    file: str

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass
class Catalog:
    """The whole knowledge base."""

    taxonomy: Taxonomy
    frameworks: dict[str, Framework]
    controls: dict[str, Control]
    scenarios: list[CompiledScenario]
    root: Path
    control_files: dict[str, str] = field(default_factory=dict)
    control_costs: dict[str, float] = field(default_factory=dict)  # yearly, in ``cost_currency``
    cost_currency: str = "USD"

    def scenario(self, scenario_id: str) -> CompiledScenario:
        for item in self.scenarios:
            if item.id == scenario_id:
                return item
        raise KeyError(scenario_id)

    def by_family(self, family: str) -> list[CompiledScenario]:
        return [s for s in self.scenarios if s.spec.family == family]

    def by_target(self, target: str) -> list[CompiledScenario]:
        return [s for s in self.scenarios if s.spec.target == target]


def default_root() -> Path:
    """The bundled catalog, installed as plain files beside this module."""
    return Path(__file__).resolve().parent / "data"


@functools.lru_cache(maxsize=4)
def load_catalog(root: Path | None = None) -> Catalog:
    """Load and compile the catalog at ``root`` (the bundled one by default)."""
    root = root or default_root()
    taxonomy = _validate(Taxonomy, _read(root / "taxonomy.yaml"))
    frameworks = {f.id: f for f in _validate(Frameworks, _read(root / "frameworks.yaml")).frameworks}
    controls: dict[str, Control] = {}
    control_files: dict[str, str] = {}
    for path in sorted((root / "controls").glob("*.yaml")):
        doc = _read(path)
        for control in _validate(ControlFile, doc).controls:
            if control.id in controls:
                raise CatalogError(f"duplicate control id {control.id!r}",
                                   location=Location(str(path)),
                                   hint=f"first defined in {control_files[control.id]}")
            _check_references(control.references, frameworks, doc.file)
            controls[control.id] = control
            control_files[control.id] = doc.file
    scenarios = [
        _compile(path, frameworks, set(controls)) for path in scenario_files(root)
    ]
    seen: dict[str, str] = {}
    for item in scenarios:
        if item.id in seen:
            raise CatalogError(f"duplicate scenario id {item.id!r}", location=Location(item.file),
                               hint=f"also in {seen[item.id]}")
        seen[item.id] = item.file
    scenarios.sort(key=lambda s: s.id)
    costs = _load_costs(root / "costs.yaml", controls)
    return Catalog(taxonomy, frameworks, controls, scenarios, root, control_files, costs.controls, costs.currency)


class _CostFile(BaseModel):
    """``costs.yaml``: the yearly cost default of every control (see the file's header)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    basis: dict[Literal["1", "2", "3", "4", "5"], Annotated[float, Field(gt=0)]]
    controls: dict[str, Annotated[float, Field(gt=0, le=1e12)]]


def _load_costs(path: Path, controls: dict[str, Control]) -> _CostFile:
    doc = _read(path)
    costs = _validate(_CostFile, doc)
    for cid in costs.controls:
        if cid not in controls:
            raise CatalogError(f"costs.yaml names unknown control {cid!r}", location=doc.locate(("controls", cid)),
                               hint="every id must be a control in controls/*.yaml")
    missing = sorted(set(controls) - set(costs.controls))
    if missing:
        raise CatalogError(f"costs.yaml has no yearly cost for {', '.join(missing)}",
                           location=doc.locate(("controls",)),
                           hint="add one line per control, derived from its relative cost through 'basis'")
    return costs


def scenario_files(root: Path) -> list[Path]:
    return sorted(
        p for family in FAMILIES for p in (root / "scenarios" / family).glob("*.yaml")
        if not p.name.endswith(".case.yaml")
    )


def case_file(scenario_file: str) -> Path:
    path = Path(scenario_file)
    return path.with_name(path.name[: -len(".yaml")] + ".case.yaml")


def load_case(path: Path) -> tuple[Case, Document]:
    doc = _read(path)
    return _validate(Case, doc), doc


def _read(path: Path) -> Document:
    try:
        return load_path(path)
    except FleetriskError as exc:
        raise CatalogError(exc.message, location=exc.location or Location(str(path)),
                           hint=exc.hint) from exc


def _validate(cls: type[M], doc: Document) -> M:
    try:
        return cls.model_validate(doc.data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        raise CatalogError(
            f"{first['msg']} ({len(exc.errors())} problem(s) in this file)",
            location=doc.locate(loc),
        ) from exc


def _check_references(refs: dict[str, list[str]], frameworks: dict[str, Framework], file: str) -> None:
    for key in refs:
        if key not in frameworks:
            raise CatalogError(f"unknown framework {key!r} in references",
                               location=Location(file), hint=f"known: {', '.join(sorted(frameworks))}")


def _compile(path: Path, frameworks: dict[str, Framework], controls: set[str]) -> CompiledScenario:
    doc = _read(path)
    spec = _validate(Scenario, doc)
    file = doc.file

    def fail(message: str, yaml_path: tuple[str | int, ...] = ()) -> CatalogError:
        return CatalogError(message, location=doc.locate(yaml_path))

    if spec.family != spec.id.split(".")[0] or path.parent.name != spec.family:
        raise fail(f"scenario {spec.id} must have family {spec.id[:2]} and live in scenarios/{spec.id[:2]}/",
                   ("family",))
    if path.stem != spec.id.split(".", 1)[1]:
        raise fail(f"file name must be {spec.id.split('.', 1)[1]}.yaml", ("id",))
    if spec.kinds and spec.target != "component":
        raise fail("'kinds' applies only to target: component", ("kinds",))
    _check_references(spec.references, frameworks, file)
    cited = [b for b in BASELINES if b in spec.references]
    if len(cited) < 2:
        raise fail(f"cite at least two of {', '.join(BASELINES)}", ("references",))
    for part in ("requires", "grants"):
        for i, item in enumerate(getattr(spec.effect, part)):
            _check_token(item, spec, part, fail, ("effect", part, i))
    try:
        applies = compile_condition(spec.applies, spec.target, "applies")
        mitigated = compile_controls(spec.mitigated_by, controls)
    except ConditionError as exc:
        raise fail(str(exc), ("applies",)) from exc
    return CompiledScenario(spec, applies, mitigated, file)


def _check_token(item: str, spec: Scenario, part: str, fail: Any, where: tuple[str | int, ...]) -> None:
    if not _TOKEN.match(item):
        raise fail(f"effect token {item!r} is malformed", where)
    if item == "entry":
        if part == "grants":
            raise fail("'entry' can only be required", where)
        return
    kind, _, subject = item.partition(":")
    if kind == "outcome":
        if part == "requires":
            raise fail("outcomes can only be granted", where)
        if subject not in typing.get_args(EffectOutcome):
            raise fail(f"unknown outcome {subject!r}", where)
        return
    target = spec.target if subject == "self" else relation_target(subject, spec.target)
    if target is None:
        raise fail(f"no relation {subject!r} from {spec.target}", where)
    needed = {"control": "component", "hold": "key", "impersonate": "fleet"}[kind]
    if target != needed:
        raise fail(f"'{kind}:' needs a {needed}, but {subject} is a {target}", where)
