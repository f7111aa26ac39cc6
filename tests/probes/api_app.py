"""A small device-owner API with a deliberate object-level authorisation flaw, and its fixed twin.

The flawed app serves any object to any authenticated tenant, lists objects without
credentials and has no rate limit. The fixed app checks ownership, requires credentials
everywhere and answers 429 past 10 requests per token in 10 seconds.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque

from fastapi import FastAPI, Header, HTTPException

TOKENS = {"token-a": "tenant-a", "token-b": "tenant-b"}
THINGS = {"1": ("tenant-a", "washer in Osaka"), "2": ("tenant-b", "vending machine in Kobe")}
LIMIT, WINDOW = 10, 10.0


def make_api(*, fixed: bool) -> FastAPI:
    app = FastAPI()
    recent: dict[str, deque[float]] = defaultdict(deque)

    def tenant(authorization: str | None) -> str:
        token = (authorization or "").removeprefix("Bearer ").strip()
        if token not in TOKENS:
            raise HTTPException(status_code=401, detail="credentials required")
        if fixed:
            calls = recent[token]
            now = time.monotonic()
            while calls and now - calls[0] > WINDOW:
                calls.popleft()
            if len(calls) >= LIMIT:
                raise HTTPException(status_code=429, detail="slow down")
            calls.append(now)
        return TOKENS[token]

    @app.get("/api/things")
    def list_things(authorization: str | None = Header(default=None)) -> list[str]:
        if fixed:
            who = tenant(authorization)
            return [k for k, (owner, _) in THINGS.items() if owner == who]
        return sorted(THINGS)

    @app.get("/api/things/{thing}")
    def read_thing(thing: str, authorization: str | None = Header(default=None)) -> dict[str, str]:
        who = tenant(authorization)
        if thing not in THINGS or (fixed and THINGS[thing][0] != who):
            raise HTTPException(status_code=404, detail="no such thing")
        return {"id": thing, "owner": THINGS[thing][0], "name": THINGS[thing][1]}

    return app
