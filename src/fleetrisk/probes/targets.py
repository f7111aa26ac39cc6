"""Endpoint URLs as probe targets: scheme, host, port and whether TLS is spoken."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from fleetrisk.redact import redact

DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883, "http": 80, "https": 443, "tls": 443}
SCHEMES_FOR = {
    "mqtt": ("mqtt",),
    "mqtts": ("mqtts",),
    "http": ("http",),
    "https": ("https",),
    "tls": ("tls", "https", "mqtts"),
    "tuf": ("http", "https"),
}
TLS_SCHEMES = frozenset({"mqtts", "https", "tls"})


class TargetError(ValueError):
    """A URL that cannot be probed as declared."""


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int
    path: str

    @property
    def tls(self) -> bool:
        return self.scheme in TLS_SCHEMES

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def parse_target(url: str, protocol: str | None = None) -> Target:
    """Split ``url``; with ``protocol``, its scheme must fit the declared protocol."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetError(f"not a valid URL: {exc}") from exc
    scheme = parts.scheme.lower()
    if protocol is not None and scheme not in SCHEMES_FOR[protocol]:
        raise TargetError(f"protocol {protocol} needs a {' or '.join(SCHEMES_FOR[protocol])}:// URL, "
                          f"got {redact(url)!r}")
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise TargetError(f"cannot probe {redact(url)!r}: give scheme://host[:port][/path]")
    if parts.username or parts.password:
        raise TargetError("credentials do not belong in a model URL; put them in the secrets file")
    return Target(url, scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme], parts.path or "/")


def url_host_port(url: str) -> tuple[str, int]:
    """Host and port an HTTP(S) request to ``url`` goes to."""
    target = parse_target(url)
    return target.host, target.port
