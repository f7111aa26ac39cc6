"""Mutation fuzzing of the model reader: what `fleetrisk validate` does, in-process, on broken models.

Each case takes one bundled example (src/fleetrisk/examples/*.yaml) and applies one to three mutations:
byte flips, truncation, swapped keys, a value of another type, an inserted tag, an anchor
and alias (or a dangling or growing one), inserted control or line-break characters, a
duplicated, dropped or re-indented line. The case is read as the command line reads a model
(bytes, decoding, parsing, validation) and, when it is valid, assessed (validate does both).

An escape is any exception other than fleetrisk's own errors (FleetriskError): the command line
would print a traceback for it. A case over --slow seconds is counted as slow. Cases are
reproducible one by one: case i uses the generator seeded with "SEED:i".

Run: python benchmarks/fuzz_models.py 100000 --seed 1
     python benchmarks/fuzz_models.py 1 --seed 1 --start 4711 --show   # one case, its text and outcome
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from fleetrisk.cli._files import other_kind  # noqa: E402
from fleetrisk.engine.assess import assess  # noqa: E402
from fleetrisk.errors import FleetriskError  # noqa: E402
from fleetrisk.model.loader import from_document  # noqa: E402
from fleetrisk.model.yamlio import decode, parse  # noqa: E402

EXAMPLES = sorted((ROOT / "src" / "fleetrisk" / "examples").glob("*.yaml"))

VALUES = [
    b"true", b"false", b"null", b"~", b"", b"[]", b"{}", b"-1", b"0", b"1.5", b"-.5", b'"x"', b"''", b"yes",
    b"no", b"on", b"off", b"y", b"1:20", b"017", b"0o17", b"0x1F", b"0b1010", b"1_000", b"1e3", b".inf",
    b"-.inf", b".nan", b"9" * 5000, b"1" * 400 + b".5", b"2024-02-30", b"2027-03-31", b"2027-03-31T10:00:00Z",
    b"4102444800", b"<<", b"=", b"[1, [2, {a: b}]]", b"{id: x}", b"|\n  block\n", b">-\n  folded\n",
    b"x" * 12_000, b"\"\\x00\"", b"'\\u2028'", b"*nowhere", b"&a x", b"!!binary aGk=", b"1e400",
]
TAGS = [
    b"!!bool ", b"!!int ", b"!!float ", b"!!timestamp ", b"!!str ", b"!!null ", b"!!map ", b"!!seq ",
    b"!!binary ", b"!!set ", b"!!omap ", b"!foo ", b"! ", b"!!python/object:os.system ",
    b"!<tag:yaml.org,2002:int> ", b"!<tag:yaml.org,2002:timestamp> ", b"!!merge ", b"!!value ",
]
CONTROLS = [
    b"\x00", b"\x01", b"\x1b", b"\x7f", b"\t", b"\r", b"\r\n", b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9",
    b"\xef\xbb\xbf", b"\xff", b"\xc3", b"\xed\xa0\x80", b"\n", b"\f", b"\v",
]
KEY = re.compile(rb"^(\s*(?:- )?)([A-Za-z_][A-Za-z0-9_]*):", re.MULTILINE)
VALUE = re.compile(rb": ([^\n#]*)")


def _flip(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if buf:
            buf[rng.randrange(len(buf))] = rng.randrange(256)
    return bytes(buf)


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _swap_keys(rng: random.Random, data: bytes) -> bytes:
    keys = list(KEY.finditer(data))
    if len(keys) < 2:
        return data
    a, b = sorted(rng.sample(keys, 2), key=lambda m: m.start())
    ka, kb = a.group(2), b.group(2)
    return data[: a.start(2)] + kb + data[a.end(2): b.start(2)] + ka + data[b.end(2):]


def _value_at(rng: random.Random, data: bytes) -> re.Match[bytes] | None:
    values = list(VALUE.finditer(data))
    return rng.choice(values) if values else None


def _swap_type(rng: random.Random, data: bytes) -> bytes:
    found = _value_at(rng, data)
    if found is None:
        return data
    return data[: found.start(1)] + rng.choice(VALUES) + data[found.end(1):]


def _tag(rng: random.Random, data: bytes) -> bytes:
    found = _value_at(rng, data)
    if found is None:
        return data
    tag = rng.choice(TAGS)
    value = found.group(1) if rng.random() < 0.5 else rng.choice(VALUES)
    return data[: found.start(1)] + tag + value + data[found.end(1):]


def _alias(rng: random.Random, data: bytes) -> bytes:
    values = list(VALUE.finditer(data))
    if len(values) < 2:
        return data
    kind = rng.random()
    a, b = sorted(rng.sample(values, 2), key=lambda m: m.start())
    if kind < 0.15:  # an alias with no anchor
        return data[: b.start(1)] + b"*ghost" + data[b.end(1):]
    if kind < 0.3:  # an alias before its anchor
        return data[: a.start(1)] + b"*late" + data[a.end(1): b.start(1)] + b"&late " + b.group(1) + data[b.end(1):]
    if kind < 0.45:  # a long text, aliased many times
        text = b"|\n    " + b"x" * rng.choice([100, 5000, 9999]) + b"\n"
        uses = b"[" + b", ".join([b"*t"] * rng.choice([10, 1000, 9000])) + b"]"
        return data[: a.start(1)] + b"&t " + text + data[a.end(1): b.start(1)] + uses + data[b.end(1):]
    anchored = data[: a.start(1)] + b"&a " + a.group(1)
    return anchored + data[a.end(1): b.start(1)] + b"*a" + data[b.end(1):]


def _control(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.choice(CONTROLS) + data[at:]


def _lines(rng: random.Random, data: bytes) -> bytes:
    lines = data.split(b"\n")
    i = rng.randrange(len(lines))
    kind = rng.random()
    if kind < 0.35:
        lines.insert(i, lines[i])
    elif kind < 0.6:
        del lines[i]
    elif kind < 0.85:
        lines[i] = b"  " + lines[i] if rng.random() < 0.5 else lines[i][2:]
    else:
        return b"\r".join(lines)  # old Mac line ends
    return b"\n".join(lines)


MUTATORS: list[Callable[[random.Random, bytes], bytes]] = [
    _flip, _truncate, _swap_keys, _swap_type, _tag, _alias, _control, _lines,
]


def mutate(seed: int, case: int, sources: list[bytes]) -> bytes:
    rng = random.Random(f"{seed}:{case}")
    data = rng.choice(sources)
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        data = rng.choice(MUTATORS)(rng, data)
    return data


def check(data: bytes, name: str = "fuzz.yaml") -> str:
    """What `fleetrisk validate` would say: 'valid', or the error code; raises anything else."""
    try:
        document = parse(decode(data, name), name)
        if other_kind(document.data) is not None:
            return "other-kind"
        loaded = from_document(document)
        assess(loaded)
    except FleetriskError as exc:
        exc.render()
        return exc.code
    return "valid"


@dataclass
class Summary:
    cases: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    escapes: list[tuple[int, str]] = field(default_factory=list)
    slow: list[tuple[int, float]] = field(default_factory=list)
    slowest: tuple[float, int] = (0.0, -1)
    seconds: float = 0.0


def run(count: int, seed: int, start: int = 0, slow: float = 2.0) -> Summary:
    sources = [path.read_bytes() for path in EXAMPLES]
    summary = Summary()
    began = time.perf_counter()
    for case in range(start, start + count):
        data = mutate(seed, case, sources)
        t0 = time.perf_counter()
        try:
            outcome = check(data)
        except BaseException as exc:  # every escape is counted, whatever it is
            if isinstance(exc, KeyboardInterrupt):
                raise
            outcome = "ESCAPE"
            summary.escapes.append((case, "".join(traceback.format_exception_only(exc)).strip()[:300]))
        spent = time.perf_counter() - t0
        summary.cases += 1
        summary.outcomes[outcome] += 1
        if spent > slow:
            summary.slow.append((case, spent))
        summary.slowest = max(summary.slowest, (spent, case))
    summary.seconds = time.perf_counter() - began
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, nargs="?", default=10_000, help="number of cases")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", type=int, default=0, help="first case number")
    parser.add_argument("--slow", type=float, default=2.0, help="seconds over which a case counts as slow")
    parser.add_argument("--show", action="store_true", help="print each case's text and outcome")
    args = parser.parse_args()
    if args.show:
        sources = [path.read_bytes() for path in EXAMPLES]
        for case in range(args.start, args.start + args.count):
            data = mutate(args.seed, case, sources)
            sys.stdout.write(data.decode("utf-8", "replace") + "\n")
            try:
                print(f"case {case}: {check(data)}")
            except Exception:  # shown, as the command line would
                traceback.print_exc()
        return 0
    summary = run(args.count, args.seed, args.start, args.slow)
    print(f"cases {summary.cases:,} (seed {args.seed}, from {args.start}) in {summary.seconds:.1f} s")
    for outcome, number in sorted(summary.outcomes.items()):
        print(f"  {outcome:12} {number:>8,}")
    print(f"escapes {len(summary.escapes)}")
    for case, text in summary.escapes[:20]:
        print(f"  case {case}: {text}")
    print(f"slow (> {args.slow} s) {len(summary.slow)}; slowest {summary.slowest[0]:.2f} s (case {summary.slowest[1]})")
    return 1 if summary.escapes or summary.slow else 0


if __name__ == "__main__":
    sys.exit(main())
