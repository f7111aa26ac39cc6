"""A seeded slice of the mutation fuzzer (benchmarks/fuzz_models.py): no broken model escapes as a traceback."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from conftest import ROOT


def _fuzzer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fuzz_models", ROOT / "benchmarks" / "fuzz_models.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("fuzz_models", module)
    spec.loader.exec_module(module)
    return module


def test_mutated_examples_only_raise_our_own_errors() -> None:
    fuzz = _fuzzer()
    summary = fuzz.run(1500, seed=20261205, slow=float("inf"))
    assert summary.cases == 1500
    assert summary.escapes == [], summary.escapes[:5]
    # the slice exercises every outcome the command line has: valid models, schema and syntax errors
    assert {"valid", "model", "syntax"} <= set(summary.outcomes), summary.outcomes


def test_cases_are_reproducible() -> None:
    fuzz = _fuzzer()
    sources = [path.read_bytes() for path in fuzz.EXAMPLES]
    assert len(sources) >= 4
    assert fuzz.mutate(7, 42, sources) == fuzz.mutate(7, 42, sources)
    assert fuzz.mutate(7, 42, sources) != fuzz.mutate(7, 43, sources)
