"""Model, scope and secrets files for a loopback deployment, written with the real ports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from probes.servers import DEVICES


def model_data(components: list[dict[str, Any]], *, ota: str | None = None) -> dict[str, Any]:
    """A small valid model around ``components``; a fleet takes firmware from ``ota`` when given."""
    accepts = ([{"input": "firmware", "from": ota, "verification": "signature", "key": "release",
                 "anti_rollback": True, "expiry_checked": True}] if ota else [])
    data: dict[str, Any] = {
        "fleetrisk": 1,
        "service": {"name": "loopback test deployment", "types": ["telemetry", "software-distribution"]},
        "fleets": [{"id": "washers", "devices": 100_000, "safety": "moderate", "accepts": accepts}],
        "components": components,
    }
    if ota:
        data["keys"] = [{"id": "release", "holder": ota, "custody": "offline-hsm", "signs": ["firmware"]}]
    return data


def component(cid: str, kind: str, *endpoints: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": cid, "kind": kind, "exposure": ["internet"], "endpoints": list(endpoints), **extra}


def write_yaml(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def scope_data(ports: list[int], *, budget: float = 60, rate: float = 20, burst: int = 20,
               cache_dir: str = "cache") -> dict[str, Any]:
    return {"fleetrisk_scope": 1, "budget_seconds": budget, "cache_dir": cache_dir,
            "targets": [{"host": "127.0.0.1", "ports": sorted(set(ports)), "requests_per_second": rate,
                         "burst_requests": burst}]}


def secrets_data(*, api: str | None = None, ca_file: Path | None = None, tuf_root: Path | None = None
                 ) -> dict[str, Any]:
    data: dict[str, Any] = {
        "fleetrisk_secrets": 1,
        "devices": [{"name": user, "username": user, "password": password, "topic": f"devices/{user}/data"}
                    for user, password in DEVICES.items()],
    }
    if api:
        data["users"] = [
            {"name": "tenant-a", "headers": {"Authorization": "Bearer token-a"}, "object_url": f"{api}/api/things/1"},
            {"name": "tenant-b", "headers": {"Authorization": "Bearer token-b"}, "object_url": f"{api}/api/things/2"},
        ]
    trust: dict[str, str] = {}
    if ca_file:
        trust["ca_file"] = str(ca_file)
    if tuf_root:
        trust["tuf_root"] = str(tuf_root)
    if trust:
        data["trust"] = trust
    return data
