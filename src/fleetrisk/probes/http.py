"""HTTP checks: protected endpoints without credentials, object-level authorisation between
two tenants, and one bounded burst to see whether a rate limit answers.

Redirects are never followed (a redirect could lead outside the scope). Every request has a
hard deadline and reads a capped, undecoded body (:mod:`fleetrisk.probes.bounded`): an endless
or trickling answer is cut off, and the check says so.
"""

from __future__ import annotations

import ssl
import time

import httpx

from fleetrisk.messages import Text
from fleetrisk.probes import bounded
from fleetrisk.probes.bounded import CutOff, Reply, new_client
from fleetrisk.probes.outcome import INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from fleetrisk.probes.scope import Gate
from fleetrisk.probes.secrets import UserIdentity
from fleetrisk.probes.targets import url_host_port

#: Longest a whole request may take (never past the run's budget).
REQUEST_DEADLINE = 15.0
#: Most body bytes read: a check needs the status and, at most, to know that content came back.
MAX_BODY_BYTES = 1024 * 1024
DENIED = frozenset({401, 403})
HIDDEN = frozenset({401, 403, 404})
LIMITED = frozenset({429, 503})


def _get(client: httpx.Client, gate: Gate, url: str, headers: dict[str, str] | None = None, *,
         admit: bool = True) -> Reply:
    return bounded.get(client, gate, url, headers, cap=MAX_BODY_BYTES, seconds=REQUEST_DEADLINE, admit=admit)


def check_unauthenticated(url: str, control: str, gate: Gate, verify: ssl.SSLContext | bool) -> Outcome:
    """A declared-protected endpoint must answer 401 or 403 to a request without credentials."""
    check = "http.unauthenticated-access"
    try:
        with new_client(verify) as client:
            reply = _get(client, gate, url)
    except CutOff as exc:
        return Outcome(check, control, INCONCLUSIVE, exc.text)
    except httpx.HTTPError as exc:
        return Outcome(check, control, INCONCLUSIVE, Text.of("check.request_failed", error=str(exc)))
    code = reply.status
    if code in DENIED:
        return Outcome(check, control, VERIFIED, Text.of("check.http_refused", code=code))
    if 200 <= code < 300:
        return Outcome(check, control, REFUTED, Text.of("check.http_served", code=code, size=reply.size))
    if 300 <= code < 400:
        return Outcome(check, control, INCONCLUSIVE,
                       Text.of("check.http_redirected", code=code, location=reply.headers.get("location", "?")))
    return Outcome(check, control, INCONCLUSIVE, Text.of("check.http_neither", code=code))


def check_object_access(users: tuple[UserIdentity, UserIdentity], gate: Gate, verify: ssl.SSLContext | bool) -> Outcome:
    """Each tenant reads its own object (must work), then the other's (must not)."""
    check, control = "http.object-level-authorization", "object-level-authorization"
    a, b = users
    try:
        with new_client(verify) as client:
            own = {u.name: _get(client, gate, u.object_url, u.headers).status for u in users}
            cross = {
                (reader.name, owner.name): _get(client, gate, owner.object_url, reader.headers).status
                for reader, owner in ((a, b), (b, a))
            }
    except CutOff as exc:
        return Outcome(check, control, INCONCLUSIVE, exc.text)
    except httpx.HTTPError as exc:
        return Outcome(check, control, INCONCLUSIVE, Text.of("check.request_failed", error=str(exc)))
    broken = [name for name, code in own.items() if not 200 <= code < 300]
    if broken:
        return Outcome(check, control, INCONCLUSIVE,
                       Text.of("check.own_unreadable", answers=", ".join(f"{n} HTTP {own[n]}" for n in broken)))

    def answers(pairs: dict[tuple[str, str], int]) -> str:  # reader -> owner: the code, the same in any language
        return ", ".join(f"{r} \u2192 {o} HTTP {c}" for (r, o), c in pairs.items())

    leaks = {pair: code for pair, code in cross.items() if 200 <= code < 300}
    if leaks:
        return Outcome(check, control, REFUTED, Text.of("check.cross_read", answers=answers(leaks)))
    odd = {k: c for k, c in cross.items() if c not in HIDDEN}
    if odd:
        return Outcome(check, control, INCONCLUSIVE, Text.of("check.cross_odd", answers=answers(odd)))
    return Outcome(check, control, VERIFIED, Text.of("check.cross_refused", answers=answers(cross)))


def check_rate_limit(user: UserIdentity, gate: Gate, verify: ssl.SSLContext | bool) -> Outcome:
    """One bounded burst (size from the scope) with one identity; verified on HTTP 429 or 503."""
    check, control = "http.rate-limit-burst", "device-rate-limiting"
    host, port = url_host_port(user.object_url)
    size = gate.admit_burst(host, port)
    codes: list[int] = []
    started = time.monotonic()
    try:
        with new_client(verify) as client:
            for _ in range(size):
                codes.append(_get(client, gate, user.object_url, user.headers, admit=False).status)
                if codes[-1] in LIMITED:
                    break
    except (CutOff, httpx.HTTPError) as exc:
        why = exc.text if isinstance(exc, CutOff) else str(exc)
        return Outcome(check, control, INCONCLUSIVE, Text.of("check.request_n_failed", n=len(codes) + 1, error=why))
    seconds = f"{time.monotonic() - started:.1f}"
    if codes and codes[-1] in LIMITED:
        return Outcome(check, control, VERIFIED, Text.of("check.rate_limited", code=codes[-1], n=len(codes),
                                                         seconds=seconds))
    served = sum(1 for c in codes if 200 <= c < 300)
    if served == 0:
        return Outcome(check, control, INCONCLUSIVE,
                       Text.of("check.burst_unserved", codes=", ".join(map(str, sorted(set(codes))))))
    return Outcome(check, control, REFUTED, Text.of("check.burst_unlimited", n=len(codes), seconds=seconds,
                                                    user=user.name, served=served, size=size))
