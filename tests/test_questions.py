"""`fleetrisk questions`: unstated fields grouped across elements, ranked by the risk they settle."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import DEFAULT, ROOT, run_cli
from fleetrisk.engine.assess import assess
from fleetrisk.engine.questions import questions, unknown_share
from fleetrisk.model.loader import from_data, load_model

#: Three big fleets that leave their device identity (and more) unstated, behind one gateway:
#: each field is one question for all three fleets, the identity first (it settles the most risk).
MODEL: dict[str, Any] = {
    "fleetrisk": 1,
    "service": {"name": "t", "types": ["telemetry"]},
    "fleets": [{"id": f"f{i}", "devices": 500_000, "safety": "low", "offline_behaviour": "fails"} for i in range(3)],
    "components": [{"id": "gw", "kind": "device-gateway", "exposure": ["internet", "devices"],
                    "rate_limited": True, "redundancy": "multi", "authorization": "per-device"}],
    "flows": [{"id": f"up{i}", "from": f"f{i}", "to": "gw", "protocol": "mqtt"} for i in range(3)],
}


def test_one_question_per_field_and_type_ranked_by_the_risk_it_settles() -> None:
    result = assess(from_data(MODEL))
    found = questions(result)
    assert found, "the model leaves fields out"
    first = found[0]
    assert (first.element_type, first.field) == ("fleet", "identity.kind")
    assert first.elements == ["f0", "f1", "f2"] and first.paths == [f"fleets[{i}].identity.kind" for i in range(3)]
    assert "per-device-certificate" in first.allowed
    assert first.risk == max(q.risk for q in found) and first.risk == sum(
        f.risk.score for f in result.findings if f.id in first.findings)
    unknown = {f.id for f in result.findings if f.status == "unknown"}
    assert {fid for q in found for fid in q.findings} == unknown  # every unknown finding has its question
    assert unknown_share(result, found) == 1.0


@pytest.mark.parametrize(("source", "sample"), [("threagile", "threagile_small.yaml"), ("pytm", "pytm_small.json")])
def test_the_first_five_settle_as_many_unknowns_as_any_five_can(tmp_path: Path, source: str, sample: str) -> None:
    model = tmp_path / "model.yaml"
    done = run_cli("import", str(ROOT / "tests" / "importers" / "data" / sample), "--from", source, "-o", str(model))
    assert done.returncode == 0, done.stderr
    result = assess(load_model(str(model)))
    needs = [{(r.element_type, r.name) for r in f.reasons if r.code == "unstated"}
             for f in result.findings if f.status == "unknown"]
    fields = sorted(set().union(*needs))
    best = max(sum(1 for n in needs if n <= set(combo)) for combo in itertools.combinations(fields, 5))
    assert unknown_share(result, questions(result, top=5)) == pytest.approx(best / len(needs))


def test_the_command_in_both_formats_and_languages() -> None:
    model = DEFAULT
    done = run_cli("questions", str(model), "--format", "json", "--top", "3")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert len(data["questions"]) == 3 and 0 < data["settled_by_these"] <= 1
    english = run_cli("questions", str(model), "--top", "2").stdout
    assert english.startswith("# Questions that settle the most unknowns") and "settles" in english
    japanese = run_cli("questions", str(model), "--top", "2", "--lang", "ja").stdout
    assert japanese.startswith("# 情報不足を最も多く解消する質問") and "件が確定する" in japanese
    report = run_cli("assess", str(model), "--format", "md").stdout
    assert "## Questions that settle the most unknowns" in report  # the report heads its to-do list with them


def test_each_question_says_what_its_field_means_in_the_reports_language() -> None:
    from fleetrisk.model.fielddocs import field_docs

    identity = field_docs().fields["Fleet"]["identity"]
    kind = field_docs().fields["Identity"]["kind"]
    for lang in ("en", "ja"):
        first = questions(assess(from_data(MODEL), lang=lang))[0]
        assert (first.element_type, first.field) == ("fleet", "identity.kind")
        assert first.description == kind.text(lang) != identity.text(lang)
    japanese = run_cli("questions", str(DEFAULT), "--lang", "ja", "--top", "3").stdout
    asked = "**各受け入れ条件の `hardware_bound` は何か** " + field_docs().fields["Acceptance"]["hardware_bound"].ja
    assert asked in japanese
    english = run_cli("questions", str(DEFAULT), "--top", "3").stdout
    assert "**What is `login_alerts` for each account?** Whether sign-ins raise an alert: new logins, devices and " \
        "changed credentials reach the holder or the provider. `false` on accounts" in english  # code spans kept
