"""The command line, run as a user runs it: exit codes, outputs, languages, determinism."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from conftest import DEFAULT, EXAMPLES, HARDENED, ROOT, run_cli, wildcard_read_refuted
from fleetrisk.catalog.loader import load_catalog
from fleetrisk.cli.core import schema_text
from fleetrisk.engine.assess import assess
from fleetrisk.messages import explain_finding
from fleetrisk.model.loader import load_model

FAMILIES = [f"T{i}" for i in range(1, 9)]


def assess_json(model: Path, *extra: str) -> dict:  # type: ignore[type-arg]
    result = run_cli("assess", str(model), "--format", "json", *extra)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert re.fullmatch(r"fleetrisk \d+\.\d+\.\d+\n", result.stdout)


def test_default_example_shows_all_eight_families() -> None:
    report = assess_json(DEFAULT)
    open_families = {f["family"] for f in report["findings"] if f["status"] == "open"}
    assert open_families == set(FAMILIES)
    assert any(f["scenario"] == "T6.online-signing-key" and f["status"] == "open" for f in report["findings"])


def test_hardened_example_has_fewer_serious_findings() -> None:
    def serious(report: dict) -> int:  # type: ignore[type-arg]
        return sum(1 for f in report["findings"]
                   if f["status"] == "open" and f["risk"]["band"] in ("high", "critical"))

    weak, hardened = serious(assess_json(DEFAULT)), serious(assess_json(HARDENED))
    assert weak > 0
    assert hardened < weak


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_every_example_validates_and_assesses(name: str) -> None:
    assert run_cli("validate", str(EXAMPLES / name)).returncode == 0
    report = assess_json(EXAMPLES / name)
    for finding in report["findings"]:
        assert finding["location"]["line"] >= 1
        assert finding["reasons"]
        assert report["scenarios"][finding["scenario"]]["remediation"]


def test_json_report_has_the_documented_shape_and_validates() -> None:
    report = assess_json(DEFAULT)
    jsonschema.validate(report, json.loads(schema_text("report")))
    finding = report["findings"][0]
    for key in ("id", "scenario", "family", "element", "status", "likelihood", "impact", "risk",
                "reasons", "controls", "location"):
        assert key in finding
    scenario = report["scenarios"][finding["scenario"]]
    assert scenario["remediation"] and scenario["references"]  # catalog text once per scenario
    assert finding["id"] == f"{finding['scenario']}@{finding['element']}"
    assert {"file", "line"} <= set(finding["location"])
    assert [f["family"] for f in report["families"]] == FAMILIES
    assert report["matrix"] and report["summary"]["by_status"]


def test_output_is_byte_identical(tmp_path: Path) -> None:
    first = run_cli("assess", str(DEFAULT), "--format", "json,md", "--output", str(tmp_path / "a"))
    second = run_cli("assess", str(DEFAULT), "--format", "json,md", "--output", str(tmp_path / "b"))
    assert first.returncode == second.returncode == 0
    for name in ("report.json", "report.md"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_fail_on_gates_open_findings() -> None:
    assert run_cli("assess", str(DEFAULT), "--fail-on", "high").returncode == 1
    assert run_cli("assess", str(HARDENED), "--fail-on", "high").returncode == 0
    assert run_cli("assess", str(HARDENED), "--fail-on", "low").returncode == 0


def test_usage_errors_exit_2() -> None:
    for args in (["assess", str(DEFAULT), "--format", "pdf"],
                 ["assess", str(DEFAULT), "--format", "md,json"],
                 ["assess", str(DEFAULT), "--fail-on", "severe"],
                 ["assess", str(DEFAULT), "--as-of", "yesterday"],
                 ["catalog", "--family", "T9"],
                 ["schema", "--kind", "nope"],
                 ["no-such-command"]):
        result = run_cli(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr


def test_assess_without_model_uses_the_default_example() -> None:
    result = run_cli("assess", "--format", "json", cwd=ROOT)
    assert result.returncode == 0
    assert json.loads(result.stdout)["model"].endswith("smart-appliance-cloud.yaml")


def test_summary_table_and_output_dir(tmp_path: Path) -> None:
    result = run_cli("assess", str(DEFAULT), "--output", str(tmp_path))
    assert result.returncode == 0
    assert (tmp_path / "report.md").exists() and (tmp_path / "report.json").exists()
    assert "T6" in result.stdout and "critical" in result.stdout


def test_japanese_report_has_no_english_catalog_text(tmp_path: Path) -> None:
    result = run_cli("assess", str(DEFAULT), "--lang", "ja", "--format", "md,json", "--output", str(tmp_path))
    assert result.returncode == 0, result.stderr
    catalog = load_catalog()
    english = [s.spec.title.en for s in catalog.scenarios] + [s.spec.remediation.en for s in catalog.scenarios]
    english += [s.spec.description.en for s in catalog.scenarios] + [s.spec.fleet_impact.en for s in catalog.scenarios]
    english += [c.title.en for c in catalog.controls.values()] + [c.evidence.en for c in catalog.controls.values()]
    english += [f.title.en for f in catalog.taxonomy.families]
    for name in ("report.md", "report.json"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        leaked = [e for e in english if e in text]
        assert not leaked, f"{name} has English catalog text: {leaked[:3]}"
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    for label in ("Open findings", "Summary", "Why it applies", "How to fix", "Threats by family"):
        assert label not in md
    assert "未対応の指摘事項" in md and "フリート規模での影響" in md


def test_catalog_json_shape() -> None:
    result = run_cli("catalog", "--format", "json")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    scenario = data["scenarios"][0]
    assert {"id", "family", "title", "references"} <= set(scenario)
    assert set(scenario["title"]) == {"en", "ja"}
    assert {"id", "title"} <= set(data["controls"][0])
    only_t6 = json.loads(run_cli("catalog", "--family", "T6", "--format", "json").stdout)
    assert only_t6["scenarios"] and all(s["family"] == "T6" for s in only_t6["scenarios"])


def test_catalog_table_in_japanese_has_no_english_likelihood() -> None:
    result = run_cli("catalog", "--family", "T6", "--lang", "ja")
    assert result.returncode == 0
    assert "発生可能性" in result.stdout
    assert not re.search(r"\b(rare|unlikely|possible|likely|almost-certain)\b", result.stdout)


def test_catalog_markdown_in_japanese() -> None:
    result = run_cli("catalog", "--format", "md", "--lang", "ja")
    assert result.returncode == 0
    assert "## T6" in result.stdout and "対策" in result.stdout


def test_committed_schemas_are_current() -> None:
    for kind in ("model", "report"):
        committed = (ROOT / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8")
        assert committed == schema_text(kind), f"run 'make schemas' to refresh schemas/{kind}.schema.json"


def test_schema_command_prints_model_schema() -> None:
    result = run_cli("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert "fleets" in schema["properties"] and schema["additionalProperties"] is False


def test_committed_catalog_docs_are_current() -> None:
    for lang, name in (("en", "catalog.md"), ("ja", "catalog.ja.md")):
        committed = (ROOT / "docs" / name).read_text(encoding="utf-8")
        result = run_cli("catalog", "--format", "md", "--lang", lang)
        assert committed == result.stdout, f"run 'make docs' to refresh docs/{name}"


def test_init_writes_a_valid_starter_and_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "model.yaml"
    assert run_cli("init", str(target)).returncode == 0
    assert run_cli("validate", str(target)).returncode == 0
    before = target.read_bytes()
    again = run_cli("init", str(target))
    assert again.returncode == 2 and "already exists" in again.stderr
    assert target.read_bytes() == before


#: The checkout's sources, for commands run from another directory.
SOURCES = {"PYTHONPATH": str(ROOT / "src")}


def test_init_lists_the_bundled_examples() -> None:
    listed = run_cli("init", "--example", "list")
    assert listed.returncode == 0, listed.stderr
    names = [line.split()[0] for line in listed.stdout.splitlines() if not line.startswith("write one")]
    assert names == sorted(p.stem for p in EXAMPLES.glob("*.yaml"))
    assert "camera-p2p  " in listed.stdout and "a consumer camera cloud with a P2P relay" in listed.stdout


def test_init_writes_an_example_where_it_runs_and_never_overwrites(tmp_path: Path) -> None:
    done = run_cli("init", "--example", "camera-p2p", cwd=tmp_path, env=SOURCES)
    assert done.returncode == 0, done.stderr
    written = tmp_path / "camera-p2p.yaml"
    assert written.read_bytes() == (EXAMPLES / "camera-p2p.yaml").read_bytes()
    assert "wrote camera-p2p.yaml; next: fleetrisk validate camera-p2p.yaml" in done.stdout
    written.write_text("# my edits\n", encoding="utf-8")
    again = run_cli("init", "--example", "camera-p2p", cwd=tmp_path, env=SOURCES)
    assert again.returncode == 2
    assert "error[usage]: camera-p2p.yaml already exists" in again.stderr
    assert written.read_text(encoding="utf-8") == "# my edits\n"
    elsewhere = run_cli("init", str(tmp_path / "vehicle.yaml"), "--example", "Connected-Vehicle.yaml")
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert run_cli("validate", str(tmp_path / "vehicle.yaml")).returncode == 0


def test_init_names_the_examples_when_one_is_unknown(tmp_path: Path) -> None:
    done = run_cli("init", "--example", "smart-fridge", cwd=tmp_path, env=SOURCES)
    assert done.returncode == 2
    assert "error[usage]: unknown example 'smart-fridge'" in done.stderr
    assert "hint: choose from: camera-p2p, connected-vehicle, smart-appliance-cloud" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_implicit_example_comes_from_the_package_wherever_it_runs(tmp_path: Path) -> None:
    done = run_cli("assess", "--format", "json", cwd=tmp_path, env=SOURCES)
    assert done.returncode == 0, done.stderr
    assert "no model given: using the bundled example smart-appliance-cloud" in done.stderr
    report = json.loads(done.stdout)
    assert report["model"] == str(EXAMPLES / "smart-appliance-cloud.yaml")  # outside the directory: in full
    here = json.loads(run_cli("assess", "--format", "json").stdout)
    assert here["model"] == "src/fleetrisk/examples/smart-appliance-cloud.yaml"  # inside it: relative
    assert here["summary"] == report["summary"]


def test_paths_take_live_evidence(tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text(
        "fleetrisk: 1\n"
        "service: {name: t, types: [remote-control]}\n"
        "fleets:\n"
        "  - id: plugs\n"
        "    devices: 200000\n"
        "    safety: low\n"
        "    accepts: [{input: command, from: broker, verification: transport, use: acts}]\n"
        "components:\n"
        "  - {id: broker, kind: device-gateway, exposure: [internet], auth: mtls, authorization: per-device}\n",
        encoding="utf-8")
    evidence = wildcard_read_refuted(tmp_path / "evidence.json")
    finding = "T7.broker-acl-not-per-device@broker"

    def steps(*extra: str) -> set[str]:
        result = run_cli("paths", str(model), "--format", "json", *extra)
        assert result.returncode == 0, result.stderr
        return {s["finding"] for p in json.loads(result.stdout) for s in p["steps"] if s["finding"]}

    assert finding not in steps()
    assert finding in steps("--evidence", str(evidence))


def test_readme_sample_explanation_matches_the_example() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    held = "held online by the component that delivers what it signs (key_signs_from_holder = true)"
    quoted = re.search(r"signs = \[firmware\] \(line (\d+)\);\s+" + re.escape(held) + r" \(line (\d+)\)", readme)
    assert quoted, "the README quotes the explanation of T6.online-signing-key@fw-signing"
    result = assess(load_model(str(DEFAULT)))
    why = explain_finding(result, next(f for f in result.findings if f.id == "T6.online-signing-key@fw-signing"))
    assert f"key 'fw-signing': signs = [firmware] (line {quoted.group(1)})" in why
    assert f"key 'fw-signing': {held} (line {quoted.group(2)})" in why


def test_validate_reports_schema_and_reference_problems_together(tmp_path: Path) -> None:
    model = tmp_path / "both.yaml"
    model.write_text(
        "fleetrisk: 1\n"
        "service: {name: t, types: [telemetry]}\n"
        "fleets:\n"
        "  - {id: f, devices: 10, safety: low, accepts: [{input: firmware, from: otaa, verification: transport}]}\n"
        "components:\n"
        "  - {id: ota, kind: ota-service, zonee: z}\n"
        "flows:\n"
        "  - {id: x, from: f, to: ota, carries: [nope]}\n"
        "  - {id: x, from: f, to: ota}\n",
        encoding="utf-8")
    result = run_cli("validate", str(model))
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if "error[" in line]
    # schema problems first, then duplicate ids, then references, each with its line
    assert [line.split(": error[")[0].rsplit(":", 2)[1] for line in lines] == ["6", "9", "4", "8"]
    assert "unknown key 'zonee'" in lines[0]
    assert "duplicate id 'x'" in lines[1]
    assert "'otaa' is not defined" in lines[2] and "did you mean 'ota'?" in result.stderr
    assert "'nope' is not defined" in lines[3]


def test_evidence_naming_an_unknown_element_is_a_warning(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence.json"
    evidence.write_text(json.dumps({"fleetrisk_evidence": 1, "checks": [{
        "check": "mqtt.wildcard-subscribe", "control": "broker-topic-acl", "element": "brokr", "status": "refuted",
        "target": "mqtt://127.0.0.1:1883", "details": "read another device's topic",
        "timestamp": "2026-11-25T00:00:00Z", "tier": "intrusive"}]}), encoding="utf-8")
    for command in ("assess", "paths"):
        result = run_cli(command, str(DEFAULT), "--format", "json", "--evidence", str(evidence))
        assert result.returncode in (0, 1), result.stderr
        assert "warning: evidence mqtt.wildcard-subscribe (mqtt://127.0.0.1:1883) names 'brokr'" in result.stderr
