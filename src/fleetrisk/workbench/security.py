"""What keeps the workbench to the person who started it.

- **A secret token** in the URL the server prints (as Jupyter does). The first request that
  carries it gets an HttpOnly, SameSite=Strict cookie and is sent on to the same page without
  the token, so the token does not stay in the address bar, the history or a Referer.
- **Host and Origin checks** against the address it listens on: a page from another site that
  rebinds its DNS name to 127.0.0.1 sends a foreign Host and is refused.
- **CSRF**: every change is a POST that carries a token derived from the secret, and whose
  Origin is the workbench itself.
- **Headers**: a strict Content-Security-Policy (scripts and styles only from the workbench,
  nothing inline, no frames), no caching, no referrer, no MIME sniffing.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"cache-control", b"no-store"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
_SAFE_METHODS = ("GET", "HEAD")


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) is this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def csrf_token(secret: str) -> str:
    """The value every form carries: derived from the secret, so it is never sent on its own."""
    return hmac.new(secret.encode(), b"fleetrisk-workbench-csrf", hashlib.sha256).hexdigest()


def csrf_ok(secret: str, sent: str | None) -> bool:
    return sent is not None and hmac.compare_digest(csrf_token(secret), sent)


class Guard:
    """ASGI middleware: refuses any request without the secret, from a foreign Host or Origin,
    or a change from outside the workbench; adds the security headers to every answer."""

    def __init__(self, app: ASGIApp, *, secret: str, hosts: list[str], port: int) -> None:
        self.app = app
        self.secret = secret
        self.port = port
        self.hosts = {f"{h}:{port}" for h in hosts}
        self.origins = {f"http://{h}" for h in self.hosts}
        self.cookie = f"fleetrisk-{port}"  # browsers share cookies across ports: one name per server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        origin = headers.get("origin")
        if origin == "null" and headers.get("sec-fetch-site") == "same-origin":
            # A browser sends "Origin: null" with a form POST from a page whose Referrer-Policy is
            # no-referrer (ours); Sec-Fetch-Site, which no page can set, says it came from here.
            # Any other "null" (a sandboxed frame, a data: page) stays a foreign Origin.
            origin = None
        if host not in self.hosts:
            await _refuse(send, 421, "This workbench answers only to the address it printed (Host header refused).")
            return
        if origin is not None and origin not in self.origins:
            await _refuse(send, 403, "A request from another site was refused (Origin header).")
            return
        if scope["method"] not in _SAFE_METHODS and origin is None and headers.get("sec-fetch-site") != "same-origin":
            await _refuse(send, 403, "A change must come from a workbench page (no Origin header).")
            return
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = [v for k, v in query if k == "token"]
        if given:
            if not hmac.compare_digest(given[0], self.secret):
                await _refuse(send, 403, "The token in the address is wrong. Open the address the server printed.")
                return
            rest = urlencode([(k, v) for k, v in query if k != "token"]).encode("ascii")
            path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
            await _redirect(send, path + (b"?" + rest if rest else b""), self.cookie, self.secret)
            return
        jar = SimpleCookie()
        try:
            jar.load(headers.get("cookie", ""))
        except Exception:  # a malformed cookie header is simply no cookie
            jar = SimpleCookie()
        held = jar.get(self.cookie)
        if held is None or not hmac.compare_digest(held.value, self.secret):
            await _refuse(send, 403, "Open the address with the token that 'fleetrisk serve' printed.")
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


async def _refuse(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *HEADERS]})
    await send({"type": "http.response.body", "body": body})


async def _redirect(send: Send, location: bytes, cookie: str, secret: str) -> None:
    value = f"{cookie}={secret}; Path=/; HttpOnly; SameSite=Strict"
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", location), (b"set-cookie", value.encode()),
                            (b"content-length", b"0"), *HEADERS]})
    await send({"type": "http.response.body", "body": b""})
