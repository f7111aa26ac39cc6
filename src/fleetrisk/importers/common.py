"""Building blocks every importer uses: add zones, fleets, components, data and flows to a
draft with the right notes, then finish the draft (placeholders, exposures, what to fill in).

Ids come from the peer's names, or from its own ids (``source_id``) where the format has
stable ones; either way they are made safe and unique by :meth:`Draft.new_id`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fleetrisk.errors import InputError
from fleetrisk.importers import mapping
from fleetrisk.importers.draft import ALL_STATED, Draft, Entry, Note

#: A fleet the source names but does not size: placeholders to fill in, marked in the model.
PLACEHOLDER_DEVICES = 1000
PLACEHOLDER_SAFETY = "low"
DEFAULT_KIND = "user-app-backend"


def add_zone(draft: Draft, name: str, tool: str, *, hint: str = "", source_id: str = "",
             trust: str | None = None) -> Entry:
    """A zone; its ``trust`` when the source states it, else guessed from the name.

    A zone named or typed as the internet is untrusted whatever trust or rating the source
    gives it: no rating makes the internet a trusted network.
    """
    zone_id = draft.new_id(source_id or name, "zone")
    internet = mapping.is_internet(name, hint) and trust != "untrusted"
    if internet:
        trust = None
    guessed = mapping.zone_trust(name, hint) if trust is None else None
    if internet:
        guessed = "untrusted"
    entry = draft.add("zones", {"id": zone_id, "name": name, "trust": trust or guessed or "production"})
    if internet:
        draft.guess(entry, "trust", "g_trust_internet", value="untrusted")
    elif trust is None:
        draft.guess(entry, "trust", "g_trust" if guessed else "g_trust_default", value=entry.data["trust"])
    draft.mapped("m_zone", tool=tool, name=name, id=zone_id)
    return entry


def add_fleet(draft: Draft, name: str, tool: str, cls: str, *, stated: bool = False, source_id: str = "") -> Entry:
    """A device population; ``stated`` when the source says outright that these are devices."""
    entry = draft.add("fleets", {"id": draft.new_id(source_id or name, "fleet"), "name": name,
                                 "devices": PLACEHOLDER_DEVICES, "safety": PLACEHOLDER_SAFETY})
    if not stated:
        draft.guess(entry, "", "g_device", tool=tool, cls=cls)
    draft.mapped("m_fleet", tool=tool, cls=cls, name=name, id=entry.id)
    return entry


def add_account(draft: Draft, name: str, tool: str, cls: str, *, staff: bool = False, source_id: str = "",
                audience: str | None = None) -> Entry:
    """Human accounts; ``audience`` when the source states it, staff for admins, else guessed."""
    final = audience or ("staff" if staff else mapping.audience(name))
    entry = draft.add("accounts", {"id": draft.new_id(source_id or name, "account"), "name": name,
                                   "audience": final})
    if audience is None and not staff:
        draft.guess(entry, "audience", "g_audience", value=final)
    draft.mapped("m_account", tool=tool, cls=cls, name=name, id=entry.id)
    return entry


def add_external(draft: Draft, name: str, tool: str, cls: str, zone: str | None, *, source_id: str = "") -> Entry:
    """A system outside the service that it talks to: an external dependency of kind 'other'."""
    data: dict[str, Any] = {"id": draft.new_id(source_id or name, "external"), "name": name,
                            "kind": "external-dependency"}
    if zone:
        data["zone"] = zone
    data["dependency"] = {"kind": "other"}
    entry = draft.add("components", data)
    draft.guess(entry, "kind", "g_external", tool=tool, cls=cls)
    draft.mapped("m_component", tool=tool, cls=cls, name=name, id=entry.id, kind="external-dependency")
    return entry


def add_component(draft: Draft, name: str, tool: str, cls: str, zone: str | None, *,
                  kind: str | None = None, description: str = "", source_id: str = "") -> Entry:
    """A server-side component; ``kind`` when the source states it, else guessed from the name."""
    guessed = mapping.component_kind(name, description) if kind is None else None
    final = kind or guessed or DEFAULT_KIND
    data: dict[str, Any] = {"id": draft.new_id(source_id or name, "component"), "name": name, "kind": final}
    if zone:
        data["zone"] = zone
    entry = draft.add("components", data)
    if kind is None:
        draft.guess(entry, "kind", "g_kind" if guessed else "g_kind_default", value=final, tool=tool, cls=cls)
    else:
        entry.stated.add("kind")
    draft.mapped("m_component", tool=tool, cls=cls, name=name, id=entry.id, kind=final)
    return entry


def plan_data(draft: Draft, name: str, tool: str, kind: str | None, *,
              stored_in: list[str] | None = None, records: int | None = None, source_id: str = "",
              sensitivity: str | None = None, stated_as: str = "") -> str:
    """Add a data set; where it is stored may be settled by :func:`finish` from the flows.

    ``sensitivity`` (public, internal, confidential, secret) is what the source states about
    the item, ``stated_as`` how it says it: a confidential item whose name gives no sensitive
    kind is taken as personal data, a public one is not taken as sensitive (both guesses).
    """
    guessed, why = mapping.data_kind_with_sensitivity(name, sensitivity) if kind is None else (None, "")
    data: dict[str, Any] = {"id": draft.new_id(source_id or name, "data"), "name": name,
                            "kind": kind or guessed or "other", "stored_in": list(stored_in or [])}
    if records is not None:
        data["records"] = records
    entry = draft.add("data", data)
    if kind is None:
        if why in ("sensitivity", "public"):
            draft.guess(entry, "kind", f"g_data_kind_{why}", value=data["kind"], stated=stated_as or sensitivity)
        else:
            draft.guess(entry, "kind", "g_data_kind" if guessed else "g_data_kind_default", value=data["kind"])
    draft.mapped("m_data", tool=tool, name=name, id=entry.id, kind=data["kind"])
    return entry.id


def add_flow(draft: Draft, name: str, tool: str, source: str, target: str, *, protocol: str = "",
             carries: list[str] | None = None, encrypted: bool | None = None,
             plaintext_is_stated: bool = False, plaintext_by_name: bool = False,
             source_id: str = "") -> Entry:
    """A flow; encryption follows the protocol, or the source's own flag (marked as a guess).

    ``plaintext_is_stated``: the source's protocol names are a closed list, so any protocol
    that is not an encrypted one states plaintext. ``plaintext_by_name``: the protocol is free
    text, so only a name that is a plaintext protocol (``http``, ``mqtt``, ``coap``...) says
    so, marked as a guess."""
    data: dict[str, Any] = {"id": draft.new_id(source_id or name or f"{source}-to-{target}", "flow"),
                            "from": source, "to": target}
    proto = mapping.protocol_name(protocol) if protocol else ""
    if proto:
        data["protocol"] = proto
    if carries:
        data["carries"] = list(dict.fromkeys(carries))
    entry = draft.add("flows", data)
    if proto and mapping.encrypted_protocol(proto):
        data["encryption"] = "tls"
    elif encrypted:
        data["encryption"] = "tls"
        draft.guess(entry, "encryption", "g_encrypted_flag", tool=tool)
    elif proto and plaintext_is_stated:
        data["encryption"] = "none"
    elif plaintext_by_name and mapping.plaintext_protocol(proto):
        data["encryption"] = "none"
        draft.guess(entry, "encryption", "g_plaintext_protocol", tool=tool, protocol=proto)
    draft.mapped("m_flow", tool=tool, name=name or "-", id=entry.id, source=source, target=target)
    return entry


def flow_ends(raw: dict[str, Any], sides: tuple[str, str], ids: dict[str, str],
              error: Callable[[str, object], InputError]) -> tuple[str, str]:
    """The model ids of a peer flow's two ends; ``error(side, value)`` for an end that names no element."""
    ends = []
    for side in sides:
        end = raw.get(side)
        if not isinstance(end, str) or end not in ids:
            raise error(side, end)
        ends.append(ids[end])
    return ends[0], ends[1]


def finish(draft: Draft, title: str, description: str = "") -> None:
    """Complete the draft: kinds from topology, data stores, exposures, placeholders, service
    facts, the to-do list."""
    refine_kinds(draft)
    _settle_data(draft)
    _exposures(draft)
    placeholder = None
    if not draft.sections["fleets"]:
        # Every model has a fleet; one of no devices is not assessed (see engine/match.py),
        # so nothing about devices nobody described reaches a finding or a headline.
        placeholder = draft.add("fleets", {"id": draft.new_id("devices", "fleet"), "name": "Devices",
                                           "devices": 0, "safety": "none"})
        draft.fill_in(placeholder, "f_no_devices", tool=draft.tool)
    if not draft.sections["components"]:
        comp = draft.add("components", {"id": draft.new_id("service", "component"), "name": "Service",
                                        "kind": DEFAULT_KIND})
        draft.guess(comp, "", "g_placeholder_component", tool=draft.tool)
    if ALL_STATED not in draft.service.stated:
        _service(draft, title, description)
    _fleet_todo(draft, placeholder)
    unzoned = sum(1 for c in draft.sections["components"] if "zone" not in c.data)
    if unzoned and draft.sections["zones"]:
        draft.fill_in(None, "f_unzoned", count=unzoned)
    if not draft.sections["keys"]:
        draft.fill_in(None, "f_keys")
    if "practices" not in draft.extra and "controls" not in draft.extra:
        draft.fill_in(None, "f_practices")


def refine_kinds(draft: Draft) -> None:
    """Correct guessed kinds from topology: who sends what to whom.

    A stated kind is never touched. Then, in order: a guessed component that people use and
    that calls other elements, and whose name reads as a client program (browser, app,
    phone, desktop client) or that only calls the devices' local interface (a part drawn
    inside a device), is a client: it becomes an account of its users. A guessed component
    that sends a fleet commands (and usually receives from it) is a command service, unless
    its name already made it another service that sends to devices (OTA, configuration); one that
    talks to fleets keeps a device-facing kind (device gateway when its name gave none). A
    guessed device gateway that no fleet talks to, and people use, is an application backend
    ("API gateway"); so is a guessed admin console or support tool that only customers use
    ("Customer Portal").
    """
    fleets = {f.id for f in draft.sections["fleets"]}
    accounts = {a.id: a for a in draft.sections["accounts"]}
    kinds = {d.id: d.data["kind"] for d in draft.sections["data"]}
    holders = {k.data.get("holder") for k in draft.sections["keys"]} | {
        h for k in draft.sections["keys"] for h in (k.data.get("threshold") or {}).get("holders", [])}
    incoming: dict[str, list[Entry]] = {}
    outgoing: dict[str, list[Entry]] = {}
    for flow in draft.sections["flows"]:
        incoming.setdefault(flow.data["to"], []).append(flow)
        outgoing.setdefault(flow.data["from"], []).append(flow)
    for comp in list(draft.sections["components"]):
        if "kind" in comp.stated or ALL_STATED in comp.stated:
            continue
        users = [accounts[f.data["from"]] for f in incoming.get(comp.id, []) if f.data["from"] in accounts]
        calls = [f for f in outgoing.get(comp.id, []) if f.data["to"] not in accounts]
        local = bool(calls) and all(f.id in draft.local_flows for f in calls)
        if users and calls and comp.id not in holders and (mapping.looks_client(comp.data.get("name", "")) or local):
            _client_to_account(draft, comp, users)
            continue
        from_fleet = any(f.data["from"] in fleets for f in incoming.get(comp.id, []))
        to_fleet = [f for f in outgoing.get(comp.id, []) if f.data["to"] in fleets]
        commands = [f for f in to_fleet if mapping.says_command(f.data["id"], str(f.data.get("name", "")))
                    or any(kinds.get(d) == "commands" for d in f.data.get("carries", []))]
        kind = comp.data["kind"]
        if commands and kind not in mapping.DEVICE_SENDERS:
            _retype(draft, comp, "command-service", "g_kind_commands", flow=commands[0].id)
        elif (from_fleet or to_fleet) and kind not in mapping.DEVICE_FACING:
            _retype(draft, comp, "device-gateway", "g_kind_device_facing")
        elif kind == "device-gateway" and not from_fleet and not to_fleet and users:
            _retype(draft, comp, DEFAULT_KIND, "g_kind_no_devices")
        elif kind in ("admin-console", "support-tooling") and users and all(
                u.data["audience"] == "customer" for u in users):
            _retype(draft, comp, DEFAULT_KIND, "g_kind_customers", users=", ".join(sorted({u.id for u in users})))


def _retype(draft: Draft, comp: Entry, kind: str, key: str, **args: object) -> None:
    comp.data["kind"] = kind
    comp.notes["kind"] = []
    draft.report.guessed = [n for n in draft.report.guessed
                            if not (dict(n.args).get("element") == comp.id
                                    and dict(n.args).get("note_key") in ("g_kind", "g_kind_default"))]
    draft.guess(comp, "kind", key, value=kind, **args)
    draft.report.mapped = [n if dict(n.args).get("id") != comp.id else Note.of(
        n.key, **{**dict(n.args), "kind": kind}) for n in draft.report.mapped]


def _client_to_account(draft: Draft, comp: Entry, users: list[Entry]) -> None:
    """A client program people run becomes an account of its users (staff, dealer or customer)."""
    audiences = {u.data["audience"] for u in users}
    audience = next(a for a in ("staff", "dealer", "customer") if a in audiences or a == "customer")
    draft.sections["components"].remove(comp)
    draft.forget(comp.id)
    account = draft.add("accounts", {"id": comp.id, "name": comp.data.get("name", comp.id), "audience": audience})
    draft.guess(account, "", "g_client", users=", ".join(sorted({u.id for u in users})))
    draft.mapped("m_account", tool=draft.tool, cls="client", name=account.data["name"], id=account.id)
    for entry in draft.sections["data"]:
        entry.data["stored_in"] = [s for s in entry.data["stored_in"] if s != comp.id]


def _settle_data(draft: Draft) -> None:
    kinds = {c.id: c.data["kind"] for c in draft.sections["components"]}
    touching: dict[str, list[str]] = {}
    for flow in draft.sections["flows"]:
        for data_id in flow.data.get("carries", []):
            ends = touching.setdefault(data_id, [])
            ends.extend(end for end in (flow.data["to"], flow.data["from"]) if end in kinds and end not in ends)
    dropped: set[str] = set()
    for entry in list(draft.sections["data"]):
        if entry.data["stored_in"] or ALL_STATED in entry.stated:
            continue
        ends = touching.get(entry.id, [])
        stores = [end for end in ends if kinds[end] == "data-store"]
        if stores:
            entry.data["stored_in"] = stores
            draft.guess(entry, "stored_in", "g_stored_in_store")
        elif ends:
            entry.data["stored_in"] = ends[:1]
            draft.guess(entry, "stored_in", "g_stored_in_component")
        else:
            draft.sections["data"].remove(entry)
            draft.forget(entry.id)
            dropped.add(entry.id)
            draft.ignored("dropped_data", name=entry.data["name"])
    if dropped:
        for flow in draft.sections["flows"]:
            kept = [d for d in flow.data.get("carries", []) if d not in dropped]
            if kept:
                flow.data["carries"] = kept
            else:
                flow.data.pop("carries", None)


def _exposures(draft: Draft) -> None:
    fleets = {f.id for f in draft.sections["fleets"]}
    accounts = {a.id: a.data["audience"] for a in draft.sections["accounts"]}
    components = {c.id: c for c in draft.sections["components"]}
    for flow in draft.sections["flows"]:
        target = components.get(flow.data["to"])
        source = flow.data["from"]
        if target is None or ALL_STATED in target.stated:
            continue
        exposure = target.data.setdefault("exposure", [])
        if source in fleets and "devices" not in exposure:
            exposure.append("devices")
        elif accounts.get(source) == "customer" and "internet" not in exposure:
            exposure.append("internet")
            draft.guess(target, "exposure", "g_internet_from_account", account=source)
    for comp in components.values():
        if comp.data.get("exposure") == [] and ALL_STATED not in comp.stated:
            del comp.data["exposure"]


def _service(draft: Draft, title: str, description: str) -> None:
    kinds = [c.data["kind"] for c in draft.sections["components"]]
    types = sorted({mapping.SERVICE_TYPE_BY_KIND[k] for k in kinds if k in mapping.SERVICE_TYPE_BY_KIND})
    service: dict[str, Any] = {"name": title[:200] or "Imported model"}
    if description:
        service["description"] = description
    service["types"] = types or ["telemetry"]
    draft.service.data = service
    draft.guess(draft.service, "types", "g_service_types")


def _fleet_todo(draft: Draft, placeholder: Entry | None) -> None:
    fleets = {f.id: f for f in draft.sections["fleets"] if f is not placeholder}
    components = {c.id for c in draft.sections["components"]}
    for fleet in fleets.values():
        if not {"devices", "safety"} <= fleet.stated and ALL_STATED not in fleet.stated:
            draft.fill_in(fleet, "f_fleet_size")
        if "identity" not in fleet.data:
            draft.fill_in(fleet, "f_identity")
    for flow in draft.sections["flows"]:
        receiver = fleets.get(flow.data["to"])
        if receiver is not None and flow.data["from"] in components and ALL_STATED not in receiver.stated:
            draft.fill_in(receiver, "f_receives_from", component=flow.data["from"], flow=flow.id)
    for fleet in fleets.values():
        if not fleet.data.get("accepts"):
            draft.fill_in(fleet, "f_accepts")
