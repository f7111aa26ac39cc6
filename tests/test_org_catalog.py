"""Organisation catalogs: an organisation's own scenarios and controls beside the bundled catalog.

tests/data/org-catalog is ACME's catalog: one scenario of its own standard (with its case), one
control, one framework, and a bundled scenario switched off with a justification. These tests run
the real command line on it, on copies broken one way each, and on a copy of a bundled scenario.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from conftest import ROOT, run_cli
from fleetrisk import assess, load_model
from fleetrisk.catalog.loader import default_root
from fleetrisk.catalog.organisation import Folder, load_catalogs
from fleetrisk.errors import CatalogError
from report_fixtures import SARIF_SCHEMA

DATA = ROOT / "tests" / "data"
ORG = DATA / "org-catalog"
MODEL = DATA / "org-service.yaml"
OWN = "T3.acme.short-audit-retention"
SCENARIO = Path("scenarios/T3/short-audit-retention.yaml")
CASE = Path("scenarios/T3/short-audit-retention.case.yaml")
OFF = "T3.no-vulnerability-disclosure"
JUSTIFICATION = "ACME's group PSIRT receives and handles vulnerability reports"
REMEDIATION = "Ship the plane's audit records to the ACME log vault"


def org_copy(tmp_path: Path, name: str = "org") -> Path:
    target = tmp_path / name
    shutil.copytree(ORG, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, marker: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if marker in line:
            return number
    raise AssertionError(f"{marker!r} not in {path}")


def copied_scenario_catalog(tmp_path: Path, prefix: str = "acme2", disable: str | None = None) -> Path:
    """A catalog holding the bundled T6.online-signing-key (and its case) copied under its own id."""
    root = tmp_path / f"copy-{prefix}"
    (root / "scenarios" / "T6").mkdir(parents=True)
    manifest = f"prefix: {prefix}\ntitle: {{en: Copied rules, ja: 複製したルール}}\n"
    if disable:
        manifest += (f"disable:\n  - scenario: {disable}\n    justification:\n      en: Replaced by our copy.\n"
                     "      ja: 複製したルールに置き換えた。\n")
    (root / "catalog.yaml").write_text(manifest, encoding="utf-8")
    for name in ("online-signing-key.yaml", "online-signing-key.case.yaml"):
        text = (default_root() / "scenarios" / "T6" / name).read_text(encoding="utf-8")
        text = text.replace("T6.online-signing-key", f"T6.{prefix}.online-signing-key")
        (root / "scenarios" / "T6" / name).write_text(text, encoding="utf-8")
    return root


# --- catalog check and catalog test ------------------------------------------------------------


def test_catalog_check_and_test_pass_on_the_organisation_catalog() -> None:
    checked = run_cli("catalog", "check", str(ORG))
    assert checked.returncode == 0, checked.stderr
    assert "1 scenario(s), each with its case, 1 control(s), 1 scenario(s) switched off" in checked.stdout
    tested = run_cli("catalog", "test", str(ORG))
    assert tested.returncode == 0, tested.stderr
    assert f"{ORG}: 1 case(s) run, 1 passed, 0 failed" in " ".join(tested.stdout.split())


def test_catalog_check_takes_the_bundled_catalog_by_default_or_by_its_folder() -> None:
    for args in (("catalog", "check"), ("catalog", "check", str(default_root()))):
        result = run_cli(*args)
        assert result.returncode == 0, result.stderr
        assert re.search(r"valid \(\d{2,} scenario\(s\), each with its case", result.stdout), result.stdout


def test_hidden_files_and_other_folders_are_left_alone(tmp_path: Path) -> None:
    """A catalog kept in its own repository has a CI workflow and docs beside it."""
    root = org_copy(tmp_path)
    for name in (".github/workflows/catalog.yml", "docs/mkdocs.yml"):
        (root / name).parent.mkdir(parents=True)
        (root / name).write_text("on: push\n", encoding="utf-8")
    (root / "README.md").write_text("ACME rules\n", encoding="utf-8")
    result = run_cli("catalog", "test", str(root))
    assert result.returncode == 0, result.stderr


def test_a_failing_case_is_reported_at_its_line(tmp_path: Path) -> None:
    root = org_copy(tmp_path)
    case = root / CASE
    edit(case, "open: [ops-console]", "open: [kept-long]")  # 400 days: the rule must not fire there
    edit(case, "silent: [kept-long, short,", "silent: [ops-console, short,")  # and it does fire here
    result = run_cli("catalog", "test", str(root))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert f"{case}:{line_of(case, 'open: [kept-long]')}:10: error[case]: {OWN} must be open on kept-long, " \
           "got no finding" in lines
    assert f"{case}:{line_of(case, 'silent: [ops-console')}:12: error[case]: {OWN} must stay silent on " \
           "ops-console, got open" in lines
    assert "1 case(s) run, 0 passed, 1 failed" in " ".join(result.stdout.split())
    assert "Traceback" not in result.stderr


# --- findings in every format ------------------------------------------------------------------


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("reports")
    result = run_cli("assess", str(MODEL), "--catalog", str(ORG), "--format", "md,json,html,sarif,csv",
                     "--output", str(out))
    assert result.returncode == 0, result.stderr
    return {name: (out / f"report.{name}").read_text(encoding="utf-8") for name in ("md", "json", "html", "sarif",
                                                                                    "csv")}


def test_json_report_carries_the_organisation_rule_and_the_switched_off_one(reports: dict[str, str]) -> None:
    report = json.loads(reports["json"])
    findings = {f["id"]: f for f in report["findings"]}
    assert findings[f"{OWN}@ops-console"]["status"] == "open"
    assert findings[f"{OWN}@dealer-tool"]["status"] == "unknown"
    assert findings[f"{OWN}@ops-console"]["mitigated_by"] == "acme.audit-vault-400d"
    assert not [fid for fid in findings if fid.startswith(OFF)]
    scenario = report["scenarios"][OWN]
    assert scenario["remediation"].startswith(REMEDIATION)
    assert scenario["references"]["acme-sec"] == ["7.3"]
    assert OFF not in report["scenarios"]
    assert report["controls"]["acme.audit-vault-400d"]["references"]["acme-sec"] == ["7.3"]
    assert [(c["prefix"], c["path"], c["scenarios"]) for c in report["catalogs"]][1:] == [("acme", str(ORG), 1)]
    assert report["catalogs"][0]["prefix"] is None
    (disabled,) = report["disabled"]
    assert disabled["scenario"] == OFF and disabled["by"] == "acme"
    assert disabled["justification"].startswith(JUSTIFICATION)


def test_markdown_html_and_csv_show_the_rule_and_the_justification(reports: dict[str, str]) -> None:
    for name in ("md", "html"):
        text = html.unescape(reports[name]) if name == "html" else reports[name]
        assert f"{OWN}@ops-console" in text, name
        assert "A privileged plane that can push to devices keeps its audit trail" in text, name
        assert OFF in text and "Scenarios switched off" in text, name
        assert JUSTIFICATION in text, name
    assert REMEDIATION in html.unescape(reports["html"])
    rows = list(csv.DictReader(io.StringIO(reports["csv"])))
    mine = [r for r in rows if r["scenario"] == OWN]
    assert {r["element"] for r in mine} == {"ops-console", "dealer-tool"}
    assert all(r["remediation"].startswith(REMEDIATION) and "acme-sec 7.3" in r["references"] for r in mine)


def test_sarif_has_the_rule_with_its_help_text(reports: dict[str, str]) -> None:
    log = json.loads(reports["sarif"])
    validator = jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    assert not list(validator.iter_errors(log))
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    (rule,) = [r for r in rules if r["id"] == OWN]
    assert rule["name"] == "AcmeShortAuditRetention"
    assert REMEDIATION in rule["help"]["text"] and "acme-sec 7.3" in rule["help"]["text"]
    assert "When abuse comes to light after the records are gone" in rule["help"]["markdown"]
    assert "T3" in rule["properties"]["tags"] and "stride-R" in rule["properties"]["tags"]
    assert OFF not in {r["id"] for r in rules}
    results = [r for r in run["results"] if r["ruleId"] == OWN]
    assert {r["properties"]["findingId"] for r in results} == {f"{OWN}@ops-console", f"{OWN}@dealer-tool"}
    assert all(rules[r["ruleIndex"]]["id"] == OWN for r in results)
    (off,) = run["properties"]["disabledRules"]
    assert off["scenario"] == OFF and off["justification"].startswith(JUSTIFICATION)


def test_japanese_reports_use_the_japanese_catalog_text(tmp_path: Path) -> None:
    result = run_cli("assess", str(MODEL), "--catalog", str(ORG), "--lang", "ja", "--format", "md,sarif",
                     "--output", str(tmp_path))
    assert result.returncode == 0, result.stderr
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "デバイスへ送信できる特権プレーンの監査ログ保持期間が" in markdown
    assert "無効にしたシナリオ" in markdown and "ACME グループの PSIRT" in markdown
    assert "ACME's group PSIRT" not in markdown
    sarif = json.loads((tmp_path / "report.sarif").read_text(encoding="utf-8"))
    (rule,) = [r for r in sarif["runs"][0]["tool"]["driver"]["rules"] if r["id"] == OWN]
    assert "ACME ログ保管庫へ送り" in rule["help"]["text"]


def test_reports_are_byte_identical_for_the_same_inputs(tmp_path: Path) -> None:
    second = copied_scenario_catalog(tmp_path)
    outputs = []
    for n, order in enumerate(((ORG, second), (ORG, second), (second, ORG))):
        out = tmp_path / f"run{n}"
        args = [a for folder in order for a in ("--catalog", str(folder))]
        result = run_cli("assess", str(MODEL), *args, "--format", "md,json,html,sarif,csv", "--output", str(out))
        assert result.returncode == 0, result.stderr
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert len(outputs[0]) == 5
    assert outputs[0] == outputs[1]  # the same command twice
    assert outputs[0] == outputs[2]  # the folders in the other order: merged by prefix


# --- a copy of a bundled scenario ---------------------------------------------------------------


def test_a_copied_bundled_scenario_reports_under_its_new_id_beside_the_bundled_one(tmp_path: Path) -> None:
    root = copied_scenario_catalog(tmp_path)
    assert run_cli("catalog", "test", str(root)).returncode == 0
    result = run_cli("assess", str(MODEL), "--catalog", str(root), "--format", "json")
    assert result.returncode == 0, result.stderr
    findings = {f["id"]: f for f in json.loads(result.stdout)["findings"]}
    bundled, copy = findings["T6.online-signing-key@fw-key"], findings["T6.acme2.online-signing-key@fw-key"]
    assert bundled["status"] == copy["status"] == "open"
    assert bundled["risk"] == copy["risk"] and bundled["title"] == copy["title"]
    sarif = json.loads(run_cli("assess", str(MODEL), "--catalog", str(root), "--format", "sarif").stdout)
    ids = [r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]]
    assert "T6.online-signing-key" in ids and "T6.acme2.online-signing-key" in ids


def test_attack_paths_follow_the_organisation_catalog(tmp_path: Path) -> None:
    """With the bundled rule switched off and a copy in its place, the path steps through the copy."""
    root = copied_scenario_catalog(tmp_path, disable="T6.online-signing-key")
    result = run_cli("paths", str(MODEL), "--catalog", str(root), "--outcome", "firmware-takeover", "-f", "json")
    assert result.returncode == 0, result.stderr
    steps = {s["scenario"] for p in json.loads(result.stdout) for s in p["steps"]}
    assert "T6.acme2.online-signing-key" in steps and "T6.online-signing-key" not in steps
    plain = run_cli("paths", str(MODEL), "--outcome", "firmware-takeover", "-f", "json")
    assert "T6.online-signing-key" in {s["scenario"] for p in json.loads(plain.stdout) for s in p["steps"]}


# --- the model's own catalog list, and the other commands --------------------------------------


def _model_naming(tmp_path: Path, entry: str, extra: str = "") -> Path:
    folder = tmp_path / "models"
    folder.mkdir(exist_ok=True)
    model = folder / "service.yaml"
    model.write_text(MODEL.read_text(encoding="utf-8") + extra + f"catalog: [{entry}]\n", encoding="utf-8")
    return model


def test_a_model_names_its_catalogs_relative_to_itself(tmp_path: Path) -> None:
    org_copy(tmp_path)
    model = _model_naming(tmp_path, "../org")
    result = run_cli("assess", str(model), "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert f"{OWN}@ops-console" in {f["id"] for f in report["findings"]}
    assert report["catalogs"][1]["path"] == str(tmp_path / "org")
    library = assess(load_model(model))  # the library honours the list too
    assert f"{OWN}@ops-console" in {f.id for f in library.findings}
    same = run_cli("assess", str(model), "--catalog", str(tmp_path / "org"), "--format", "json")
    assert same.returncode == 0, same.stderr  # named twice: loaded once, no prefix clash
    assert json.loads(same.stdout)["catalogs"] == report["catalogs"]


def test_validate_knows_the_organisation_controls(tmp_path: Path) -> None:
    model = tmp_path / "service.yaml"
    model.write_text(MODEL.read_text(encoding="utf-8") + "controls: {acme.audit-vault-400d: implemented}\n",
                     encoding="utf-8")
    refused = run_cli("validate", str(model))
    assert refused.returncode == 2 and "unknown control 'acme.audit-vault-400d'" in refused.stderr
    assert run_cli("validate", str(model), "--catalog", str(ORG)).returncode == 0
    report = json.loads(run_cli("assess", str(model), "--catalog", str(ORG), "--format", "json").stdout)
    assert {f["id"]: f["status"] for f in report["findings"]}[f"{OWN}@ops-console"] == "mitigated"


def test_diff_questions_simulate_and_plan_take_the_catalog(tmp_path: Path) -> None:
    before = tmp_path / "before.json"
    before.write_text(run_cli("assess", str(MODEL), "--format", "json").stdout, encoding="utf-8")
    diff = run_cli("diff", str(before), str(MODEL), "--catalog", str(ORG), "--format", "json")
    assert diff.returncode == 0, diff.stderr
    changes = json.loads(diff.stdout)
    assert {c["id"] for c in changes["new"]} == {f"{OWN}@ops-console", f"{OWN}@dealer-tool"}
    assert f"{OFF}@service" in {c["id"] for c in changes["resolved"]}
    questions = run_cli("questions", str(MODEL), "--catalog", str(ORG), "--format", "json")
    assert questions.returncode == 0, questions.stderr
    asked = {q["field"]: q["findings"] for q in json.loads(questions.stdout)["questions"]}
    assert f"{OWN}@dealer-tool" in asked["privileged.log_retention_days"]
    for command in (("simulate", "--iterations", "200"), ("plan", "--budget", "100000", "--iterations", "200")):
        result = run_cli(command[0], str(MODEL), *command[1:], "--catalog", str(ORG), "--format", "json")
        assert result.returncode == 0, (command, result.stderr)
    missing = run_cli("simulate", str(MODEL), "--catalog", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "error[usage]: --catalog" in missing.stderr and "hint:" in missing.stderr


# --- bad input: exit 2, file:line:col, a hint, no traceback ------------------------------------

Breaker = Callable[[Path], tuple[Path, str]]  # edits the copy; returns the file and a marker on the line named


def _unknown_field(root: Path) -> tuple[Path, str]:
    (root / SCENARIO).write_text((root / SCENARIO).read_text(encoding="utf-8") + "severity_x: 3\n", encoding="utf-8")
    return root / SCENARIO, "severity_x"


def _bad_condition(root: Path) -> tuple[Path, str]:
    edit(root / SCENARIO, "field: privileged.log_retention_days\n      gte: 90",
         "field: privileged.retention_days\n      gte: 90")
    return root / SCENARIO, "privileged.retention_days"


def _bad_operator(root: Path) -> tuple[Path, str]:
    edit(root / SCENARIO, "gte: 90", "at_least: 90")
    return root / SCENARIO, "- field: privileged.log_retention_days"


def _id_without_prefix(root: Path) -> tuple[Path, str]:
    edit(root / SCENARIO, "id: T3.acme.short-audit-retention", "id: T3.short-audit-retention")
    return root / SCENARIO, "id: T3.short-audit-retention"


def _control_without_prefix(root: Path) -> tuple[Path, str]:
    edit(root / "controls" / "audit.yaml", "id: acme.audit-vault-400d", "id: audit-vault-400d")
    return root / "controls" / "audit.yaml", "id: audit-vault-400d"


def _colliding_control(root: Path) -> tuple[Path, str]:
    shutil.copy(root / "controls" / "audit.yaml", root / "controls" / "more.yaml")
    return root / "controls" / "more.yaml", "id: acme.audit-vault-400d"


def _missing_case(root: Path) -> tuple[Path, str]:
    (root / CASE).unlink()
    return root / SCENARIO, "id: T3.acme"


def _disable_without_justification(root: Path) -> tuple[Path, str]:
    text = (root / "catalog.yaml").read_text(encoding="utf-8")
    (root / "catalog.yaml").write_text(text.split("    justification:")[0], encoding="utf-8")
    return root / "catalog.yaml", f"- scenario: {OFF}"


def _disable_unknown(root: Path) -> tuple[Path, str]:
    edit(root / "catalog.yaml", f"scenario: {OFF}", "scenario: T3.no-vulnerability-disclosur")
    return root / "catalog.yaml", "- scenario: T3.no-vulnerability-disclosur"


def _missing_japanese(root: Path) -> tuple[Path, str]:
    text = (root / SCENARIO).read_text(encoding="utf-8")
    (root / SCENARIO).write_text(re.sub(r"\n  ja: デバイスへ送信できる[^\n]*", "", text, count=1), encoding="utf-8")
    return root / SCENARIO, "title:"


def _unknown_control(root: Path) -> tuple[Path, str]:
    edit(root / SCENARIO, "mitigated_by: acme.audit-vault-400d", "mitigated_by: acme.audit-vault")
    return root / SCENARIO, "mitigated_by:"


def _framework_without_prefix(root: Path) -> tuple[Path, str]:
    edit(root / "frameworks.yaml", "id: acme-sec", "id: sec")
    return root / "frameworks.yaml", "id: sec"


def _stray_file(root: Path) -> tuple[Path, str]:
    shutil.copy(default_root() / "taxonomy.yaml", root / "taxonomy.yaml")
    return root / "taxonomy.yaml", ""


def _outside_a_family(root: Path) -> tuple[Path, str]:
    (root / "scenarios" / "T9").mkdir()
    for path in (SCENARIO, CASE):
        shutil.move(root / path, root / "scenarios" / "T9" / path.name)
    return root / "scenarios" / "T9" / CASE.name, ""  # the first of the two files, in name order


BAD: list[tuple[str, Breaker, str, str]] = [
    ("unknown field", _unknown_field, "Extra inputs are not permitted", "the fields are: id, family"),
    ("unknown model field in a condition", _bad_condition, "unknown field 'privileged.retention_days'",
     "Conditions"),
    ("unknown operator", _bad_operator, "unknown operator 'at_least'", "Conditions"),
    ("scenario id without the prefix", _id_without_prefix, "does not carry this catalog's prefix 'acme'",
     "write it T3.acme.short-audit-retention"),
    ("control id without the prefix", _control_without_prefix, "does not carry this catalog's prefix",
     "write it acme.audit-vault-400d"),
    ("colliding control id", _colliding_control, "duplicate control id 'acme.audit-vault-400d'", "first defined in"),
    ("missing case file", _missing_case, "has no case file short-audit-retention.case.yaml", "needs a case"),
    ("disabling without justification", _disable_without_justification, "Field required", "add 'justification'"),
    ("disabling an unknown scenario", _disable_unknown, "no such scenario",
     "did you mean 'T3.no-vulnerability-disclosure'"),
    ("missing Japanese", _missing_japanese, "Field required", "add 'ja'"),
    ("unknown control", _unknown_control, "unknown control 'acme.audit-vault'", "controls/*.yaml"),
    ("framework id without the prefix", _framework_without_prefix, "does not carry this catalog's prefix",
     "write it acme-sec"),
    ("a file the loader does not read", _stray_file, "taxonomy.yaml is not read", "the taxonomy and vocabulary"),
    ("a scenario outside a family folder", _outside_a_family, "scenarios/T9/short-audit-retention.case.yaml is not",
     "scenarios/T<n>/<name>.yaml"),
]


@pytest.mark.parametrize(("label", "breaker", "message", "hint"), BAD, ids=[b[0] for b in BAD])
def test_bad_organisation_catalog_exits_2_at_file_line_col(tmp_path: Path, label: str, breaker: Breaker,
                                                           message: str, hint: str) -> None:
    root = org_copy(tmp_path)
    file, marker = breaker(root)
    line = line_of(file, marker) if marker else 1
    for args in (("assess", str(MODEL), "--catalog", str(root)), ("catalog", "check", str(root))):
        result = run_cli(*args)
        assert result.returncode == 2, (label, result.stdout, result.stderr)
        first, *rest = result.stderr.splitlines()
        assert re.match(rf"^{re.escape(str(file))}:{line}:\d+: error\[catalog\]: ", first), (label, first)
        assert message in first, (label, first)
        assert any(r.startswith("  hint: ") and hint in r for r in rest), (label, result.stderr)
        assert "Traceback" not in result.stderr


def test_two_catalogs_with_one_prefix_clash(tmp_path: Path) -> None:
    first, second = org_copy(tmp_path, "first"), org_copy(tmp_path, "second")
    result = run_cli("assess", str(MODEL), "--catalog", str(first), "--catalog", str(second))
    assert result.returncode == 2
    line = line_of(second / "catalog.yaml", "prefix: acme")
    assert result.stderr.startswith(f"{second / 'catalog.yaml'}:{line}:1: error[catalog]: prefix 'acme' is also "
                                    f"declared by {first}")
    assert "hint: each organisation catalog declares its own prefix" in result.stderr


def test_a_model_naming_a_missing_folder_is_told_at_its_line(tmp_path: Path) -> None:
    model = _model_naming(tmp_path, "../nowhere")
    result = run_cli("assess", str(model))
    assert result.returncode == 2
    line = line_of(model, "catalog: [../nowhere]")
    assert result.stderr.startswith(f"{model}:{line}:11: error[input]: catalog folder ")
    assert "hint: the entries under 'catalog:' are folders relative to the model file" in result.stderr


def test_a_bundled_id_cannot_change_meaning(tmp_path: Path) -> None:
    """An organisation scenario can never take a bundled id: without the prefix it does not load."""
    root = copied_scenario_catalog(tmp_path)
    scenario = root / "scenarios" / "T6" / "online-signing-key.yaml"
    edit(scenario, "id: T6.acme2.online-signing-key", "id: T6.online-signing-key")
    with pytest.raises(CatalogError, match="does not carry this catalog's prefix 'acme2'"):
        load_catalogs([Folder(root, str(root))])


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_organisation_text_in_the_catalog_listing_is_inert(tmp_path: Path, fmt: str) -> None:
    """A catalog folder is untrusted text like a model: its title reaches no terminal raw."""
    org = org_copy(tmp_path)
    edit(org / "catalog.yaml", "en: ACME internal security standard",
         'en: "ACME \\e[31mred\\e]8;;http://evil.example/\\a \\u202e"')
    done = run_cli("catalog", "--catalog", str(org), "--format", fmt)
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout and "\u202e" not in done.stdout
    assert "red" in done.stdout
