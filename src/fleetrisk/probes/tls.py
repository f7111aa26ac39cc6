"""TLS checks: which protocol versions a server accepts, and whether its certificate validates.

One standard-library context per protocol version; certificates are checked against the
deployment's CA (secrets ``trust.ca_file``) or the system store, with the URL's host name.

Each connection's socket timeout (at most :data:`CONNECT_TIMEOUT`, never past the run's budget)
bounds its whole handshake, not each read: the standard library counts it down across the
handshake, so a server that trickles its answer is cut off, and is reported as not answering
rather than as refusing. OpenSSL caps the size of what a server may send in a handshake.
"""

from __future__ import annotations

import socket
import ssl
import warnings
from pathlib import Path

from fleetrisk.messages import Text
from fleetrisk.probes.outcome import INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from fleetrisk.probes.scope import Gate
from fleetrisk.probes.targets import Target

CONTROL = "transport-tls"
CONNECT_TIMEOUT = 5.0
VERSIONS = (
    ("TLSv1.0", ssl.TLSVersion.TLSv1),
    ("TLSv1.1", ssl.TLSVersion.TLSv1_1),
    ("TLSv1.2", ssl.TLSVersion.TLSv1_2),
    ("TLSv1.3", ssl.TLSVersion.TLSv1_3),
)
LEGACY = frozenset({"TLSv1.0", "TLSv1.1"})
# The server finished its side of the handshake and only then asked for a client certificate.
_ACCEPTED_BUT_WANTS_CERT = ("CERTIFICATE_REQUIRED", "PEER_DID_NOT_RETURN_A_CERTIFICATE")
_CLIENT_CANNOT_OFFER = ("NO_PROTOCOLS_AVAILABLE", "NO_CIPHERS_AVAILABLE")

ClientCert = tuple[Path, Path]


class Unreachable(Exception):
    """No TCP connection: nothing can be said about TLS."""


def _version_context(version: ssl.TLSVersion, client_cert: ClientCert | None) -> ssl.SSLContext:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.minimum_version = version
        ctx.maximum_version = version
        if version < ssl.TLSVersion.TLSv1_2:
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # offer what an old client would
    if client_cert is not None:
        ctx.load_cert_chain(str(client_cert[0]), str(client_cert[1]))
    return ctx


def verifying_context(ca_file: Path | None, client_cert: ClientCert | None = None) -> ssl.SSLContext:
    """Certificate and host-name checking against ``ca_file`` or the system store."""
    ctx = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    if client_cert is not None:
        ctx.load_cert_chain(str(client_cert[0]), str(client_cert[1]))
    return ctx


def _connect(target: Target, gate: Gate) -> socket.socket:
    gate.admit(target.host, target.port)
    try:
        return socket.create_connection((target.host, target.port), timeout=gate.timeout(CONNECT_TIMEOUT))
    except OSError as exc:
        raise Unreachable(f"cannot connect to {target.address}: {exc.strerror or exc}") from exc


def _try_version(target: Target, gate: Gate, version: ssl.TLSVersion, client_cert: ClientCert | None) -> str:
    """'accepted', 'refused', 'untested' (this client cannot offer the version) or 'timed out'."""
    try:
        ctx = _version_context(version, client_cert)
    except (ssl.SSLError, ValueError):
        return "untested"
    sock = _connect(target, gate)
    try:
        with ctx.wrap_socket(sock, server_hostname=target.host):
            return "accepted"
    except ssl.SSLError as exc:
        reason = exc.reason or ""
        if any(r in reason for r in _ACCEPTED_BUT_WANTS_CERT):
            return "accepted"
        if any(r in reason for r in _CLIENT_CANNOT_OFFER):
            return "untested"
        return "refused"
    except TimeoutError:  # no complete answer in time: that is not a refusal
        return "timed out"
    except OSError:
        return "refused"
    finally:
        sock.close()


def check_versions(target: Target, gate: Gate, client_cert: ClientCert | None = None) -> Outcome:
    """Refuted when TLS 1.0 or 1.1 is accepted."""
    check = "tls.protocol-versions"
    try:
        seen = {name: _try_version(target, gate, version, client_cert) for name, version in VERSIONS}
    except Unreachable as exc:
        return Outcome(check, CONTROL, INCONCLUSIVE, Text.of("check.error", error=str(exc)))
    accepted = [n for n, s in seen.items() if s == "accepted"]
    refused = [n for n, s in seen.items() if s == "refused"]
    untested = [n for n, s in seen.items() if s == "untested"]
    timed_out = [n for n, s in seen.items() if s == "timed out"]
    summary = (Text.of("check.tls_accepts", versions=", ".join(accepted) or "-"),
               Text.of("check.tls_refuses", versions=", ".join(refused) or "-"),
               *([Text.of("check.tls_unoffered", versions=", ".join(untested))] if untested else []),
               *([Text.of("check.tls_timed_out", versions=", ".join(timed_out))] if timed_out else []))
    legacy = [n for n in accepted if n in LEGACY]
    if legacy:
        return Outcome(check, CONTROL, REFUTED, Text.of("check.tls_legacy", summary=summary, legacy=", ".join(legacy)))
    if not accepted:
        return Outcome(check, CONTROL, INCONCLUSIVE, Text.of("check.tls_none", summary=summary))
    if LEGACY & set(untested + timed_out):
        return Outcome(check, CONTROL, INCONCLUSIVE, Text.of("check.tls_untested", summary=summary))
    return Outcome(check, CONTROL, VERIFIED, Text.of("check.tls_ok", summary=summary))


def check_certificate(target: Target, gate: Gate, ca_file: Path | None,
                      client_cert: ClientCert | None = None) -> Outcome:
    """Refuted when the chain does not validate or the certificate does not name the host."""
    check = "tls.certificate"
    anchor = Text.of("check.anchor_file", name=ca_file.name) if ca_file else Text.of("check.anchor_system")
    ctx = verifying_context(ca_file, client_cert)
    try:
        sock = _connect(target, gate)
    except Unreachable as exc:
        return Outcome(check, CONTROL, INCONCLUSIVE, Text.of("check.error", error=str(exc)))
    try:
        with ctx.wrap_socket(sock, server_hostname=target.host) as tls:
            cert = tls.getpeercert() or {}
            version = tls.version()
    except ssl.SSLCertVerificationError as exc:
        return Outcome(check, CONTROL, REFUTED, Text.of("check.cert_rejected", anchor=anchor, host=target.host,
                                                        error=str(exc.verify_message)))
    except TimeoutError:
        waited = sock.gettimeout() or 0.0
        return Outcome(check, CONTROL, INCONCLUSIVE,
                       Text.of("check.cert_cut", address=target.address, seconds=f"{waited:.1f}"))
    except (ssl.SSLError, OSError) as exc:
        return Outcome(check, CONTROL, INCONCLUSIVE, Text.of("check.cert_handshake_failed", error=str(exc)))
    finally:
        sock.close()
    return Outcome(check, CONTROL, VERIFIED, Text.of("check.cert_ok", anchor=anchor, host=target.host,
                                                     until=str(cert.get("notAfter", "?")), version=str(version)))
