"""Import an Open Threat Model (OTM) JSON file.

OTM is the exchange format several threat-modeling tools write. It has trust zones,
components (nested in a zone or in another component), data assets and data flows, each with
a stable id, kept where it reads as a fleetrisk id (generated UUIDs give way to the name; a
data flow is named by its name when it has one, as its id is often a bare counter).
Component types are free text in OTM; the types fleetrisk's own export writes (``device-fleet``,
``user-account``, ``signing-key`` and the component kinds) and its attributes (fleet size and
safety, audience, key custody, data kind and records, flow protocol and security) are read as
stated facts, so export then import gives back the architecture: zones, fleets, components
and their kinds, keys, data sets and flows. What OTM does not carry (what devices accept and
how they verify it, identities, exposure, practices) is left to fill in, as for any peer.
Every other type is a guess: first from the words of the type alone (``database`` is a data
store whatever the name says: "Customer Database" is not a customer), then from the data flows
(see ``common.refine_kinds``), then from the name. Tags are protocols only when they name a
known one. A zone named or typed as the internet is untrusted whatever its trust rating.
Threats and mitigations are not imported: ``fleetrisk assess`` derives its own.

A file that fleetrisk exported carries every fact of the model under the ``fleetrisk``
attribute of each element and of the project; those facts are taken as they are, so export
then import gives back the same model and the same assessment. If they do not make a valid
model (edited by hand, or from another version), the file is read as any other OTM file.
"""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Any

from fleetrisk.errors import InputError, Location
from fleetrisk.importers import common, mapping
from fleetrisk.importers.draft import ALL_STATED, EXTRA, TEXT_LIMIT, Draft, Entry, one_line, text
from fleetrisk.importers.jsonio import expect, locate, read_json
from fleetrisk.model.schema import (
    Auth,
    Authorization,
    ComponentKind,
    Custody,
    DataKind,
    Encryption,
    InputKind,
    Safety,
    ZoneTrust,
)

TOOL = "OTM"
#: The attribute under which fleetrisk's export puts the model's own facts.
FACTS = "fleetrisk"
#: Model sections of the elements an OTM component type stands for.
SECTION_OF_TYPE = {"device-fleet": "fleets", "user-account": "accounts", "signing-key": "keys"}
#: Words of an OTM type that say the element is a person's client or a person.
HUMAN_TYPE_WORDS = ("client", "browser", "user", "actor", "person", "mobile", "human")
#: Protocols a tag may name (other tags are labels, not protocols).
KNOWN_PROTOCOLS = frozenset({"http", "https", "mqtt", "mqtts", "coap", "coaps", "amqp", "amqps", "ws", "wss",
                             "grpc", "grpcs", "tls", "dtls", "ssh", "sftp", "ftp", "ftps", "smtp", "smtps",
                             "ldap", "ldaps", "jdbc", "odbc", "sql", "tcp", "udp", "lwm2m", "http2", "h2",
                             "rtsp", "webrtc", "xmpp", "kafka", "nfs", "smb"})
#: The helper zones fleetrisk's export adds for fleets, accounts and unzoned components.
HELPER_ZONES = {"fleets", "accounts", "unzoned"}
#: trustRating (0-100) upper bounds -> fleetrisk trust, for zones whose type is not a trust name.
TRUST_BY_RATING = ((10, "untrusted"), (25, "third-party"), (40, "dmz"), (60, "corporate"), (80, "production"),
                   (100, "restricted"))
AUDIENCES = ("customer", "staff", "dealer")
#: An asset's confidentiality rating (0-100) upper bounds -> sensitivity.
SENSITIVITY_BY_RATING = ((25, "public"), (50, "internal"), (75, "confidential"), (float("inf"), "secret"))
_READABLE_ID = re.compile(r"[a-z0-9][a-z0-9_.-]{0,59}")
_GENERATED_ID = re.compile(r"[0-9a-f-]{16,}|[0-9]+")  # UUIDs and counters say nothing to a reader


def _choices(literal: Any) -> frozenset[str]:
    return frozenset(typing.get_args(literal))


KINDS, TRUSTS, DATA_KINDS = _choices(ComponentKind), _choices(ZoneTrust), _choices(DataKind)
AUTHS, AUTHZ, ENCRYPTIONS = _choices(Auth), _choices(Authorization), _choices(Encryption)
SAFETIES, CUSTODIES, INPUTS = _choices(Safety), _choices(Custody), _choices(InputKind)


def _ident(otm_id: str) -> str:
    """The OTM id, when it already reads as a fleetrisk id; else '' (the name is used)."""
    if _READABLE_ID.fullmatch(otm_id) and not _GENERATED_ID.fullmatch(otm_id):
        return otm_id
    return ""


def _choice(value: Any, choices: frozenset[str] | tuple[str, ...] | set[str]) -> str | None:
    """``value`` when it is one of the text ``choices``; None for anything else (lists included)."""
    return value if isinstance(value, str) and value in choices else None


def _mapping(body: dict[str, Any], key: str) -> dict[str, Any]:
    value = body.get(key)
    return value if isinstance(value, dict) else {}


def _list(body: dict[str, Any], key: str) -> list[Any]:
    value = body.get(key)
    return value if isinstance(value, list) else []


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10**12 else None


class _Reader:
    def __init__(self, path: Path, *, with_facts: bool = True) -> None:
        self.file = str(path)
        self.with_facts = with_facts
        self.used_facts = False
        data, self.text = read_json(path, "Open Threat Model JSON")
        self.root = expect(data, dict, Location(self.file, 1, 1), "the top level of an OTM file")
        self.draft = Draft(TOOL, self.file)
        self.zones: dict[str, str | None] = {}  # OTM zone id -> model zone id (None: a helper zone)
        self.ids: dict[str, str] = {}  # OTM component id -> model id
        self.zone_of: dict[str, str | None] = {}  # OTM component id -> model zone id
        self.data: dict[str, str] = {}  # OTM asset id -> model data id
        self.components: set[str] = set()  # model ids of components (not fleets or accounts)

    def where(self, value: str, path: str) -> Location:
        return locate(self.file, self.text, value, path)

    def items(self, key: str) -> list[tuple[str, dict[str, Any], str]]:
        """The entries of a top-level list, each with its path and (required, unique) id."""
        raw = self.root.get(key)
        if raw is None:
            return []
        entries = expect(raw, list, Location(self.file, path=key), key)
        found: list[tuple[str, dict[str, Any], str]] = []
        seen: set[str] = set()
        for i, item in enumerate(entries):
            path = f"{key}[{i}]"
            body = expect(item, dict, Location(self.file, path=path), path)
            item_id = body.get("id")
            if not isinstance(item_id, str) or not item_id:
                raise InputError(f"{path} has no id", location=Location(self.file, path=path),
                                 hint="every OTM trust zone, component, asset and data flow needs an id")
            if item_id in seen:
                raise InputError(f"two entries of '{key}' have the id {item_id!r}", location=self.where(item_id, path))
            seen.add(item_id)
            found.append((path, body, item_id))
        return found

    def facts(self, body: dict[str, Any], otm_id: str) -> dict[str, Any] | None:
        """The model element fleetrisk's export put under the element's attributes, if usable."""
        facts = _mapping(body, "attributes").get(FACTS) if self.with_facts else None
        if not isinstance(facts, dict) or facts.get("id") != otm_id or not self.draft.claim_id(otm_id):
            return None
        self.used_facts = True
        return dict(facts)

    def add_stated(self, section: str, facts: dict[str, Any], name: str) -> Entry:
        entry = self.draft.add(section, facts)
        entry.stated.add(ALL_STATED)
        self.draft.mapped("m_stated", tool=TOOL, name=name, id=entry.id, section=section)
        return entry

    def project_facts(self, project: dict[str, Any]) -> None:
        facts = _mapping(project, "attributes").get(FACTS) if self.with_facts else None
        if not isinstance(facts, dict) or not isinstance(facts.get("service"), dict):
            return
        self.used_facts = True
        self.draft.service.data = dict(facts["service"])
        self.draft.service.stated.add(ALL_STATED)
        for part in EXTRA:
            if part in facts:
                self.draft.extra[part] = facts[part]

    def label(self, body: dict[str, Any], key: str, path: str, fallback: str) -> str:
        return one_line(text(body.get(key), Location(self.file, path=f"{path}.{key}"), f"{path}.{key}")) or fallback

    def run(self) -> Draft:
        if "otmVersion" not in self.root:
            raise InputError("no 'otmVersion': this is not an Open Threat Model file",
                             location=Location(self.file, 1, 1, "otmVersion"),
                             hint="OTM files start with otmVersion, project, trustZones and components")
        project = _mapping(self.root, "project")
        self.project_facts(project)
        title = self.label(project, "name", "project", "Imported OTM model")
        description = one_line(text(project.get("description"), Location(self.file, path="project.description"),
                                    "the description", TEXT_LIMIT))
        for path, body, zone_id in self.items("trustZones"):
            self.zone(path, body, zone_id)
        components = self.items("components")
        for path, body, comp_id in components:
            self.zone_of[comp_id] = self.parent_zone(path, body, {c[2]: c[1] for c in components})
        assets = self.items("assets")
        stored = self.stored(components)
        keys = [c for c in components if c[1].get("type") == "signing-key"]
        for path, body, comp_id in components:
            if body.get("type") != "signing-key":
                self.component(path, body, comp_id)
        for path, body, key_id in keys:
            self.key(path, body, key_id)
        for path, body, asset_id in assets:
            self.asset(path, body, asset_id, stored.get(asset_id, []))
        for path, body, flow_id in self.items("dataflows"):
            self.flow(path, body, flow_id)
        if threats := _list(self.root, "threats"):
            self.draft.fact("peer_threats", count=len(threats), tool=TOOL)
        common.finish(self.draft, title, description)
        return self.draft

    # --- zones and placement ------------------------------------------------------------

    def zone(self, path: str, body: dict[str, Any], zone_id: str) -> None:
        kind = body.get("type")
        if _choice(kind, HELPER_ZONES) and zone_id.startswith("fleetrisk-"):
            self.zones[zone_id] = None  # fleetrisk's export placed fleets, accounts or unzoned components here
            return
        name = self.label(body, "name", path, zone_id)
        if (facts := self.facts(body, zone_id)) is not None:
            self.zones[zone_id] = self.add_stated("zones", facts, name).id
            return
        rating = _count(_mapping(body, "risk").get("trustRating"))
        if trust_type := _choice(kind, TRUSTS):
            entry = common.add_zone(self.draft, name, TOOL, source_id=_ident(zone_id), trust=trust_type)
        elif rating is not None and rating <= 100:
            trust = next(t for bound, t in TRUST_BY_RATING if rating <= bound)
            entry = common.add_zone(self.draft, name, TOOL, source_id=_ident(zone_id), trust=trust)
            if entry.data["trust"] == trust:  # not overruled (an internet zone is untrusted whatever its rating)
                self.draft.guess(entry, "trust", "g_trust_rating", value=trust, rating=rating)
        else:
            entry = common.add_zone(self.draft, name, TOOL, source_id=_ident(zone_id))
        self.zones[zone_id] = entry.id
        parent = body.get("parent")
        if isinstance(parent, dict) and isinstance(parent.get("trustZone"), str):
            self.draft.ignored("nested_zone", zone=entry.id, parent=parent["trustZone"])

    def parent_zone(self, path: str, body: dict[str, Any], components: dict[str, dict[str, Any]]) -> str | None:
        """The model zone of a component: its trust zone, or that of the component it sits in."""
        seen: set[str] = set()
        current = body
        while True:
            parent = current.get("parent")
            if not isinstance(parent, dict):
                return None
            zone, holder = parent.get("trustZone"), parent.get("component")
            if isinstance(zone, str):
                if zone not in self.zones:
                    raise InputError(f"{path}: its parent trust zone {zone!r} is not in trustZones",
                                     location=self.where(zone, f"{path}.parent.trustZone"),
                                     hint="list every trust zone under trustZones")
                return self.zones[zone]
            if not isinstance(holder, str) or holder in seen:
                return None
            if holder not in components:
                raise InputError(f"{path}: its parent component {holder!r} is not in components",
                                 location=self.where(holder, f"{path}.parent.component"))
            seen.add(holder)
            current = components[holder]

    def stored(self, components: list[tuple[str, dict[str, Any], str]]) -> dict[str, list[str]]:
        """OTM asset id -> the OTM component ids that store it."""
        found: dict[str, list[str]] = {}
        for _, body, comp_id in components:
            assets = body.get("assets")
            held = assets.get("stored") if isinstance(assets, dict) else None
            for asset_id in held if isinstance(held, list) else []:
                if isinstance(asset_id, str):
                    found.setdefault(asset_id, []).append(comp_id)
        return found

    # --- elements -------------------------------------------------------------------------

    def component(self, path: str, body: dict[str, Any], comp_id: str) -> None:
        draft = self.draft
        name = self.label(body, "name", path, comp_id)
        kind = body["type"] if isinstance(body.get("type"), str) else ""
        description = one_line(text(body.get("description"), Location(self.file, path=f"{path}.description"),
                                    "a description", TEXT_LIMIT))
        attributes = _mapping(body, "attributes")
        zone = self.zone_of.get(comp_id)
        entry: Entry
        typed = mapping.component_kind(kind.replace("-", " ")) if kind not in KINDS else None
        human_type = mapping.looks_human(kind) or any(w in mapping.words(kind) for w in HUMAN_TYPE_WORDS)
        if (facts := self.facts(body, comp_id)) is not None:
            entry = self.add_stated(SECTION_OF_TYPE.get(kind, "components"), facts, name)
        elif kind == "device-fleet":
            entry = common.add_fleet(draft, name, TOOL, kind, stated=True, source_id=_ident(comp_id))
            devices, safety = _count(attributes.get("devices")), _choice(attributes.get("safety"), SAFETIES)
            if devices is not None:
                entry.data["devices"] = devices
                entry.stated.add("devices")
            if safety is not None:
                entry.data["safety"] = safety
                entry.stated.add("safety")
        elif kind == "user-account" or (kind not in KINDS and not typed and
                                        (human_type or (not kind and mapping.looks_human(name)))):
            audience = _choice(attributes.get("audience"), AUDIENCES)
            entry = common.add_account(draft, name, TOOL, kind or "component", source_id=_ident(comp_id),
                                       audience=audience)
        elif kind not in KINDS and not typed and mapping.looks_like_device(name, kind.replace("-", " ")):
            entry = common.add_fleet(draft, name, TOOL, kind or "component", source_id=_ident(comp_id))
        elif kind == "external-dependency":
            entry = common.add_external(draft, name, TOOL, kind, zone, source_id=_ident(comp_id))
        else:
            stated = kind if kind in KINDS else typed
            entry = common.add_component(draft, name, TOOL, kind or "component", zone, kind=stated,
                                         description=f"{description} {kind.replace('-', ' ')}",
                                         source_id=_ident(comp_id))
            if typed and kind not in KINDS:
                draft.guess(entry, "kind", "g_kind_type", value=typed, type=kind, tool=TOOL)
        self.ids[comp_id] = entry.id
        if "kind" in entry.data:  # fleets and accounts have none
            self.components.add(entry.id)

    def threshold(self, raw: Any) -> dict[str, Any] | None:
        """A threshold block ``{k, holders}`` whose holders are components, or None."""
        if not isinstance(raw, dict):
            return None
        k, holders = _count(raw.get("k")), raw.get("holders")
        if not isinstance(holders, list) or not holders or not k or k > len(holders):
            return None
        ids = [self.ids.get(h) if isinstance(h, str) else None for h in holders]
        if any(i is None or i not in self.components for i in ids):
            return None
        return {"k": k, "holders": ids}

    def key(self, path: str, body: dict[str, Any], key_id: str) -> None:
        name = self.label(body, "name", path, key_id)
        if (facts := self.facts(body, key_id)) is not None:
            self.add_stated("keys", facts, name)
            return
        attributes = _mapping(body, "attributes")
        custody = _choice(attributes.get("custody"), CUSTODIES)
        threshold = self.threshold(attributes.get("threshold")) if custody == "threshold" else None
        if custody is None or (custody == "threshold" and threshold is None):
            self.draft.ignored("key_without_custody" if custody is None else "key_threshold_incomplete", name=name)
            return
        data: dict[str, Any] = {"id": self.draft.new_id(_ident(key_id) or name, "key"), "name": name,
                                "custody": custody}
        holder = _mapping(body, "parent").get("component")
        if isinstance(holder, str) and self.ids.get(holder) in self.components:
            data["holder"] = self.ids[holder]
        if threshold is not None:
            data["threshold"] = threshold
        if isinstance(attributes.get("signs"), list):
            data["signs"] = [s for s in attributes["signs"] if _choice(s, INPUTS)]
        self.draft.add("keys", data)
        self.draft.mapped("m_key", tool=TOOL, name=name, id=data["id"])

    def asset(self, path: str, body: dict[str, Any], asset_id: str, stores: list[str]) -> None:
        name = self.label(body, "name", path, asset_id)
        if (facts := self.facts(body, asset_id)) is not None:
            self.data[asset_id] = self.add_stated("data", facts, name).id
            return
        attributes = _mapping(body, "attributes")
        kind = _choice(attributes.get("kind"), DATA_KINDS)
        stored_in = [self.ids[c] for c in stores if self.ids.get(c) in self.components]  # data lives on servers
        confidentiality = _mapping(body, "risk").get("confidentiality")
        rating = confidentiality if isinstance(confidentiality, int | float) and not isinstance(
            confidentiality, bool) else None
        sensitivity = None if rating is None else next(s for bound, s in SENSITIVITY_BY_RATING if rating <= bound)
        self.data[asset_id] = common.plan_data(self.draft, name, TOOL, kind,
                                               stored_in=stored_in, records=_count(attributes.get("records")),
                                               source_id=_ident(asset_id), sensitivity=sensitivity,
                                               stated_as=f"confidentiality {rating}/100")

    def flow(self, path: str, body: dict[str, Any], flow_id: str) -> None:
        ends = common.flow_ends(body, ("source", "destination"), self.ids, lambda side, ref: InputError(
            f"data flow {flow_id!r}: its {side} {ref!r} is not a component",
            location=self.where(flow_id, f"{path}.{side}"), hint="a data flow joins two components by their ids"))
        name = self.label(body, "name", path, "")
        if (facts := self.facts(body, flow_id)) is not None:
            self.add_stated("flows", facts, name or flow_id)
            return
        attributes = _mapping(body, "attributes")
        tags = _list(body, "tags")
        protocol = attributes.get("protocol") or next(
            (t for t in tags if isinstance(t, str) and t.strip().lower() in KNOWN_PROTOCOLS), "")
        protocol = protocol if isinstance(protocol, str) else ""
        assets = _list(body, "assets")
        carries = [self.data[a] for a in assets if isinstance(a, str) and a in self.data]
        stated = {field: attributes[field] for field, choices in
                  (("authentication", AUTHS), ("authorization", AUTHZ), ("encryption", ENCRYPTIONS))
                  if _choice(attributes.get(field), choices)}
        entry = common.add_flow(self.draft, name, TOOL, ends[0], ends[1], protocol=protocol, carries=carries,
                                source_id=_ident(flow_id) if name in ("", flow_id) else "")
        entry.data.update(stated)
        if "encryption" in stated:
            entry.notes.pop("encryption", None)
        if body.get("bidirectional") is True:
            back = common.add_flow(self.draft, f"{name or flow_id} (reverse)", TOOL, ends[1], ends[0],
                                   protocol=protocol, carries=carries)
            back.data.update(stated)
            self.draft.guess(back, "", "g_reverse_flow", tool=TOOL)


def read(path: Path) -> Draft:
    """Read the Open Threat Model file at ``path``.

    The fleetrisk facts a file carries are used when the model they make validates; else the
    file is read again as any OTM file and the report says why.
    """
    reader = _Reader(path)
    draft = reader.run()
    if not reader.used_facts:
        return draft
    from fleetrisk.importers.writer import render_yaml  # the writer imports this package's notes
    from fleetrisk.model.loader import load_model_text

    try:
        load_model_text(render_yaml(draft), str(path))
    except InputError as exc:
        plain = _Reader(path, with_facts=False).run()
        problem = exc.render().splitlines()[0] if exc.render() else str(exc)
        plain.ignored("otm_facts_invalid", problem=problem[:300])
        return plain
    return draft
