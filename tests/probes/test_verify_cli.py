"""fleetrisk verify end to end: real servers, the evidence file, and assess --evidence reading it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from conftest import run_cli
from probes.deployment import component, model_data, scope_data, secrets_data, write_yaml
from probes.pki import LoopbackCA
from probes.tufrepo import TufRepo


def port(url: str) -> int:
    return int(url.rstrip("/").rsplit(":", 1)[1])


def test_refuted_acl_reopens_the_finding_in_assess(tmp_path: Path, broker_anonymous: int) -> None:
    gateway = component("gateway", "device-gateway",
                        {"url": f"mqtt://127.0.0.1:{broker_anonymous}", "protocol": "mqtt"},
                        authorization="global", controls={"broker-topic-acl": "implemented"})
    model = write_yaml(tmp_path / "model.yaml", model_data([gateway]))
    scope = write_yaml(tmp_path / "scope.yaml", scope_data([broker_anonymous]))
    secrets = write_yaml(tmp_path / "secrets.yaml", secrets_data())
    finding = "T7.broker-acl-not-per-device@gateway"

    before = json.loads(run_cli("assess", str(model), "--format", "json").stdout)
    assert {f["id"]: f["status"] for f in before["findings"]}[finding] == "mitigated"

    evidence = tmp_path / "evidence.json"
    result = run_cli("verify", str(model), "--scope", str(scope), "--secrets", str(secrets), "--intrusive",
                     "--output", str(evidence))
    assert result.returncode == 0, result.stderr
    checks = json.loads(evidence.read_text())["checks"]
    statuses = {(c["check"], c["control"]): c["status"] for c in checks}
    assert statuses[("mqtt.cross-device-publish", "broker-topic-acl")] == "refuted"
    assert statuses[("mqtt.anonymous-connect", "per-device-identity")] == "refuted"
    assert all(c["element"] == "gateway" and c["timestamp"].endswith("Z") for c in checks)
    assert "pass-a" not in result.stdout + result.stderr + evidence.read_text()

    after = json.loads(run_cli("assess", str(model), "--format", "json", "--evidence", str(evidence)).stdout)
    reopened = {f["id"]: f for f in after["findings"]}[finding]
    assert reopened["status"] == "open"
    assert any(e["status"] == "refuted" and e["check"] == "mqtt.cross-device-publish" for e in reopened["evidence"])
    markdown = run_cli("assess", str(model), "--format", "md", "--evidence", str(evidence)).stdout
    assert re.search(r"Live evidence\*\*: `mqtt.cross-device-publish` \(`mqtts?://[^`]+`, [^)]+\) refuted: ", markdown)
    japanese = run_cli("assess", str(model), "--format", "md", "--lang", "ja", "--evidence", str(evidence)).stdout
    lines = [line for line in japanese.splitlines() if line.startswith("- **実地検証の結果**")]
    publish = next(line for line in lines if "mqtt.cross-device-publish" in line)
    assert "否定：" in publish and "カナリアを受信した" in publish and "received" not in publish
    wording = [re.sub(r"`[^`]*`|\bdev-[ab]\b|devices/dev-[ab]/data|PUBACK|CONNACK|Success|TLS|MQTT|HTTP", "", line)
               for line in lines]
    assert len(lines) >= 2 and not [w for w in wording if re.search(r"[A-Za-z]{3,}", w)], lines


def test_safe_tier_against_the_loopback_deployment(tmp_path: Path, broker_acl: int, broker_tls: int,
                                                   pki: LoopbackCA, api_flawed: str,
                                                   tuf_repo: tuple[TufRepo, str]) -> None:
    repo, tuf_url = tuf_repo
    root = tmp_path / "root.json"
    root.write_bytes(repo.publish())
    model = write_yaml(tmp_path / "model.yaml", model_data([
        component("gateway", "device-gateway",
                  {"url": f"mqtt://127.0.0.1:{broker_acl}", "protocol": "mqtt"},
                  {"url": f"mqtts://127.0.0.1:{broker_tls}", "protocol": "mqtts"}),
        component("app-api", "user-app-backend", {"url": f"{api_flawed}/api/things", "protocol": "http",
                                                  "protected": True}),
        component("ota", "ota-service", {"url": tuf_url, "protocol": "tuf"}),
    ], ota="ota"))
    scope = write_yaml(tmp_path / "scope.yaml",
                       scope_data([broker_acl, broker_tls, port(api_flawed), port(tuf_url)]))
    secrets = write_yaml(tmp_path / "secrets.yaml", secrets_data(ca_file=pki.ca_file, tuf_root=root))
    result = run_cli("verify", str(model), "--scope", str(scope), "--secrets", str(secrets), "--format", "json")
    assert result.returncode == 0, result.stderr
    checks = json.loads(result.stdout)["checks"]
    got = {(c["element"], c["check"]): c["status"] for c in checks}
    assert got == {
        ("gateway", "mqtt.anonymous-connect"): "verified",
        ("gateway", "tls.protocol-versions"): "verified",
        ("gateway", "tls.certificate"): "verified",
        ("app-api", "http.unauthenticated-access"): "refuted",
        ("ota", "tuf.signature-thresholds"): "verified",
        ("ota", "tuf.root-threshold"): "verified",
        ("ota", "tuf.shared-keys"): "verified",
        ("ota", "tuf.expiry"): "verified",
    }
    assert {c["tier"] for c in checks} == {"safe", "static"}
    tuf = next(c for c in checks if c["check"] == "tuf.expiry")
    assert tuf["applies_to"] == ["washers", "release"]
    assert "needs --intrusive" in result.stderr  # the intrusive checks were named, not run


def test_time_budget_leaves_remaining_checks_inconclusive(tmp_path: Path, broker_acl: int) -> None:
    endpoints = [{"url": f"mqtt://127.0.0.1:{broker_acl}/{i}", "protocol": "mqtt"} for i in range(4)]
    model = write_yaml(tmp_path / "model.yaml", model_data([component("gateway", "device-gateway", *endpoints)]))
    scope = write_yaml(tmp_path / "scope.yaml", scope_data([broker_acl], budget=1, rate=1))
    result = run_cli("verify", str(model), "--scope", str(scope), "--format", "json")
    assert result.returncode == 0, result.stderr
    statuses = [c["status"] for c in json.loads(result.stdout)["checks"]]
    assert statuses[0] == "verified"
    assert "inconclusive" in statuses[1:]
    assert all("time budget" in c["details"] for c in json.loads(result.stdout)["checks"]
               if c["status"] == "inconclusive")


def test_bad_endpoint_url_names_the_model_line(tmp_path: Path) -> None:
    model = write_yaml(tmp_path / "model.yaml", model_data([
        component("gateway", "device-gateway", {"url": "http://127.0.0.1:1883", "protocol": "mqtt"})]))
    scope = write_yaml(tmp_path / "scope.yaml", scope_data([1883]))
    result = run_cli("verify", str(model), "--scope", str(scope))
    assert result.returncode == 2
    assert f"{model}:" in result.stderr and "protocol mqtt needs a mqtt:// URL" in result.stderr


def _assess_around_verify(tmp_path: Path, model: Path, scope: Path, secrets: Path) -> tuple[Any, Any]:
    """The JSON report before live checks, and after ``verify --intrusive`` with its evidence."""
    before = json.loads(run_cli("assess", str(model), "--format", "json").stdout)
    evidence = tmp_path / "evidence.json"
    result = run_cli("verify", str(model), "--scope", str(scope), "--secrets", str(secrets), "--intrusive",
                     "--output", str(evidence))
    assert result.returncode == 0, result.stderr
    after = json.loads(run_cli("assess", str(model), "--format", "json", "--evidence", str(evidence)).stdout)
    return before, after


def test_live_evidence_overrules_a_model_that_claims_too_much(tmp_path: Path, broker_anonymous: int) -> None:
    gateway = component("gateway", "device-gateway",
                        {"url": f"mqtt://127.0.0.1:{broker_anonymous}", "protocol": "mqtt"},
                        auth="mtls", authorization="per-device")
    model = write_yaml(tmp_path / "model.yaml", model_data([gateway]))
    scope = write_yaml(tmp_path / "scope.yaml", scope_data([broker_anonymous]))
    secrets = write_yaml(tmp_path / "secrets.yaml", secrets_data())
    finding = "T7.broker-acl-not-per-device@gateway"

    before, after = _assess_around_verify(tmp_path, model, scope, secrets)
    assert finding not in {f["id"] for f in before["findings"]}, "the model claims per-device topic ACLs"
    surfaced = {f["id"]: f for f in after["findings"]}[finding]
    assert surfaced["status"] == "open"
    assert any(r["observed"] and r["check"].startswith("mqtt.") and (r["name"], r["value"], r["stated"])
               == ("authorization", "global", "per-device") for r in surfaced["reasons"] if r.get("observed"))
    assert {e["check"] for e in surfaced["evidence"]} & {"mqtt.wildcard-subscribe", "mqtt.cross-device-publish"}


def test_after_intrusive_checks_the_flawed_api_has_an_open_high_finding(tmp_path: Path, api_flawed: str) -> None:
    """The loopback deployment's promise: what verify refutes, assess then reports at its full risk."""
    data = model_data([
        component("app-api", "user-app-backend", {"url": f"{api_flawed}/api/things", "protocol": "http",
                                                  "protected": True},
                  auth="token", authorization="per-object", rate_limited=True, depends_on=["things-db"],
                  controls={"object-level-authorization": "implemented", "device-rate-limiting": "implemented"}),
        {"id": "things-db", "kind": "data-store", "exposure": ["internal"], "auth": "password",
         "encryption_at_rest": True},
    ])
    data["data"] = [{"id": "things", "kind": "location", "records": 100_000, "stored_in": ["things-db"]}]
    model = write_yaml(tmp_path / "model.yaml", data)
    scope = write_yaml(tmp_path / "scope.yaml", scope_data([port(api_flawed)]))
    secrets = write_yaml(tmp_path / "secrets.yaml", secrets_data(api=api_flawed))
    finding = "T4.identifier-authorised-data-api@app-api"

    before, after = _assess_around_verify(tmp_path, model, scope, secrets)
    assert finding not in {f["id"] for f in before["findings"] if f["status"] == "open"}
    opened = {f["id"]: f for f in after["findings"]}[finding]
    assert opened["status"] == "open" and opened["risk"]["band"] in ("high", "critical")
    assert {e["check"] for e in opened["evidence"]} & {"http.object-level-authorization", "http.unauthenticated-access"}


def test_evidence_replaces_evidence_but_the_model_only_with_force(tmp_path: Path, broker_anonymous: int) -> None:
    gateway = component("gateway", "device-gateway",
                        {"url": f"mqtt://127.0.0.1:{broker_anonymous}", "protocol": "mqtt"})
    model = write_yaml(tmp_path / "model.yaml", model_data([gateway]))
    scope = write_yaml(tmp_path / "scope.yaml", scope_data([broker_anonymous]))
    text = model.read_bytes()
    refused = run_cli("verify", str(model), "--scope", str(scope), "--output", str(model))
    assert refused.returncode == 2
    assert f"{model} is the model this command reads: writing it would replace it" in refused.stderr
    assert model.read_bytes() == text

    evidence = tmp_path / "evidence.json"
    for _ in range(2):  # the second run replaces the first run's evidence without --force
        result = run_cli("verify", str(model), "--scope", str(scope), "--output", str(evidence))
        assert result.returncode == 0, result.stderr
        assert json.loads(evidence.read_text())["checks"]

    forced = run_cli("verify", str(model), "--scope", str(scope), "--output", str(model), "--force")
    assert forced.returncode == 0, forced.stderr
    assert json.loads(model.read_text())["fleetrisk_evidence"] == 1
