"""The AND/OR attack graph built from matched scenarios and the fleets' authority.

Nodes are attacker positions and outcomes, as strings:

- ``entry:<entry>``: where an attacker starts (internet, device, customer, insider, ...);
- ``control:<component>``, ``hold:<key>``, ``impersonate:<fleet>``;
- ``fan:<outcome>#<n>``: a bookkeeping position that hands one outcome to a set of fleets
  (shared by the elements that reach the same fleets; paths never show it);
- ``drive:<component>``: the attacker can make the component act (deliver, sign, command)
  without holding it: through a component that calls it, or one whose identities it trusts;
- ``outcome:<outcome>@<fleet>`` for device outcomes and ``outcome:data-exposed@data:<id>``.

Edges need all of ``requires`` (AND), plus any one of ``entries`` when given, and grant
every node in ``grants``. A node is reached by any of its edges (OR). Threshold edges
need ``threshold`` of their ``requires``. Edges come from five places:

- matched findings (their scenario's ``effect``);
- authority: what each fleet accepts, from which component, verified how. Transport-only
  verification falls with whoever can drive the delivering component; a signature needs the
  key too;
- drive: holding a component drives it, and driving it drives what it can make act
  (``ModelIndex.drive_links``), through any number of hops; driving a signing service with
  an online key gets anything signed by that key;
- custody: an online key falls with the component that holds it; a threshold key needs
  ``k`` of its holders; data falls with the store that holds it;
- footholds: how exposed each component is to each entry (for likelihoods and paths only,
  never for cut sets: there every component or key is a thing that may fall).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from fleetrisk.catalog.loader import Catalog
from fleetrisk.engine.match import Match
from fleetrisk.messages import Text
from fleetrisk.model.queries import DriveVia, Handle, ModelIndex
from fleetrisk.model.schema import Acceptance, Component, DataSet, Fleet, Key, Zone
from fleetrisk.vocab import LIKELIHOOD_LEVELS

#: A stated fact behind one of the graph's own steps: element, field, value, and whether the
#: field has a line of its own in the model file. Worded (and located) only when a path shows it.
StepFact = tuple[Handle, str, object, bool]

EdgeKind = Literal["finding", "authority", "drive", "fan", "custody", "foothold"]

#: Finding statuses whose weakness is still there for an attacker. An ``unknown`` finding rests
#: on a field nobody stated: its edges are marked ``assumed`` and stay out of the stated view.
ACTIVE = frozenset({"open", "unknown", "accepted", "in-progress"})

#: What a fleet suffers when an input it acts on is the attacker's.
INPUT_OUTCOME = {
    "firmware": "firmware-takeover",
    "script": "code-execution",
    "app": "code-execution",
    "command": "hijacked",
    "config": "hijacked",
    "information": "false-information",
    "content": "false-information",
}
#: The control that would cut an authority edge, by input.
INPUT_CONTROL = {
    "firmware": "offline-root-threshold-signing",
    "script": "code-signing-per-publisher",
    "app": "code-signing-per-publisher",
    "command": "signed-commands",
    "config": "signed-commands",
    "information": "signed-content",
    "content": "signed-content",
}
SOFTWARE_OUTCOMES = frozenset({"firmware-takeover", "code-execution"})
#: Above this many fleets, an element's fleet outcomes go through one shared fan position.
FAN_OUT = 8
#: Likelihood (1..5) that holding a component yields an online key it holds.
CUSTODY_LIKELIHOOD = {"online-file": 5, "cloud-kms": 4, "online-hsm": 4}


@dataclass(slots=True, eq=False)  # built by the ten thousand: plain slots, identity equality
class Edge:
    """One way to gain ``grants``: a finding, an authority, a custody or a foothold."""

    id: str
    kind: EdgeKind
    element: str
    requires: tuple[str, ...]
    grants: tuple[str, ...]
    likelihood: int
    entries: tuple[str, ...] = ()
    threshold: int | None = None
    basic: str | None = None  # for cut sets: the element's own node, when it needs nothing else
    finding: str | None = None
    scenario: str | None = None
    title: Text | None = None  # a finding step is titled by its scenario
    why: tuple[StepFact, ...] = ()  # the facts that make the step true (a finding's are its reasons)
    cut_by: str = ""
    assumed: bool = False  # an unknown finding: a fact nobody stated


@dataclass
class AttackGraph:
    edges: list[Edge]
    basic_events: list[str]
    fleet_devices: dict[str, int]
    reach_devices: dict[str, int]  # outcome node -> devices hit (rollout-limited)
    data_records: dict[str, int | None]
    into: dict[str, list[Edge]] = field(default_factory=lambda: defaultdict(list))
    out_of: dict[str, list[Edge]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        for edge in self.edges:
            for node in edge.grants:
                self.into[node].append(edge)
            for node in edge.requires:
                self.out_of[node].append(edge)

    @property
    def outcome_nodes(self) -> list[str]:
        return sorted(self.reach_devices)

    def with_edges(self, edges: list[Edge]) -> AttackGraph:
        """The same positions and outcomes with only ``edges``."""
        return AttackGraph(edges, self.basic_events, self.fleet_devices, self.reach_devices, self.data_records)

    def stated(self) -> AttackGraph:
        """The graph of stated facts: without the edges of unknown findings."""
        if not any(edge.assumed for edge in self.edges):
            return self
        return self.with_edges([edge for edge in self.edges if not edge.assumed])


def outcome_node(outcome: str, target: str) -> str:
    return f"outcome:{outcome}@{target}"


def parse_outcome(node: str) -> tuple[str, str]:
    """``outcome:o@t`` -> (o, t)."""
    body = node.removeprefix("outcome:")
    outcome, _, target = body.partition("@")
    return outcome, target


class _Builder:
    def __init__(self, index: ModelIndex, catalog: Catalog) -> None:
        self.index = index
        self.catalog = catalog
        self.edges: list[Edge] = []
        self.reach_devices: dict[str, int] = {}
        self._nodes: dict[tuple[str, str], str] = {}  # (outcome, fleet) -> outcome node
        self._fans: dict[tuple[str, tuple[str, ...]], str] = {}  # (outcome, fleets) -> fan position
        self._fan_of_list: dict[tuple[str, int], str] = {}  # (outcome, id of a fleet list) -> fan position
        self._lists: list[list[Handle]] = []
        self.data_records: dict[str, int | None] = {}
        self.fleet_devices = {
            h.id: h.obj.devices for h in index.by_type["fleet"] if isinstance(h.obj, Fleet)
        }

    @staticmethod
    def fact(handle: Handle, name: str, value: object, *, located: bool = True) -> StepFact:
        """A stated field of an element behind a step (``located``: the field has a line of its own)."""
        return (handle, name, value, located)

    # --- targets of grants ------------------------------------------------------------

    def _device_outcome(self, outcome: str, fleet: Handle) -> str:
        node = self._nodes.get((outcome, fleet.id))
        if node is None:
            node = self._nodes[(outcome, fleet.id)] = outcome_node(outcome, fleet.id)
            assert isinstance(fleet.obj, Fleet)
            self.reach_devices[node] = _devices_hit(fleet.obj, outcome)
        return node

    def _data_outcome(self, data: Handle) -> str:
        node = outcome_node("data-exposed", f"data:{data.id}")
        if node not in self.reach_devices:
            assert isinstance(data.obj, DataSet)
            self.reach_devices[node] = 0
            self.data_records[node] = data.obj.records
        return node

    def _fan(self, outcome: str, fleets: list[Handle]) -> str:
        """One position that hands ``outcome`` to each of ``fleets``, shared by every element that
        reaches the same fleets (on a large model, most of a ring of components that drive one
        another): a finding then grants one position instead of one per fleet."""
        shared = self._fan_of_list.get((outcome, id(fleets)))  # reach lists are shared: most hit here
        if shared is not None:
            return shared
        key = (outcome, tuple(f.id for f in fleets))
        hub = self._fans.get(key)
        if hub is None:
            hub = self._fans[key] = f"fan:{outcome}#{len(self._fans)}"
            for fleet in fleets:
                self.edges.append(Edge(
                    id=f"{hub}>{fleet.id}", kind="fan", element=fleet.id, requires=(hub,),
                    grants=(self._device_outcome(outcome, fleet),), likelihood=5,
                ))
        self._fan_of_list[(outcome, id(fleets))] = hub
        self._lists.append(fleets)  # keeps the id this list's while the builder lives
        return hub

    def data_reached(self, element: Handle) -> list[Handle]:
        """Data sets an element exposes when it is abused."""
        rel = self.index.related
        if element.type == "data":
            return [element]
        if element.type == "service":
            return list(self.index.by_type["data"])
        found: list[Handle] = []
        components = [element] if element.type == "component" else []
        if element.type == "account":
            components = rel(element, "via")
        elif element.type == "fleet":
            components = rel(element, "components_used") + rel(element, "sources")
        for comp in components:
            found += rel(comp, "data_stored")
            for dep in rel(comp, "depends_on"):
                found += rel(dep, "data_stored")
            for flow in rel(comp, "flows_in") + rel(comp, "flows_out"):
                found += rel(flow, "carries")
        if element.type == "flow":
            found += rel(element, "carries")
        return list(dict.fromkeys(found))

    def resolve_grant(self, token: str, element: Handle) -> list[str]:
        kind, _, subject = token.partition(":")
        if kind == "outcome":
            if subject == "data-exposed":
                data = self.data_reached(element)
                if data:
                    return [self._data_outcome(d) for d in data]
            fleets = (self.index.fleets_disrupted(element) if subject == "unavailable"
                      else self.index.fleets_reached(element))
            if len(fleets) > FAN_OUT:
                return [self._fan(subject, fleets)]
            return [self._device_outcome(subject, f) for f in fleets]
        targets = [element] if subject == "self" else self.index.related(element, subject)
        return [f"{kind}:{t.id}" for t in targets]

    def resolve_requirement(self, token: str, element: Handle) -> list[str]:
        kind, _, subject = token.partition(":")
        targets = [element] if subject == "self" else self.index.related(element, subject)
        return [f"{kind}:{t.id}" for t in targets]

    # --- edges -----------------------------------------------------------------------------

    def add_findings(self, matches: list[Match], statuses: Mapping[str, str]) -> None:
        for match in matches:
            status = statuses.get(match.id)
            if status not in ACTIVE:
                continue
            spec = match.scenario.spec
            element = match.element
            grants = tuple(dict.fromkeys(
                node for token in spec.effect.grants for node in self.resolve_grant(token, element)
            ))
            if not grants:
                continue
            needs_entry = "entry" in spec.effect.requires
            alternatives: list[list[str]] = []
            for token in spec.effect.requires:
                if token != "entry":
                    options = self.resolve_requirement(token, element)
                    if not options:
                        alternatives = []
                        break
                    alternatives.append(options)
            else:
                combos = _product(alternatives)
                for choice in combos:
                    edge_id = match.id if len(combos) == 1 else f"{match.id}|{','.join(choice)}"
                    for part_id, part, basic in _finding_parts(edge_id, element, choice, grants):
                        self.edges.append(Edge(
                            id=part_id,
                            kind="finding",
                            element=element.id,
                            requires=tuple(choice),
                            grants=part,
                            likelihood=LIKELIHOOD_LEVELS[spec.likelihood],
                            entries=tuple(spec.facets.entry) if needs_entry else (),
                            basic=basic,
                            finding=match.id,
                            scenario=spec.id,
                            cut_by=match.scenario.mitigated_by.describe(),
                            assumed=status == "unknown",
                        ))

    def add_authority(self) -> None:
        for acc in self.index.by_type["acceptance"]:
            obj = acc.obj
            assert isinstance(obj, Acceptance) and acc.owner is not None
            fleet = acc.owner
            outcome = INPUT_OUTCOME[obj.input]
            if obj.input in ("information", "content") and obj.use == "acts":
                outcome = "hijacked"
            node = self._device_outcome(outcome, fleet)
            source = f"drive:{obj.source}"
            verification = obj.verification
            base = dict(kind="authority", element=fleet.id, grants=(node,), cut_by=INPUT_CONTROL[obj.input])
            names = {"fleet": fleet.id, "input": obj.input, "source": obj.source, "key": obj.key,
                     "verification": verification}
            accepted = (self.fact(acc, "input", obj.input), self.fact(acc, "source", obj.source))
            if verification in ("none", "transport"):
                why = (*accepted, self.fact(acc, "verification", verification))
                self.edges.append(Edge(
                    id=f"authority:{acc.id}", requires=(source,), likelihood=5,
                    title=Text.of("step.unchecked" if verification == "transport" else "step.unverified", **names),
                    why=why, **base,  # type: ignore[arg-type]
                ))
                if verification == "none":
                    self.edges.append(Edge(
                        id=f"authority:{acc.id}|network", requires=(), entries=("network",), likelihood=3,
                        title=Text.of("step.network", **names), why=why, **base,  # type: ignore[arg-type]
                    ))
            elif obj.key is not None:
                self.edges.append(Edge(
                    id=f"authority:{acc.id}", requires=(source, f"hold:{obj.key}"), likelihood=5,
                    title=Text.of("step.signed", **names), why=(*accepted, self.fact(acc, "key", obj.key)),
                    **base,  # type: ignore[arg-type]
                ))
                if obj.anti_rollback is False and obj.input == "firmware":
                    old = self._device_outcome("code-execution", fleet)
                    self.edges.append(Edge(
                        id=f"authority:{acc.id}|rollback", kind="authority", element=fleet.id,
                        requires=(source,), grants=(old,), likelihood=3, cut_by="anti-rollback",
                        title=Text.of("step.rollback", **names),
                        why=(*accepted, self.fact(acc, "anti_rollback", False)),
                    ))

    def add_custody(self) -> None:
        for key in self.index.by_type["key"]:
            obj = key.obj
            assert isinstance(obj, Key)
            node = f"hold:{key.id}"
            if obj.custody == "threshold" and obj.threshold is not None:
                holders = tuple(f"control:{h}" for h in obj.threshold.holders)
                self.edges.append(Edge(
                    id=f"custody:{key.id}", kind="custody", element=key.id, requires=holders,
                    threshold=obj.threshold.k, grants=(node,), likelihood=5,
                    title=Text.of("step.threshold", k=obj.threshold.k, n=len(holders), key=key.id),
                    why=(self.fact(key, "custody", obj.custody), self.fact(key, "threshold.k", obj.threshold.k)),
                    cut_by="offline-root-threshold-signing",
                ))
            elif obj.custody in CUSTODY_LIKELIHOOD and obj.holder is not None:
                self.edges.append(Edge(
                    id=f"custody:{key.id}", kind="custody", element=key.id, requires=(f"control:{obj.holder}",),
                    grants=(node,), likelihood=CUSTODY_LIKELIHOOD[obj.custody],
                    title=Text.of("step.online", holder=obj.holder, key=key.id, custody=obj.custody),
                    why=(self.fact(key, "custody", obj.custody), self.fact(key, "holder", obj.holder)),
                    cut_by="offline-root-threshold-signing",
                ))
        for data in self.index.by_type["data"]:
            node = self._data_outcome(data)
            for store in self.index.related(data, "stores"):
                self.edges.append(Edge(
                    id=f"custody:{data.id}@{store.id}", kind="custody", element=store.id,
                    requires=(f"control:{store.id}",), grants=(node,), likelihood=5,
                    title=Text.of("step.store", store=store.id, data=data.id),
                    why=(self.fact(data, "stored_in", store.id, located=False),),
                    cut_by="encryption-at-rest",
                ))

    def add_drive(self) -> None:
        """Drive steps, only towards what can use them: a component fleets accept input from, or a
        signing service that signs with an online key (a drive position nothing reads is left out)."""
        signers: list[tuple[Handle, Handle, Key]] = []
        for key in self.index.by_type["key"]:
            obj = key.obj
            assert isinstance(obj, Key)
            holder = self.index.by_id.get(obj.holder) if obj.holder else None
            if (obj.custody in CUSTODY_LIKELIHOOD and holder is not None
                    and getattr(holder.obj, "kind", None) == "signing-service"):
                signers.append((key, holder, obj))
        useful = {acc.obj.source for acc in self.index.by_type["acceptance"] if isinstance(acc.obj, Acceptance)}
        useful |= {holder.id for _, holder, _ in signers}
        drivers: dict[str, list[tuple[Handle, Handle, DriveVia]]] = {}
        for link in self.index.drive_links:
            drivers.setdefault(link[1].id, []).append(link)
        stack = list(useful)
        while stack:
            for source, _, _ in drivers.get(stack.pop(), ()):
                if source.id not in useful:
                    useful.add(source.id)
                    stack.append(source.id)
        for comp in self.index.by_type["component"]:
            if comp.id in useful:
                self.edges.append(Edge(
                    id=f"drive:{comp.id}", kind="drive", element=comp.id, requires=(f"control:{comp.id}",),
                    grants=(f"drive:{comp.id}",), likelihood=5,
                ))
        for source, target, via in self.index.drive_links:
            if target.id in useful:
                self.edges.append(self._drive_edge(source, target, via))
        for key, holder, obj in signers:
            self.edges.append(Edge(
                id=f"custody:{key.id}|drive", kind="custody", element=key.id,
                requires=(f"drive:{holder.id}",), grants=(f"hold:{key.id}",), likelihood=4,
                title=Text.of("step.drive_sign", holder=holder.id, key=key.id),
                why=(self.fact(key, "custody", obj.custody), self.fact(key, "holder", holder.id),
                     self.fact(holder, "kind", "signing-service")),
                cut_by="offline-root-threshold-signing",
            ))

    def _drive_edge(self, source: Handle, target: Handle, via: DriveVia) -> Edge:
        why: tuple[StepFact, ...]
        if isinstance(via, Handle):
            title = Text.of("step.drive_flow", source=source.id, target=target.id, flow=via.id)
            why = (self.fact(via, "source", source.id), self.fact(via, "target", target.id))
        elif via == "vouches":
            title = Text.of("step.drive_idp", source=source.id, target=target.id)
            why = (self.fact(target, "depends_on", source.id, located=False),
                   self.fact(source, "kind", getattr(source.obj, "kind", None)))
        else:
            title = Text.of("step.drive_call", source=source.id, target=target.id)
            why = (self.fact(source, "depends_on", target.id, located=False),)
        return Edge(
            id=f"drive:{source.id}>{target.id}", kind="drive", element=target.id,
            requires=(f"drive:{source.id}",), grants=(f"drive:{target.id}",), likelihood=5,
            title=title, why=why,
        )

    def add_footholds(self) -> None:
        for comp in self.index.by_type["component"]:
            obj = comp.obj
            assert isinstance(obj, Component)
            for entry, likelihood in _footholds(self.index, comp, obj):
                self.edges.append(Edge(
                    id=f"foothold:{comp.id}|{entry}", kind="foothold", element=comp.id, requires=(),
                    entries=(entry,), grants=(f"control:{comp.id}",), likelihood=likelihood,
                    title=Text.of("step.foothold", component=comp.id, entry=entry),
                    why=(self.fact(comp, "exposure", list(obj.exposure)),),
                    cut_by="privileged-access-management" if entry == "insider" else "",
                ))

    def _lateral_reason(self, source: Handle, target: Handle, shared: bool) -> tuple[StepFact, ...] | None:
        """Why being inside corporate zone ``source`` puts an attacker inside ``target``, if it does."""
        src, dst = source.obj, target.obj
        assert isinstance(src, Zone) and isinstance(dst, Zone)
        if dst.trust == "corporate":
            return None  # every corporate zone is an entry of its own
        if shared and dst.trust in ("production", "restricted"):
            return (self.fact(self.index.service, "practices.it_iot_segmentation", "shared", located=False),)
        for name in ("cloud_account", "identity_provider"):
            value = getattr(src, name)
            if value and value == getattr(dst, name):
                return (self.fact(source, name, value), self.fact(target, name, value))
        return None

    def add_lateral(self) -> None:
        """Lateral movement: positions inside zones, and where being inside one leads.

        An outsider who breached corporate IT is inside every corporate zone; whoever holds a
        remote-access component is inside its zone and the zones it sends flows to. Being inside
        a corporate zone reaches a production zone when the model states that IT and IoT are
        not separated, or that the two share a cloud account or a staff directory. Inside a
        zone, each component there is a foothold whose likelihood follows its authentication.
        These are footholds: they say how likely a component falls, never what follows.
        """
        handles = {z.id: z for z in self.index.by_type["zone"]}
        zones = [z.obj for z in self.index.by_type["zone"] if isinstance(z.obj, Zone)]
        corporate = [z for z in zones if z.trust == "corporate"]
        for zone in corporate:
            self.edges.append(Edge(
                id=f"lateral:breach|{zone.id}", kind="foothold", element=zone.id, requires=(),
                entries=("corporate",), grants=(f"inside:{zone.id}",), likelihood=4,
                title=Text.of("step.breach", zone=zone.id), why=(self.fact(handles[zone.id], "trust", zone.trust),),
                cut_by="it-iot-segmentation",
            ))
        shared = self.index.model.practices.it_iot_segmentation == "shared"
        entered = {z.id for z in corporate}  # zones an attacker can be inside of
        for source in corporate:
            for target in zones:
                why = self._lateral_reason(handles[source.id], handles[target.id], shared)
                if target is source or why is None:
                    continue
                entered.add(target.id)
                self.edges.append(Edge(
                    id=f"lateral:{source.id}>{target.id}", kind="foothold", element=target.id,
                    requires=(f"inside:{source.id}",), grants=(f"inside:{target.id}",), likelihood=3,
                    title=Text.of("step.lateral", source=source.id, target=target.id), why=why,
                    cut_by="it-iot-segmentation",
                ))
        rel = self.index.related
        components = [(c, c.obj) for c in self.index.by_type["component"] if isinstance(c.obj, Component)]
        for comp, obj in components:
            if obj.kind == "remote-access":
                targets = [t.obj for f in rel(comp, "flows_out") for t in rel(f, "to_component")]
                opened = [obj.zone] if obj.zone else []
                reached = dict.fromkeys(opened + [t.zone for t in targets if isinstance(t, Component) and t.zone])
                entered.update(reached)
                for zone_id in reached:
                    self.edges.append(Edge(
                        id=f"lateral:{comp.id}>{zone_id}", kind="foothold", element=comp.id,
                        requires=(f"control:{comp.id}",), grants=(f"inside:{zone_id}",), likelihood=5,
                        title=Text.of("step.remote", component=comp.id, zone=zone_id),
                        why=(self.fact(comp, "kind", obj.kind),),
                    ))
        for comp, obj in components:  # footholds only in zones an attacker can get inside
            if obj.zone is not None and obj.zone in entered:
                self.edges.append(Edge(
                    id=f"lateral:{obj.zone}>{comp.id}", kind="foothold", element=comp.id,
                    requires=(f"inside:{obj.zone}",), grants=(f"control:{comp.id}",),
                    likelihood=_INSIDE_LIKELIHOOD.get(obj.auth or "", 3),
                    title=Text.of("step.inside", component=comp.id, zone=obj.zone, auth=obj.auth or "?"),
                    why=(self.fact(comp, "zone", obj.zone), self.fact(comp, "auth", obj.auth)),
                ))


#: Likelihood that an attacker inside a component's network gets past its authentication.
_INSIDE_LIKELIHOOD = {"none": 5, "password": 4, "api-key": 4, "token": 3, "sso": 3, "mtls": 2, "sso-mfa": 2,
                      "phishing-resistant-mfa": 1}


def build_graph(
    index: ModelIndex,
    catalog: Catalog,
    matches: list[Match],
    statuses: Mapping[str, str],
) -> AttackGraph:
    """Build the attack graph of a model from its matches and their final statuses."""
    builder = _Builder(index, catalog)
    builder.add_findings(matches, statuses)
    builder.add_authority()
    builder.add_custody()
    builder.add_drive()
    builder.add_footholds()
    builder.add_lateral()
    basic = [f"control:{c.id}" for c in index.by_type["component"]]
    basic += [f"hold:{k.id}" for k in index.by_type["key"]
              if isinstance(k.obj, Key) and k.obj.custody != "threshold"]
    return AttackGraph(builder.edges, basic, builder.fleet_devices, builder.reach_devices, builder.data_records)


#: Positions that are a component or a key falling (the basic events of cut sets).
_FALLEN = ("control:", "hold:")


def _finding_parts(
    edge_id: str, element: Handle, choice: list[str], grants: tuple[str, ...]
) -> list[tuple[str, tuple[str, ...], str | None]]:
    """The edges of one finding step: (id, grants, basic event it stands for, if any).

    A finding that needs nothing but an entry counts, for cut sets, as an element falling: the
    component or key it is on, or, for one on another element (a service-wide finding that
    hands over every internet-facing component), each component or key it hands over, on an
    edge of its own. Whatever else it grants stays on the finding's own edge.
    """
    if choice:
        return [(edge_id, grants, None)]
    if element.type in ("component", "key"):
        return [(edge_id, grants, f"{'control' if element.type == 'component' else 'hold'}:{element.id}")]
    fallen = [g for g in grants if g.startswith(_FALLEN)]
    rest = tuple(g for g in grants if not g.startswith(_FALLEN))
    parts: list[tuple[str, tuple[str, ...], str | None]] = [(f"{edge_id}|{g}", (g,), g) for g in fallen]
    if rest or not parts:
        parts.append((edge_id, rest, None))
    return parts


def _devices_hit(fleet: Fleet, outcome: str) -> int:
    """Devices an outcome reaches; a staged rollout that halts on anomalies caps software outcomes."""
    rollout = fleet.rollout
    if (
        outcome in SOFTWARE_OUTCOMES
        and rollout is not None
        and rollout.staged
        and rollout.halt_on_anomaly
        and rollout.first_wave_percent is not None
    ):
        return max(1, int(fleet.devices * rollout.first_wave_percent / 100)) if fleet.devices else 0
    return fleet.devices


_EXPOSURE_ENTRY = {"internet": ("internet", 4), "devices": ("device", 3), "partners": ("partner", 3),
                   "corporate": ("insider", 3), "internal": ("insider", 2)}


def _footholds(index: ModelIndex, handle: Handle, comp: Component) -> list[tuple[str, int]]:
    found: dict[str, int] = {}
    for exposure in comp.exposure:
        entry, likelihood = _EXPOSURE_ENTRY[exposure]
        found[entry] = max(found.get(entry, 0), likelihood)
    for zone in index.related(handle, "zone"):
        trust = getattr(zone.obj, "trust", None)
        if trust in ("untrusted", "dmz"):
            found["internet"] = max(found.get("internet", 0), 4)
        elif trust == "corporate":
            found["insider"] = max(found.get("insider", 0), 3)
    if comp.kind in ("build-pipeline", "signing-service", "artifact-store"):
        found["supplier"] = max(found.get("supplier", 0), 2)
    found.setdefault("insider", 2)
    return sorted(found.items())


def _product(options: list[list[str]]) -> list[list[str]]:
    result: list[list[str]] = [[]]
    for choices in options:
        result = [[*prefix, choice] for prefix in result for choice in choices]
    return result
