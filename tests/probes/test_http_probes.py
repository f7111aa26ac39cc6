"""HTTP checks against a FastAPI app with an object-level authorisation flaw, and its fixed twin."""

from __future__ import annotations

from fleetrisk.probes import http
from fleetrisk.probes.secrets import UserIdentity
from probes.helpers import gate_for


def users(api: str) -> tuple[UserIdentity, UserIdentity]:
    a, b = (UserIdentity(name=f"tenant-{x}", headers={"Authorization": f"Bearer token-{x}"},
                         object_url=f"{api}/api/things/{n}") for x, n in (("a", 1), ("b", 2)))
    return a, b


def port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def test_protected_endpoint_answering_without_credentials_is_refuted(api_flawed: str) -> None:
    outcome = http.check_unauthenticated(f"{api_flawed}/api/things", "object-level-authorization",
                                         gate_for(port(api_flawed)), False)
    assert outcome.status == "refuted", outcome.details
    assert "HTTP 200" in outcome.details


def test_protected_endpoint_refusing_anonymous_requests_is_verified(api_fixed: str) -> None:
    outcome = http.check_unauthenticated(f"{api_fixed}/api/things", "object-level-authorization",
                                         gate_for(port(api_fixed)), False)
    assert outcome.status == "verified", outcome.details
    assert "HTTP 401" in outcome.details


def test_tenant_reading_the_other_tenants_object_is_refuted(api_flawed: str) -> None:
    outcome = http.check_object_access(users(api_flawed), gate_for(port(api_flawed)), True)
    assert (outcome.status, outcome.control) == ("refuted", "object-level-authorization"), outcome.details
    assert "tenant-a → tenant-b HTTP 200" in outcome.details


def test_ownership_check_is_verified(api_fixed: str) -> None:
    outcome = http.check_object_access(users(api_fixed), gate_for(port(api_fixed)), True)
    assert outcome.status == "verified", outcome.details


def test_credentials_that_do_not_work_are_inconclusive(api_fixed: str) -> None:
    a, b = users(api_fixed)
    broken = a.model_copy(update={"headers": {"Authorization": "Bearer nobody"}})
    outcome = http.check_object_access((broken, b), gate_for(port(api_fixed)), True)
    assert outcome.status == "inconclusive"
    assert "tenant-a HTTP 401" in outcome.details


def test_burst_without_any_429_is_refuted(api_flawed: str) -> None:
    outcome = http.check_rate_limit(users(api_flawed)[0], gate_for(port(api_flawed), burst=15), True)
    assert (outcome.status, outcome.control) == ("refuted", "device-rate-limiting"), outcome.details
    assert outcome.details.startswith("15 requests")


def test_burst_meeting_a_limit_is_verified(api_fixed: str) -> None:
    outcome = http.check_rate_limit(users(api_fixed)[0], gate_for(port(api_fixed), burst=15), True)
    assert outcome.status == "verified", outcome.details
    assert "after 11 requests" in outcome.details


def test_burst_is_bounded_by_the_scope(api_fixed: str) -> None:
    """A burst smaller than the service's limit sends exactly that many requests, then stops."""
    outcome = http.check_rate_limit(users(api_fixed)[0], gate_for(port(api_fixed), burst=5), True)
    assert outcome.status == "refuted"
    assert outcome.details.startswith("5 requests")
