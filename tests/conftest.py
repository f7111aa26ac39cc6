"""Shared helpers: run the real CLI in a subprocess, as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "src" / "fleetrisk" / "examples"
DEFAULT = EXAMPLES / "smart-appliance-cloud.yaml"
HARDENED = EXAMPLES / "smart-appliance-cloud-hardened.yaml"


def run_cli(*args: str, cwd: Path = ROOT, timeout: float = 120,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``fleetrisk ARGS``; ``env`` adds to (or overrides) the inherited environment."""
    return subprocess.run(
        [sys.executable, "-m", "fleetrisk", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, **env} if env else None,
    )


def stop(process: subprocess.Popen[Any], timeout: float = 10) -> None:
    """Stop a server started for a test: asked first, killed if it does not go."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)


def wildcard_read_refuted(path: Path, element: str = "broker") -> Path:
    """An evidence file in which a live MQTT check read another device's topic through ``element``."""
    path.write_text(json.dumps({"fleetrisk_evidence": 1, "checks": [{
        "check": "mqtt.wildcard-subscribe", "control": "broker-topic-acl", "element": element, "status": "refuted",
        "target": "mqtt://127.0.0.1:1883", "details": "read another device's topic",
        "timestamp": "2026-11-25T00:00:00Z", "tier": "intrusive"}]}), encoding="utf-8")
    return path


@pytest.fixture
def cli():  # type: ignore[no-untyped-def]
    return run_cli


#: A device gateway that states per-device topic authorisation: live evidence can refute it.
BROKER: dict[str, Any] = {
    "fleetrisk": 1,
    "service": {"name": "t", "types": ["remote-control"]},
    "fleets": [{"id": "plugs", "devices": 200_000, "safety": "low",
                "accepts": [{"input": "command", "from": "broker", "verification": "transport", "use": "acts"}]}],
    "components": [{"id": "broker", "kind": "device-gateway", "exposure": ["internet"], "auth": "mtls",
                    "authorization": "per-device"}],
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """A headless Chromium for the browser tests of one module."""
    from chromium import chromium  # Playwright is loaded only by the tests that ask for a browser

    with chromium() as launched:
        yield launched
