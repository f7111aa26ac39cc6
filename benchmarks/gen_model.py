#!/usr/bin/env python3
"""Write a synthetic fleetrisk model of N components and about 2N flows, for benchmarks.

Usage: python benchmarks/gen_model.py N [-o model.yaml] [--seed 1]

The mix is deterministic for a seed: fleets of varied size and identity, components of
every kind spread over zones, signing keys of mixed custody, data sets in stores, flows
between fleets and components, and some declared controls.
"""

from __future__ import annotations

import argparse
import random
import sys
import typing

from fleetrisk.model.schema import ComponentKind

KINDS: tuple[str, ...] = typing.get_args(ComponentKind)
IDENTITIES = ("per-device-certificate", "per-device-secret", "shared-secret", "identifier-only")
CUSTODY = ("online-file", "cloud-kms", "online-hsm", "offline-hsm")
VERIFY = ("none", "transport", "signature")
CONTROLS = ("ddos-protection", "device-rate-limiting", "object-level-authorization", "encryption-at-rest")


def generate(n: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    fleets = max(2, n // 100)
    zones = max(2, n // 500)
    lines = [
        "fleetrisk: 1",
        f"service: {{name: synthetic-{n}, types: [telemetry, remote-control, software-distribution]}}",
        "zones:",
    ]
    lines += [f"  - {{id: z{i}, trust: {rng.choice(['production', 'dmz', 'corporate'])}}}" for i in range(zones)]
    components = [f"c{i}" for i in range(n)]
    kinds = [KINDS[i % len(KINDS)] for i in range(n)]
    ota = [c for c, k in zip(components, kinds, strict=True) if k in ("ota-service", "script-store", "command-service")]
    keys = max(2, n // 200)
    lines.append("fleets:")
    for i in range(fleets):
        lines.append(f"  - id: f{i}")
        lines.append(f"    devices: {rng.randint(100, 2_000_000)}")
        lines.append(f"    safety: {rng.choice(['none', 'low', 'moderate', 'high'])}")
        lines.append(f"    offline_behaviour: {rng.choice(['keeps-working', 'degraded', 'fails'])}")
        lines.append(f"    identity: {{kind: {rng.choice(IDENTITIES)}, revocable: {rng.choice(['true', 'false'])}}}")
        lines.append("    accepts:")
        for _ in range(3):
            verify = rng.choice(VERIFY)
            key = f", key: k{rng.randrange(keys)}" if verify == "signature" else ""
            lines.append(f"      - {{input: {rng.choice(['firmware', 'script', 'command', 'config'])}, "
                         f"from: {rng.choice(ota)}, verification: {verify}{key}, use: acts}}")
    lines.append("components:")
    for i, (cid, kind) in enumerate(zip(components, kinds, strict=True)):
        extra = ""
        if kind == "external-dependency":
            extra = f", dependency: {{kind: dns, redundancy: {rng.choice(['single', 'multi'])}}}"
        exposure = rng.choice(["[internet]", "[devices]", "[internal]", "[partners]"])
        auth = rng.choice(["none", "password", "token", "mtls"])
        authz = rng.choice(["per-object", "per-tenant", "global", "identifier-only"])
        ctl = f", controls: {{{rng.choice(CONTROLS)}: implemented}}" if i % 3 == 0 else ""
        lines.append(f"  - {{id: {cid}, kind: {kind}, zone: z{rng.randrange(zones)}, exposure: {exposure}, "
                     f"auth: {auth}, authorization: {authz}, rate_limited: {rng.choice(['true', 'false'])}"
                     f"{extra}{ctl}}}")
    lines.append("keys:")
    for i in range(keys):
        lines.append(f"  - {{id: k{i}, holder: {rng.choice(ota)}, custody: {rng.choice(CUSTODY)}, "
                     f"signs: [firmware, script]}}")
    stores = [c for c, k in zip(components, kinds, strict=True) if k in ("data-store", "analytics")]
    lines.append("data:")
    for i in range(max(2, n // 50)):
        lines.append(f"  - {{id: d{i}, kind: {rng.choice(['telemetry', 'personal', 'location'])}, "
                     f"records: {rng.randint(1000, 50_000_000)}, stored_in: [{rng.choice(stores)}]}}")
    lines.append("flows:")
    ends = components + [f"f{i}" for i in range(fleets)]
    for i in range(2 * n):
        src, dst = rng.sample(ends, 2)
        lines.append(f"  - {{id: l{i}, from: {src}, to: {dst}, protocol: mqtt, "
                     f"encryption: {rng.choice(['none', 'tls', 'mtls'])}}}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("-o", "--output")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    text = generate(args.n, args.seed)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
