"""Secrets out of messages, evidence and reports.

An endpoint URL in a model, an object URL in a secrets file or a ``Location`` a probed server
sends back can carry a credential: an API key in the query (``?api_key=...``, ``token=``,
``sig=``), a session in the fragment (``#access_token=...``) or a password in the userinfo
(``https://user:password@host/``). :func:`redact` replaces those values with ``REDACTED``
wherever URLs occur in a text, and leaves the rest of the text as it was:

- userinfo (``user:password@``) in an absolute URL, whole;
- the value of a query or fragment parameter whose name contains ``token``, ``key``,
  ``secret``, ``pass``, ``pwd``, ``sig``, ``auth``, ``session``, ``credential``, ``jwt``,
  ``cookie``, ``code``, ``otp``, ``nonce`` or ``bearer`` (any case; percent-encoded names
  are decoded first). Other parameters stay, so the report still says what was probed.

It is the one place this is decided: the evidence model (:class:`fleetrisk.evidence.Check`)
applies it to every check's target and details, written or read, so no report shows more;
the probe planner applies it to what the terminal shows. :func:`hide` removes values known to
be secret (passwords, header values from the secrets file) from a message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

REDACTED = "REDACTED"

_SENSITIVE = re.compile(
    "token|key|secret|pass|pwd|sig|auth|session|credential|jwt|cookie|code|otp|nonce|bearer", re.IGNORECASE)
#: scheme://userinfo@ : the userinfo is everything up to the last '@' before the host (a password may hold '@').
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/?#\s'\"<>]+)@")
#: ?name=value, &name=value, ;name=value or #name=value, anywhere in a text.
_PARAMETER = re.compile(r"(?P<lead>[?&;#](?P<name>[^=&;#?\s'\"<>]+)=)(?P<value>[^&;#\s'\"<>]*)")


def _parameter(match: re.Match[str]) -> str:
    if _SENSITIVE.search(unquote(match.group("name"))) is None or not match.group("value"):
        return match.group()
    return match.group("lead") + REDACTED


def redact(text: str) -> str:
    """``text`` (a URL, or a message holding URLs) with credentials in URLs replaced by ``REDACTED``."""
    if "@" in text:
        text = _USERINFO.sub(lambda m: f"{m.group('scheme')}{REDACTED}@", text)
    if "=" in text:
        text = _PARAMETER.sub(_parameter, text)
    return text


def hide(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each of ``secrets`` replaced by ``REDACTED`` (longest first)."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text
