"""Read-only questions about a loaded model: elements by id and the relations between them.

Catalog conditions walk these relations (``related: accepted_by``); the engine uses them
to decide which fleets an element reaches. Everything is computed once per model.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel

from fleetrisk.model.schema import (
    Acceptance,
    Account,
    Component,
    DataSet,
    Fleet,
    Flow,
    Key,
    ServiceModel,
    Zone,
)
from fleetrisk.scc import strongly_connected

ElementType = Literal[
    "service", "fleet", "component", "key", "data", "flow", "account", "zone", "acceptance"
]

#: The pydantic class behind each element type, for field checks at catalog load.
ELEMENT_CLASSES: dict[str, type[BaseModel]] = {
    "service": ServiceModel,
    "fleet": Fleet,
    "component": Component,
    "key": Key,
    "data": DataSet,
    "flow": Flow,
    "account": Account,
    "zone": Zone,
    "acceptance": Acceptance,
}

#: Element types a scenario may target (acceptances are reached through fleets).
TARGET_TYPES: tuple[str, ...] = (
    "service", "fleet", "component", "key", "data", "flow", "account", "zone"
)

#: Collection name in the model file for each element type (for positions).
COLLECTIONS: dict[str, str] = {
    "fleet": "fleets",
    "component": "components",
    "key": "keys",
    "data": "data",
    "flow": "flows",
    "account": "accounts",
    "zone": "zones",
}


class Handle:
    """One element of the model, typed, with its position in its collection."""

    __slots__ = ("id", "index", "key", "obj", "owner", "type")

    def __init__(self, type: str, obj: BaseModel, index: int = 0, owner: Handle | None = None) -> None:
        self.type = type
        self.obj = obj
        self.index = index
        self.owner = owner  # the fleet of an acceptance
        if type == "service":
            self.id = "service"
        elif type == "acceptance":
            assert owner is not None
            self.id = f"{owner.id}.accepts[{index}]"
        else:
            element_id = getattr(obj, "id", None)
            assert isinstance(element_id, str)
            self.id = element_id
        # Relation-table key: element ids are unique, acceptances live in their own space.
        self.key = f"acceptance:{self.id}" if type == "acceptance" else self.id

    def __repr__(self) -> str:
        return f"Handle({self.type}:{self.id})"

    @property
    def yaml_path(self) -> tuple[str | int, ...]:
        if self.type == "service":
            return ("service",)
        if self.type == "acceptance":
            assert self.owner is not None
            return (*self.owner.yaml_path, "accepts", self.index)
        return (COLLECTIONS[self.type], self.index)


@dataclass
class ModelIndex:
    """Elements by id and precomputed relations."""

    model: ServiceModel
    by_id: dict[str, Handle] = field(default_factory=dict)
    by_type: dict[str, list[Handle]] = field(default_factory=lambda: defaultdict(list))
    _rel: dict[tuple[str, str], dict[Handle, None]] = field(default_factory=lambda: defaultdict(dict))
    _reached: dict[str, list[Handle]] = field(default_factory=dict)  # component key -> authority reach
    _disrupted: dict[str, list[Handle]] = field(default_factory=dict)  # component key -> availability reach

    @classmethod
    def build(cls, model: ServiceModel) -> ModelIndex:
        index = cls(model)
        index._add_elements()
        index._add_relations()
        return index

    # --- construction -----------------------------------------------------------------

    def _add_elements(self) -> None:
        self.service = Handle("service", self.model)
        self.by_type["service"].append(self.service)
        groups: list[tuple[str, Iterable[BaseModel]]] = [
            ("zone", self.model.zones),
            ("fleet", self.model.fleets),
            ("component", self.model.components),
            ("key", self.model.keys),
            ("data", self.model.data),
            ("flow", self.model.flows),
            ("account", self.model.accounts),
        ]
        for type_name, items in groups:
            for position, obj in enumerate(items):
                handle = Handle(type_name, obj, position)
                self.by_type[type_name].append(handle)
                self.by_id.setdefault(handle.id, handle)
        for fleet_handle in self.by_type["fleet"]:
            fleet = fleet_handle.obj
            assert isinstance(fleet, Fleet)
            for position, acceptance in enumerate(fleet.accepts):
                self.by_type["acceptance"].append(
                    Handle("acceptance", acceptance, position, fleet_handle)
                )

    def _link(self, name: str, source: Handle | None, target: Handle | None) -> None:
        if source is not None and target is not None:
            self._rel[(name, source.key)][target] = None

    def _add_relations(self) -> None:
        get = self.by_id.get
        for acc in self.by_type["acceptance"]:
            obj = acc.obj
            assert isinstance(obj, Acceptance) and acc.owner is not None
            source = get(obj.source)
            key = get(obj.key) if obj.key else None
            self._link("accepts", acc.owner, acc)
            self._link("accepted_by", source, acc)
            self._link("fleet", acc, acc.owner)
            self._link("source", acc, source)
            self._link("key", acc, key)
            self._link("verified_by", key, acc)
            self._link("fleets_served", source, acc.owner)
            self._link("sources", acc.owner, source)
            self._link(_SOURCE_RELATION[obj.input], acc.owner, source)
        for comp in self.by_type["component"]:
            obj = comp.obj
            assert isinstance(obj, Component)
            self._link("zone", comp, get(obj.zone) if obj.zone else None)
            for dep in obj.depends_on:
                self._link("depends_on", comp, get(dep))
                self._link("dependents", get(dep), comp)
        for key in self.by_type["key"]:
            obj = key.obj
            assert isinstance(obj, Key)
            self._link("holder", key, get(obj.holder) if obj.holder else None)
            self._link("keys_held", get(obj.holder) if obj.holder else None, key)
            if obj.threshold:
                for holder in obj.threshold.holders:
                    self._link("threshold_holders", key, get(holder))
                    self._link("keys_held", get(holder), key)
        for data in self.by_type["data"]:
            obj = data.obj
            assert isinstance(obj, DataSet)
            for store in obj.stored_in:
                self._link("stores", data, get(store))
                self._link("data_stored", get(store), data)
        for flow in self.by_type["flow"]:
            obj = flow.obj
            assert isinstance(obj, Flow)
            src, dst = get(obj.source), get(obj.target)
            self._link("flows_out", src, flow)
            self._link("flows_in", dst, flow)
            if src is not None:
                self._link(f"from_{src.type}", flow, src)
            if dst is not None:
                self._link(f"to_{dst.type}", flow, dst)
            for carried in obj.carries:
                self._link("carried_by", get(carried), flow)
                self._link("carries", flow, get(carried))
            for a, b in ((src, dst), (dst, src)):
                if a is not None and b is not None and a.type == "fleet" and b.type == "component":
                    self._link("fleets_served", b, a)
                    self._link("components_used", a, b)
        for account in self.by_type["account"]:
            obj = account.obj
            assert isinstance(obj, Account)
            self._link("via", account, get(obj.via) if obj.via else None)
            self._link("accounts", get(obj.via) if obj.via else None, account)
        disrupted = self._fleets_below(self._availability_links())
        reached = self._fleets_below(self._authority_links())
        self._disrupted = disrupted
        self._reached = reached

    def _availability_links(self) -> tuple[list[int], list[list[int]]]:
        """Failure reach: a component's fleets, those of components it feeds (one hop), and
        everything that depends on it (transitively): its outage stops them too."""
        rel = self._rel
        comps = self.by_type["component"]
        position = {c.key: i for i, c in enumerate(comps)}
        own = [self._served_bits(c) for c in comps]
        for i, comp in enumerate(comps):
            for flow in rel.get(("flows_out", comp.key), ()):
                for target in rel.get(("to_component", flow.key), ()):
                    own[i] |= self._served_bits(target)
        succ = [[position[d.key] for d in rel.get(("dependents", c.key), ())] for c in comps]
        return own, succ

    @functools.cached_property
    def drive_links(self) -> list[tuple[Handle, Handle, DriveVia]]:
        """(a, b, via): who holds ``a`` can make ``b`` act, in model order; ``via`` says how.

        ``a`` sends ``b`` a flow (``via`` is the flow) or calls it through ``depends_on``
        (``"calls"``), unless a flow from ``a`` to ``b`` states that ``b`` checks each call
        against the end user's rights, or ``a`` states that it cannot push to devices or that its
        fleet-wide operations need a second party (multi-party approval, or an independent
        signature). An identity provider also drives whatever depends on it (``"vouches"``):
        they act on the identities it issues. A data store answers reads and an external
        dependency fails or redirects: neither makes anything act (their reach is data and
        availability).
        """
        rel = self._rel
        links: list[tuple[Handle, Handle, DriveVia]] = []
        for comp in self.by_type["component"]:
            obj = comp.obj
            assert isinstance(obj, Component)
            if obj.kind in PASSIVE_KINDS or not _acts_alone(obj):
                continue
            scoped: set[str] = set()
            driven: dict[str, tuple[Handle, DriveVia]] = {}
            for flow in rel.get(("flows_out", comp.key), ()):
                for target in rel.get(("to_component", flow.key), ()):
                    if getattr(flow.obj, "authorization", None) in USER_SCOPED:
                        scoped.add(target.key)
                    else:
                        driven.setdefault(target.key, (target, flow))
            for callee in rel.get(("depends_on", comp.key), ()):
                if callee.key not in scoped and getattr(callee.obj, "kind", None) not in PASSIVE_KINDS:
                    driven.setdefault(callee.key, (callee, "calls"))
            if obj.kind == "identity-provider":
                for dependent in rel.get(("dependents", comp.key), ()):
                    driven.setdefault(dependent.key, (dependent, "vouches"))
            links.extend((comp, target, via) for target, via in driven.values() if target is not comp)
        return links

    def _authority_links(self) -> tuple[list[int], list[list[int]]]:
        """Authority reach, in the control direction and through any number of hops.

        A component reaches the fleets it serves, the fleets that verify a key it holds online,
        and everything reached by a component it can make act (:attr:`drive_links`).
        """
        rel = self._rel
        comps = self.by_type["component"]
        position = {c.key: i for i, c in enumerate(comps)}
        bit = self._fleet_bit
        own = [self._served_bits(c) for c in comps]
        succ: list[list[int]] = [[] for _ in comps]
        for key in self.by_type["key"]:
            obj = key.obj
            assert isinstance(obj, Key)
            holder = self.by_id.get(obj.holder) if obj.holder else None
            if obj.custody in ONLINE_CUSTODY and holder is not None and holder.key in position:
                for acc in rel.get(("verified_by", key.key), ()):
                    for fleet in rel.get(("fleet", acc.key), ()):
                        own[position[holder.key]] |= bit[fleet.key]
        for source, target, _ in self.drive_links:
            succ[position[source.key]].append(position[target.key])
        return own, succ

    def _served_bits(self, comp: Handle) -> int:
        """The fleets a component serves directly, as a bit mask in model order."""
        bits = 0
        for fleet in self._rel.get(("fleets_served", comp.key), ()):
            bits |= self._fleet_bit[fleet.key]
        return bits

    @functools.cached_property
    def _fleet_bit(self) -> dict[str, int]:
        return {f.key: 1 << i for i, f in enumerate(self.by_type["fleet"])}

    def _fleets_below(self, links: tuple[list[int], list[list[int]]]) -> dict[str, list[Handle]]:
        """Component key -> fleets in model order, OR-ed over every component reachable by the links.

        Fleet sets are bit masks merged over the strongly connected components in one Tarjan
        pass; reading a mask back walks its set bits only, so the cost follows the answer, and
        components with the same fleets share one list (memory follows the distinct answers).
        """
        own, succ = links
        reach = _merge_downstream(own, succ)
        fleets = self.by_type["fleet"]
        shared: dict[int, list[Handle]] = {}
        result: dict[str, list[Handle]] = {}
        for n, comp in enumerate(self.by_type["component"]):
            mask = reach[n]
            if mask:
                if mask not in shared:
                    shared[mask] = [fleets[i] for i in _set_bits(mask)]
                result[comp.key] = shared[mask]
        return result

    # --- queries ----------------------------------------------------------------------

    @functools.cached_property
    def components_by_kind(self) -> dict[str, list[Handle]]:
        """Components grouped by kind, in model order (for dispatch by kind)."""
        groups: dict[str, list[Handle]] = defaultdict(list)
        for handle in self.by_type["component"]:
            groups[getattr(handle.obj, "kind", "")].append(handle)
        return dict(groups)

    def related(self, handle: Handle, relation: str) -> list[Handle]:
        """Elements linked to ``handle`` by ``relation`` (see :data:`RELATIONS`)."""
        if relation in _REACH_RELATIONS and handle.type == "component":
            return list(self.fleets_reached(handle) if relation == "fleets_reached" else self.fleets_disrupted(handle))
        if relation == "service":
            return [self.service]
        if handle.type == "service" and relation in _SERVICE_RELATIONS:
            return list(self.by_type[_SERVICE_RELATIONS[relation]])
        if handle.type == "service" and relation == "internet_facing":
            return list(self.internet_facing)
        return list(self._rel.get((relation, handle.key), ()))

    @functools.cached_property
    def internet_facing(self) -> list[Handle]:
        """Components the internet reaches as stated (``internet_reachable`` holds), in model order."""
        return [c for c in self.by_type["component"] if _internet_reachable(self, c)]

    def fleets_reached(self, handle: Handle) -> list[Handle]:
        """Fleets whose devices an element's compromise would touch, in model order.

        The list may be shared between elements: read it, never change it.
        """
        if handle.type == "fleet":
            return [handle]
        if handle.type == "component":
            return self._reached.get(handle.key, _NONE)
        if handle.type == "acceptance":
            return self.related(handle, "fleet")
        if handle.type == "key":
            fleets: list[Handle] = []
            for acc in self.related(handle, "verified_by"):
                fleets.extend(f for f in self.related(acc, "fleet") if f not in fleets)
            return fleets
        if handle.type == "flow":
            ends = [h for r in FLOW_ENDS for h in self.related(handle, r)]
            return list(dict.fromkeys(f for end in ends for f in self.fleets_reached(end)))
        if handle.type == "account":
            operated = self.related(handle, "via") + [
                t for flow in self.related(handle, "flows_out") for t in self.related(flow, "to_component")
            ]
            return list(dict.fromkeys(f for comp in operated for f in self.fleets_reached(comp)))
        if handle.type == "service":
            return list(self.by_type["fleet"])
        return []

    def fleets_disrupted(self, handle: Handle) -> list[Handle]:
        """Fleets whose devices lose the service when an element fails (availability reach)."""
        if handle.type == "component":
            return self._disrupted.get(handle.key, _NONE)
        return self.fleets_reached(handle)


def _acts_alone(comp: Component) -> bool:
    """Whether one who holds ``comp`` can make others act without a second party, as stated."""
    if comp.privileged is not None and comp.privileged.can_push_to_devices is False:
        return False
    mass = comp.mass_operations
    return mass is None or not (mass.approval == "multi-party" or mass.independently_signed is True)


def _set_bits(mask: int) -> list[int]:
    """Positions of the set bits of ``mask``, lowest first."""
    if mask.bit_count() > 64:  # dense: read the binary digits at C speed
        digits = bin(mask)[:1:-1]
        return [i for i, digit in enumerate(digits) if digit == "1"]
    positions: list[int] = []
    while mask:
        low = mask & -mask
        positions.append(low.bit_length() - 1)
        mask ^= low
    return positions


def _merge_downstream(own: list[int], succ: list[list[int]]) -> list[int]:
    """For each node, ``own`` OR-ed over every node reachable from it (one pass over the SCCs)."""
    reach = [0] * len(own)
    for ring in strongly_connected(range(len(own)), succ.__getitem__):  # sinks first: successors are done
        value = 0
        for member in ring:
            value |= own[member]
            for nxt in succ[member]:
                value |= reach[nxt]
        for member in ring:
            reach[member] = value
    return reach


#: How one component makes another act: a flow it sends, a call, or identities it vouches for.
DriveVia = Handle | Literal["calls", "vouches"]

_NONE: list[Handle] = []  # shared empty answer: callers never change what these queries return
_REACH_RELATIONS = frozenset({"fleets_reached", "fleets_disrupted"})

#: Key custody in which whoever holds the holder can use the key.
ONLINE_CUSTODY = frozenset({"online-file", "cloud-kms", "online-hsm"})
#: Component kinds that do not make the components that use them act (authority reach).
PASSIVE_KINDS = frozenset({"data-store", "external-dependency"})
#: Flow authorisation that checks each call against the end user's rights: a caller that
#: falls gains no more than the users whose requests it carries.
USER_SCOPED = frozenset({"per-object", "per-device", "per-tenant"})

#: Which source relation each accepted input adds, so rules can follow one kind of delivery.
_SOURCE_RELATION = {
    "firmware": "firmware_sources",
    "script": "code_sources",
    "app": "code_sources",
    "command": "command_sources",
    "config": "command_sources",
    "information": "information_sources",
    "content": "information_sources",
}

_SERVICE_RELATIONS = {
    "fleets": "fleet", "components": "component", "keys": "key", "data": "data", "accounts": "account"
}


#: relation name -> (element type it starts from, element type it yields)
RELATIONS: dict[str, dict[str, str]] = {
    "fleet": {"acceptance": "fleet"},
    "source": {"acceptance": "component"},
    "key": {"acceptance": "key"},
    "accepts": {"fleet": "acceptance"},
    "sources": {"fleet": "component"},
    "firmware_sources": {"fleet": "component"},
    "code_sources": {"fleet": "component"},
    "command_sources": {"fleet": "component"},
    "information_sources": {"fleet": "component"},
    "components_used": {"fleet": "component"},
    "accepted_by": {"component": "acceptance"},
    "fleets_served": {"component": "fleet"},
    "fleets_reached": {"component": "fleet"},
    "fleets_disrupted": {"component": "fleet"},
    "zone": {"component": "zone"},
    "depends_on": {"component": "component"},
    "dependents": {"component": "component"},
    "keys_held": {"component": "key"},
    "data_stored": {"component": "data"},
    "holder": {"key": "component"},
    "threshold_holders": {"key": "component"},
    "verified_by": {"key": "acceptance"},
    "stores": {"data": "component"},
    "carried_by": {"data": "flow"},
    "carries": {"flow": "data"},
    "via": {"account": "component"},
    "fleets": {"service": "fleet"},
    "components": {"service": "component"},
    "internet_facing": {"service": "component"},
    "keys": {"service": "key"},
    "data": {"service": "data"},
    "accounts": {"component": "account", "service": "account"},
    "flows_out": {"fleet": "flow", "component": "flow", "account": "flow"},
    "flows_in": {"fleet": "flow", "component": "flow", "account": "flow"},
    "from_fleet": {"flow": "fleet"},
    "from_component": {"flow": "component"},
    "from_account": {"flow": "account"},
    "to_fleet": {"flow": "fleet"},
    "to_component": {"flow": "component"},
    "to_account": {"flow": "account"},
}
FLOW_ENDS = ("from_fleet", "from_component", "from_account", "to_fleet", "to_component", "to_account")

Predicate = Callable[[ModelIndex, Handle], bool | None]


def relation_target(relation: str, source_type: str) -> str | None:
    """The element type ``relation`` yields from ``source_type``; None if not allowed."""
    if relation == "service":
        return "service"
    return RELATIONS.get(relation, {}).get(source_type)


# --- named graph predicates ------------------------------------------------------------
# Each answers True, False or None (unknown: a field it needs was left out).

_ONLINE_CUSTODY = {"online-file", "cloud-kms", "online-hsm"}


def _key_signs_from_holder(index: ModelIndex, key: Handle) -> bool | None:
    """The key is online at a component that also delivers what the key signs."""
    obj = key.obj
    assert isinstance(obj, Key)
    if obj.custody not in _ONLINE_CUSTODY or obj.holder is None:
        return False
    sources = {
        src.id for acc in index.related(key, "verified_by") for src in index.related(acc, "source")
    }
    return obj.holder in sources


def _component_signs_what_it_delivers(index: ModelIndex, comp: Handle) -> bool | None:
    """Some fleet verifies input from this component with a key this component holds online."""
    return any(
        _key_signs_from_holder(index, key)
        for acc in index.related(comp, "accepted_by")
        for key in index.related(acc, "key")
        if key in index.related(comp, "keys_held")
    )


def _internet_reachable(index: ModelIndex, comp: Handle) -> bool | None:
    """Exposed to the internet directly, or placed in an untrusted or DMZ zone."""
    obj = comp.obj
    assert isinstance(obj, Component)
    if "internet" in obj.exposure:
        return True
    zones = index.related(comp, "zone")
    if any(isinstance(z.obj, Zone) and z.obj.trust in {"untrusted", "dmz"} for z in zones):
        return True
    if not obj.exposure and not zones:
        return None
    return False


def _acts_on_unsigned(index: ModelIndex, acc: Handle) -> bool | None:
    """Devices act on this input though nothing but the channel vouches for it."""
    obj = acc.obj
    assert isinstance(obj, Acceptance)
    if obj.verification == "signature":
        return False
    if obj.use is None:
        return None
    return obj.use == "acts"


#: Inputs a device acts on whatever it is told; information and content only with ``use: acts``.
_ALWAYS_ACTED_ON = frozenset({"firmware", "script", "app", "command", "config"})


def _relays_unsigned_input(index: ModelIndex, flow: Handle) -> bool | None:
    """The flow joins a fleet and a component, and the fleet acts on input that no signature
    vouches for from that component, or from one that sends that component flows (the source
    behind a device gateway), so the input travels over this flow."""
    fleets = index.related(flow, "from_fleet") + index.related(flow, "to_fleet")
    ends = index.related(flow, "from_component") + index.related(flow, "to_component")
    if len(fleets) != 1 or len(ends) != 1:
        return False
    end = ends[0]
    result: bool | None = False
    for acc in index.related(fleets[0], "accepts"):
        obj = acc.obj
        assert isinstance(obj, Acceptance)
        if obj.verification == "signature":
            continue
        sources = index.related(acc, "source")
        through = any(
            src == end or any(end in index.related(f, "to_component") for f in index.related(src, "flows_out"))
            for src in sources
        )
        if not through:
            continue
        if obj.input in _ALWAYS_ACTED_ON or obj.use == "acts":
            return True
        if obj.use is None:
            result = None
    return result


#: name -> (element types it applies to, function)
PREDICATES: dict[str, tuple[frozenset[str], Predicate]] = {
    "key_signs_from_holder": (frozenset({"key"}), _key_signs_from_holder),
    "signs_what_it_delivers": (frozenset({"component"}), _component_signs_what_it_delivers),
    "internet_reachable": (frozenset({"component"}), _internet_reachable),
    "acts_on_unsigned": (frozenset({"acceptance"}), _acts_on_unsigned),
    "relays_unsigned_input": (frozenset({"flow"}), _relays_unsigned_input),
}
