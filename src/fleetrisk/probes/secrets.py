"""The secrets file: test identities the owner provides for the checks that need them.

It holds two device identities (MQTT credentials and each device's own topic), two user or
tenant identities (HTTP headers and an object each one owns), and optional trust anchors.
It is kept out of version control (``fleetrisk-secrets.yaml`` is in ``.gitignore``) and its
values are never printed: its error messages name the key and line, not the value (a value in
the wrong place may be a password), and the runner keeps passwords and header values out of
the evidence (:func:`fleetrisk.probes.plan.secret_values`).
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from fleetrisk.errors import InputError, ModelValidationError
from fleetrisk.model.yamlio import Document
from fleetrisk.probes.config import load_document

Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,79}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class DeviceIdentity(_Strict):
    """A test device: how it logs in to the broker and a topic it may publish and read."""

    name: Name
    username: str | None = None
    password: str | None = Field(default=None, repr=False)
    client_id: str | None = Field(default=None, description="MQTT client id; default: the name.")
    topic: Annotated[str, Field(min_length=1, max_length=512,
                                description="A topic this device may both publish to and subscribe to.")]
    cert_file: str | None = Field(default=None, description="Client certificate (PEM) for mutual TLS.")
    key_file: str | None = Field(default=None, description="Its private key (PEM).")

    @field_validator("topic")
    @classmethod
    def _no_wildcards(cls, value: str) -> str:
        if "#" in value or "+" in value:
            raise ValueError("must be a concrete topic, without the wildcards + or #")
        return value


class UserIdentity(_Strict):
    """A test user or tenant: the headers that authenticate it and one object it owns."""

    name: Name
    headers: Annotated[dict[str, str], Field(min_length=1, repr=False)]
    object_url: Annotated[str, Field(min_length=1, max_length=2000)]

    @field_validator("headers")
    @classmethod
    def _sendable(cls, value: dict[str, str]) -> dict[str, str]:
        """Refused here, a bad header cannot reach an HTTP library whose error would quote it."""
        for header, text in value.items():
            if _TOKEN.fullmatch(header) is None:
                raise ValueError("a header name is letters, digits and !#$%&'*+-.^_`|~ only")
            if any(ch in text for ch in "\r\n\x00") or not text.isascii():
                raise ValueError(f"the value of header {header!r} holds a line break, a NUL or a non-ASCII "
                                 "character (the value is not shown)")
        return value


_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


class Trust(_Strict):
    """Trust anchors for the deployment's private PKI and update repository."""

    ca_file: str | None = Field(default=None, description="CA bundle (PEM) that server certificates chain to.")
    tuf_root: str | None = Field(default=None, description="Trusted TUF root metadata (root.json).")


class SecretsFile(_Strict):
    fleetrisk_secrets: Literal[1]
    devices: list[DeviceIdentity] = Field(default_factory=list)
    users: list[UserIdentity] = Field(default_factory=list)
    trust: Trust = Field(default_factory=Trust)

    @field_validator("devices", "users")
    @classmethod
    def _two_or_none(cls, value: list[DeviceIdentity] | list[UserIdentity]) -> object:
        if len(value) not in (0, 2):
            raise ValueError(f"give exactly two identities (or none), not {len(value)}")
        if len(value) == 2 and value[0].name == value[1].name:
            raise ValueError("the two identities need different names")
        return value


@dataclass(frozen=True)
class Secrets:
    """A loaded secrets file, with file paths resolved next to it."""

    spec: SecretsFile
    document: Document
    base: Path

    @property
    def devices(self) -> list[DeviceIdentity]:
        return self.spec.devices

    @property
    def users(self) -> list[UserIdentity]:
        return self.spec.users

    def path(self, value: str | None) -> Path | None:
        return None if value is None else self.base / value


def empty_secrets() -> Secrets:
    """No identities and no trust anchors (safe tier only)."""
    return Secrets(SecretsFile(fleetrisk_secrets=1), Document("<none>", {}), Path("."))


def load_secrets(path: Path) -> Secrets:
    """Read and check a secrets file; files it names must exist."""
    spec, doc = load_document(path, SecretsFile, "fleetrisk_secrets",
                              "a secrets file starts with 'fleetrisk_secrets: 1'; see docs/verify.md")
    secrets = Secrets(spec, doc, path.parent)
    missing: list[InputError] = []
    named: list[tuple[tuple[str | int, ...], str | None]] = [
        (("trust", "ca_file"), spec.trust.ca_file), (("trust", "tuf_root"), spec.trust.tuf_root)]
    for i, device in enumerate(spec.devices):
        named += [(("devices", i, "cert_file"), device.cert_file), (("devices", i, "key_file"), device.key_file)]
        if (device.cert_file is None) != (device.key_file is None):
            missing.append(InputError("cert_file and key_file go together", location=doc.locate(("devices", i)),
                                      hint="give both, or neither"))
    for where, value in named:
        resolved = secrets.path(value)
        if resolved is None:
            continue
        try:
            mode = resolved.stat().st_mode
        except OSError:
            missing.append(InputError("file not found", location=doc.locate(where),
                                      hint=f"paths are relative to the secrets file's folder, {secrets.base}"))
            continue
        if not stat.S_ISREG(mode):  # a FIFO or a device would hang or never end the read
            missing.append(InputError("not a regular file", location=doc.locate(where),
                                      hint="name the file itself (certificates, keys and roots are read from files)"))
    if missing:
        raise ModelValidationError(missing)
    return secrets
