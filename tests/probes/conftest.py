"""Fixtures that start real servers on 127.0.0.1 and stop them, with bounded waits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from probes.api_app import make_api
from probes.pki import LoopbackCA
from probes.servers import free_port, mosquitto, static_http, uvicorn_app, write_mosquitto_config
from probes.tufrepo import TufRepo


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> LoopbackCA:
    return LoopbackCA(tmp_path_factory.mktemp("pki"))


def _broker(tmp_path_factory: pytest.TempPathFactory, kind: str, pki: LoopbackCA | None = None,
            **cert_names: str | None) -> Iterator[int]:
    port = free_port()
    cert = pki.server(f"broker-{kind}", **cert_names) if pki else None  # type: ignore[arg-type]
    config = write_mosquitto_config(tmp_path_factory.mktemp(f"mosquitto-{kind}"), port, kind, cert=cert,
                                    ca_file=pki.ca_file if pki else None)
    with mosquitto(config, port):
        yield port


@pytest.fixture(scope="session")
def broker_anonymous(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    yield from _broker(tmp_path_factory, "anonymous")


@pytest.fixture(scope="session")
def broker_acl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    yield from _broker(tmp_path_factory, "acl")


@pytest.fixture(scope="session")
def broker_tls(tmp_path_factory: pytest.TempPathFactory, pki: LoopbackCA) -> Iterator[int]:
    yield from _broker(tmp_path_factory, "tls", pki)


@pytest.fixture(scope="session")
def broker_weak_tls(tmp_path_factory: pytest.TempPathFactory, pki: LoopbackCA) -> Iterator[int]:
    """TLS 1.1 only, and a certificate issued for another host name."""
    yield from _broker(tmp_path_factory, "weak-tls", pki, ip=None, dns="wrong.example")


@pytest.fixture
def tuf_repo(tmp_path: Path) -> Iterator[tuple[TufRepo, str]]:
    repo = TufRepo(tmp_path / "repository")
    with static_http(repo.directory) as url:
        yield repo, url + "/"


@pytest.fixture
def api_flawed() -> Iterator[str]:
    with uvicorn_app(make_api(fixed=False)) as url:
        yield url


@pytest.fixture
def api_fixed() -> Iterator[str]:
    with uvicorn_app(make_api(fixed=True)) as url:
        yield url
