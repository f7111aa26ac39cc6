"""The model explains itself: every field and value has its meaning and an example in English and
Japanese (``fleetrisk/model/fields.yaml``), and ``fleetrisk explain`` shows them."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, TypeAdapter

import fleetrisk.model.schema as schema
from conftest import ROOT, run_cli
from fleetrisk.catalog.loader import load_catalog
from fleetrisk.model.fielddocs import closed_lists, field_docs, flow, meanings, places, shape_of, unfold
from test_japanese import STANDARD_NAMES, _leftover_english

#: Every model class, found in the schema module rather than by walking from the top, so that a
#: class no field uses yet is checked too.
CLASSES = sorted((c for c in vars(schema).values() if isinstance(c, type) and issubclass(c, BaseModel)
                  and c.__module__ == schema.__name__ and c is not schema.Strict), key=lambda c: c.__name__)
LANGS = ("en", "ja")
KANA_KANJI = "\u3040-\u30ff\u4e00-\u9fff"


def _fields() -> list[tuple[type[BaseModel], str, str]]:
    return [(cls, name, info.alias or name) for cls in CLASSES for name, info in cls.model_fields.items()]


def _closed_lists() -> dict[frozenset[str], tuple[str, ...]]:
    found = {}
    for cls, name, _ in _fields():
        info = cls.model_fields[name]
        for _, values in closed_lists(shape_of(info.annotation, tuple(info.metadata))):
            found[frozenset(values)] = values
    return found


@pytest.mark.parametrize(("cls", "name", "key"), _fields(), ids=lambda v: v.__name__ if isinstance(v, type) else v)
def test_every_field_has_a_description_and_an_example_in_both_languages(
        cls: type[BaseModel], name: str, key: str) -> None:
    doc = field_docs().fields[cls.__name__][key]
    for lang in LANGS:
        assert len(doc.text(lang)) >= 10, (key, lang)
        assert doc.example_in(lang) is not None, (key, lang)
    assert doc.ja != doc.en and re.search(f"[{KANA_KANJI}]", doc.ja)


@pytest.mark.parametrize(("cls", "name", "key"), _fields(), ids=lambda v: v.__name__ if isinstance(v, type) else v)
def test_every_example_is_a_valid_value_of_its_field(cls: type[BaseModel], name: str, key: str) -> None:
    info = cls.model_fields[name]
    kind: Any = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
    adapter: TypeAdapter[Any] = TypeAdapter(kind)
    doc = field_docs().fields[cls.__name__][key]
    for lang in LANGS:
        adapter.validate_python(doc.example_in(lang), strict=True)


def test_the_field_texts_name_only_fields_that_exist() -> None:
    documented = {(cls, key) for cls, fields in field_docs().fields.items() for key in fields}
    assert documented == {(cls.__name__, key) for cls, _, key in _fields()}


def test_every_value_of_every_closed_list_has_a_meaning_in_both_languages() -> None:
    used = _closed_lists()
    assert len(used) > 40
    for values in used.values():
        listed = meanings(values)
        assert list(listed) == list(values), values
        for meaning in listed.values():
            assert meaning.en and re.search(f"[{KANA_KANJI}]", meaning.ja), meaning
    documented = [frozenset(v) for v in field_docs().values.values()]
    assert len(documented) == len(set(documented)), "two lists with the same values"
    assert set(documented) == set(used), "a list of meanings no field uses, or the other way round"


def _identifiers() -> re.Pattern[str]:
    catalog = load_catalog()
    words = {key for _, name, key in _fields() for key in (name, key)}
    words |= {v for values in field_docs().values.values() for v in values}
    words |= set(catalog.controls) | {s.id for s in catalog.scenarios} | {"fleetrisk"}
    ordered = sorted(words, key=len, reverse=True)
    return re.compile(r"(?<![\w\-])(?:" + "|".join(map(re.escape, ordered)) + r")(?![\w\-])")


def test_the_japanese_texts_are_japanese_and_in_the_house_style() -> None:
    identifiers = _identifiers()
    texts = [d.ja for fields in field_docs().fields.values() for d in fields.values()]
    texts += [d.example_text.ja for fields in field_docs().fields.values() for d in fields.values() if d.example_text]
    texts += [m.ja for values in field_docs().values.values() for m in values.values()]
    texts += [re.sub(r"\{\w+\}", "0", w.ja) for w in field_docs().words.values()]  # placeholders filled
    english = {w for text in texts for w in _leftover_english(text, identifiers)} - STANDARD_NAMES
    assert not english, sorted(english)
    for text in texts:
        assert not re.search(r"です。|ます。|ません", text), text  # である調
        assert not re.search(f"[(),](?=[{KANA_KANJI}])|(?<=[{KANA_KANJI}])[(),]", text), text  # full-width
        assert not re.search(f"[{KANA_KANJI}] +[{KANA_KANJI}、。]", text), text  # no folded spaces left


def test_folded_japanese_lines_join_without_spaces() -> None:
    folded = "正しく\n署名された。 `true` なら、 `false`\n（既定）"
    assert unfold(folded) == "正しく署名された。`true` なら、`false`（既定）"


def test_the_json_schema_describes_every_property_with_an_example() -> None:
    data = json.loads((ROOT / "schemas" / "model.schema.json").read_text(encoding="utf-8"))
    described = 0
    for name, definition in [("ServiceModel", data), *data["$defs"].items()]:
        for key, prop in definition.get("properties", {}).items():
            assert prop.get("description") and prop.get("examples"), (name, key)
            described += 1
    assert described == len(_fields())
    exposure = data["$defs"]["Component"]["properties"]["exposure"]
    assert exposure["description"].startswith(field_docs().fields["Component"]["exposure"].en)
    assert "- `partners`: partners' or third parties' systems reach it" in exposure["description"]
    assert exposure["examples"] == [["internet", "devices"]]


def test_every_field_has_a_place_and_the_paths_are_distinct() -> None:
    every = places()
    assert {(p.owner, p.name) for p in every} == {(cls, name) for cls, name, _ in _fields()}
    assert len({p.shown for p in every}) == len(every)


# --- the command ---------------------------------------------------------------------------


def explain(*args: str) -> str:
    done = run_cli("explain", *args)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def test_explain_shows_meaning_type_values_example_place_and_rules() -> None:
    text = explain("exposure")
    doc = field_docs().fields["Component"]["exposure"]
    assert text.startswith(f"components.exposure\n{doc.en}\n\n")
    assert "Type: list; each item: a value from the list below\n" in text
    assert "Presence: optional; default []\n" in text
    assert "Where: components[].exposure\n" in text
    assert "Values:\n  internet   anyone on the internet can reach it\n" in text
    assert "  internal   reachable only by other components of the service\n" in text
    assert "Example:\n  components:\n    - exposure: [internet, devices]\n" in text
    rules = re.search(r"Rules that test it: (.*)", text)
    assert rules is not None and "T1.no-per-client-quotas" in rules.group(1).split(", ")


def test_explain_in_japanese() -> None:
    text = explain("components.exposure", "--lang", "ja")
    doc = field_docs().fields["Component"]["exposure"]
    assert text.startswith(f"components.exposure\n{doc.ja}\n\n")
    assert "型: リスト（各要素は下記の値のいずれか）\n" in text
    assert "記載: 省略可（既定値 []）\n" in text
    assert "取り得る値:\n  internet   インターネット上の誰でも到達できる\n" in text
    assert "記載例:\n  components:\n    - exposure: [internet, devices]\n" in text
    assert explain("exposure", "--lang", "JA") == text


def test_explain_takes_a_path_as_the_reports_write_it() -> None:
    text = explain("accepts.from")
    assert text.startswith("fleets.accepts.from\n")
    assert "Type: id of an element under components\nPresence: required\nWhere: fleets[].accepts[].from\n" in text
    assert "Example:\n  fleets:\n    - accepts:\n        - from: ota\n" in text
    assert explain("fleets[2].accepts[0].from") == text
    assert explain("Fleets.Accepts.From") == text
    japanese = explain("accepts.from", "--lang", "ja")
    assert "型: components に定義した要素の ID\n記載: 必須\n" in japanese


def test_explain_a_section_lists_its_fields() -> None:
    text = explain("identity", "--lang", "ja")
    assert text.startswith("fleets.identity\n")
    assert "型: 下記の項目からなるセクション\n" in text
    fields = text.split("項目:\n", 1)[1].splitlines()
    assert [line.split()[0] for line in fields] == ["kind", "key_storage", "provisioning", "revocable", "rotated"]


def test_explain_a_field_shared_by_several_places_names_them_all() -> None:
    text = explain("mode")
    assert "Where: loss.threat_event_frequency.<key>.mode, loss.per_event.mode, loss.per_device.<key>.mode, " \
           "loss.per_record.<key>.mode\n" in text
    assert "Example:\n  loss:\n    threat_event_frequency:\n      internet:\n        mode: 4\n" in text


def test_a_top_level_section_named_by_a_field_of_elements_too_says_where_else() -> None:
    text = explain("controls")
    assert text.startswith("controls\n" + field_docs().fields["ServiceModel"]["controls"].en)
    assert text.endswith("Also at: fleets.controls, components.controls, keys.controls, data.controls, "
                         "flows.controls, accounts.controls\n")
    assert "ほかの位置: fleets.controls、components.controls" in explain("controls", "--lang", "ja")
    assert "Also at" not in explain("components.controls")


def test_explain_mapping_keys_get_their_meanings() -> None:
    text = explain("loss.per_device")
    assert "Keys:\n  unavailable        devices stop working\n" in text
    assert "Fields:\n  low   The lowest plausible value.\n" in text


def test_an_unknown_field_exits_2_with_suggestions() -> None:
    done = run_cli("explain", "exposre")
    assert done.returncode == 2 and done.stdout == ""
    assert "error[usage]: the model has no field 'exposre'" in done.stderr
    assert "hint: did you mean components.exposure" in done.stderr
    nothing = run_cli("explain", "qqqq")
    assert nothing.returncode == 2
    assert "hint: the sections are fleetrisk, service, practices, zones, fleets, components" in nothing.stderr


def test_an_ambiguous_name_lists_the_candidates() -> None:
    done = run_cli("explain", "redundancy")
    assert done.returncode == 2 and done.stdout == ""
    assert "error[usage]: 'redundancy' is a field in 2 places; name one by its path:" in done.stderr
    assert re.search(r"\n  components\.redundancy +Whether this provider-run component fails over", done.stderr)
    assert re.search(r"\n  components\.dependency\.redundancy +Whether a second provider", done.stderr)
    assert "hint: fleetrisk explain components.redundancy" in done.stderr
    japanese = run_cli("explain", "redundancy", "--lang", "ja")
    assert re.search(r"\n  components\.dependency\.redundancy +別の事業者やインスタンスが引き継ぐか", japanese.stderr)


@pytest.mark.parametrize("lang", LANGS)
def test_every_field_explains_in_both_languages(lang: str) -> None:
    from fleetrisk.cli.explain_cmd import _render  # in-process: one subprocess per field would take minutes

    for place in places():
        text = _render([place], lang).plain
        assert text.startswith(f"{place.dotted}\n{place.doc.text(lang)}\n\n"), place.dotted
        assert f"{place.key}: {flow(place.doc.example_in(lang))}\n" in text + "\n", place.dotted
