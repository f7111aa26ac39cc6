"""Credentials in URLs and secrets-file values never reach messages, evidence or reports."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import run_cli
from fleetrisk.errors import ModelValidationError
from fleetrisk.messages import Text
from fleetrisk.probes.outcome import Outcome
from fleetrisk.probes.plan import Plan, Probe
from fleetrisk.probes.runner import run_plan
from fleetrisk.probes.scope import Gate
from fleetrisk.probes.secrets import load_secrets
from fleetrisk.redact import hide, redact
from fleetrisk.textsafe import UNSAFE
from probes.deployment import component, model_data, scope_data, secrets_data, write_yaml
from probes.helpers import gate_for
from probes.hostile_servers import hostile_http


@pytest.mark.parametrize(("url", "shown"), [
    ("https://api.example/v1?api_key=abc123&v=2", "https://api.example/v1?api_key=REDACTED&v=2"),
    ("https://user:pa55@api.example:8443/x", "https://REDACTED@api.example:8443/x"),
    ("http://h/x?Token=t&X-Amz-Signature=s&X-Amz-Credential=c&page=3",
     "http://h/x?Token=REDACTED&X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED&page=3"),
    ("https://h/cb#access_token=t1&state=ok", "https://h/cb#access_token=REDACTED&state=ok"),
    ("https://h/x?pass%77ord=p&sig=&key=k", "https://h/x?pass%77ord=REDACTED&sig=&key=REDACTED"),
    ("redirected (HTTP 302) to /login?session=s1; not followed",
     "redirected (HTTP 302) to /login?session=REDACTED; not followed"),
    ("mqtts://broker.example:8883", "mqtts://broker.example:8883"),
    ("https://user:p@ss@host/x", "https://REDACTED@host/x"),  # a password may hold '@': cut at the last
    ("subscribed to '#' and read 'devices/b'", "subscribed to '#' and read 'devices/b'"),
])
def test_redact(url: str, shown: str) -> None:
    assert redact(url) == shown
    assert redact(shown) == shown


def test_hide_replaces_known_values_longest_first() -> None:
    assert hide("Bearer tok-123 then tok-123", ["tok-123", "Bearer tok-123", ""]) == "REDACTED then REDACTED"


def test_the_runner_keeps_secrets_file_values_out_of_the_details() -> None:
    """A library error that quotes a header value (h11 does, for an illegal one) is stamped without it."""
    def leaky(_gate: Gate) -> list[Outcome]:
        return [Outcome("http.x", "y", "inconclusive",
                        Text.of("check.request_failed", error="Illegal header value b'Bearer s3cret-v4lue'"))]

    plan = Plan(probes=[Probe("GET", (("http.x", "y"),), "safe", "api", "http://127.0.0.1:1/x?token=t0ken",
                              (("127.0.0.1", 1),), leaky)], hidden=("s3cret-v4lue",))
    checks = run_plan(plan, gate_for(1), clock=lambda: dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert checks[0].details == "request failed: Illegal header value b'Bearer REDACTED'"
    assert checks[0].target == "http://127.0.0.1:1/x?token=REDACTED"


def test_secrets_file_errors_do_not_echo_values(tmp_path: Path) -> None:
    misplaced = secrets_data()
    misplaced["trust"] = {"ca_file": "hunter2-the-password"}  # a value in the wrong key
    with pytest.raises(ModelValidationError) as caught:
        load_secrets(write_yaml(tmp_path / "secrets.yaml", misplaced))
    assert "file not found" in caught.value.render()
    assert "hunter2" not in caught.value.render()
    header = secrets_data(api="http://127.0.0.1:1")
    header["users"][0]["headers"] = {"Authorization": "Bearer sneaky-value\r\nX-Injected: 1"}
    with pytest.raises(ModelValidationError) as caught:
        load_secrets(write_yaml(tmp_path / "header.yaml", header))
    assert "header 'Authorization' holds a line break" in caught.value.render()
    assert "sneaky" not in caught.value.render()


def test_no_secret_reaches_the_evidence_or_any_report(tmp_path: Path) -> None:
    """A probed endpoint with ?token=, an object URL with ?sig=, a bearer header and a server that
    redirects to a Location with a token and markup in it: verify, then assess in every format."""
    with hostile_http() as (port, paths):
        base = f"http://127.0.0.1:{port}"
        model = write_yaml(tmp_path / "model.yaml", model_data([
            component("api", "user-app-backend",
                      {"url": f"{base}/ok?token=SECRET-MODEL&v=1", "protocol": "http", "protected": True}),
            component("console", "admin-console",
                      {"url": f"http://REDACT-USER:SECRET-PW@127.0.0.1:{port}/redirect", "protocol": "http",
                       "protected": True}),
        ]))
        secrets = secrets_data()
        secrets["users"] = [
            {"name": "tenant-a", "headers": {"Authorization": "Bearer SECRET-HEADER-A"},
             "object_url": f"{base}/ok/1?sig=SECRET-SIG-A"},
            {"name": "tenant-b", "headers": {"Authorization": "Bearer SECRET-HEADER-B"},
             "object_url": f"{base}/ok/2?sig=SECRET-SIG-B"},
        ]
        scope = write_yaml(tmp_path / "scope.yaml", scope_data([port], burst=3))
        refused = run_cli("verify", str(model), "--scope", str(scope), "--dry-run")
        assert refused.returncode == 2  # credentials in a model URL are refused, without echoing them
        assert "credentials do not belong in a model URL" in refused.stderr
        assert "SECRET" not in refused.stdout + refused.stderr

        model = write_yaml(tmp_path / "model.yaml", model_data([
            component("api", "user-app-backend",
                      {"url": f"{base}/ok?token=SECRET-MODEL&v=1", "protocol": "http", "protected": True}),
            component("console", "admin-console",
                      {"url": f"{base}/redirect?api_key=SECRET-KEY", "protocol": "http", "protected": True}),
        ]))
        evidence = tmp_path / "evidence.json"
        result = run_cli("verify", str(model), "--scope", str(scope), "--secrets",
                         str(write_yaml(tmp_path / "secrets.yaml", secrets)), "--intrusive", "--output",
                         str(evidence), env={"COLUMNS": "250"})
    assert result.returncode == 0, result.stderr
    assert "/redirect?api_key=SECRET-KEY" in paths and "/ok/1?sig=SECRET-SIG-A" in paths  # the real URLs were used
    shown = result.stdout + result.stderr
    assert "SECRET" not in shown
    assert not UNSAFE.search(shown)
    assert "[/x][link=https://evil.example]x[/link]?token=REDACTED" in shown  # the Location, as text
    text = evidence.read_text(encoding="utf-8")
    assert "SECRET" not in text
    checks = json.loads(text)["checks"]
    by_check = {c["check"]: c for c in checks if c["element"] == "api"}
    assert by_check["http.unauthenticated-access"]["target"] == f"{base}/ok?token=REDACTED&v=1"
    assert by_check["http.unauthenticated-access"]["status"] == "refuted"
    assert by_check["http.object-level-authorization"]["target"] == f"{base}/ok/1?sig=REDACTED"

    reports = tmp_path / "reports"
    assessed = run_cli("assess", str(model), "--evidence", str(evidence), "--format", "md,json,html,sarif,csv",
                       "--output", str(reports))
    assert assessed.returncode == 0, assessed.stderr
    assert "SECRET" not in assessed.stdout + assessed.stderr
    for name in ("md", "json", "html", "sarif", "csv"):
        report = (reports / f"report.{name}").read_text(encoding="utf-8")
        assert "SECRET" not in report, name
    for name in ("json", "md"):  # the evidence is there, redacted
        assert f"{base}/ok/1?sig=REDACTED" in (reports / f"report.{name}").read_text(encoding="utf-8")
