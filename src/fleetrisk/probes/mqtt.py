"""MQTT checks. A broker's acknowledgement is never evidence: isolation is judged by a canary.

A canary is a random token one identity publishes; a check passes or fails on whether the
other identity actually receives it. Before calling a broker "isolating", the check also
proves the delivery path works (the publisher's own subscription gets its own canary);
otherwise the result is inconclusive.

Every wait (CONNACK, SUBACK, PUBACK, a canary) is bounded and never runs past the run's
budget; the TLS handshake in ``connect`` is bounded as a whole by the connect timeout. A
session keeps only the messages that can be canaries, so subscribing to '#' on a busy broker
holds no one else's traffic in memory. (The MQTT client library reads each packet whole before
handing it over: one packet can be as large as the protocol allows, 256 MB.)
"""

from __future__ import annotations

import os
import ssl
import threading
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from fleetrisk.messages import Text
from fleetrisk.probes.outcome import INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from fleetrisk.probes.scope import Gate
from fleetrisk.probes.secrets import DeviceIdentity
from fleetrisk.probes.targets import Target

CONNECT_TIMEOUT = 5.0
CANARY_WAIT = 3.0  # for the delivery-path canary to come back
GRACE = 0.5  # after it, for a canary that should not arrive at all


class SessionError(Exception):
    """The broker refused or dropped a session; the message says how."""


CANARY_PREFIX = "fleetrisk-canary-"
MAX_KEPT = 10_000  # canary-shaped messages one session keeps
CANARY_LENGTH = len(CANARY_PREFIX) + 16


def canary() -> str:
    return f"{CANARY_PREFIX}{os.urandom(8).hex()}"


def _may_be_canary(payload: bytes) -> bool:
    return len(payload) == CANARY_LENGTH and payload.startswith(CANARY_PREFIX.encode("ascii"))


def insecure_context() -> ssl.SSLContext:
    """TLS without certificate checks: for probes that send no secret."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


@dataclass
class Session:
    """One MQTT 3.1.1 client connection that records what it receives."""

    target: Target
    gate: Gate
    client_id: str
    identity: DeviceIdentity | None = None
    tls: ssl.SSLContext | None = None
    received: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._changed = threading.Condition()
        self._connack: Any = None
        self._granted: dict[int, list[Any]] = {}
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id=self.client_id,
                                  protocol=MQTTProtocolVersion.MQTTv311, reconnect_on_failure=False)
        if self.identity is not None and self.identity.username is not None:
            self.client.username_pw_set(self.identity.username, self.identity.password)
        if self.tls is not None:
            self.client.tls_set_context(self.tls)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message
        self.client.on_disconnect = self._on_disconnect

    # paho callbacks (network thread) --------------------------------------------------
    def _on_connect(self, _c: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        with self._changed:
            self._connack = reason
            self._changed.notify_all()

    def _on_disconnect(self, _c: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        with self._changed:
            if self._connack is None:
                self._connack = reason
            self._changed.notify_all()

    def _on_subscribe(self, _c: Any, _u: Any, mid: int, reasons: list[Any], _p: Any) -> None:
        with self._changed:
            self._granted[mid] = reasons
            self._changed.notify_all()

    def _on_message(self, _c: Any, _u: Any, message: Any) -> None:
        payload = bytes(message.payload)
        if not _may_be_canary(payload) or len(self.received) >= MAX_KEPT:  # someone else's traffic, or a flood
            return
        with self._changed:
            self.received.add(payload.decode("ascii", "replace"))
            self._changed.notify_all()

    # steps --------------------------------------------------------------------------
    def open(self) -> None:
        """Connect and wait for CONNACK; SessionError when refused."""
        self.gate.admit(self.target.host, self.target.port)
        self.client.connect_timeout = self.gate.timeout(CONNECT_TIMEOUT)
        self.client.connect(self.target.host, self.target.port, keepalive=30)
        self.client.loop_start()
        with self._changed:
            self._changed.wait_for(lambda: self._connack is not None, self.gate.timeout(CONNECT_TIMEOUT))
        if self._connack is None:
            raise SessionError("no CONNACK within the timeout")
        if self._connack.is_failure:
            raise SessionError(f"CONNACK: {self._connack}")

    def subscribe(self, topic: str) -> str:
        """Subscribe at QoS 1; returns what the broker granted (which proves nothing)."""
        _, mid = self.client.subscribe(topic, qos=1)
        if mid is None:
            return "not sent"
        with self._changed:
            self._changed.wait_for(lambda: mid in self._granted, self.gate.timeout(CONNECT_TIMEOUT))
        reasons = self._granted.get(mid)
        return "no SUBACK" if reasons is None else ", ".join(str(r) for r in reasons)

    def publish(self, topic: str, payload: str) -> bool:
        """Publish at QoS 1; True when the broker sent PUBACK (which proves nothing either)."""
        info = self.client.publish(topic, payload, qos=1)
        try:
            info.wait_for_publish(self.gate.timeout(CONNECT_TIMEOUT))
        except (RuntimeError, ValueError):
            return False
        return info.is_published()

    def wait_for(self, payload: str, seconds: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: payload in self.received, self.gate.timeout(seconds))

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _open(session: Session, label: str) -> None:
    try:
        session.open()
    except SessionError as exc:
        session.close()
        raise SessionError(f"{label} could not connect: {exc}") from exc
    except (OSError, ssl.SSLError) as exc:
        session.close()
        raise SessionError(f"{label} could not connect: {exc}") from exc


def check_anonymous(target: Target, gate: Gate) -> Outcome:
    """Refuted when the broker accepts a client that presents no credentials at all."""
    check, control = "mqtt.anonymous-connect", "per-device-identity"
    session = Session(target, gate, f"fleetrisk-anon-{os.urandom(4).hex()}",
                      tls=insecure_context() if target.tls else None)
    try:
        session.open()
    except SessionError as exc:
        return Outcome(check, control, VERIFIED, Text.of("check.mqtt_refused", error=str(exc)))
    except ssl.SSLError as exc:
        if "CERTIFICATE_REQUIRED" in (exc.reason or ""):
            return Outcome(check, control, VERIFIED, Text.of("check.mqtt_cert_required"))
        return Outcome(check, control, INCONCLUSIVE, Text.of("check.mqtt_tls_failed", error=str(exc)))
    except OSError as exc:
        return Outcome(check, control, INCONCLUSIVE,
                       Text.of("check.connect_failed", address=target.address, error=str(exc.strerror or exc)))
    finally:
        session.close()
    return Outcome(check, control, REFUTED, Text.of("check.mqtt_accepted"))


def _device_session(target: Target, gate: Gate, device: DeviceIdentity, tls: ssl.SSLContext | None) -> Session:
    return Session(target, gate, device.client_id or device.name, identity=device, tls=tls)


def check_wildcard_subscribe(target: Target, gate: Gate, devices: tuple[DeviceIdentity, DeviceIdentity],
                             tls: ssl.SSLContext | None) -> Outcome:
    """Device A subscribes to '#'; refuted when it receives device B's canary."""
    check, control = "mqtt.wildcard-subscribe", "broker-topic-acl"
    a, b = devices
    spy, owner = _device_session(target, gate, a, tls), _device_session(target, gate, b, tls)
    try:
        _open(spy, a.name)
        granted = spy.subscribe("#")
        _open(owner, b.name)
        owner.subscribe(b.topic)
        token = canary()
        acked = owner.publish(b.topic, token)
        delivered = owner.wait_for(token, CANARY_WAIT)
        leaked = spy.wait_for(token, GRACE if delivered else 0.01)
    except SessionError as exc:
        return Outcome(check, control, INCONCLUSIVE, Text.of("check.error", error=str(exc)))
    finally:
        spy.close()
        owner.close()
    if leaked:
        return Outcome(check, control, REFUTED, Text.of("check.wildcard_leaked", a=a.name, b=b.name, topic=b.topic))
    if not delivered:
        return Outcome(check, control, INCONCLUSIVE,
                       Text.of("check.canary_lost", b=b.name, topic=b.topic, acked=_acked(acked)))
    return Outcome(check, control, VERIFIED,
                   Text.of("check.wildcard_held", a=a.name, b=b.name, granted=str(granted), topic=b.topic))


def check_cross_publish(target: Target, gate: Gate, devices: tuple[DeviceIdentity, DeviceIdentity],
                        tls: ssl.SSLContext | None) -> Outcome:
    """Device A publishes on device B's topic; refuted when B receives A's canary."""
    check, control = "mqtt.cross-device-publish", "broker-topic-acl"
    a, b = devices
    victim, intruder = _device_session(target, gate, b, tls), _device_session(target, gate, a, tls)
    try:
        _open(victim, b.name)
        victim.subscribe(b.topic)
        _open(intruder, a.name)
        forged = canary()
        acked = intruder.publish(b.topic, forged)
        control_token = canary()
        victim.publish(b.topic, control_token)
        delivered = victim.wait_for(control_token, CANARY_WAIT)
        arrived = victim.wait_for(forged, GRACE if delivered else 0.01)
    except SessionError as exc:
        return Outcome(check, control, INCONCLUSIVE, Text.of("check.error", error=str(exc)))
    finally:
        victim.close()
        intruder.close()
    if arrived:
        return Outcome(check, control, REFUTED,
                       Text.of("check.cross_published", a=a.name, b=b.name, topic=b.topic, acked=_acked(acked)))
    if not delivered:
        return Outcome(check, control, INCONCLUSIVE, Text.of("check.canary_lost_short", b=b.name, topic=b.topic))
    return Outcome(check, control, VERIFIED,
                   Text.of("check.cross_held", a=a.name, b=b.name, topic=b.topic, acked=_acked(acked)))


def _acked(flag: bool) -> Text:
    return Text.of("check.acked_yes" if flag else "check.acked_no")
