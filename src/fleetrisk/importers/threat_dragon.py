"""Import an OWASP Threat Dragon model (JSON), version 2 or version 1.

Threat Dragon keeps a drawing: ``detail.diagrams[].cells[]``, each cell a shape (actor,
process, store, flow, trust-boundary-box or -curve, text). Flows join cells by id. Zones come
from geometry: an element belongs to the smallest boundary box that holds its centre.

Boundary curves and lines (the way most real models draw boundaries) enclose nothing, so they
make no zone: a fleetrisk flow has no field for the boundaries it crosses. Each flow drawn
across a line is marked instead (a note on the flow in the model, and a line in the report
naming the boundary and its flows), so the crossing a reviewer drew is not lost.

A process or store drawn inside an element that stands for the devices ("Local API" inside
"IoT Device") is part of those devices, not a cloud component: its flows become the fleet's,
and the fleet is marked as having a local interface (a guess).

Version 1 files keep the cells under ``diagramJson`` with types ``tm.Actor``, ``tm.Process``,
``tm.Store``, ``tm.Flow`` and ``tm.Boundary`` (always a line), their facts on the cell itself
and flow labels in ``labels``; they are rewritten into the version 2 shape first.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fleetrisk.errors import InputError, Location
from fleetrisk.importers import common, mapping
from fleetrisk.importers.draft import TEXT_LIMIT, Draft, Entry, flag, one_line, text
from fleetrisk.importers.jsonio import expect, locate, read_json

TOOL = "Threat Dragon"
NODE_SHAPES = ("actor", "process", "store")
CURVES = ("trust-boundary-curve", "trust-broundary-curve")  # Threat Dragon has written both spellings
OTHER_SHAPES = ("td-text-block",)
KNOWN_SHAPES = (*NODE_SHAPES, "flow", "trust-boundary-box", *CURVES, *OTHER_SHAPES)


@dataclass(frozen=True)
class _Box:
    zone: str
    left: float
    top: float
    right: float
    bottom: float

    def holds(self, x: float, y: float) -> bool:
        return self.left <= x <= self.right and self.top <= y <= self.bottom

    @property
    def area(self) -> float:
        return (self.right - self.left) * (self.bottom - self.top)


Point = tuple[float, float]


def _point(value: Any) -> Point | None:
    if not isinstance(value, dict):
        return None
    x, y = _number(value.get("x")), _number(value.get("y"))
    return (x, y) if x is not None and y is not None else None


def _centre(cell: dict[str, Any]) -> Point | None:
    geometry = _geometry(cell)
    if geometry is None:
        return None
    x, y, width, height = geometry
    return x + width / 2, y + height / 2


def _line(cell: dict[str, Any], centres: dict[str, Point]) -> list[Point]:
    """The points of an edge (a flow or a boundary line): its ends (a point, or the centre of
    the cell it is attached to) with its vertices between."""
    ends: list[Point | None] = []
    for side in ("source", "target"):
        end = cell.get(side)
        ref = end.get("cell") if isinstance(end, dict) else None
        ends.append(centres.get(ref) if isinstance(ref, str) else _point(end))
    vertices = cell.get("vertices")
    middle = [p for p in map(_point, vertices if isinstance(vertices, list) else []) if p is not None]
    if ends[0] is None or ends[1] is None:
        return []
    return [ends[0], *middle, ends[1]]


def _crosses(first: list[Point], second: list[Point]) -> bool:
    """Whether two polylines cross (touching at an end counts)."""
    def turn(a: Point, b: Point, c: Point) -> float:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    def meet(p1: Point, p2: Point, q1: Point, q2: Point) -> bool:
        d1, d2 = turn(q1, q2, p1), turn(q1, q2, p2)
        d3, d4 = turn(p1, p2, q1), turn(p1, p2, q2)
        return ((d1 > 0) != (d2 > 0) or d1 == 0 or d2 == 0) and ((d3 > 0) != (d4 > 0) or d3 == 0 or d4 == 0) \
            and max(min(p1[0], p2[0]), min(q1[0], q2[0])) <= min(max(p1[0], p2[0]), max(q1[0], q2[0])) \
            and max(min(p1[1], p2[1]), min(q1[1], q2[1])) <= min(max(p1[1], p2[1]), max(q1[1], q2[1]))

    return any(meet(a, b, c, d) for a, b in itertools.pairwise(first) for c, d in itertools.pairwise(second))


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _geometry(cell: dict[str, Any]) -> tuple[float, float, float, float] | None:
    position, size = cell.get("position"), cell.get("size")
    if not isinstance(position, dict) or not isinstance(size, dict):
        return None
    values = [_number(position.get("x")), _number(position.get("y")),
              _number(size.get("width")), _number(size.get("height"))]
    if any(v is None for v in values):
        return None
    x, y, width, height = (v or 0.0 for v in values)
    return x, y, width, height


#: Version 1 cell type -> version 2 shape (a version 1 boundary is always a line).
_VERSION_1_SHAPES = {"tm.Actor": "actor", "tm.Process": "process", "tm.Store": "store", "tm.Flow": "flow",
                     "tm.Boundary": "trust-boundary-curve", "tm.Text": "td-text-block"}
_VERSION_1_FACTS = ("name", "description", "isEncrypted", "protocol", "storesCredentials", "threats",
                    "outOfScope", "isBidirectional")


def _from_version_1(cell: Any) -> Any:
    """A version 1 cell in the version 2 shape: facts under ``data``, ends as ``{"cell": id}``."""
    if not isinstance(cell, dict):
        return cell  # reported as not an object by the common checks
    converted = {key: value for key, value in cell.items() if key not in _VERSION_1_FACTS}
    kind = cell.get("type")
    converted["shape"] = _VERSION_1_SHAPES.get(kind, kind) if isinstance(kind, str) else kind
    data = {key: cell[key] for key in _VERSION_1_FACTS if key in cell}
    labels = cell.get("labels")
    if "name" not in data and isinstance(labels, list) and labels and isinstance(labels[0], dict):
        label = labels[0].get("attrs", {}).get("text", {}) if isinstance(labels[0].get("attrs"), dict) else {}
        if isinstance(label, dict) and isinstance(label.get("text"), str):
            data["name"] = label["text"]
    converted["data"] = data
    for side in ("source", "target"):
        end = cell.get(side)
        if isinstance(end, dict) and "id" in end:
            converted[side] = {"cell": end["id"]}
    return converted


class _Reader:
    def __init__(self, path: Path) -> None:
        self.file = str(path)
        data, self.text = read_json(path, "Threat Dragon v2 JSON")
        self.root = expect(data, dict, Location(self.file, 1, 1), "the top level of a Threat Dragon model")
        self.draft = Draft(TOOL, self.file)
        self.threats = 0
        self.skipped: dict[str, int] = {}
        self.inner: set[str] = set()  # cells drawn inside a device, now part of its fleet

    def where(self, cell: dict[str, Any], path: str) -> Location:
        cell_id = cell.get("id")
        return locate(self.file, self.text, cell_id, path) if isinstance(cell_id, str) else Location(self.file,
                                                                                                       path=path)

    def run(self) -> Draft:
        detail = self.root.get("detail")
        if "otmVersion" in self.root:
            raise InputError("this is an Open Threat Model (OTM) file, not a Threat Dragon model",
                             location=Location(self.file, 1, 1, "otmVersion"),
                             hint="import it with 'fleetrisk import --from otm'")
        if not isinstance(detail, dict) or not isinstance(detail.get("diagrams"), list):
            raise InputError("no 'detail.diagrams' list: this is not a Threat Dragon v2 model",
                             location=Location(self.file, 1, 1, "detail.diagrams"),
                             hint="export the model from Threat Dragon 2 (File > Save)")
        summary = self.root.get("summary")
        summary = summary if isinstance(summary, dict) else {}
        title = one_line(text(summary.get("title"), Location(self.file, path="summary.title"), "the title"))
        description = one_line(text(summary.get("description"), Location(self.file, path="summary.description"),
                                    "the description", TEXT_LIMIT))
        for d, raw_diagram in enumerate(detail["diagrams"]):
            path = f"detail.diagrams[{d}]"
            diagram = expect(raw_diagram, dict, Location(self.file, path=path), path)
            if "diagramJson" in diagram and "cells" not in diagram:
                path = f"{path}.diagramJson"
                body = expect(diagram["diagramJson"], dict, Location(self.file, path=path), path)
                cells = expect(body.get("cells") or [], list, Location(self.file, path=f"{path}.cells"),
                               f"{path}.cells")
                cells = [_from_version_1(cell) for cell in cells]
            else:
                cells = expect(diagram.get("cells") or [], list, Location(self.file, path=f"{path}.cells"),
                               f"{path}.cells")
            self.read_diagram(cells, f"{path}.cells")
        for shape, count in sorted(self.skipped.items()):
            self.draft.ignored("ignored_cell", shape=shape, count=count)
        if self.threats:
            self.draft.fact("peer_threats", count=self.threats, tool=TOOL)
        common.finish(self.draft, title or "Imported Threat Dragon model", description)
        return self.draft

    def read_diagram(self, cells: list[Any], path: str) -> None:
        checked: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
        for i, raw in enumerate(cells):
            cell_path = f"{path}[{i}]"
            cell = expect(raw, dict, Location(self.file, path=cell_path), cell_path)
            shape = cell.get("shape")
            if shape not in KNOWN_SHAPES:
                raise InputError(f"unknown Threat Dragon shape {shape!r}", location=self.where(cell, cell_path),
                                 hint=f"known shapes: {', '.join(KNOWN_SHAPES)}")
            data = cell.get("data") if isinstance(cell.get("data"), dict) else {}
            threats = data.get("threats")
            self.threats += len(threats) if isinstance(threats, list) else 0
            checked.append((cell_path, cell, data))
        boxes = [self.boundary(cell, data, p) for p, cell, data in checked if cell["shape"] == "trust-boundary-box"]
        for cell_path, cell, data in checked:
            if cell["shape"] in (*NODE_SHAPES, "flow") and data.get("outOfScope") is True:
                self.draft.fact("out_of_scope", name=self.label(cell, data, cell_path), tool=TOOL)
            if cell["shape"] in OTHER_SHAPES:
                self.skipped[cell["shape"]] = self.skipped.get(cell["shape"], 0) + 1
        node_cells = [(p, c, d) for p, c, d in checked if c["shape"] in NODE_SHAPES]
        seen: set[str] = set()
        for cell_path, cell, _ in node_cells:
            cell_id = cell.get("id")
            if not isinstance(cell_id, str) or not cell_id or cell_id in seen:
                raise InputError(f"{cell_path}: a cell needs a unique id", location=self.where(cell, cell_path))
            seen.add(cell_id)
        # Devices first, so that what is drawn inside one can join it.
        nodes: dict[str, str] = {}
        devices: list[tuple[_Box, Entry]] = []
        for cell_path, cell, data in node_cells:
            if self.is_device(cell, data, cell_path):
                entry = self.node(cell, data, cell_path, [])
                nodes[cell["id"]] = entry.id
                geometry = _geometry(cell)
                if geometry is not None:
                    x, y, width, height = geometry
                    devices.append((_Box(entry.id, x, y, x + width, y + height), entry))
        for cell_path, cell, data in node_cells:
            if cell["id"] in nodes:
                continue
            device = self.inside_device(cell, devices)
            if device is not None:
                nodes[cell["id"]] = device.id
                self.inner.add(cell["id"])
                self.join_device(device, self.name(cell, data, cell_path) or str(cell["shape"]))
                continue
            nodes[cell["id"]] = self.node(cell, data, cell_path, [b for b in boxes if b is not None]).id
        others = {c["id"] for _, c, _ in checked if c["shape"] not in NODE_SHAPES and isinstance(c.get("id"), str)}
        centres = {c["id"]: p for _, c, _ in node_cells if (p := _centre(c)) is not None}
        flows: list[tuple[Entry, list[Point]]] = []
        for cell_path, cell, data in checked:
            if cell["shape"] == "flow":
                for entry in self.flow(cell, data, cell_path, nodes, others):
                    flows.append((entry, _line(cell, centres)))
        for cell_path, cell, data in checked:
            if cell["shape"] in CURVES:
                self.crossings(self.label(cell, data, cell_path), _line(cell, centres), flows)

    def label(self, cell: dict[str, Any], data: dict[str, Any], path: str) -> str:
        """The cell's name for the report, or where it is when it has none."""
        return self.name(cell, data, path) or f"(unnamed, line {self.where(cell, path).line or '?'})"

    def name(self, cell: dict[str, Any], data: dict[str, Any], path: str) -> str:
        raw = data.get("name")
        if raw is None:
            attrs = cell.get("attrs")
            attrs = attrs if isinstance(attrs, dict) else {}
            label = attrs.get("text") or attrs.get("label") or {}
            raw = label.get("text") if isinstance(label, dict) else None
        return one_line(text(raw, self.where(cell, f"{path}.data.name"), f"{path}.data.name"))

    def boundary(self, cell: dict[str, Any], data: dict[str, Any], path: str) -> _Box | None:
        name = self.name(cell, data, path) or "Trust boundary"
        zone = common.add_zone(self.draft, name, TOOL, hint=str(data.get("description") or ""))
        geometry = _geometry(cell)
        if geometry is None:
            return None
        x, y, width, height = geometry
        return _Box(zone.id, x, y, x + width, y + height)

    def is_device(self, cell: dict[str, Any], data: dict[str, Any], path: str) -> bool:
        if cell["shape"] == "store":
            return False
        name = self.name(cell, data, path) or str(cell["shape"]).capitalize()
        description = one_line(text(data.get("description"), self.where(cell, f"{path}.data.description"),
                                    "a description", TEXT_LIMIT))
        return mapping.looks_like_device(name, description)

    @staticmethod
    def inside_device(cell: dict[str, Any], devices: list[tuple[_Box, Entry]]) -> Entry | None:
        """The device whose drawn box holds this process's or store's centre (the smallest)."""
        centre = _centre(cell)
        if centre is None or cell["shape"] == "actor":
            return None
        holding = [(box, entry) for box, entry in devices if box.holds(*centre)]
        return min(holding, key=lambda pair: pair[0].area)[1] if holding else None

    def join_device(self, fleet: Entry, name: str) -> None:
        self.draft.mapped("m_inside_device", tool=TOOL, name=name, id=fleet.id)
        if "local_interface" not in fleet.data:
            fleet.data["local_interface"] = True
            self.draft.guess(fleet, "local_interface", "g_local_interface", name=name)

    def crossings(self, name: str, line: list[Point], flows: list[tuple[Entry, list[Point]]]) -> None:
        """Mark every flow drawn across a boundary line; report the line and what crosses it."""
        crossing = [entry for entry, path in flows if line and path and _crosses(line, path)]
        for entry in crossing:
            self.draft.guess(entry, "", "g_crosses", name=name, tool=TOOL)
        if crossing:
            self.draft.mapped("m_boundary_line", tool=TOOL, name=name, count=len(crossing),
                              flows=", ".join(e.id for e in crossing))
        else:
            self.draft.ignored("curve_boundary", name=name)

    def node(self, cell: dict[str, Any], data: dict[str, Any], path: str, boxes: list[_Box]) -> Entry:
        draft = self.draft
        shape = str(cell["shape"])
        name = self.name(cell, data, path) or shape.capitalize()
        description = one_line(text(data.get("description"), self.where(cell, f"{path}.data.description"),
                                    "a description", TEXT_LIMIT))
        zone = self.zone_for(cell, boxes)
        if shape != "store" and mapping.looks_like_device(name, description):
            return common.add_fleet(draft, name, TOOL, shape)
        if shape == "actor":
            if mapping.looks_human(name, description):
                return common.add_account(draft, name, TOOL, shape)
            return common.add_external(draft, name, TOOL, shape, zone)
        entry = common.add_component(draft, name, TOOL, shape, zone,
                                     kind="data-store" if shape == "store" else None, description=description)
        if zone is not None:
            draft.guess(entry, "zone", "g_zone_geometry")
        if shape == "store":
            if flag(data.get("isEncrypted")) is True:
                entry.data["encryption_at_rest"] = True
            if data.get("storesCredentials") is True:
                common.plan_data(draft, f"Credentials in {name}", TOOL, "credentials", stored_in=[entry.id])
        return entry

    @staticmethod
    def zone_for(cell: dict[str, Any], boxes: list[_Box]) -> str | None:
        geometry = _geometry(cell)
        if geometry is None:
            return None
        x, y, width, height = geometry
        holding = [b for b in boxes if b.holds(x + width / 2, y + height / 2)]
        return min(holding, key=lambda b: b.area).zone if holding else None

    def flow(self, cell: dict[str, Any], data: dict[str, Any], path: str, nodes: dict[str, str],
             others: set[Any]) -> list[Entry]:
        name = self.name(cell, data, path)
        ends = []
        local = False
        for side in ("source", "target"):
            end = cell.get(side)
            ref = end.get("cell") if isinstance(end, dict) else None
            if isinstance(ref, str) and ref in nodes:
                ends.append(nodes[ref])
                local = local or (side == "target" and ref in self.inner)
                continue
            where = self.where(cell, f"{path}.{side}")
            if ref is not None and (not isinstance(ref, str) or ref not in others):
                raise InputError(f"flow {name or cell.get('id')!r}: its {side} names cell {ref!r}, which is not "
                                 "in the diagram", location=where,
                                 hint="the file is damaged; open it in Threat Dragon and reconnect the flow")
            # A loose end (or one on a boundary or note) is common in a drawing: the flow says
            # nothing about which elements talk, so it is left out and reported.
            self.draft.ignored("loose_flow", name=name or str(cell.get("id")), side=side,
                               line=where.line or "?")
            return []
        if ends[0] == ends[1]:  # both ends inside one device: the device talking to itself
            self.draft.ignored("device_internal_flow", name=name or str(cell.get("id")), id=ends[0])
            return []
        protocol = text(data.get("protocol"), self.where(cell, f"{path}.data.protocol"), "a protocol")
        encrypted = flag(data.get("isEncrypted")) is True or None
        made = [common.add_flow(self.draft, name, TOOL, ends[0], ends[1], protocol=protocol, encrypted=encrypted,
                                plaintext_by_name=True)]
        if local:
            self.draft.local_flows.add(made[0].id)
        if data.get("isBidirectional") is True:
            back = common.add_flow(self.draft, f"{name} (reverse)" if name else "", TOOL, ends[1], ends[0],
                                   protocol=protocol, encrypted=encrypted, plaintext_by_name=True)
            self.draft.guess(back, "", "g_reverse_flow", tool=TOOL)
            made.append(back)
        return made


def read(path: Path) -> Draft:
    """Read the Threat Dragon v2 model at ``path``."""
    return _Reader(path).run()
