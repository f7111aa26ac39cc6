"""TUF checks against a python-tuf repository served by http.server: good, expired, rolled back,
under threshold, plus a single-key root and a key shared between roles."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fleetrisk.probes import tuf_audit, tuf_client
from fleetrisk.probes.outcome import Outcome
from fleetrisk.probes.tuf_fetch import ScopedFetcher
from probes.helpers import gate_for
from probes.tufrepo import TufRepo

Repo = tuple[TufRepo, str]


def port(url: str) -> int:
    return int(url.rstrip("/").rsplit(":", 1)[1])


def audit(url: str, trusted: bytes | None = None) -> dict[str, Outcome]:
    fetcher = ScopedFetcher(gate_for(port(url)), True)
    try:
        outcomes = tuf_audit.audit(url, fetcher, trusted, dt.datetime.now(dt.UTC))
    finally:
        fetcher.close()
    return {o.check: o for o in outcomes}


def refresh(url: str, cache: Path, trusted: bytes | None = None) -> dict[str, Outcome]:
    fetcher = ScopedFetcher(gate_for(port(url)), True)
    try:
        outcomes = tuf_client.client_refresh(url, fetcher, trusted, cache)
    finally:
        fetcher.close()
    return {o.control: o for o in outcomes}


def test_good_repository_passes_every_static_check(tuf_repo: Repo) -> None:
    repo, url = tuf_repo
    repo.publish()
    results = audit(url)
    assert {c: o.status for c, o in results.items()} == dict.fromkeys(
        ("tuf.signature-thresholds", "tuf.root-threshold", "tuf.shared-keys", "tuf.expiry"), "verified")
    assert "root 2/2" in results["tuf.signature-thresholds"].details


def test_expired_timestamp_is_refuted_statically_and_by_the_client(tuf_repo: Repo, tmp_path: Path) -> None:
    repo, url = tuf_repo
    root = repo.publish(expired="timestamp")
    static = audit(url)["tuf.expiry"]
    assert (static.status, static.control) == ("refuted", "update-metadata-expiry")
    assert "expired: timestamp" in static.details
    client = refresh(url, tmp_path / "cache", root)
    assert client["update-metadata-expiry"].status == "refuted"
    assert "freeze" in client["update-metadata-expiry"].details


def test_under_threshold_targets_is_refuted(tuf_repo: Repo, tmp_path: Path) -> None:
    repo, url = tuf_repo
    root = repo.publish(targets_threshold=2, targets_signers=1)
    static = audit(url)["tuf.signature-thresholds"]
    assert static.status == "refuted"
    assert "targets 1/2" in static.details
    client = refresh(url, tmp_path / "cache", root)
    assert client["offline-root-threshold-signing"].status == "refuted"


def test_single_key_root_is_refuted(tuf_repo: Repo) -> None:
    repo, url = tuf_repo
    repo.publish(root_threshold=1)
    outcome = audit(url)["tuf.root-threshold"]
    assert outcome.status == "refuted"
    assert "root needs 1 of 2 keys" in outcome.details


def test_root_key_also_signing_timestamps_is_refuted(tuf_repo: Repo) -> None:
    repo, url = tuf_repo
    repo.publish(shared_key=True)
    outcome = audit(url)["tuf.shared-keys"]
    assert outcome.status == "refuted"
    assert "root and timestamp share 1 key(s)" in outcome.details


def test_rollback_is_caught_only_with_the_kept_cache(tuf_repo: Repo, tmp_path: Path) -> None:
    repo, url = tuf_repo
    cache = tmp_path / "cache"
    root = repo.publish(version=2)
    first = refresh(url, cache, root)
    assert first["anti-rollback"].status == "inconclusive"  # nothing to compare with yet
    assert first["update-metadata-expiry"].status == "verified"
    second = refresh(url, cache)
    assert second["anti-rollback"].status == "verified"
    repo.publish(version=1)
    fresh = refresh(url, tmp_path / "other-cache", root)
    assert fresh["anti-rollback"].status == "inconclusive"  # a client without memory sees nothing wrong
    rolled = refresh(url, cache)
    assert rolled["anti-rollback"].status == "refuted", rolled["anti-rollback"].details
    assert "rollback" in rolled["anti-rollback"].details
    assert refresh(url, cache)["anti-rollback"].status == "refuted"  # the cache still remembers version 2


def test_missing_repository_is_inconclusive(tuf_repo: Repo) -> None:
    _, url = tuf_repo
    results = audit(url)
    assert {o.status for o in results.values()} == {"inconclusive"}
