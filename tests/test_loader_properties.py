"""Property test: random YAML-ish structures never escape as anything but our own error."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleetrisk.errors import FleetriskError, ModelSyntaxError
from fleetrisk.model.loader import load_model_text

KEYS = st.sampled_from([
    "fleetrisk", "service", "fleets", "components", "keys", "data", "flows", "id", "kind",
    "devices", "safety", "accepts", "from", "to", "verification", "key", "custody", "holder",
    "types", "name", "threshold", "k", "holders", "tracking", "controls", "zone", "x",
])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.sampled_from(["ota-service", "signature", "firmware", "low", "online-file", "1", "c1", "f1"]),
)
TREES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=6)
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TREES)
def test_random_structures_only_raise_our_errors(tree: object) -> None:
    text = yaml.safe_dump(tree, allow_unicode=True)
    try:
        load_model_text(text, "random.yaml")
    except FleetriskError as exc:
        assert exc.render()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_random_text_only_raises_our_errors(text: str) -> None:
    try:
        load_model_text(text, "random.yaml")
    except FleetriskError as exc:
        assert exc.render()


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_only_raise_our_errors(raw: bytes) -> None:
    from fleetrisk.model.loader import from_document
    from fleetrisk.model.yamlio import decode, parse

    try:
        from_document(parse(decode(raw, "random.yaml"), "random.yaml"))
    except FleetriskError as exc:
        assert exc.render()


PLAIN_TREES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.text(max_size=12),
              st.sampled_from(["yes", "no", "on", "~", "null", "1e3", "0x1F", "2026-01-01", "-", "<<x", ".inf"])),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=6)),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PLAIN_TREES, st.booleans())
def test_reader_agrees_with_pyyaml_and_places_every_value(tree: object, flow_style: bool) -> None:
    from fleetrisk.model.yamlio import iter_paths, parse

    text = yaml.safe_dump({"root": tree}, allow_unicode=True, default_flow_style=flow_style)
    try:
        doc = parse(text, "tree.yaml")
    except ModelSyntaxError as exc:
        # PyYAML leaves unquoted what YAML 1.2 reads as a number (1e3, 0o17): refused, not misread.
        assert "in YAML 1.2" in exc.message, exc.message
        assert exc.location is not None and exc.location.line is not None
        return
    assert doc.data == yaml.safe_load(text)
    for path in iter_paths(doc.data):
        assert doc.locate(path).line is not None, path
