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

from fleetrisk.messages import Text
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
    anchor = Text.of("check.anchor_cache" if seeded else "check.anchor_trusted" if trusted_root
                     else "check.anchor_first_use")
    try:
        cache.mkdir(parents=True, exist_ok=True)
        bootstrap = None if seeded else (trusted_root or fetcher.get(base(url) + "1.root.json"))
        Updater(str(cache), base(url), fetcher=fetcher, bootstrap=bootstrap).refresh()
    except BadVersionNumberError as exc:
        return [Outcome(CHECK, ROLLBACK_CONTROL, REFUTED, Text.of("check.tuf_rollback", error=str(exc))),
                Outcome(CHECK, EXPIRY_CONTROL, INCONCLUSIVE, Text.of("check.tuf_stopped_rollback"))]
    except ExpiredMetadataError as exc:
        return [Outcome(CHECK, ROLLBACK_CONTROL, INCONCLUSIVE, Text.of("check.tuf_stopped_expired")),
                Outcome(CHECK, EXPIRY_CONTROL, REFUTED, Text.of("check.tuf_freeze", error=str(exc)))]
    except UnsignedMetadataError as exc:
        stopped = Text.of("check.tuf_stopped_signature")
        return [Outcome(CHECK, THRESHOLD_CONTROL, REFUTED, Text.of("check.tuf_unsigned", error=str(exc))),
                Outcome(CHECK, ROLLBACK_CONTROL, INCONCLUSIVE, stopped),
                Outcome(CHECK, EXPIRY_CONTROL, INCONCLUSIVE, stopped)]
    except (RepositoryError, DownloadError, OSError, ValueError) as exc:
        reraise_gate_errors(exc)
        return [Outcome(CHECK, control, INCONCLUSIVE, Text.of("check.tuf_failed", error=f"{type(exc).__name__}: {exc}"))
                for control in (ROLLBACK_CONTROL, EXPIRY_CONTROL)]
    rollback = (Outcome(CHECK, ROLLBACK_CONTROL, VERIFIED, Text.of("check.tuf_no_rollback"))
                if seeded else
                Outcome(CHECK, ROLLBACK_CONTROL, INCONCLUSIVE, Text.of("check.tuf_first_run", anchor=anchor)))
    return [rollback, Outcome(CHECK, EXPIRY_CONTROL, VERIFIED, Text.of("check.tuf_fresh", anchor=anchor))]
