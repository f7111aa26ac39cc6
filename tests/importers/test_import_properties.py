"""Importers against mutated peer files: either a clean model or a FleetriskError, never a crash.

Each case takes a hand-written sample file, replaces one value somewhere in it with an odd
JSON value (a list, an object, a number, null, a long string), and imports it. The result
must be a FleetriskError, or a model that validates.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleetrisk.errors import FleetriskError
from fleetrisk.importers import import_file
from fleetrisk.importers.writer import render_yaml
from fleetrisk.model.loader import load_model_text

DATA = Path(__file__).resolve().parent / "data"
SOURCES = [("pytm", "pytm_small.json"), ("threagile", "threagile_small.yaml"),
           ("threat-dragon", "threat_dragon_small.json"), ("threat-dragon", "threat_dragon_v1_small.json"),
           ("otm", "otm_small.json")]
ODD = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False),
    st.lists(st.text(max_size=3), max_size=2), st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.text(max_size=5), st.sampled_from(["", "a" * 5000, "process", "flow", "device-fleet", "threshold"]),
)


def _places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _places(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _places(item, (*path, i))
    return found


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copied = copy.copy(value)
    copied[path[0]] = _replace(value[path[0]], path[1:], new)
    return copied


@pytest.mark.parametrize(("source", "name"), SOURCES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_peer_file_imports_or_fails_cleanly(source: str, name: str, data: st.DataObject,
                                                    tmp_path: Path) -> None:
    original = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))  # JSON is YAML too
    place = data.draw(st.sampled_from(_places(original)[1:]))
    mutated = _replace(original, place, data.draw(ODD))
    path = tmp_path / f"mutated-{name}"
    path.write_text(json.dumps(mutated, default=str), encoding="utf-8")  # JSON is valid Threagile YAML
    try:
        draft = import_file(source, path)
    except FleetriskError:
        return
    load_model_text(render_yaml(draft), "imported.yaml")  # must validate: anything else is our bug
