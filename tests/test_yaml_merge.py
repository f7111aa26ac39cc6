"""YAML merge keys: refused in fleetrisk's own files, read by the rules of YAML for peer files."""

from __future__ import annotations

import pytest

from fleetrisk.errors import ModelSyntaxError
from fleetrisk.model.yamlio import parse

BASE = "base: &b {a: 1, b: 2}\n"


@pytest.mark.parametrize(("text", "expected"), [
    (BASE + "x:\n  <<: *b\n  c: 3\n", {"a": 1, "b": 2, "c": 3}),
    (BASE + "x:\n  <<: *b\n  a: 9\n", {"a": 9, "b": 2}),
    (BASE + "x:\n  a: 9\n  <<: *b\n", {"a": 9, "b": 2}),
    (BASE + "o: &o {b: 7, d: 4}\nx:\n  <<: [*o, *b]\n", {"b": 7, "d": 4, "a": 1}),
    ("x:\n  <<: {a: 1}\n  b: 2\n", {"a": 1, "b": 2}),
])
def test_merge_keys_follow_yaml(text: str, expected: dict[str, int]) -> None:
    doc = parse(text, "peer.yaml", peer=True)
    assert doc.data["x"] == expected
    assert doc.locate(("x", "a")).line is not None


@pytest.mark.parametrize(("text", "message"), [
    ("x:\n  <<: 1\n", "needs a mapping or a list of mappings"),
    (BASE + "x:\n  <<: *b\n  <<: *b\n", "a second merge key"),
    (BASE + "x:\n  <<: *b\n  c: 1\n  c: 2\n", "duplicate key 'c'"),
    ("a: &a\n  <<: *a\n", "recursive alias"),
])
def test_bad_merges_are_errors_with_a_line(text: str, message: str) -> None:
    with pytest.raises(ModelSyntaxError) as caught:
        parse(text, "peer.yaml", peer=True)
    assert message in str(caught.value)
    assert caught.value.location is not None and caught.value.location.line is not None


def test_own_files_refuse_merge_keys() -> None:
    with pytest.raises(ModelSyntaxError, match="merge keys"):
        parse(BASE + "x:\n  <<: *b\n", "model.yaml")
