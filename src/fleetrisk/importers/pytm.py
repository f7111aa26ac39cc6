"""Import the JSON that OWASP pytm writes with ``python model.py --json FILE``.

pytm's JSON names every element, boundary and data item by its name, so names are the keys
here: two elements with one name cannot be told apart and are an error. Classes map as:
Actor -> account; ExternalEntity -> fleet when its name reads like a device, else an external
dependency; Datastore -> data-store component; Server, Process, Lambda and the other assets ->
components whose kind is guessed from their names. Boundaries become zones.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from fleetrisk.errors import InputError, Location
from fleetrisk.importers import common, mapping
from fleetrisk.importers.draft import NON_PRINTABLE, TEXT_LIMIT, Draft, Entry, flag, one_line, text
from fleetrisk.importers.jsonio import expect, locate, read_json

TOOL = "pytm"
ASSET_CLASSES = {"Server", "Process", "SetOfProcesses", "Lambda", "Datastore", "Asset", "Agent", "LLM"}
KNOWN_CLASSES = {"Actor", "ExternalEntity", *ASSET_CLASSES}


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

    def where(self, value: str, path: str) -> Location:
        return locate(self.file, self.text, value, path)

    def items(self, key: str) -> list[Any]:
        value = self.root.get(key) or []
        return list(expect(value, list, Location(self.file, path=key), f"'{key}'"))

    @staticmethod
    def ref(value: Any) -> Any:
        """A name as another element refers to it, cleaned as names are (so the two match)."""
        return one_line(NON_PRINTABLE.sub("", value).strip()) if isinstance(value, str) else value

    def name_of(self, item: Any, path: str) -> str:
        obj = expect(item, dict, Location(self.file, path=path), path)
        name = one_line(text(obj.get("name"), Location(self.file, path=f"{path}.name"), f"{path}.name"))
        if not name:
            raise InputError(f"{path} has no name", location=Location(self.file, path=path),
                             hint="pytm names every element; is this file from pytm?")
        return name

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
        names = [self.name_of(b, f"boundaries[{i}]") for i, b in enumerate(boundaries)]
        for i, (name, raw) in enumerate(zip(names, boundaries, strict=True)):
            if name in self.zones:
                raise InputError(f"two boundaries are named {name!r}", location=self.where(name, f"boundaries[{i}]"),
                                 hint="pytm refers to boundaries by name; rename one")
            self.zones[name] = common.add_zone(self.draft, name, TOOL).id
            parent = raw.get("inBoundary")
            if isinstance(parent, str) and parent:
                self.draft.ignored("nested_zone", zone=self.zones[name], parent=parent)

    def read_elements(self) -> None:
        for i, raw in enumerate(self.items("elements")):
            path = f"elements[{i}]"
            name = self.name_of(raw, path)
            cls = raw.get("__class__")
            if not isinstance(cls, str) or cls not in KNOWN_CLASSES:
                raise InputError(f"unknown pytm element class {cls!r} for {name!r}", location=self.where(name, path),
                                 hint=f"known: {', '.join(sorted(KNOWN_CLASSES))}")
            if name in self.ids:
                raise InputError(f"two elements are named {name!r}", location=self.where(name, path),
                                 hint="pytm flows name their ends by name, so each element needs its own name")
            self.ids[name] = self.element(raw, str(cls), name).id

    def element(self, raw: dict[str, Any], cls: str, name: str) -> Entry:
        draft = self.draft
        description = text(raw.get("description"), Location(self.file), "a description", TEXT_LIMIT)
        boundary = self.ref(raw.get("inBoundary"))
        zone = None
        if isinstance(boundary, str) and boundary:
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
        kind = "data-store" if cls == "Datastore" else None
        entry = common.add_component(draft, name, TOOL, cls, zone, kind=kind, description=description)
        if flag(controls.get("isEncryptedAtRest")) is True:
            entry.data["encryption_at_rest"] = True
        return entry

    def read_data(self) -> None:
        for i, raw in enumerate(self.items("data")):
            path = f"data[{i}]"
            name = self.name_of(raw, path)
            if name in self.data:
                raise InputError(f"two data items are named {name!r}", location=self.where(name, path),
                                 hint="pytm flows name their data by name; rename one")
            kind = "credentials" if raw.get("isCredentials") is True else (
                "personal" if raw.get("isPII") is True else None)
            self.data[name] = common.plan_data(self.draft, name, TOOL, kind)

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
                if not isinstance(item, str) or item not in self.data:
                    raise InputError(f"flow {name!r} carries {item!r}, which is not under 'data'",
                                     location=self.where(name, f"{path}.data[{j}]"))
                carried.append(self.data[item])
            protocol = text(raw.get("protocol"), Location(self.file, path=f"{path}.protocol"), "a protocol")
            controls = raw.get("controls")
            controls = controls if isinstance(controls, dict) else {}
            common.add_flow(self.draft, name, TOOL, ends[0], ends[1], protocol=protocol, carries=carried,
                            encrypted=flag(controls.get("isEncrypted")) is True or None)


def read(path: Path) -> Draft:
    """Read pytm's JSON output at ``path``."""
    return _Reader(path).run()
