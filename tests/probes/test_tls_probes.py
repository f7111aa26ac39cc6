"""TLS checks against mosquitto with a test CA: a sound listener and a TLS 1.1 one with a wrong name."""

from __future__ import annotations

from fleetrisk.probes import tls
from probes.helpers import gate_for, target
from probes.pki import LoopbackCA


def test_modern_listener_refuses_legacy_versions(broker_tls: int) -> None:
    outcome = tls.check_versions(target(f"mqtts://127.0.0.1:{broker_tls}", "mqtts"), gate_for(broker_tls))
    assert outcome.status == "verified", outcome.details
    assert "refuses TLSv1.0, TLSv1.1" in outcome.details


def test_tls_1_1_listener_is_refuted(broker_weak_tls: int) -> None:
    outcome = tls.check_versions(target(f"mqtts://127.0.0.1:{broker_weak_tls}", "mqtts"), gate_for(broker_weak_tls))
    assert outcome.status == "refuted", outcome.details
    assert "accepts TLSv1.1" in outcome.details


def test_certificate_for_the_host_validates_with_the_ca(broker_tls: int, pki: LoopbackCA) -> None:
    outcome = tls.check_certificate(target(f"mqtts://127.0.0.1:{broker_tls}", "mqtts"), gate_for(broker_tls),
                                    pki.ca_file)
    assert outcome.status == "verified", outcome.details


def test_certificate_for_another_name_is_refuted(broker_weak_tls: int, pki: LoopbackCA) -> None:
    outcome = tls.check_certificate(target(f"mqtts://127.0.0.1:{broker_weak_tls}", "mqtts"),
                                    gate_for(broker_weak_tls), pki.ca_file)
    assert outcome.status == "refuted", outcome.details
    assert "mismatch" in outcome.details.lower() or "not valid" in outcome.details.lower()


def test_certificate_from_an_untrusted_ca_is_refuted(broker_tls: int) -> None:
    outcome = tls.check_certificate(target(f"mqtts://127.0.0.1:{broker_tls}", "mqtts"), gate_for(broker_tls), None)
    assert outcome.status == "refuted", outcome.details
    assert "system trust store" in outcome.details


def test_nothing_listening_is_inconclusive() -> None:
    from probes.servers import free_port

    port = free_port()
    outcome = tls.check_certificate(target(f"tls://127.0.0.1:{port}", "tls"), gate_for(port), None)
    assert outcome.status == "inconclusive"
