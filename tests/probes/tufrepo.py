"""A tiny TUF repository written with python-tuf's Metadata API, in the states the tests need."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import Metadata, MetaFile, Root, Snapshot, Targets, Timestamp

LIFETIME = {"root": dt.timedelta(days=365), "targets": dt.timedelta(days=30),
            "snapshot": dt.timedelta(days=7), "timestamp": dt.timedelta(days=1)}


class TufRepo:
    """Keys for every role (two for root, two for targets) and a folder to publish into."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.signers = {name: CryptoSigner.generate_ed25519()
                        for name in ("root1", "root2", "targets1", "targets2", "snapshot", "timestamp")}

    def root_bytes(self, *, targets_threshold: int = 1, shared_key: bool = False, root_threshold: int = 2) -> bytes:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        root = Root(expires=now + LIFETIME["root"], consistent_snapshot=False)
        for name in ("root1", "root2"):
            root.add_key(self.signers[name].public_key, "root")
        root.add_key(self.signers["targets1"].public_key, "targets")
        if targets_threshold > 1:
            root.add_key(self.signers["targets2"].public_key, "targets")
        root.add_key(self.signers["snapshot"].public_key, "snapshot")
        root.add_key(self.signers["root1" if shared_key else "timestamp"].public_key, "timestamp")
        root.roles["root"].threshold = root_threshold
        root.roles["targets"].threshold = targets_threshold
        metadata = Metadata(root)
        for name in ("root1", "root2")[:max(root_threshold, 1)]:
            metadata.sign(self.signers[name], append=True)
        return metadata.to_bytes()

    def publish(self, *, version: int = 1, expired: str | None = None, targets_threshold: int = 1,
                targets_signers: int = 1, shared_key: bool = False, root_threshold: int = 2) -> bytes:
        """Write 1.root.json and the other three roles at ``version``; returns the root bytes."""
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)

        def expiry(role: str) -> dt.datetime:
            return now - dt.timedelta(hours=1) if role == expired else now + LIFETIME[role]

        root = self.root_bytes(targets_threshold=targets_threshold, shared_key=shared_key,
                               root_threshold=root_threshold)
        (self.directory / "1.root.json").write_bytes(root)
        targets = Metadata(Targets(version=version, expires=expiry("targets")))
        for i in range(targets_signers):
            targets.sign(self.signers[f"targets{i + 1}"], append=True)
        snapshot = Metadata(Snapshot(version=version, expires=expiry("snapshot"),
                                     meta={"targets.json": MetaFile(version=version)}))
        snapshot.sign(self.signers["snapshot"])
        timestamp = Metadata(Timestamp(version=version, expires=expiry("timestamp"),
                                       snapshot_meta=MetaFile(version=version)))
        timestamp.sign(self.signers["root1" if shared_key else "timestamp"])
        for name, metadata in (("targets", targets), ("snapshot", snapshot), ("timestamp", timestamp)):
            (self.directory / f"{name}.json").write_bytes(metadata.to_bytes())
        return root
