#!/usr/bin/env python3
"""Generate synthetic OWASP pytm threat-model scripts for benchmarking.

Vendored from the project's benchmark brief so that the pytm comparison runs from a clone;
the only change is one line split for the line-length limit.

Usage:
    python gen_pytm.py N [-o model_N.py] [--flows-per-element 2.0] [--seed 1] [--unique-data]

The generated script is a normal pytm model (``tm.process()`` at the end), so it
accepts every pytm CLI flag (--json FILE, --dfd, --report TPL, --list, ...).

If the environment variable PYTM_BENCH_PHASES=1 is set when running the
generated script, it does NOT call tm.process(); instead it times the phases
(build, check, resolve, json dump) itself and prints one JSON line to stderr,
e.g. {"n_elements": 50, "n_flows": 100, "build_s": ..., "check_s": ...,
      "resolve_s": ..., "json_s": ..., "findings": ...}

Element mix (deterministic for a given seed): Actor, ExternalEntity, Server,
Process, Lambda, Datastore, spread across ~N/10 trust boundaries (some nested).
About 2N dataflows with random protocols/ports/controls; ~25% are responses.
"""

import argparse
import random
import sys

KINDS = [
    ("Actor", 0.08),
    ("ExternalEntity", 0.12),  # e.g. IoT devices
    ("Server", 0.25),
    ("Process", 0.20),
    ("Lambda", 0.10),
    ("Datastore", 0.25),
]
ASSET_CONTROLS = [
    "isHardened", "sanitizesInput", "encodesOutput", "authorizesSource",
    "authenticatesSource", "hasAccessControl", "validatesInput",
    "checksInputBounds", "isEncryptedAtRest", "providesIntegrity",
    "handlesResourceConsumption", "isResilient", "implementsNonce",
    "usesParameterizedInput", "implementsPOLP",
]
FLOW_CONTROLS = ["isEncrypted", "authenticatesDestination", "checksDestinationRevocation"]
PROTOCOLS = [("HTTPS", 443), ("MQTT", 1883), ("MQTTS", 8883), ("CoAP", 5683),
             ("AMQP", 5671), ("gRPC", 50051), ("PostgreSQL", 5432), ("HTTP", 80)]
CLASSIFICATIONS = ["PUBLIC", "RESTRICTED", "SENSITIVE", "SECRET", "TOP_SECRET"]


def pick_kind(rng):
    r = rng.random()
    acc = 0.0
    for kind, w in KINDS:
        acc += w
        if r <= acc:
            return kind
    return KINDS[-1][0]


def generate(n, flows_per_element=2.0, seed=1, unique_data=False):
    rng = random.Random(seed)
    out = []
    w = out.append
    w("#!/usr/bin/env python3")
    w(f"# Synthetic pytm model: {n} elements, ~{int(n * flows_per_element)} dataflows, seed={seed}")
    w("import json, os, sys, time")
    w("_t0 = time.perf_counter()")
    w("from pytm import (TM, Actor, Boundary, Classification, Data, Dataflow, Datastore,")
    w("                  ExternalEntity, Lambda, Lifetime, Process, Server, TLSVersion)")
    w("_t_import = time.perf_counter()")
    w(f'tm = TM("synthetic-{n}", description="Synthetic IoT-cloud-like model with {n} elements")')
    w("tm.isOrdered = True")

    # Boundaries (~N/10, at least 2), ~1/3 nested in an earlier boundary
    nb = max(2, n // 10)
    w("B = []")
    for i in range(nb):
        w(f'B.append(Boundary("Boundary {i}"))')
        if i > 0 and rng.random() < 0.33:
            w(f"B[{i}].inBoundary = B[{rng.randrange(i)}]")

    # Data objects (~N/5, at least 3)
    nd = max(3, n // 5)
    w("D = []")
    for i in range(nd):
        cls = rng.choice(CLASSIFICATIONS)
        extra = ""
        r = rng.random()
        if r < 0.15:
            life = rng.choice(["SHORT", "LONG", "HARDCODED", "UNKNOWN"])
            extra = ", isCredentials=True, credentialsLife=Lifetime." + life
        elif r < 0.30:
            extra = ", isPII=True"
        if rng.random() < 0.3:
            extra += ", isStored=True"
        w(f'D.append(Data("Data {i}", classification=Classification.{cls}{extra}))')

    # Elements
    w("E = []")
    for i in range(n):
        kind = pick_kind(rng)
        w(f'e = {kind}("{kind} {i}")')
        w(f"e.inBoundary = B[{rng.randrange(nb)}]")
        if kind != "Actor":
            for c in ASSET_CONTROLS:
                if rng.random() < 0.5:
                    w(f"e.controls.{c} = True")
        if kind == "ExternalEntity" and rng.random() < 0.5:
            w("e.hasPhysicalAccess = True")
        if kind in ("Server", "Process", "Lambda") and rng.random() < 0.3:
            w("e.usesEnvironmentVariables = True")
        if kind == "Server" and rng.random() < 0.4:
            w("e.usesSessionTokens = True")
        if kind == "Datastore" and rng.random() < 0.4:
            w("e.storesPII = True")
        w("E.append(e)")

    # Dataflows
    nf = int(n * flows_per_element)
    w("F = []")
    for i in range(nf):
        s = rng.randrange(n)
        t = rng.randrange(n - 1)
        if t >= s:
            t += 1
        proto, port = rng.choice(PROTOCOLS)
        w(f'f = Dataflow(E[{s}], E[{t}], "Flow {i}")')
        w(f'f.protocol = "{proto}"')
        w(f"f.dstPort = {port}")
        for c in FLOW_CONTROLS:
            if rng.random() < 0.5:
                w(f"f.controls.{c} = True")
        if rng.random() < 0.5:
            w(f"f.tlsVersion = TLSVersion.{rng.choice(['TLSv12', 'TLSv13', 'TLSv10'])}")
        k = rng.randint(0, 2)
        if k and unique_data:
            # one fresh Data object per flow (works around pytm 1.4.0 --report crash
            # when the same Data object is carried by several flows)
            w(f'f.data = [Data("Flow {i} payload", classification=Classification.{rng.choice(CLASSIFICATIONS)})]')
        elif k:
            w("f.data = [" + ", ".join(f"D[{d}]" for d in rng.sample(range(nd), k)) + "]")
        if i > 0 and rng.random() < 0.25:
            w(f"f.responseTo = F[{rng.randrange(i)}]")
        w("F.append(f)")

    w("_t_build = time.perf_counter()")
    w('if os.environ.get("PYTM_BENCH_PHASES") == "1":')
    w("    tm.check(); _t_check = time.perf_counter()")
    w("    tm.resolve(); _t_resolve = time.perf_counter()")
    w("    from pytm.pytm import to_serializable")
    w('    with open(os.environ.get("PYTM_BENCH_JSON", os.devnull), "w") as fh:')
    w("        json.dump(tm, fh, default=to_serializable)")
    w("    _t_json = time.perf_counter()")
    w(f'    sys.stderr.write(json.dumps({{"n_elements": {n}, "n_flows": {nf}, "import_s": round(_t_import-_t0, 3),'
      ' "build_s": round(_t_build-_t_import, 3), "check_s": round(_t_check-_t_build, 3),'
      ' "resolve_s": round(_t_resolve-_t_check, 3), "json_s": round(_t_json-_t_resolve, 3),'
      ' "findings": len(tm.findings)}) + "\\n")')
    w("else:")
    w("    tm.process()")
    return "\n".join(out) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int, help="number of elements (excluding boundaries, data, flows)")
    ap.add_argument("-o", "--output", help="output file (default: stdout)")
    ap.add_argument("--flows-per-element", type=float, default=2.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--unique-data", action="store_true",
                    help="give each flow its own Data object (needed for --report on pytm 1.4.0)")
    a = ap.parse_args(argv)
    src = generate(a.n, a.flows_per_element, a.seed, a.unique_data)
    if a.output:
        with open(a.output, "w") as fh:
            fh.write(src)
    else:
        sys.stdout.write(src)


if __name__ == "__main__":
    main()
