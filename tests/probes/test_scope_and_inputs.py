"""Scope, secrets and the gate: refusals before any packet, rates, budget, strict input files."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from fleetrisk.errors import ModelValidationError
from fleetrisk.probes.scope import BudgetExhausted, Gate, ScopeError, load_scope
from fleetrisk.probes.secrets import load_secrets
from probes.deployment import component, model_data, scope_data, secrets_data, write_yaml
from probes.helpers import gate_for


@pytest.fixture
def silent_listener() -> Iterator[socket.socket]:
    """A loopback listener that records whether anything connected to it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    yield sock
    sock.close()


def connections(listener: socket.socket) -> int:
    count = 0
    while True:
        try:
            conn, _ = listener.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


def test_target_outside_scope_is_refused_before_any_packet(tmp_path: Path, silent_listener: socket.socket) -> None:
    port = silent_listener.getsockname()[1]
    model = write_yaml(tmp_path / "model.yaml", model_data([
        component("gateway", "device-gateway", {"url": f"mqtt://127.0.0.1:{port}", "protocol": "mqtt"})]))
    scope = write_yaml(tmp_path / "scope.yaml", scope_data([port + 1 if port < 65535 else port - 1]))
    result = run_cli("verify", str(model), "--scope", str(scope))
    assert result.returncode == 2
    assert f"127.0.0.1:{port}" in result.stderr
    assert "outside the scope" in result.stderr
    assert "Traceback" not in result.stderr
    assert connections(silent_listener) == 0


def test_dry_run_lists_actions_and_sends_nothing(tmp_path: Path, silent_listener: socket.socket) -> None:
    port = silent_listener.getsockname()[1]
    model = write_yaml(tmp_path / "model.yaml", model_data([
        component("gateway", "device-gateway", {"url": f"mqtts://127.0.0.1:{port}", "protocol": "mqtts"})]))
    scope = write_yaml(tmp_path / "scope.yaml", scope_data([port]))
    secrets = write_yaml(tmp_path / "secrets.yaml", secrets_data())
    result = run_cli("verify", str(model), "--scope", str(scope), "--secrets", str(secrets), "--intrusive",
                     "--dry-run", "--format", "json")
    assert result.returncode == 0, result.stderr
    import json

    plan = json.loads(result.stdout)
    checks = [c for action in plan["actions"] for c in action["checks"]]
    assert checks == ["tls.protocol-versions", "tls.certificate", "mqtt.anonymous-connect",
                      "mqtt.wildcard-subscribe", "mqtt.cross-device-publish"]
    assert {a["scope"] for a in plan["actions"]} == {"allowed"}
    assert connections(silent_listener) == 0


def test_nothing_is_in_scope_by_default(tmp_path: Path) -> None:
    scope = write_yaml(tmp_path / "scope.yaml", {"fleetrisk_scope": 1, "budget_seconds": 10})
    loaded = load_scope(scope)
    assert loaded.rule_for("127.0.0.1", 1883) is None
    with pytest.raises(ScopeError):
        Gate(loaded).admit("127.0.0.1", 1883)


def test_gate_spaces_connections_and_stops_at_the_budget() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    gate = gate_for(1883, budget=1.0)
    gate = Gate(gate.scope, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        gate.admit("127.0.0.1", 1883)  # 20 per second: 0.05 s apart
    assert slept == pytest.approx([0.05, 0.05])
    now[0] = 1.0
    with pytest.raises(BudgetExhausted):
        gate.admit("127.0.0.1", 1883)
    with pytest.raises(ScopeError):
        gate.admit("127.0.0.2", 1883)


def test_scope_typo_names_line_and_suggests(tmp_path: Path) -> None:
    path = tmp_path / "scope.yaml"
    path.write_text("fleetrisk_scope: 1\nbudget_seconds: 10\ntargets:\n  - host: 127.0.0.1\n    prots: [1883]\n")
    with pytest.raises(ModelValidationError) as caught:
        load_scope(path)
    text = caught.value.render()
    assert f"{path}:5:5" in text
    assert "did you mean 'ports'?" in text


def test_wildcard_hosts_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "scope.yaml"
    path.write_text("fleetrisk_scope: 1\nbudget_seconds: 10\ntargets:\n  - {host: '*.example.com', ports: [443]}\n")
    result = run_cli("verify", "src/fleetrisk/examples/smart-appliance-cloud.yaml", "--scope", str(path))
    assert result.returncode == 2
    assert f"{path}:4" in result.stderr
    assert "wildcards" in result.stderr


def test_secrets_need_two_identities_and_are_never_printed(tmp_path: Path) -> None:
    data = secrets_data()
    data["devices"] = data["devices"][:1]
    path = write_yaml(tmp_path / "secrets.yaml", data)
    with pytest.raises(ModelValidationError) as caught:
        load_secrets(path)
    assert f"{path}:2:" in caught.value.render()
    assert "exactly two" in caught.value.render()
    assert "pass-a" not in caught.value.render()
    good = load_secrets(write_yaml(tmp_path / "good.yaml", secrets_data()))
    assert "pass-a" not in repr(good.devices)


def test_missing_trust_file_is_an_input_error(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "secrets.yaml", secrets_data(ca_file=tmp_path / "nope.pem"))
    with pytest.raises(ModelValidationError) as caught:
        load_secrets(path)
    assert "file not found" in caught.value.render()


def test_verify_without_the_probe_clients_names_the_extra() -> None:
    code = ("import sys; sys.modules['httpx'] = None; "
            "sys.argv = ['fleetrisk', 'verify', 'model.yaml', '--scope', 'scope.yaml', '--dry-run']; "
            "from fleetrisk.__main__ import run; run()")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT / "examples" / "loopback-deployment",
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "needs the Python package 'httpx'" in result.stderr and "fleetrisk[probes]" in result.stderr


def test_nothing_to_probe_is_said_and_exits_2(tmp_path: Path, silent_listener: socket.socket) -> None:
    port = silent_listener.getsockname()[1]
    scope = write_yaml(tmp_path / "scope.yaml", scope_data([port]))
    bare = write_yaml(tmp_path / "bare.yaml", model_data([component("gateway", "device-gateway")]))
    for extra in ([], ["--dry-run"], ["--format", "json"]):
        result = run_cli("verify", str(bare), "--scope", str(scope), *extra)
        assert result.returncode == 2, result.stderr
        assert result.stdout == ""  # no empty table, no empty evidence
        assert f"{bare}: error[input]: nothing to verify: the model declares no endpoints" in result.stderr
    open_api = write_yaml(tmp_path / "open.yaml", model_data([
        component("api", "user-app-backend", {"url": f"http://127.0.0.1:{port}/v1", "protocol": "http"})]))
    result = run_cli("verify", str(open_api), "--scope", str(scope))
    assert result.returncode == 2
    assert "nothing to verify: no check applies to the model's 1 endpoint(s)" in result.stderr
    assert "protected: true" in result.stderr
    assert connections(silent_listener) == 0
