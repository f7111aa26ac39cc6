"""The message catalogue: every reason and step is worded from data, in both languages alike."""

from __future__ import annotations

import re
import string
from typing import Any

import pytest

from conftest import BROKER, DEFAULT, EXAMPLES
from fleetrisk.catalog.loader import load_catalog
from fleetrisk.engine.assess import assess
from fleetrisk.evidence import Check, Evidence
from fleetrisk.messages import (
    CONTROL_STATES,
    ELEMENT_TYPES,
    PREDICATES,
    RELATIONS,
    TEMPLATES,
    Text,
    explain,
    explain_finding,
    word,
)
from fleetrisk.model.loader import from_data, load_model
from fleetrisk.model.queries import ELEMENT_CLASSES
from fleetrisk.model.queries import PREDICATES as MODEL_PREDICATES
from fleetrisk.model.queries import RELATIONS as MODEL_RELATIONS
from fleetrisk.results import Assessment, Finding, PathStep

CAMERA = EXAMPLES / "camera-p2p.yaml"
VEHICLE = EXAMPLES / "connected-vehicle.yaml"


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_languages_have_every_message_with_the_same_arguments() -> None:
    assert set(TEMPLATES["en"]) == set(TEMPLATES["ja"])
    for key, english in TEMPLATES["en"].items():
        assert _fields(english) == _fields(TEMPLATES["ja"][key]), key


def test_every_relation_predicate_element_type_and_control_state_has_words() -> None:
    for table, expected in ((RELATIONS, set(MODEL_RELATIONS)), (PREDICATES, set(MODEL_PREDICATES)),
                            (ELEMENT_TYPES, set(ELEMENT_CLASSES)),
                            (CONTROL_STATES, {"implemented", "verified", "planned", "absent", "not-declared",
                                              "refuted", "element", "service"})):
        for lang in ("en", "ja"):
            assert set(table[lang]) == expected, (lang, sorted(set(table[lang]) ^ expected))


def test_a_text_keeps_its_arguments_as_identifiers() -> None:
    text = Text.of("step.store", store="db-eu", data="telemetry")
    assert word(text, "en") == "db-eu stores telemetry"
    assert word(text, "ja") == "db-eu が telemetry を保存している"


def _reword(result: Assessment, lang: str) -> dict[str, list[str]]:
    """Each finding's explanation worded again from the JSON data alone, in ``lang``."""
    catalog = load_catalog()
    findings = [Finding.model_validate_json(f.model_dump_json()) for f in result.findings]
    return {f.id: explain(f, lang, lambda cid: catalog.controls[cid].title.get(lang)) for f in findings}


@pytest.mark.parametrize("model", [DEFAULT, CAMERA, VEHICLE])
def test_a_writer_words_the_other_language_from_the_reports_data(model: Any) -> None:
    english = assess(load_model(str(model)), lang="en")
    japanese = assess(load_model(str(model)), lang="ja")
    assert _reword(english, "ja") == {f.id: explain_finding(japanese, f) for f in japanese.findings}
    assert _reword(japanese, "en") == {f.id: explain_finding(english, f) for f in english.findings}
    assert all(_reword(english, "en").values())




def _identifiers(finding: Finding, catalog_lang: str) -> list[str]:
    """What a Japanese line may quote as written: ids, field paths, values, rules, control titles."""
    catalog = load_catalog()
    found = [finding.id, finding.element]
    for reason in finding.reasons:
        found += [reason.element, reason.name, reason.value, reason.rule or "", reason.check or "",
                  reason.stated or ""]
    for control in finding.controls:
        found += [control.id, catalog.controls[control.id].title.get(catalog_lang)]
    for ref in finding.evidence:
        found += [ref.target, ref.timestamp, ref.check]
    if finding.tracking is not None:  # the model's own words
        found += [finding.tracking.owner, finding.tracking.justification, finding.tracking.entry or ""]
    return sorted((x for x in found if x), key=len, reverse=True)


def _steps(result: Assessment) -> list[PathStep]:
    return [s for p in result.attack_paths for s in p.steps] + [s for a in result.assumed for s in a.steps]


def test_japanese_reasons_and_steps_have_no_english_outside_identifiers() -> None:
    evidence = Evidence([Check(check="mqtt.wildcard-subscribe", control="broker-topic-acl", element="broker",
                               status="refuted", target="mqtt://127.0.0.1:1883", details="read another's topic",
                               timestamp="2026-11-25T00:00:00Z", tier="intrusive")])
    results = [assess(load_model(str(m)), lang="ja") for m in (DEFAULT, CAMERA, VEHICLE)]
    results.append(assess(from_data(BROKER), lang="ja", evidence=evidence))
    checked = 0
    for result in results:
        for finding in result.findings:
            quoted = _identifiers(finding, "ja")
            for line in explain_finding(result, finding):
                rest = line
                for identifier in quoted:
                    rest = rest.replace(identifier, "")
                assert not re.search(r"[A-Za-z]{2,}", rest), (finding.id, line, rest)
                checked += 1
        for step in _steps(result):
            for line in step.why:
                rest = line
                quoted = sorted({x for r in step.reasons
                                 for x in (r.element, r.name, r.value, r.rule, r.check, r.stated) if x}
                                | {"mqtt://127.0.0.1:1883", "2026-11-25T00:00:00Z"}, key=len, reverse=True)
                for identifier in quoted:
                    rest = rest.replace(identifier, "")
                assert not re.search(r"[A-Za-z]{2,}", rest), (step.title, line, rest)
                checked += 1
    assert checked > 500
    observed = [line for f in results[-1].findings for line in explain_finding(results[-1], f)
                if line.startswith("実地検証")]
    assert observed and "モデルの記述：per-device" in observed[0]


def test_path_steps_carry_their_facts_as_data_with_lines() -> None:
    result = assess(load_model(str(DEFAULT)), lang="en")
    steps = _steps(result)
    own = [s for s in steps if s.kind != "finding"]
    assert own and all(s.reasons for s in own)  # every authority, drive, custody or foothold step says why
    located = [r for s in steps for r in s.reasons if r.line is not None]
    assert len(located) > len(steps) / 2
    text = (DEFAULT.read_text(encoding="utf-8")).splitlines()
    for reason in located[:50]:  # the line really holds the field (or its element) in the model file
        name = reason.name.split(".")[-1].replace("source", "from").replace("target", "to")
        assert name in text[reason.line - 1] or reason.element in text[reason.line - 1], reason


def test_a_report_from_before_schema_2_with_worded_explanations_still_loads() -> None:
    result = assess(load_model(str(DEFAULT)), lang="en")
    data = result.model_dump(mode="json")
    data["schema_version"] = "1.1"
    for finding in data["findings"]:
        finding["explanation"] = ["worded by the engine"]
    again = Assessment.model_validate(data)
    assert [f.reasons for f in again.findings] == [f.reasons for f in result.findings]
    assert "explanation" not in again.findings[0].model_dump()
