#!/usr/bin/env python3
"""Write a synthetic fleetrisk model of N components and about 2N flows, for benchmarks.

Usage: python benchmarks/gen_model.py N [-o model.yaml] [--seed 1]

The mix is deterministic for a seed: fleets of varied size and identity, components of
every kind spread over zones, signing keys of mixed custody, data sets in stores, flows
between fleets and components, and some declared controls.

``--shape layered`` (the default) draws flows the way services are built: operator and
partner planes call control services, control services call the delivery tier, devices and
the delivery tier send data to ingestion and stores, and stores answer back (a store drives
nothing). ``--shape random`` draws every flow between two random ends in a random direction:
with reach followed through any number of hops, about two thirds of the components then
form one ring that drives every fleet, a worst case no real service has.
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


#: Tiers of the layered shape: flows that make components act go from a lower tier to a higher.
TIERS: dict[str, int] = {
    **dict.fromkeys(("admin-console", "support-tooling", "partner-api", "user-app-backend", "build-pipeline",
                     "identity-provider", "remote-access"), 0),
    **dict.fromkeys(("command-service", "config-service", "content-feed", "script-store", "signing-service",
                     "device-registry", "provisioning", "artifact-store"), 1),
    **dict.fromkeys(("ota-service", "device-gateway", "media-relay"), 2),
    **dict.fromkeys(("ingestion", "data-store", "analytics", "external-dependency"), 3),
}


def generate(n: int, seed: int = 1, shape: str = "layered") -> str:
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
    pairs = _random_flows(rng, n, components, fleets) if shape == "random" else \
        _layered_flows(rng, n, components, kinds, fleets)
    for i, (src, dst) in enumerate(pairs):
        lines.append(f"  - {{id: l{i}, from: {src}, to: {dst}, protocol: mqtt, "
                     f"encryption: {rng.choice(['none', 'tls', 'mtls'])}}}")
    return "\n".join(lines) + "\n"


def _random_flows(rng: random.Random, n: int, components: list[str], fleets: int) -> list[tuple[str, str]]:
    ends = components + [f"f{i}" for i in range(fleets)]
    return [tuple(rng.sample(ends, 2)) for _ in range(2 * n)]  # type: ignore[misc]


def _layered_flows(
    rng: random.Random, n: int, components: list[str], kinds: list[str], fleets: int
) -> list[tuple[str, str]]:
    """2N flows: 40% calls down the tiers, 30% device and delivery data into tier 3, 20% answers
    from data stores back up, 10% between fleets and the delivery tier."""
    tier: dict[int, list[str]] = {t: [] for t in range(4)}
    for cid, kind in zip(components, kinds, strict=True):
        tier[TIERS[kind]].append(cid)
    fleet_ids = [f"f{i}" for i in range(fleets)]
    stores = [c for c, k in zip(components, kinds, strict=True) if k == "data-store"]
    pairs: list[tuple[str, str]] = []
    for _ in range(2 * n):
        roll = rng.random()
        if roll < 0.4:
            low = rng.choice((0, 0, 1))
            high = rng.randint(low + 1, 2)
            pairs.append((rng.choice(tier[low]), rng.choice(tier[high])))
        elif roll < 0.7:
            pairs.append((rng.choice(tier[2] + fleet_ids), rng.choice(tier[3])))
        elif roll < 0.9:
            pairs.append((rng.choice(stores), rng.choice(tier[0] + tier[1])))
        else:
            gateway, fleet = rng.choice(tier[2]), rng.choice(fleet_ids)
            pairs.append((gateway, fleet) if rng.random() < 0.5 else (fleet, gateway))
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("-o", "--output")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shape", choices=("layered", "random"), default="layered")
    args = parser.parse_args()
    text = generate(args.n, args.seed, args.shape)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
