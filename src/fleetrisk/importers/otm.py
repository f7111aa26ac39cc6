"""Export a model and its assessment as Open Threat Model (OTM 0.2) JSON.

Mapping: zones -> trustZones; components, fleets, accounts and keys -> components (fleets and
accounts, which have no zone in fleetrisk, sit in two extra trust zones); data sets -> assets;
flows -> dataflows; every finding -> one threat (its id is the finding id) referenced from the
element it concerns, with its controls as mitigations. Ratings on OTM's 0-100 scales are
fleetrisk's 1-5 levels times 20.

Every fact of the model travels under the namespaced attribute ``fleetrisk`` (``FACTS``): the
element as the model file states it on each zone, component, asset and data flow, and the
service, practices, service-wide controls, tracking and loss inputs on the project. So
``import --from otm`` gives back the model itself, and its assessment, not only the
architecture. A finding the model's facts could not decide is exported in the state
``UNKNOWN`` with no likelihood (OTM allows null), never as ``EXPOSED``: a consumer must not
read a missing fact as a real risk.
"""

from __future__ import annotations

import json
from typing import Any

from fleetrisk.model.loader import LoadedModel
from fleetrisk.results import Assessment, Finding

OTM_VERSION = "0.2.0"
#: The attribute that holds the model's own facts on each OTM element and on the project.
FACTS = "fleetrisk"
#: Model parts carried on the project besides the service.
PROJECT_PARTS = ("practices", "controls", "tracking", "loss")
TRUST_RATING = {"untrusted": 1, "third-party": 20, "dmz": 30, "corporate": 50, "production": 70, "restricted": 90}
#: fleetrisk finding status -> OTM threat state.
THREAT_STATE = {"open": "EXPOSED", "unknown": "UNKNOWN", "in-progress": "EXPOSED", "accepted": "ACCEPTED",
                "mitigated": "MITIGATED", "false-positive": "NOT_APPLICABLE"}
#: control status on the element -> OTM mitigation state.
MITIGATION_STATE = {"implemented": "IMPLEMENTED", "verified": "IMPLEMENTED", "planned": "RECOMMENDED",
                    "absent": "RECOMMENDED", "not-declared": "RECOMMENDED", "refuted": "REJECTED"}
#: data kind -> (confidentiality, integrity, availability) on 0-100.
DATA_RISK = {"credentials": (100, 100, 60), "personal": (90, 60, 40), "location": (90, 60, 40),
             "media": (90, 60, 40), "commands": (40, 100, 80), "telemetry": (40, 70, 60), "other": (50, 50, 50)}
EXTRA_ZONES = {"fleets": ("Devices in the field", 10), "accounts": ("People and their accounts", 5),
               "unzoned": ("No zone stated", 50)}


class _Exporter:
    def __init__(self, loaded: LoadedModel, result: Assessment) -> None:
        self.loaded = loaded
        self.model = loaded.model
        self.result = result
        used = {z.id for z in self.model.zones} | {c.id for c in self.model.components}
        self.extra = {key: _free(f"fleetrisk-{key}", used) for key in EXTRA_ZONES}
        self.by_element: dict[str, list[Finding]] = {}
        for finding in result.findings:
            self.by_element.setdefault(_owner(finding.element), []).append(finding)
        #: The model as its file states it (unset fields left out), to travel under FACTS.
        self.facts: dict[str, Any] = self.model.model_dump(mode="json", by_alias=True, exclude_unset=True)

    def stated(self, collection: str, index: int) -> dict[str, Any]:
        return {FACTS: self.facts[collection][index]}

    def document(self) -> dict[str, Any]:
        service = self.model.service
        return {
            "otmVersion": OTM_VERSION,
            "project": {
                "name": service.name,
                "id": _free("fleetrisk-model", set()),
                "description": service.description,
                "owner": service.owner,
                "tags": list(service.types),
                "attributes": {"tool": self.result.tool, "model": self.loaded.file,
                               FACTS: {"service": self.facts["service"],
                                       **{k: self.facts[k] for k in PROJECT_PARTS if k in self.facts}}},
            },
            "representations": [{"name": "fleetrisk model", "id": "fleetrisk-model", "type": "code",
                                 "description": f"fleetrisk model file {self.loaded.file}"}],
            "assets": [self.asset(i) for i in range(len(self.model.data))],
            "trustZones": self.zones(),
            "components": self.components(),
            "dataflows": [self.dataflow(i) for i in range(len(self.model.flows))],
            "threats": [self.threat(f) for f in self.result.findings],
            "mitigations": self.mitigations(),
        }

    def zones(self) -> list[dict[str, Any]]:
        zones = [{"id": z.id, "name": z.name or z.id, "type": z.trust,
                  "risk": {"trustRating": TRUST_RATING[z.trust]}, "attributes": self.stated("zones", i)}
                 for i, z in enumerate(self.model.zones)]
        needed = {"fleets": bool(self.model.fleets), "accounts": bool(self.model.accounts),
                  "unzoned": any(c.zone is None for c in self.model.components)}
        for key, (name, rating) in EXTRA_ZONES.items():
            if needed[key]:
                zones.append({"id": self.extra[key], "name": name, "type": key, "risk": {"trustRating": rating}})
        return zones

    def place(self, collection: str, index: int, element_id: str) -> list[dict[str, Any]]:
        where = self.loaded.document.locate((collection, index, "id"))
        return [{"representation": "fleetrisk-model", "id": f"{element_id}@model", "file": where.file,
                 "line": where.line}]

    def components(self) -> list[dict[str, Any]]:
        stored: dict[str, list[str]] = {}
        for data in self.model.data:
            for store in data.stored_in:
                stored.setdefault(store, []).append(data.id)
        processed: dict[str, list[str]] = {}
        for flow in self.model.flows:
            for end in (flow.source, flow.target):
                processed.setdefault(end, []).extend(d for d in flow.carries if d not in processed.get(end, []))
        out = []
        for i, comp in enumerate(self.model.components):
            out.append(self.component(comp.id, comp.name, comp.kind, {"trustZone": comp.zone or self.extra["unzoned"]},
                                      "components", i, {"processed": processed.get(comp.id, []),
                                                        "stored": stored.get(comp.id, [])}, {}))
        for i, fleet in enumerate(self.model.fleets):
            out.append(self.component(fleet.id, fleet.name, "device-fleet", {"trustZone": self.extra["fleets"]},
                                      "fleets", i, {"processed": processed.get(fleet.id, []), "stored": []},
                                      {"devices": fleet.devices, "safety": fleet.safety}))
        for i, account in enumerate(self.model.accounts):
            out.append(self.component(account.id, account.name, "user-account", {"trustZone": self.extra["accounts"]},
                                      "accounts", i, None, {"audience": account.audience}))
        for i, key in enumerate(self.model.keys):
            parent = {"component": key.holder} if key.holder else {"trustZone": self.extra["unzoned"]}
            attributes: dict[str, Any] = {"custody": key.custody, "signs": list(key.signs)}
            if key.threshold is not None:
                attributes["threshold"] = {"k": key.threshold.k, "holders": list(key.threshold.holders)}
            out.append(self.component(key.id, key.name, "signing-key", parent, "keys", i, None, attributes))
        return out

    def component(self, element_id: str, name: str | None, kind: str, parent: dict[str, str], collection: str,
                  index: int, assets: dict[str, list[str]] | None,
                  attributes: dict[str, Any] | None = None) -> dict[str, Any]:
        threats = [self.instance(f) for f in self.by_element.get(element_id, [])]
        if collection == "components":
            for data in self.model.data:  # findings on a data set show on every store that holds it
                if element_id in data.stored_in:
                    threats.extend(self.instance(f) for f in self.by_element.get(data.id, []))
        item: dict[str, Any] = {"id": element_id, "name": name or element_id, "type": kind, "parent": parent,
                                "representations": self.place(collection, index, element_id)}
        if assets is not None:
            item["assets"] = assets
        item["threats"] = threats
        if attributes is not None:
            item["attributes"] = {**attributes, **self.stated(collection, index)}
        return item

    def asset(self, index: int) -> dict[str, Any]:
        data = self.model.data[index]
        c, i, a = DATA_RISK.get(data.kind, DATA_RISK["other"])
        return {"id": data.id, "name": data.name or data.id, "description": None,
                "risk": {"confidentiality": c, "integrity": i, "availability": a,
                         "comment": f"fleetrisk data kind '{data.kind}'"},
                "attributes": {"kind": data.kind, "records": data.records, **self.stated("data", index)}}

    def dataflow(self, index: int) -> dict[str, Any]:
        flow = self.model.flows[index]
        attributes = {k: v for k, v in (("protocol", flow.protocol), ("authentication", flow.authentication),
                                        ("authorization", flow.authorization), ("encryption", flow.encryption))
                      if v is not None}
        return {"id": flow.id, "name": flow.id, "source": flow.source, "destination": flow.target,
                "bidirectional": False, "assets": list(flow.carries), "tags": [flow.protocol] if flow.protocol else [],
                "threats": [self.instance(f) for f in self.by_element.get(flow.id, [])],
                "attributes": {**attributes, **self.stated("flows", index)}}

    @staticmethod
    def instance(finding: Finding) -> dict[str, Any]:
        return {"threat": finding.id, "state": THREAT_STATE[finding.status],
                "mitigations": [{"mitigation": c.id, "state": MITIGATION_STATE[c.status]} for c in finding.controls]}

    def threat(self, finding: Finding) -> dict[str, Any]:
        info = self.result.scenarios.get(finding.scenario)
        unknown = finding.status == "unknown"
        missing = ", ".join(finding.missing) or "facts the model does not state"
        return {
            "id": finding.id,
            "name": finding.title,
            "description": info.description if info else None,
            "categories": [finding.family, *(info.stride if info else [])],
            "cwes": list(info.references.get("cwe", [])) if info else [],
            "risk": {"likelihood": None if unknown else finding.likelihood.score * 20,
                     "likelihoodComment": f"not assessed: needs {missing}" if unknown else finding.likelihood.level,
                     "impact": finding.impact.score * 20,
                     "impactComment": (f"if it applies: {finding.impact.devices:,} devices" if unknown else
                                       f"{finding.impact.devices:,} devices; risk {finding.risk.band}")},
            "tags": [finding.status] if unknown else [finding.status, finding.risk.band],
            "attributes": {"element": finding.element, "status": finding.status, "risk_score": finding.risk.score,
                           "mitigated_by": finding.mitigated_by, "remediation": info.remediation if info else None,
                           "location": f"{finding.location.file}:{finding.location.line}"},
        }

    def mitigations(self) -> list[dict[str, Any]]:
        return [{"id": cid, "name": info.title, "description": info.description, "riskReduction": 100,
                 "attributes": {"cost": info.cost, "evidence": info.evidence}}
                for cid, info in sorted(self.result.controls.items())]


def _owner(element: str) -> str:
    """The model element a finding id points at (acceptances belong to their fleet)."""
    return element.split(".accepts[", 1)[0]


def _free(wanted: str, used: set[str]) -> str:
    candidate, number = wanted, 1
    while candidate in used:
        number += 1
        candidate = f"{wanted}-{number}"
    return candidate


def render_otm(loaded: LoadedModel, result: Assessment) -> str:
    """OTM JSON text for the model and its assessment; deterministic."""
    return json.dumps(_Exporter(loaded, result).document(), indent=2, ensure_ascii=False) + "\n"
