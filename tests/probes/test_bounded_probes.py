"""Probes against servers that never finish: a byte cap and a hard deadline end every exchange.

The servers (probes/hostile_servers.py) would go on for a minute or forever; each check must
end near its deadline with a "cut off" outcome, reading no more than its cap. The time bounds
asserted here are ten times the deadline: they catch a hang, not a slow machine.
"""

from __future__ import annotations

import json
import ssl
import time
import tracemalloc
from pathlib import Path

import pytest
from tuf.api.exceptions import DownloadError

from conftest import run_cli
from fleetrisk.messages import word
from fleetrisk.probes import bounded, http, mqtt, tls
from fleetrisk.probes.scope import BudgetExhausted
from fleetrisk.probes.tuf_fetch import MAX_BYTES, ScopedFetcher
from probes.deployment import component, model_data, scope_data, write_yaml
from probes.helpers import gate_for, target
from probes.hostile_servers import hostile_http, tls_trickle

CONTROL = "object-level-authorization"


def test_an_endless_body_is_read_up_to_the_cap_and_no_further() -> None:
    cap = 256 * 1024
    with hostile_http() as (port, _):
        tracemalloc.start()
        try:
            with bounded.new_client(False) as client:
                reply = bounded.get(client, gate_for(port), f"http://127.0.0.1:{port}/endless", cap=cap, seconds=10)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert reply.status == 200
    assert len(reply.body) == cap
    assert reply.cut_off is not None and word(reply.cut_off, "en") == "cut off at the 262,144-byte cap"
    assert peak < 4 * 1024 * 1024, f"{peak:,} bytes allocated while reading"


def test_a_protected_endpoint_with_an_endless_body_is_still_judged_on_its_status() -> None:
    with hostile_http() as (port, _):
        started = time.monotonic()
        outcome = http.check_unauthenticated(f"http://127.0.0.1:{port}/endless", CONTROL, gate_for(port), False)
        took = time.monotonic() - started
    assert outcome.status == "refuted", outcome.details
    assert f"at least {http.MAX_BODY_BYTES:,} bytes (cut off at the {http.MAX_BODY_BYTES:,}-byte cap)" \
        in outcome.details
    assert took < http.REQUEST_DEADLINE


def test_a_trickling_body_is_cut_off_at_the_deadline() -> None:
    with hostile_http() as (port, _), bounded.new_client(False) as client:
        started = time.monotonic()
        reply = bounded.get(client, gate_for(port), f"http://127.0.0.1:{port}/trickle-body", cap=1 << 20,
                            seconds=1.0)
        took = time.monotonic() - started
    assert reply.status == 200
    assert reply.cut_off is not None and word(reply.cut_off, "en") == "cut off after 1.0 s"
    assert len(reply.body) < 10  # a byte every half second
    assert took < 10


def test_trickling_headers_end_in_a_cut_off_at_the_runs_budget() -> None:
    """The server never finishes its headers; the run's 1.5-second budget is the request's deadline."""
    with hostile_http() as (port, _):
        started = time.monotonic()
        outcome = http.check_unauthenticated(f"http://127.0.0.1:{port}/trickle-headers", CONTROL,
                                             gate_for(port, budget=1.5), False)
        took = time.monotonic() - started
    assert outcome.status == "inconclusive"
    assert outcome.details.startswith("cut off after 1.")
    assert outcome.details.endswith("s: the server had not begun its answer")
    assert took < 15


def test_tuf_metadata_larger_than_the_cap_is_not_read() -> None:
    with hostile_http() as (port, _):
        fetcher = ScopedFetcher(gate_for(port), False)
        try:
            with pytest.raises(DownloadError, match=f"cut off at the {MAX_BYTES:,}-byte cap"):
                fetcher.get(f"http://127.0.0.1:{port}/endless/1.root.json")
        finally:
            fetcher.close()


def test_a_trickled_tls_handshake_is_cut_off_not_called_a_refusal() -> None:
    with tls_trickle() as port:
        endpoint = target(f"tls://127.0.0.1:{port}", "tls")
        started = time.monotonic()
        outcome = tls.check_certificate(endpoint, gate_for(port, budget=1.5), None)
        assert time.monotonic() - started < 15
        assert outcome.status == "inconclusive"
        assert outcome.details.startswith(f"cut off: no complete TLS handshake from 127.0.0.1:{port} within 1.")
        # the versions check: the first handshake is cut off, then the budget is spent
        with pytest.raises(BudgetExhausted):
            tls.check_versions(endpoint, gate_for(port, budget=1.5))
        assert tls._try_version(endpoint, gate_for(port, budget=1.0), ssl.TLSVersion.TLSv1_2, None) == "timed out"


def test_a_verify_run_ends_within_its_budget_and_keeps_its_results(tmp_path: Path) -> None:
    """Two endpoints that never answer, a 2-second budget: the first is cut off, the second not run."""
    with hostile_http() as (port, paths):
        model = write_yaml(tmp_path / "model.yaml", model_data([
            component("api", "user-app-backend",
                      {"url": f"http://127.0.0.1:{port}/trickle-headers/a", "protocol": "http", "protected": True},
                      {"url": f"http://127.0.0.1:{port}/trickle-body/b", "protocol": "http", "protected": True}),
        ]))
        scope = write_yaml(tmp_path / "scope.yaml", scope_data([port], budget=2))
        evidence = tmp_path / "evidence.json"
        started = time.monotonic()
        result = run_cli("verify", str(model), "--scope", str(scope), "--output", str(evidence), timeout=60)
        took = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert took < 30
    checks = json.loads(evidence.read_text(encoding="utf-8"))["checks"]
    assert [c["status"] for c in checks] == ["inconclusive", "inconclusive"]
    assert checks[0]["details"].startswith("cut off after ")
    assert checks[1]["details"] == "not run: the time budget of 2 s ran out"
    assert paths == ["/trickle-headers/a"]


def test_a_wildcard_session_keeps_only_canaries(broker_anonymous: int) -> None:
    """Subscribed to '#' on a busy broker, a session holds none of the other traffic in memory."""
    endpoint, gate = target(f"mqtt://127.0.0.1:{broker_anonymous}", "mqtt"), gate_for(broker_anonymous)
    spy, talker = mqtt.Session(endpoint, gate, "spy-keeps-canaries"), mqtt.Session(endpoint, gate, "talker")
    try:
        spy.open()
        spy.subscribe("#")
        talker.open()
        for number in range(50):
            talker.publish(f"other/{number}", "x" * 10_000)
        token = mqtt.canary()
        talker.publish("devices/anyone", token)
        assert spy.wait_for(token, 5)
    finally:
        spy.close()
        talker.close()
    assert spy.received == {token}
