"""Every model field means something: a rule, a reach step or a score reads it.

A field that nothing reads is either wired to what it describes or removed. This test walks
the pydantic classes of :mod:`fleetrisk.model.schema` (nested models, lists and maps of
models included) to list every field, collects the fields that every scenario's compiled
``applies`` reads, and fails on any field that is neither read by a rule, nor read by the
engine directly (ENGINE_READS, each with the step that reads it), nor descriptive
(DESCRIPTIVE, each with what it is for).

How it fails: add ``foo: StrictBool | None = None`` to ``Fleet`` and nothing else. The walk
lists ``fleets[].foo``; no compiled condition reads it, and neither list names it, so
``test_every_model_field_is_read`` fails naming ``fleets[].foo``. Wiring the field into a
scenario's ``applies`` (or, if the engine reads it, listing it below with the step that does)
makes it pass again.

Paths are written from the model file's root with the Python field names: ``[]`` marks the
elements of a list, ``{}`` the values of a map (``fleets[].accepts[].source`` is an
acceptance's ``from``, ``loss.per_device{}.low`` the lowest loss of any outcome).
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel

from fleetrisk.catalog.conditions import ConditionError, field_shape
from fleetrisk.catalog.loader import load_catalog
from fleetrisk.model import schema
from fleetrisk.model.queries import ELEMENT_CLASSES, relation_target
from fleetrisk.model.schema import ServiceModel

CATALOG = load_catalog()

#: Where each element type's fields sit in the model file.
ROOTS = {
    "service": "",
    "zone": "zones[]",
    "fleet": "fleets[]",
    "acceptance": "fleets[].accepts[]",
    "component": "components[]",
    "key": "keys[]",
    "data": "data[]",
    "flow": "flows[]",
    "account": "accounts[]",
}

#: Fields the engine reads itself, and the step that reads each. Fields that rules read as
#: well may appear here: the point is that each one listed is read by that step.
ENGINE_READS: dict[str, str] = {
    # the index (model/queries.py): references between elements become relations
    "fleets[].accepts[].source": "index: source, accepted_by, fleets_served, sources and *_sources",
    "fleets[].accepts[].key": "index: key and verified_by; graph: a signed input needs the key held",
    "components[].zone": "index: zone; predicate internet_reachable; graph: footholds inside a zone",
    "components[].depends_on": "index: depends_on and dependents; drive links (calls), availability reach",
    "keys[].holder": "index: holder and keys_held; predicate key_signs_from_holder; graph: custody",
    "keys[].threshold.holders": "index: threshold_holders and keys_held; graph: threshold custody",
    "data[].stored_in": "index: stores and data_stored; graph: a store falling exposes its data",
    "flows[].source": "index: flows_out, from_* and fleets_served; drive links",
    "flows[].target": "index: flows_in, to_* and fleets_served; drive links",
    "flows[].carries": "index: carries and carried_by; data a flow or component exposes",
    "accounts[].via": "index: via and accounts; the fleets an account reaches",
    # reach and the attack graph
    "flows[].authorization": "drive links: a flow checked per user does not let its sender drive the target",
    "components[].exposure": "predicate internet_reachable; graph: footholds by exposure",
    "components[].auth": "graph: likelihood of a foothold inside a zone",
    "components[].kind": "drive links (passive kinds, identity providers); graph: supplier footholds",
    "components[].privileged.can_push_to_devices": "drive links: a plane that cannot push drives nothing",
    "components[].mass_operations.approval": "drive links: multi-party operations need a second party",
    "components[].mass_operations.independently_signed": "drive links: so do independently signed ones",
    "zones[].trust": "predicate internet_reachable; graph: corporate zones and lateral movement",
    "zones[].cloud_account": "graph: a corporate zone sharing a cloud account leads into the other zone",
    "zones[].identity_provider": "graph: so does one sharing a staff directory",
    "practices.it_iot_segmentation": "graph: shared IT and IoT lead from corporate into production zones",
    "fleets[].accepts[].input": "graph: the outcome an authority step grants",
    "fleets[].accepts[].verification": "graph: transport-only input falls with its source; predicate acts_on_unsigned",
    "fleets[].accepts[].use": "graph: information that devices act on hijacks them; predicate acts_on_unsigned",
    "fleets[].accepts[].anti_rollback": "graph: a rollback step for firmware without anti-rollback",
    "keys[].custody": "graph: custody steps and their likelihood; predicate key_signs_from_holder",
    "keys[].threshold.k": "graph: a threshold key falls with k of its holders",
    "fleets[].rollout.staged": "graph: a staged rollout that halts caps the devices a software outcome hits",
    "fleets[].rollout.halt_on_anomaly": "graph: the same cap",
    "fleets[].rollout.first_wave_percent": "graph: the size of that cap",
    # scores
    "fleets[].devices": "impact: devices reached, in log bands; graph: devices an outcome hits",
    "fleets[].safety": "impact: the device-safety axis; loss model: safety multiplier",
    "fleets[].offline_behaviour": "impact: the safety axis of availability outcomes",
    "data[].records": "impact: records reached, in log bands, for record-scale findings",
    "data[].kind": "loss model: loss per exposed record, by kind of data",
    "service.types": "assess: the relevance matrix of families by service type",
    "practices.anomaly_detection": "loss model: default chance of detecting a fleet-wide attack in time",
    # controls and decisions
    "controls": "match: a control declared service-wide holds for every element",
    "fleets[].controls": "match: a control declared on the element",
    "components[].controls": "match: a control declared on the element",
    "keys[].controls": "match: a control declared on the element",
    "data[].controls": "match: a control declared on the element",
    "flows[].controls": "match: a control declared on the element",
    "accounts[].controls": "match: a control declared on the element",
    "tracking[].id": "tracking: the findings a decision covers",
    "tracking[].status": "tracking: the status the decision gives them",
    "tracking[].expires": "tracking: an expired decision no longer applies",
    # the catalog itself
    "catalog": "catalog: organisation catalog folders loaded beside the bundled one (docs/own-rules.md)",
    # quantitative loss (simulate and plan; docs/quantitative.md)
    "loss.currency": "loss model: currency of every amount",
    "loss.usd_rate": "loss model: converts the USD defaults",
    "loss.threat_event_frequency{}.low": "loss model: threat events per year from an entry (lowest)",
    "loss.threat_event_frequency{}.mode": "loss model: the same, most likely",
    "loss.threat_event_frequency{}.high": "loss model: the same, highest",
    "loss.step_success": "loss model: chance per year that a step at a likelihood level is open",
    "loss.per_event.low": "loss model: fixed loss per loss event (lowest)",
    "loss.per_event.mode": "loss model: the same, most likely",
    "loss.per_event.high": "loss model: the same, highest",
    "loss.per_device{}.low": "loss model: loss per affected device, by outcome (lowest)",
    "loss.per_device{}.mode": "loss model: the same, most likely",
    "loss.per_device{}.high": "loss model: the same, highest",
    "loss.per_record{}.low": "loss model: loss per exposed record, by kind of data (lowest)",
    "loss.per_record{}.mode": "loss model: the same, most likely",
    "loss.per_record{}.high": "loss model: the same, highest",
    "loss.safety_multiplier": "loss model: multiplies the per-device loss by the fleet's safety class",
    "loss.detection": "loss model: chance of detecting a fleet-wide attack before full rollout",
    "loss.control_costs": "loss model (plan): yearly cost of a control, over the catalog default",
    "loss.revenue": "loss model: reports show expected loss as a share of it, against the plausible band",
    "loss.records_knee": "loss model: records up to which a breach costs per record",
    "loss.records_exponent": "loss model: how a breach's cost grows with the records beyond the knee",
}

#: Fields that describe rather than decide: no rule should need them, and none reads them.
DESCRIPTIVE: dict[str, str] = {
    "fleetrisk": "format version, checked when the model loads",
    "service.name": "names the service in reports",
    "service.owner": "who answers for the model",
    "service.description": "prose for readers",
    "zones[].id": "identifies the element: references, finding ids, positions",
    "fleets[].id": "identifies the element: references, finding ids, positions",
    "components[].id": "identifies the element: references, finding ids, positions",
    "keys[].id": "identifies the element: references, finding ids, positions",
    "data[].id": "identifies the element: references, finding ids, positions",
    "flows[].id": "identifies the element: references, finding ids, positions",
    "accounts[].id": "identifies the element: references, finding ids, positions",
    "zones[].name": "a readable name",
    "fleets[].name": "a readable name",
    "components[].name": "a readable name",
    "keys[].name": "a readable name",
    "data[].name": "a readable name",
    "accounts[].name": "a readable name",
    "fleets[].device_class": "what the devices are (appliance, camera, vehicle), for readers",
    "flows[].protocol": "labels the flow in diagrams and exports; its security is stated elsewhere",
    "components[].endpoints[].url": "where `fleetrisk verify` probes the component",
    "components[].endpoints[].protocol": "which probes `fleetrisk verify` runs there",
    "components[].endpoints[].purpose": "why the endpoint exists, for readers",
    "components[].endpoints[].protected": "what `fleetrisk verify` expects without credentials",
    "tracking[].justification": "why the decision was taken, carried into reports",
    "tracking[].owner": "who owns the decision, carried into reports",
    "tracking[].ticket": "where the decision is tracked, carried into reports",
}


def _unwrap(annotation: Any) -> Any:
    """``X | None`` and ``Annotated[X, ...]`` -> ``X``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _model(annotation: Any) -> type[BaseModel] | None:
    annotation = _unwrap(annotation)
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def model_fields(cls: type[BaseModel], prefix: str = "", seen: set[type] | None = None) -> list[str]:
    """Every leaf field of ``cls`` as a path; ``seen`` collects the classes walked."""
    if seen is not None:
        seen.add(cls)
    paths: list[str] = []
    for name, info in cls.model_fields.items():
        path = f"{prefix}.{name}" if prefix else name
        annotation = _unwrap(info.annotation)
        origin, args = typing.get_origin(annotation), typing.get_args(annotation)
        nested = _model(annotation)
        if nested is not None:
            paths += model_fields(nested, path, seen)
        elif origin is list and _model(args[0]) is not None:
            paths += model_fields(_model(args[0]), f"{path}[]", seen)  # type: ignore[arg-type]
        elif origin is dict and _model(args[1]) is not None:
            paths += model_fields(_model(args[1]), f"{path}{{}}", seen)  # type: ignore[arg-type]
        else:
            paths.append(path)
    return paths


def resolve(element_type: str, path: str) -> set[str]:
    """The model fields behind one path of ``Condition.fields()`` read on ``element_type``.

    ``fields()`` names a field by its dotted path and prefixes the fields read across a
    relation with the relation's name (``related: service`` + ``practices.x`` gives
    ``service.practices.x``). A path is a field of the element when the element's class has
    it; otherwise its first part is a relation, walked to the type it yields. A relation read
    with no condition on the other side names no field of its own (the reference it follows
    is the index's, listed in ENGINE_READS).
    """
    try:
        field_shape(ELEMENT_CLASSES[element_type], path)
    except ConditionError:
        pass
    else:
        root = ROOTS[element_type]
        return {f"{root}.{path}" if root else path}
    head, _, rest = path.partition(".")
    target = relation_target(head, element_type)
    assert target is not None, f"'{path}' on {element_type} is neither a field nor a relation"
    return resolve(target, rest) if rest else set()


def read_by_rules() -> dict[str, set[str]]:
    """Model field -> the scenarios whose ``applies`` reads it."""
    readers: dict[str, set[str]] = {}
    for scenario in CATALOG.scenarios:
        for path in scenario.applies.fields():
            for field in resolve(scenario.spec.target, path):
                readers.setdefault(field, set()).add(scenario.id)
    return readers


ALL_FIELDS = model_fields(ServiceModel)


def test_every_model_field_is_read() -> None:
    unread = sorted(set(ALL_FIELDS) - set(read_by_rules()) - set(ENGINE_READS) - set(DESCRIPTIVE))
    assert not unread, (
        f"model fields that no rule, reach step or score reads: {unread}. Wire each into a scenario's "
        "applies, list it in ENGINE_READS with the step that reads it, or remove it from the model."
    )


def test_the_walk_reaches_every_model_class() -> None:
    seen: set[type] = set()
    model_fields(ServiceModel, seen=seen)
    defined = {
        value for value in vars(schema).values()
        if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == schema.__name__
    }
    assert defined - seen == {schema.Strict}, "a model class the walk does not reach has unchecked fields"


def test_the_lists_name_real_fields_and_descriptive_ones_stay_unread() -> None:
    assert not set(ENGINE_READS) - set(ALL_FIELDS), sorted(set(ENGINE_READS) - set(ALL_FIELDS))
    assert not set(DESCRIPTIVE) - set(ALL_FIELDS), sorted(set(DESCRIPTIVE) - set(ALL_FIELDS))
    assert not set(DESCRIPTIVE) & set(ENGINE_READS)
    read = read_by_rules()
    decided = {field: sorted(read[field]) for field in DESCRIPTIVE if field in read}
    assert not decided, f"rules read these, so they are not merely descriptive: {decided}"


def test_relations_prefix_the_fields_of_the_related_element() -> None:
    read = read_by_rules()
    # related: service -> a service-wide practice; related: verified_by -> an acceptance field
    assert "T5.unmonitored-code-signing-key" in read["practices.key_use_monitoring"]
    assert "T5.unmonitored-code-signing-key" in read["fleets[].accepts[].verification"]
    # two relations deep: data -> carried_by (flow) -> to_component -> zone
    assert "T4.identifiable-data-shared" in read["zones[].trust"]
    # on the service itself, practices are the service element's own fields
    assert "T3.no-vulnerability-disclosure" in read["practices.vulnerability_disclosure"]
