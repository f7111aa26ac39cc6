"""Load the catalog strictly: every file validated, every condition compiled, every
reference resolved. Any problem raises :class:`CatalogError` naming the file, line and column.

Organisation catalogs, loaded beside this one, are in :mod:`fleetrisk.catalog.organisation`.
"""

from __future__ import annotations

import functools
import re
import types
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
    Bilingual,
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

    @property
    def prefix(self) -> str | None:
        """The organisation prefix of its id (``T3.acme.name`` -> ``acme``); None for the bundled catalog."""
        return prefix_of(self.spec.id)


def prefix_of(scenario_id: str) -> str | None:
    parts = scenario_id.split(".")
    return parts[1] if len(parts) == 3 else None


#: The bundled catalog's name in the reports.
BUNDLED_TITLE = Bilingual(en="fleetrisk catalog", ja="fleetrisk 脅威カタログ")


@dataclass(frozen=True)
class CatalogSource:
    """One catalog folder an analysis loaded: the bundled one (no prefix) or an organisation's."""

    prefix: str | None
    title: Bilingual
    root: Path
    path: str | None  # as given by the user or the model; None for the bundled catalog
    scenarios: tuple[str, ...]
    controls: tuple[str, ...]
    frameworks: tuple[str, ...] = ()


@dataclass(frozen=True)
class DisabledScenario:
    """A scenario an organisation catalog switched off, with its justification."""

    scenario: str
    title: Bilingual
    justification: Bilingual
    by: str  # the prefix of the organisation catalog
    location: Location


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
    cost_basis: dict[int, float] = field(default_factory=dict)  # relative cost 1..5 -> yearly
    sources: list[CatalogSource] = field(default_factory=list)  # the bundled catalog first
    disabled: list[DisabledScenario] = field(default_factory=list)

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
    controls, control_files = load_controls(root, frameworks)
    scenarios = [
        compile_scenario(path, frameworks, set(controls)) for path in scenario_files(root)
    ]
    check_unique(scenarios)
    scenarios.sort(key=lambda s: s.id)
    costs = _load_costs(root / "costs.yaml", controls)
    source = CatalogSource(None, BUNDLED_TITLE, root, None, tuple(s.id for s in scenarios), tuple(controls),
                           tuple(frameworks))
    return Catalog(taxonomy, frameworks, controls, scenarios, root, control_files, costs.controls, costs.currency,
                   {int(k): v for k, v in costs.basis.items()}, [source])


def load_controls(root: Path, frameworks: dict[str, Framework], prefix: str | None = None,
                  known: dict[str, str] | None = None) -> tuple[dict[str, Control], dict[str, str]]:
    """The controls in ``root/controls/*.yaml``; an organisation's ids carry its ``prefix``."""
    controls: dict[str, Control] = {}
    control_files: dict[str, str] = dict(known or {})
    for path in sorted((root / "controls").glob("*.yaml")):
        doc = _read(path)
        for i, control in enumerate(_validate(ControlFile, doc).controls):
            where = doc.locate(("controls", i, "id"))
            _check_prefix(control.id, prefix, ".", "control", where)
            if control.id in control_files:
                raise CatalogError(f"duplicate control id {control.id!r}", location=where,
                                   hint=f"first defined in {control_files[control.id]}")
            _check_references(control.references, frameworks, doc, ("controls", i, "references"))
            controls[control.id] = control
            control_files[control.id] = doc.file
    return controls, control_files


def check_unique(scenarios: list[CompiledScenario], known: dict[str, str] | None = None) -> None:
    seen: dict[str, str] = dict(known or {})
    for item in scenarios:
        if item.id in seen:
            raise CatalogError(f"duplicate scenario id {item.id!r}", location=_locate_id(item.file),
                               hint=f"also in {seen[item.id]}")
        seen[item.id] = item.file


def _locate_id(file: str) -> Location:
    try:
        return _read(Path(file)).locate(("id",))
    except CatalogError:
        return Location(file)


def _check_prefix(item_id: str, prefix: str | None, joiner: str, what: str, where: Location) -> None:
    """Bundled ids have no prefix; an organisation's start with ``<prefix><joiner>``."""
    name = item_id.split(".", 1)[1] if what == "scenario" else item_id
    if prefix is None:
        if "." in name:
            raise CatalogError(f"{what} id {item_id!r} has an organisation prefix in the bundled catalog",
                               location=where, hint="only organisation catalogs (with catalog.yaml) use prefixes")
        return
    if not name.startswith(prefix + joiner):
        family = item_id.split(".", 1)[0] + "." if what == "scenario" else ""
        rest = name.split(joiner, 1)[-1] if joiner in name else name
        raise CatalogError(f"{what} id {item_id!r} does not carry this catalog's prefix {prefix!r}",
                           location=where,
                           hint=f"write it {family}{prefix}{joiner}{rest}: an organisation's ids carry the prefix "
                                "its catalog.yaml declares, so they never collide with the bundled catalog's")


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


def read_document(path: Path) -> Document:
    """A catalog file, parsed safely; a problem is a :class:`CatalogError` at its line."""
    return _read(path)


def validate(cls: type[M], doc: Document) -> M:
    """``doc`` validated as ``cls``; the first problem is a :class:`CatalogError` at its line, with a hint."""
    return _validate(cls, doc)


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
            hint=_hint(cls, first["type"], loc),
        ) from exc


def _hint(cls: type[BaseModel], kind: str, loc: tuple[str | int, ...]) -> str:
    """What to write instead: the fields allowed where an unknown one was found, or the one missing."""
    if kind == "extra_forbidden":
        owner = _model_at(cls, loc[:-1])
        if owner is not None:
            return f"{loc[-1]!r} is not a field here; the fields are: {', '.join(owner.model_fields)}"
    if kind == "missing" and loc:
        return f"add '{loc[-1]}' (see docs/catalog-authoring.md)"
    return "see docs/catalog-authoring.md for the format of catalog files"


def _model_at(cls: type[BaseModel], loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The pydantic class of the value at ``loc`` inside a ``cls`` value (through lists and maps)."""
    current: Any = cls
    for part in loc:
        current = _strip(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            if not isinstance(part, str) or part not in current.model_fields:
                return None
            current = current.model_fields[part].annotation
        elif typing.get_origin(current) in (list, dict):
            current = typing.get_args(current)[-1]
        else:
            return None
    current = _strip(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _strip(hint: Any) -> Any:
    """``Annotated[X, ...]`` and ``X | None`` -> ``X``."""
    while True:
        origin = typing.get_origin(hint)
        if origin is Annotated:
            hint = typing.get_args(hint)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(hint) if a is not type(None)]
            if len(args) != 1:
                return hint
            hint = args[0]
        else:
            return hint


def _check_references(refs: dict[str, list[str]], frameworks: dict[str, Framework], doc: Document,
                      where: tuple[str | int, ...] = ("references",)) -> None:
    for key in refs:
        if key not in frameworks:
            raise CatalogError(f"unknown framework {key!r} in references",
                               location=doc.locate((*where, key)), hint=f"known: {', '.join(sorted(frameworks))}")


#: ``applies.all[0].where`` (the start of a condition error) -> a YAML path.
_WHERE = re.compile(r"^((?:applies|mitigated_by)(?:\.[a-z_]+|\[\d+\])*)")
_STEP = re.compile(r"\.([a-z_]+)|\[(\d+)\]")


def _condition_path(message: str, default: str) -> tuple[str | int, ...]:
    """The YAML path a condition error names at its start, e.g. ``applies.all[1].where``."""
    found = _WHERE.match(message)
    if found is None:
        return (default,)
    text = found.group(1)
    head = "mitigated_by" if text.startswith("mitigated_by") else "applies"
    return (head, *(name or int(index) for name, index in _STEP.findall(text[len(head):])))


def compile_scenario(path: Path, frameworks: dict[str, Framework], controls: set[str],
                     prefix: str | None = None) -> CompiledScenario:
    """Validate and compile one scenario file; an organisation's (``prefix``) needs its own checks."""
    doc = _read(path)
    spec = _validate(Scenario, doc)
    file = doc.file

    def fail(message: str, yaml_path: tuple[str | int, ...] = (), hint: str | None = None) -> CatalogError:
        return CatalogError(message, location=doc.locate(yaml_path), hint=hint)

    family = spec.id.split(".")[0]
    if spec.family != family or path.parent.name != spec.family:
        raise fail(f"scenario {spec.id} must have family {family} and live in scenarios/{family}/", ("family",),
                   hint=f"its id begins with {family}: set 'family: {family}' and keep the file in scenarios/{family}/")
    _check_prefix(spec.id, prefix, ".", "scenario", doc.locate(("id",)))
    name = spec.id.rsplit(".", 1)[1]
    if path.stem != name:
        raise fail(f"file name must be {name}.yaml", ("id",),
                   hint=f"the file is named after the last part of the id: rename it, or change the id to end in "
                        f"'.{path.stem}'")
    if not case_file(file).exists():
        raise fail(f"scenario {spec.id} has no case file {case_file(file).name} beside it", ("id",),
                   hint="every scenario needs a case: a small model and where it must fire and stay silent "
                        "(see docs/catalog-authoring.md)")
    if spec.kinds and spec.target != "component":
        raise fail("'kinds' applies only to target: component", ("kinds",), hint="remove 'kinds'")
    _check_references(spec.references, frameworks, doc)
    if prefix is None:
        cited = [b for b in BASELINES if b in spec.references]
        if len(cited) < 2:
            raise fail(f"cite at least two of {', '.join(BASELINES)}", ("references",),
                       hint="the bundled catalog maps every scenario to two baselines at least")
    elif not spec.references:
        raise fail("cite at least one framework in references", ("references",),
                   hint="your own standard (declare it in frameworks.yaml) or a known framework: "
                        + ", ".join(BASELINES))
    for part in ("requires", "grants"):
        for i, item in enumerate(getattr(spec.effect, part)):
            _check_token(item, spec, part, fail, ("effect", part, i))
    try:
        applies = compile_condition(spec.applies, spec.target, "applies")
    except ConditionError as exc:
        raise fail(str(exc), _condition_path(str(exc), "applies"),
                   hint="see 'Conditions' in docs/catalog-authoring.md for operators, relations and "
                        "predicates") from exc
    try:
        mitigated = compile_controls(spec.mitigated_by, controls)
    except ConditionError as exc:
        raise fail(str(exc), _condition_path(str(exc), "mitigated_by"),
                   hint="a control id of the bundled catalog ('fleetrisk catalog' lists them) or of this "
                        "catalog's controls/*.yaml, or {any: [...]} / {all: [...]} of them") from exc
    return CompiledScenario(spec, applies, mitigated, file)


_EFFECT_HINT = "see 'effect' in docs/catalog-authoring.md: requires and grants take positions on related elements"


def _check_token(item: str, spec: Scenario, part: str, fail: Any, where: tuple[str | int, ...]) -> None:
    if not _TOKEN.match(item):
        raise fail(f"effect token {item!r} is malformed", where,
                   "entry, control:<relation>, hold:<relation>, impersonate:<relation> or outcome:<outcome>")
    if item == "entry":
        if part == "grants":
            raise fail("'entry' can only be required", where, _EFFECT_HINT)
        return
    kind, _, subject = item.partition(":")
    if kind == "outcome":
        if part == "requires":
            raise fail("outcomes can only be granted", where, _EFFECT_HINT)
        if subject not in typing.get_args(EffectOutcome):
            raise fail(f"unknown outcome {subject!r}", where,
                       f"outcomes: {', '.join(typing.get_args(EffectOutcome))}")
        return
    target = spec.target if subject == "self" else relation_target(subject, spec.target)
    if target is None:
        raise fail(f"no relation {subject!r} from {spec.target}", where, _EFFECT_HINT)
    needed = {"control": "component", "hold": "key", "impersonate": "fleet"}[kind]
    if target != needed:
        raise fail(f"'{kind}:' needs a {needed}, but {subject} is a {target}", where, _EFFECT_HINT)
