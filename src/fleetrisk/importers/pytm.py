"""Import the JSON that OWASP pytm writes with ``python model.py --json FILE``.

pytm's JSON names every element, boundary and data item by its name, so names are the keys
here: two elements with one name cannot be told apart and are an error. Classes map as:
Actor -> account; ExternalEntity -> fleet when its name reads like a device, else an external
dependency; Datastore -> data-store component; an asset marked ``isThirdParty`` -> external
dependency; Server, Process, Lambda and the other assets -> components whose kind is guessed
(from who talks to them, then from their names). Boundaries become zones.

Real pytm files hold what a drawing tool allows: blank names (``" "``), markup in names
(``"Game<br/>Client"``) and one data item named ``undefined`` for every flow whose data was
given as a plain string. Markup is taken out of names; a blank name gets a generated one
(both noted); the ``undefined`` items are pytm's placeholders, not data, and are skipped.
Data items map their ``classification`` to sensitivity, ``isPII`` and ``isCredentials`` to
their kind, and ``processedBy`` to where they are stored; a Datastore that ``storesPII``
holds personal data.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from fleetrisk.errors import InputError, Location
from fleetrisk.importers import common, mapping
from fleetrisk.importers.draft import NON_PRINTABLE, TEXT_LIMIT, Draft, Entry, flag, one_line, text, without_markup
from fleetrisk.importers.jsonio import expect, locate, read_json

TOOL = "pytm"
ASSET_CLASSES = {"Server", "Process", "SetOfProcesses", "Lambda", "Datastore", "Asset", "Agent", "LLM"}
KNOWN_CLASSES = {"Actor", "ExternalEntity", *ASSET_CLASSES}
#: The name pytm gives the data item it makes up for a flow whose data is a plain string.
PLACEHOLDER_DATA = "undefined"
#: pytm Classification -> the sensitivity fleetrisk weighs data kinds with.
CLASSIFICATION = {"PUBLIC": "public", "RESTRICTED": "internal", "SENSITIVE": "confidential",
                  "SECRET": "secret", "TOP_SECRET": "secret"}


class _Reader:
    def __init__(self, path: Path) -> None:
        self.file = str(path)
        data, self.text = read_json(path, "pytm --json output")
        self.root = expect(data, dict, Location(self.file, 1, 1), "the top level of pytm JSON")
        if "elements" not in self.root or "flows" not in self.root:
            raise InputError("this JSON has no 'elements' and 'flows': it is not pytm --json output",
                             location=Location(self.file, 1, 1),
                             hint="run your pytm model as: python model.py --json out.json")
        self.draft = Draft(TOOL, self.file)
        self.ids: dict[str, str] = {}  # pytm element name -> model id
        self.zones: dict[str, str] = {}  # boundary name -> zone id
        self.data: dict[str, str] = {}  # data name -> data id
        self.generated: dict[str, int] = {}  # what -> names made up for blank ones
        self.pii_stores: list[str] = []  # Datastores marked storesPII
        self.placeholders = 0  # pytm's 'undefined' data items skipped
        self.renamed: dict[str, list[tuple[str, str]]] = {}  # path -> notes to put on the element

    def where(self, value: str, path: str) -> Location:
        return locate(self.file, self.text, value, path)

    def items(self, key: str) -> list[Any]:
        value = self.root.get(key) or []
        return list(expect(value, list, Location(self.file, path=key), f"'{key}'"))

    @staticmethod
    def ref(value: Any) -> Any:
        """A name as another element refers to it, cleaned as names are (so the two match)."""
        return without_markup(NON_PRINTABLE.sub("", value)) if isinstance(value, str) else value

    def name_of(self, item: Any, path: str, what: str = "") -> str:
        """The element's name, markup taken out; a blank one is replaced by ``what`` and a number
        (a blank flow name stays blank: the flow's id is made from its ends).

        Notes on the change wait in ``self.renamed[path]`` until the element exists.
        """
        obj = expect(item, dict, Location(self.file, path=path), path)
        if "name" not in obj:
            raise InputError(f"{path} has no name", location=Location(self.file, path=path),
                             hint="pytm names every element; is this file from pytm?")
        raw = one_line(text(obj.get("name"), Location(self.file, path=f"{path}.name"), f"{path}.name"))
        name = without_markup(raw)
        if not name and not what:  # a flow: its id is made from its ends
            self.renamed[path] = [("n_blank_flow_name", "")]
        elif not name:
            self.generated[what] = self.generated.get(what, 0) + 1
            name = f"{what} {self.generated[what]}"
            self.renamed[path] = [("n_blank_name", name)]
        elif name != raw:
            self.renamed[path] = [("n_markup_name", raw)]
        return name

    def note_name(self, entry: Entry, path: str) -> None:
        for key, value in self.renamed.pop(path, []):
            self.draft.guess(entry, "name", key, value=value, tool=TOOL)

    def run(self) -> Draft:
        draft = self.draft
        title = text(self.root.get("name"), Location(self.file, path="name"), "the model name") or "Imported pytm model"
        description = text(self.root.get("description"), Location(self.file, path="description"),
                           "the model description", TEXT_LIMIT)
        self.read_boundaries()
        self.read_elements()
        self.read_data()
        self.read_flows()
        findings = self.root.get("findings")
        if isinstance(findings, list) and findings:
            elements = len(self.ids) or 1
            draft.fact("pytm_findings", count=f"{len(findings):,}", per=f"{len(findings) / elements:.1f}")
        for key in ("assumptions", "threatsExcluded", "excluded_findings"):
            if self.root.get(key):
                draft.ignored("ignored_section", section=key)
        common.finish(draft, one_line(title), description)
        return draft

    def read_boundaries(self) -> None:
        boundaries = self.items("boundaries")
        for i, raw in enumerate(boundaries):
            path = f"boundaries[{i}]"
            key = self.ref(expect(raw, dict, Location(self.file, path=path), path).get("name"))
            name = self.name_of(raw, path, "Boundary")
            if key in self.zones:
                if key == "":
                    self.draft.ignored("blank_duplicate", what="boundary", name=name)
                    continue
                raise InputError(f"two boundaries are named {name!r}", location=self.where(name, path),
                                 hint="pytm refers to boundaries by name; rename one")
            zone = common.add_zone(self.draft, name, TOOL)
            self.note_name(zone, path)
            self.zones[str(key)] = zone.id
            parent = self.ref(raw.get("inBoundary"))
            if isinstance(parent, str) and parent:
                self.draft.ignored("nested_zone", zone=zone.id, parent=parent or "-")

    def read_elements(self) -> None:
        for i, raw in enumerate(self.items("elements")):
            path = f"elements[{i}]"
            key = self.ref(expect(raw, dict, Location(self.file, path=path), path).get("name"))
            cls = raw.get("__class__")
            name = self.name_of(raw, path, cls if isinstance(cls, str) and cls else "Element")
            if not isinstance(cls, str) or cls not in KNOWN_CLASSES:
                raise InputError(f"unknown pytm element class {cls!r} for {name!r}", location=self.where(name, path),
                                 hint=f"known: {', '.join(sorted(KNOWN_CLASSES))}")
            if key in self.ids:
                raise InputError(f"two elements are named {name!r}", location=self.where(name, path),
                                 hint="pytm flows name their ends by name, so each element needs its own name")
            entry = self.element(raw, str(cls), name)
            self.note_name(entry, path)
            self.ids[str(key)] = entry.id

    def element(self, raw: dict[str, Any], cls: str, name: str) -> Entry:
        draft = self.draft
        description = text(raw.get("description"), Location(self.file), "a description", TEXT_LIMIT)
        boundary = self.ref(raw.get("inBoundary"))
        zone = None
        if isinstance(boundary, str) and (boundary or raw.get("inBoundary")):  # " " names a blank boundary
            if boundary not in self.zones:
                raise InputError(f"{name!r} is in boundary {boundary!r}, which is not under 'boundaries'",
                                 location=self.where(name, "elements"),
                                 hint="every boundary an element names must be listed under 'boundaries'")
            zone = self.zones[boundary]
        controls = raw.get("controls")
        controls = controls if isinstance(controls, dict) else {}
        if cls == "Actor":
            return common.add_account(draft, name, TOOL, cls, staff=raw.get("isAdmin") is True)
        if cls == "ExternalEntity":
            if mapping.looks_like_device(name, description):
                return common.add_fleet(draft, name, TOOL, cls)
            return common.add_external(draft, name, TOOL, cls, zone)
        if raw.get("isThirdParty") is True:
            entry = common.add_external(draft, name, TOOL, cls, zone)
            draft.guess(entry, "kind", "g_third_party", tool=TOOL)
            return entry
        kind = "data-store" if cls == "Datastore" else None
        entry = common.add_component(draft, name, TOOL, cls, zone, kind=kind, description=description)
        if flag(controls.get("isEncryptedAtRest")) is True:
            entry.data["encryption_at_rest"] = True
        if cls == "Datastore" and raw.get("storesPII") is True:
            self.pii_stores.append(entry.id)
        return entry

    def read_data(self) -> None:
        components = {e.id for e in self.draft.sections["components"]}
        stores = {e.id for e in self.draft.sections["components"] if e.data["kind"] == "data-store"}
        for i, raw in enumerate(self.items("data")):
            path = f"data[{i}]"
            key = self.ref(expect(raw, dict, Location(self.file, path=path), path).get("name"))
            if key == PLACEHOLDER_DATA:
                self.placeholders += 1  # pytm's stand-in for a flow whose data was a string
                continue
            name = self.name_of(raw, path, "Data")
            if key in self.data:
                raise InputError(f"two data items are named {name!r}", location=self.where(name, path),
                                 hint="pytm flows name their data by name; rename one")
            kind = "credentials" if raw.get("isCredentials") is True else (
                "personal" if raw.get("isPII") is True else None)
            classification = raw.get("classification")
            level = classification.rsplit(".", 1)[-1] if isinstance(classification, str) else ""
            processed = [self.ids[n] for n in map(self.ref, raw.get("processedBy") or [])
                         if isinstance(n, str) and n in self.ids and self.ids[n] in components]
            held = [c for c in processed if c in stores] or processed
            data_id = common.plan_data(self.draft, name, TOOL, kind, stored_in=held,
                                       sensitivity=CLASSIFICATION.get(level), stated_as=f"classification {level}")
            if held:
                self.draft.guess(self.draft.sections["data"][-1], "stored_in", "g_stored_in_processed", tool=TOOL)
            self.note_name(self.draft.sections["data"][-1], path)
            self.data[str(key)] = data_id
        if self.placeholders:
            self.draft.ignored("pytm_placeholder_data", count=self.placeholders, name=PLACEHOLDER_DATA)
        for store in self.pii_stores:
            held_here = [d for d in self.draft.sections["data"] if store in d.data["stored_in"]]
            if not any(d.data["kind"] == "personal" for d in held_here):
                name = next(c.data["name"] for c in self.draft.sections["components"] if c.id == store)
                common.plan_data(self.draft, f"Personal data in {name}", TOOL, "personal", stored_in=[store])

    def bad_end(self, name: str, path: str, side: str, end: object) -> InputError:
        return InputError(f"flow {name!r}: its {side} {end!r} is not an element of the model",
                          location=self.where(name, f"{path}.{side}"),
                          hint="every flow must join two elements listed under 'elements'")

    def read_flows(self) -> None:
        for i, raw in enumerate(self.items("flows")):
            path = f"flows[{i}]"
            name = self.name_of(raw, path)
            named = {side: self.ref(raw.get(side)) for side in ("source", "sink")}
            ends = common.flow_ends(named, ("source", "sink"), self.ids, functools.partial(self.bad_end, name, path))
            carried = []
            for j, raw_item in enumerate(expect(raw.get("data") or [], list,
                                                Location(self.file, path=f"{path}.data"), f"{path}.data")):
                item = self.ref(raw_item)
                if item == PLACEHOLDER_DATA:
                    continue
                if not isinstance(item, str) or item not in self.data:
                    raise InputError(f"flow {name!r} carries {item!r}, which is not under 'data'",
                                     location=self.where(name, f"{path}.data[{j}]"))
                carried.append(self.data[item])
            protocol = text(raw.get("protocol"), Location(self.file, path=f"{path}.protocol"), "a protocol")
            controls = raw.get("controls")
            controls = controls if isinstance(controls, dict) else {}
            entry = common.add_flow(self.draft, name, TOOL, ends[0], ends[1], protocol=protocol, carries=carried,
                                    encrypted=flag(controls.get("isEncrypted")) is True or None,
                                    plaintext_by_name=True)
            self.note_name(entry, path)


def read(path: Path) -> Draft:
    """Read pytm's JSON output at ``path``."""
    return _Reader(path).run()
