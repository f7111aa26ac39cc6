"""Import a Threagile YAML model.

Threagile states more than the other peers: each technical asset has a type and a
technology (``iot-device`` among them), links carry protocol, authentication and data assets,
trust boundaries list the assets inside them. The file is read with fleetrisk's own safe YAML
reader, so every error names its line and column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fleetrisk.errors import InputError
from fleetrisk.importers import common, mapping
from fleetrisk.importers.draft import TEXT_LIMIT, Draft, Entry, one_line, text
from fleetrisk.model.yamlio import Document, YamlPath, load_path

TOOL = "Threagile"
TYPES = ("external-entity", "process", "datastore")
HUMAN_TECHNOLOGIES = {"browser", "desktop", "mobile-app", "client-system"}
#: technologies whose fleetrisk kind is plain; the rest are guessed from names.
TECHNOLOGY_KINDS = {
    "database": "data-store", "file-server": "data-store", "local-file-system": "data-store",
    "block-storage": "data-store", "search-index": "data-store",
    "identity-provider": "identity-provider", "identity-store-ldap": "identity-provider",
    "identity-store-database": "identity-provider", "ldap-server": "identity-provider",
    "build-pipeline": "build-pipeline", "sourcecode-repository": "build-pipeline",
    "artifact-registry": "artifact-store", "hsm": "signing-service",
    "message-queue": "ingestion", "stream-processing": "ingestion",
    "data-lake": "analytics", "batch-processing": "analytics", "report-engine": "analytics",
}
AUTHENTICATION = {"none": ("none", False), "credentials": ("password", False), "session-id": ("token", False),
                  "token": ("token", False), "client-certificate": ("mtls", False),
                  "two-factor": ("sso-mfa", True), "externalized": ("sso", True)}
AUTHORIZATION = {"none": ("none", False), "technical-user": ("global", True)}
QUANTITY_RECORDS = {"very-few": 10, "few": 100, "many": 10_000, "very-many": 1_000_000}
#: Threagile confidentiality rating -> the sensitivity fleetrisk weighs data kinds with.
CONFIDENTIALITY = {"public": "public", "internal": "internal", "restricted": "confidential",
                   "confidential": "confidential", "strictly-confidential": "secret"}
NOT_IMPORTED = ("shared_runtimes", "individual_risk_categories", "abuse_cases", "security_requirements",
                "questions")


class _Reader:
    def __init__(self, path: Path) -> None:
        self.doc: Document = load_path(path, peer=True)  # Threagile's own examples use them
        self.file = self.doc.file
        self.draft = Draft(TOOL, self.file)
        self.ids: dict[str, str] = {}  # Threagile asset id -> model id
        self.zone_of: dict[str, tuple[int, str]] = {}  # asset id -> (depth, zone id)
        self.data: dict[str, str] = {}  # data asset id -> model id
        self.stored: dict[str, list[str]] = {}  # data asset id -> model component ids

    def fail(self, message: str, path: YamlPath, hint: str | None = None) -> InputError:
        return InputError(message, location=self.doc.locate(path), hint=hint)

    def mapping_at(self, value: Any, path: YamlPath, what: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(f"{what} must be a mapping, got {type(value).__name__}", path)
        return value

    def entry_at(self, section: str, name: str, raw: Any, what: str) -> tuple[YamlPath, dict[str, Any], str]:
        """A named entry of a Threagile section: its path, its mapping and its (required) id."""
        path: YamlPath = (section, name)
        body = self.mapping_at(raw, path, f"{what} {name!r}")
        entry_id = body.get("id")
        if not isinstance(entry_id, str) or not entry_id:
            raise self.fail(f"{what} {name!r} has no id", path)
        return path, body, entry_id

    def id_list(self, value: Any, path: YamlPath) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail("expected a list of ids", path)
        return list(value)

    def name_text(self, value: Any, path: YamlPath, what: str, limit: int = 1000) -> str:
        return one_line(text(value, self.doc.locate(path), what, limit))

    def run(self) -> Draft:
        root = self.doc.data
        if not isinstance(root, dict) or "technical_assets" not in root:
            raise self.fail("this YAML has no 'technical_assets': it is not a Threagile model", (),
                            hint="a Threagile model lists technical_assets, trust_boundaries and data_assets")
        title = self.name_text(root.get("title"), ("title",), "the title") or "Imported Threagile model"
        overview = self.mapping_at(root.get("business_overview"), ("business_overview",), "business_overview")
        description = one_line(text(overview.get("description"), self.doc.locate(("business_overview",)),
                                    "the business overview", TEXT_LIMIT))
        assets = self.mapping_at(root.get("technical_assets"), ("technical_assets",), "technical_assets")
        self.read_boundaries(root, assets)
        self.read_data(root)
        for name, raw in assets.items():
            self.read_asset(name, raw)
        self.settle_stores()
        for name, raw in assets.items():
            self.read_links(name, raw)
        for section in NOT_IMPORTED:
            if root.get(section):
                self.draft.ignored("ignored_section", section=section)
        tracking = root.get("risk_tracking")
        if isinstance(tracking, dict) and tracking:
            self.draft.fact("risk_tracking", count=len(tracking), tool=TOOL)
        common.finish(self.draft, title, description)
        return self.draft

    def read_boundaries(self, root: dict[str, Any], assets: dict[str, Any]) -> None:
        asset_ids = {raw["id"]: name for name, raw in assets.items()
                     if isinstance(raw, dict) and isinstance(raw.get("id"), str)}
        boundaries = self.mapping_at(root.get("trust_boundaries"), ("trust_boundaries",), "trust_boundaries")
        by_id: dict[str, str] = {}
        nested_in: dict[str, str] = {}
        for name, raw in boundaries.items():
            path, body, boundary_id = self.entry_at("trust_boundaries", name, raw, "trust boundary")
            label = self.name_text(name, path, "a boundary name")
            kind = body.get("type") if isinstance(body.get("type"), str) else ""
            by_id[boundary_id] = common.add_zone(self.draft, label, TOOL, hint=str(kind)).id
            for j, child in enumerate(self.id_list(body.get("trust_boundaries_nested"),
                                                   (*path, "trust_boundaries_nested"))):
                nested_in[child] = boundary_id
                known = {b["id"] for b in boundaries.values() if isinstance(b, dict) and isinstance(b.get("id"), str)}
                if child not in known:
                    raise self.fail(f"nested trust boundary {child!r} is not defined",
                                    (*path, "trust_boundaries_nested", j))
        for boundary_id, parent in sorted(nested_in.items()):
            parent_name = next(n for n, b in boundaries.items() if isinstance(b, dict) and b.get("id") == parent)
            self.draft.ignored("nested_zone", zone=by_id[boundary_id], parent=parent_name)
        for name, raw in boundaries.items():
            body = raw if isinstance(raw, dict) else {}
            boundary_id = str(body.get("id"))
            depth, probe = 0, boundary_id
            while probe in nested_in and depth < len(boundaries):
                depth, probe = depth + 1, nested_in[probe]
            inside_path: YamlPath = ("trust_boundaries", name, "technical_assets_inside")
            for j, asset in enumerate(self.id_list(body.get("technical_assets_inside"), inside_path)):
                if asset not in asset_ids:
                    raise self.fail(f"trust boundary {name!r} lists {asset!r}, which is not a technical asset",
                                    (*inside_path, j), hint="use the id of an asset under technical_assets")
                if asset not in self.zone_of or self.zone_of[asset][0] < depth:
                    self.zone_of[asset] = (depth, by_id[boundary_id])

    def read_data(self, root: dict[str, Any]) -> None:
        data_assets = self.mapping_at(root.get("data_assets"), ("data_assets",), "data_assets")
        for name, raw in data_assets.items():
            path, body, data_id = self.entry_at("data_assets", name, raw, "data asset")
            if data_id in self.data:
                raise self.fail(f"two data assets have the id {data_id!r}", (*path, "id"))
            label = self.name_text(name, path, "a data asset name")
            quantity = body.get("quantity")
            records = QUANTITY_RECORDS.get(quantity) if isinstance(quantity, str) else None
            rating = body.get("confidentiality") if isinstance(body.get("confidentiality"), str) else ""
            self.data[data_id] = common.plan_data(self.draft, label, TOOL, None, records=records,
                                                  sensitivity=CONFIDENTIALITY.get(str(rating)),
                                                  stated_as=f"confidentiality '{rating}'")
            entry = self.draft.sections["data"][-1]
            if records is not None:
                self.draft.guess(entry, "records", "g_records", quantity=quantity)

    def read_asset(self, name: str, raw: Any) -> None:
        path, body, asset_id = self.entry_at("technical_assets", name, raw, "technical asset")
        if asset_id in self.ids:
            raise self.fail(f"two technical assets have the id {asset_id!r}", (*path, "id"))
        kind = body.get("type")
        if not isinstance(kind, str) or kind not in TYPES:
            raise self.fail(f"technical asset {name!r} has unknown type {kind!r}", (*path, "type"),
                            hint=f"Threagile types: {', '.join(TYPES)}")
        label = self.name_text(name, path, "an asset name")
        technology = body.get("technology") if isinstance(body.get("technology"), str) else ""
        description = one_line(text(body.get("description"), self.doc.locate((*path, "description")),
                                    "a description", TEXT_LIMIT))
        zone = self.zone_of.get(asset_id, (0, None))[1]
        cls = f"{kind} ({technology})" if technology else str(kind)
        entry = self.element(label, str(kind), str(technology), cls, zone, description, body)
        self.ids[asset_id] = entry.id
        if body.get("out_of_scope") is True:
            self.draft.fact("out_of_scope", name=label, tool=TOOL)
        for j, data_id in enumerate(self.id_list(body.get("data_assets_stored"), (*path, "data_assets_stored"))):
            if data_id not in self.data:
                raise self.fail(f"{name!r} stores {data_id!r}, which is not a data asset",
                                (*path, "data_assets_stored", j))
            if "kind" in entry.data:  # only components store data
                self.stored.setdefault(data_id, []).append(entry.id)

    def element(self, label: str, kind: str, technology: str, cls: str, zone: str | None, description: str,
                body: dict[str, Any]) -> Entry:
        draft = self.draft
        if technology == "iot-device":
            return common.add_fleet(draft, label, TOOL, cls, stated=True)
        if body.get("used_as_client_by_human") is True or technology in HUMAN_TECHNOLOGIES:
            return common.add_account(draft, label, TOOL, cls)
        if kind == "external-entity":
            if mapping.looks_like_device(label, description):
                return common.add_fleet(draft, label, TOOL, cls)
            return common.add_external(draft, label, TOOL, cls, zone)
        stated = "data-store" if kind == "datastore" else TECHNOLOGY_KINDS.get(technology)
        entry = common.add_component(draft, label, TOOL, cls, zone, kind=stated,
                                     description=f"{description} {technology.replace('-', ' ')}")
        if body.get("internet") is True:
            entry.data["exposure"] = ["internet"]
        encryption = body.get("encryption")
        if isinstance(encryption, str):
            entry.data["encryption_at_rest"] = encryption != "none"
        if isinstance(body.get("redundant"), bool):
            entry.data["redundancy"] = "multi" if body["redundant"] else "single"
        return entry

    def settle_stores(self) -> None:
        by_id = {e.id: e for e in self.draft.sections["data"]}
        for data_id, stores in self.stored.items():
            by_id[self.data[data_id]].data["stored_in"] = stores

    def read_links(self, name: str, raw: dict[str, Any]) -> None:
        base: YamlPath = ("technical_assets", name, "communication_links")
        links = self.mapping_at(raw.get("communication_links"), base, "communication_links")
        source = self.ids[raw["id"]]
        for link_name, link_raw in links.items():
            path: YamlPath = (*base, link_name)
            link = self.mapping_at(link_raw, path, f"communication link {link_name!r}")
            target = link.get("target")
            if not isinstance(target, str) or target not in self.ids:
                raise self.fail(f"link {link_name!r} of {name!r} targets {target!r}, which is not a technical asset",
                                (*path, "target"), hint="the target must be the id of a technical asset")
            carried = []
            for key in ("data_assets_sent", "data_assets_received"):
                for j, data_id in enumerate(self.id_list(link.get(key), (*path, key))):
                    if data_id not in self.data:
                        raise self.fail(f"link {link_name!r} names {data_id!r}, which is not a data asset",
                                        (*path, key, j))
                    carried.append(self.data[data_id])
            protocol = link.get("protocol") if isinstance(link.get("protocol"), str) else ""
            label = self.name_text(link_name, path, "a link name")
            entry = common.add_flow(self.draft, label, TOOL, source, self.ids[target], protocol=str(protocol),
                                    carries=carried, plaintext_is_stated=True)
            self.auth(entry, link)

    def auth(self, entry: Entry, link: dict[str, Any]) -> None:
        for key, table, field_name, note in (("authentication", AUTHENTICATION, "authentication", "g_auth"),
                                             ("authorization", AUTHORIZATION, "authorization", "g_authz")):
            raw = link.get(key)
            if isinstance(raw, str) and raw in table:
                value, guessed = table[raw]
                entry.data[field_name] = value
                if guessed:
                    self.draft.guess(entry, field_name, note, value=value, tool=TOOL, source=raw)


def read(path: Path) -> Draft:
    """Read the Threagile model at ``path``."""
    return _Reader(path).run()
