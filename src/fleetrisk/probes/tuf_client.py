"""A python-tuf client run that keeps its cache between runs, to catch rollback and freeze.

The first run trusts the root from the secrets file (``trust.tuf_root``) or, failing that,
version 1 as served (trust on first use, said in the details), and seeds the cache. Every
later run compares what the repository serves with what this client saw before.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from tuf.api.exceptions import (
    BadVersionNumberError,
    DownloadError,
    ExpiredMetadataError,
    RepositoryError,
    UnsignedMetadataError,
)
from tuf.ngclient import Updater

from fleetrisk.probes.outcome import INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from fleetrisk.probes.tuf_audit import EXPIRY_CONTROL, THRESHOLD_CONTROL, base
from fleetrisk.probes.tuf_fetch import ScopedFetcher, reraise_gate_errors
from fleetrisk.redact import redact

CHECK = "tuf.client-refresh"
ROLLBACK_CONTROL = "anti-rollback"


def cache_dir_for(cache_root: Path, url: str) -> Path:
    """One cache folder per repository URL, named so a person can tell which."""
    slug = re.sub(r"[^a-zA-Z0-9.-]+", "_", redact(url).split("://", 1)[-1]).strip("_")[:60]
    return cache_root / "tuf" / f"{slug}-{hashlib.sha256(url.encode()).hexdigest()[:10]}"


def client_refresh(url: str, fetcher: ScopedFetcher, trusted_root: bytes | None, cache_root: Path) -> list[Outcome]:
    """Refresh the top-level metadata with a persistent cache; outcomes for rollback and freeze."""
    cache = cache_dir_for(cache_root, url)
    seeded = (cache / "root.json").is_file()
    anchor = "the cached root" if seeded else ("the trusted root from the secrets file" if trusted_root
                                               else "version 1 of root as served (trust on first use)")
    try:
        cache.mkdir(parents=True, exist_ok=True)
        bootstrap = None if seeded else (trusted_root or fetcher.get(base(url) + "1.root.json"))
        Updater(str(cache), base(url), fetcher=fetcher, bootstrap=bootstrap).refresh()
    except BadVersionNumberError as exc:
        return [Outcome(CHECK, ROLLBACK_CONTROL, REFUTED,
                        f"rollback: {exc} (compared with the cache this client kept)"),
                Outcome(CHECK, EXPIRY_CONTROL, INCONCLUSIVE, "refresh stopped at the rollback")]
    except ExpiredMetadataError as exc:
        return [Outcome(CHECK, ROLLBACK_CONTROL, INCONCLUSIVE, "refresh stopped at expired metadata"),
                Outcome(CHECK, EXPIRY_CONTROL, REFUTED,
                        f"freeze: {exc}; devices that enforce expiry stop updating, others accept stale metadata")]
    except UnsignedMetadataError as exc:
        return [Outcome(CHECK, THRESHOLD_CONTROL, REFUTED, f"a role is not signed by its threshold of keys: {exc}"),
                Outcome(CHECK, ROLLBACK_CONTROL, INCONCLUSIVE, "refresh stopped at a signature failure"),
                Outcome(CHECK, EXPIRY_CONTROL, INCONCLUSIVE, "refresh stopped at a signature failure")]
    except (RepositoryError, DownloadError, OSError, ValueError) as exc:
        reraise_gate_errors(exc)
        return [Outcome(CHECK, control, INCONCLUSIVE, f"refresh failed: {type(exc).__name__}: {exc}")
                for control in (ROLLBACK_CONTROL, EXPIRY_CONTROL)]
    rollback = (Outcome(CHECK, ROLLBACK_CONTROL, VERIFIED,
                        "no metadata version went back since this client's previous run")
                if seeded else
                Outcome(CHECK, ROLLBACK_CONTROL, INCONCLUSIVE,
                        f"first run: cache seeded from {anchor}; a later run detects rollback"))
    return [rollback, Outcome(CHECK, EXPIRY_CONTROL, VERIFIED,
                              f"root, timestamp, snapshot and targets verified and unexpired (trust: {anchor})")]
