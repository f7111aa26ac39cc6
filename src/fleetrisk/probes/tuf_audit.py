"""A static audit of a TUF repository's top-level metadata, as served.

Signatures against each role's threshold, the root threshold, keys shared between the
offline roles (root, targets) and the online ones (timestamp, snapshot), and expiry windows.
Nothing is downloaded but the four metadata files (and newer root versions).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tuf.api.exceptions import DownloadError, DownloadHTTPError
from tuf.api.metadata import Metadata, Root, Snapshot, Targets, Timestamp
from tuf.api.serialization import DeserializationError

from fleetrisk.messages import Text
from fleetrisk.probes.outcome import INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from fleetrisk.probes.tuf_fetch import ScopedFetcher

THRESHOLD_CONTROL = "offline-root-threshold-signing"
EXPIRY_CONTROL = "update-metadata-expiry"
MAX_ROOT_VERSIONS = 32
# Longest acceptable time from now to expiry, per role: a frozen repository must be noticed soon.
MAX_WINDOW = {
    "root": dt.timedelta(days=731),
    "targets": dt.timedelta(days=366),
    "snapshot": dt.timedelta(days=31),
    "timestamp": dt.timedelta(days=7),
}
CHECKS = (
    ("tuf.signature-thresholds", THRESHOLD_CONTROL),
    ("tuf.root-threshold", THRESHOLD_CONTROL),
    ("tuf.shared-keys", THRESHOLD_CONTROL),
    ("tuf.expiry", EXPIRY_CONTROL),
)


class AuditError(Exception):
    """The metadata could not be read."""


def base(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def fetch_latest_root(fetcher: ScopedFetcher, url: str, trusted: bytes | None) -> tuple[Metadata[Root], bytes]:
    """The trusted root (or version 1 from the server), then every newer version served."""
    raw = trusted if trusted is not None else fetcher.get(base(url) + "1.root.json")
    root: Metadata[Root] = Metadata[Root].from_bytes(raw)
    for _ in range(MAX_ROOT_VERSIONS):
        try:
            newer = fetcher.get(f"{base(url)}{root.signed.version + 1}.root.json")
        except DownloadHTTPError as exc:
            if exc.status_code in (403, 404):
                break
            raise
        root, raw = Metadata[Root].from_bytes(newer), newer
    return root, raw


def _load(fetcher: ScopedFetcher, url: str, trusted_root: bytes | None) -> dict[str, Metadata[Any]]:
    root, _ = fetch_latest_root(fetcher, url, trusted_root)
    timestamp = Metadata[Timestamp].from_bytes(fetcher.get(base(url) + "timestamp.json"))
    consistent = root.signed.consistent_snapshot
    snap_version = timestamp.signed.snapshot_meta.version
    snapshot = Metadata[Snapshot].from_bytes(
        fetcher.get(base(url) + (f"{snap_version}.snapshot.json" if consistent else "snapshot.json")))
    targets_version = snapshot.signed.meta["targets.json"].version
    targets = Metadata[Targets].from_bytes(
        fetcher.get(base(url) + (f"{targets_version}.targets.json" if consistent else "targets.json")))
    return {"root": root, "timestamp": timestamp, "snapshot": snapshot, "targets": targets}


def audit(url: str, fetcher: ScopedFetcher, trusted_root: bytes | None, now: dt.datetime) -> list[Outcome]:
    """Four outcomes; all inconclusive when the metadata cannot be fetched or parsed."""
    try:
        roles = _load(fetcher, url, trusted_root)
    except (DownloadError, DeserializationError, ValueError, KeyError, TypeError) as exc:
        return [Outcome(check, control, INCONCLUSIVE, Text.of("check.tuf_unreadable", error=str(exc)))
                for check, control in CHECKS]
    root: Root = roles["root"].signed
    return [_thresholds(root, roles), _root_threshold(root), _shared_keys(root), _expiry(roles, now)]


def _thresholds(root: Root, roles: dict[str, Metadata[Any]]) -> Outcome:
    parts, short = [], []
    for name, md in roles.items():
        result = root.get_verification_result(name, md.signed_bytes, md.signatures)
        parts.append(f"{name} {len(result.signed)}/{result.threshold}")
        if not result.verified:
            short.append(name)
    listed = ", ".join(parts)
    if short:
        return Outcome(CHECKS[0][0], THRESHOLD_CONTROL, REFUTED,
                       Text.of("check.tuf_under", roles=listed, short=", ".join(short)))
    return Outcome(CHECKS[0][0], THRESHOLD_CONTROL, VERIFIED, Text.of("check.tuf_thresholds", roles=listed))


def _root_threshold(root: Root) -> Outcome:
    role = root.roles["root"]
    k, n = role.threshold, len(role.keyids)
    if role.threshold < 2:
        return Outcome(CHECKS[1][0], THRESHOLD_CONTROL, REFUTED, Text.of("check.tuf_root_weak", k=k, n=n))
    return Outcome(CHECKS[1][0], THRESHOLD_CONTROL, VERIFIED, Text.of("check.tuf_root", k=k, n=n))


def _shared_keys(root: Root) -> Outcome:
    shared = []
    for offline in ("root", "targets"):
        for online in ("timestamp", "snapshot"):
            common = set(root.roles[offline].keyids) & set(root.roles[online].keyids)
            if common:
                shared.append(Text.of("check.tuf_shared_pair", offline=offline, online=online, n=len(common)))
    if shared:
        return Outcome(CHECKS[2][0], THRESHOLD_CONTROL, REFUTED, Text.of("check.tuf_shared", pairs=tuple(shared)))
    return Outcome(CHECKS[2][0], THRESHOLD_CONTROL, VERIFIED, Text.of("check.tuf_separate"))


def _expiry(roles: dict[str, Metadata[Any]], now: dt.datetime) -> Outcome:
    expired: list[str] = []
    too_long: list[Text] = []
    parts: list[str] = []
    for name, md in roles.items():
        expires: dt.datetime = md.signed.expires
        left = expires - now
        parts.append(f"{name} {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}")
        if left <= dt.timedelta(0):
            expired.append(name)
        elif left > MAX_WINDOW[name]:
            too_long.append(Text.of("check.tuf_window", role=name, days=left.days, limit=MAX_WINDOW[name].days))
    listed = ", ".join(parts)
    if expired:
        return Outcome(CHECKS[3][0], EXPIRY_CONTROL, REFUTED,
                       Text.of("check.tuf_expired", roles=listed, expired=", ".join(expired)))
    if too_long:
        return Outcome(CHECKS[3][0], EXPIRY_CONTROL, REFUTED,
                       Text.of("check.tuf_too_long", roles=listed, long=tuple(too_long)))
    return Outcome(CHECKS[3][0], EXPIRY_CONTROL, VERIFIED, Text.of("check.tuf_expires", roles=listed))
