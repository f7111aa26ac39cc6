"""MQTT checks against Debian mosquitto: an open broker, and one with passwords and per-device ACLs."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from fleetrisk.probes import mqtt
from fleetrisk.probes.secrets import DeviceIdentity
from probes.helpers import gate_for, target
from probes.pki import LoopbackCA
from probes.servers import DEVICES


def devices() -> tuple[DeviceIdentity, DeviceIdentity]:
    a, b = ({"name": u, "username": u, "password": p, "topic": f"devices/{u}/data"} for u, p in DEVICES.items())
    return DeviceIdentity.model_validate(a), DeviceIdentity.model_validate(b)


def test_anonymous_connect_refuted_on_open_broker(broker_anonymous: int) -> None:
    outcome = mqtt.check_anonymous(target(f"mqtt://127.0.0.1:{broker_anonymous}", "mqtt"), gate_for(broker_anonymous))
    assert (outcome.status, outcome.control) == ("refuted", "per-device-identity")


def test_anonymous_connect_verified_when_broker_needs_passwords(broker_acl: int) -> None:
    outcome = mqtt.check_anonymous(target(f"mqtt://127.0.0.1:{broker_acl}", "mqtt"), gate_for(broker_acl))
    assert outcome.status == "verified", outcome.details
    assert "CONNACK" in outcome.details


def test_anonymous_connect_over_tls(broker_tls: int) -> None:
    outcome = mqtt.check_anonymous(target(f"mqtts://127.0.0.1:{broker_tls}", "mqtts"), gate_for(broker_tls))
    assert outcome.status == "verified", outcome.details


def test_cross_device_publish_acked_but_dropped_is_verified(broker_acl: int) -> None:
    """The ACL broker acknowledges the forged publish (PUBACK) and drops it: no canary, so verified."""
    outcome = mqtt.check_cross_publish(target(f"mqtt://127.0.0.1:{broker_acl}", "mqtt"), gate_for(broker_acl),
                                       devices(), None)
    assert (outcome.status, outcome.control) == ("verified", "broker-topic-acl"), outcome.details
    assert "PUBACK: yes" in outcome.details  # the broker did acknowledge: acknowledgement is not evidence


def test_cross_device_publish_refuted_when_canary_arrives(broker_anonymous: int) -> None:
    outcome = mqtt.check_cross_publish(target(f"mqtt://127.0.0.1:{broker_anonymous}", "mqtt"),
                                       gate_for(broker_anonymous), devices(), None)
    assert outcome.status == "refuted", outcome.details
    assert "dev-b received the canary dev-a published" in outcome.details


def test_wildcard_subscribe_verified_with_acl(broker_acl: int) -> None:
    outcome = mqtt.check_wildcard_subscribe(target(f"mqtt://127.0.0.1:{broker_acl}", "mqtt"), gate_for(broker_acl),
                                            devices(), None)
    assert outcome.status == "verified", outcome.details


def test_wildcard_subscribe_refuted_on_open_broker(broker_anonymous: int) -> None:
    outcome = mqtt.check_wildcard_subscribe(target(f"mqtt://127.0.0.1:{broker_anonymous}", "mqtt"),
                                            gate_for(broker_anonymous), devices(), None)
    assert outcome.status == "refuted", outcome.details


def test_canary_checks_over_tls_with_the_test_ca(broker_tls: int, pki: LoopbackCA) -> None:
    context = ssl.create_default_context(cafile=str(pki.ca_file))
    outcome = mqtt.check_cross_publish(target(f"mqtts://127.0.0.1:{broker_tls}", "mqtts"), gate_for(broker_tls),
                                       devices(), context)
    assert outcome.status == "verified", outcome.details


def test_wrong_password_is_inconclusive_not_verified(broker_acl: int) -> None:
    a, b = devices()
    wrong = a.model_copy(update={"password": "not-the-password"})
    outcome = mqtt.check_cross_publish(target(f"mqtt://127.0.0.1:{broker_acl}", "mqtt"), gate_for(broker_acl),
                                       (wrong, b), None)
    assert outcome.status == "inconclusive"
    assert "dev-a could not connect" in outcome.details


def test_a_broker_refuses_a_port_that_is_already_taken(tmp_path: Path) -> None:
    """The loopback deployment must not take someone else's listener for its own broker."""
    import socket

    from probes.servers import mosquitto, write_mosquitto_config

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        config = write_mosquitto_config(tmp_path, port, "anonymous")
        with pytest.raises(RuntimeError, match="already in use"), mosquitto(config, port):
            pass
