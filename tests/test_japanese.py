"""Japanese as the working group writes it: its titles, its terms, and no English in running text."""

from __future__ import annotations

import html
import json
import re
from functools import cache
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT, run_cli
from fleetrisk.catalog.loader import load_catalog
from fleetrisk.engine.assess import assess
from fleetrisk.model.loader import LoadedModel, load_model
from fleetrisk.model.schema import ServiceModel
from fleetrisk.reports import render_report
from fleetrisk.results import Assessment

MODELS = sorted(EXAMPLES.glob("*.yaml"))

#: Standard names and technical terms that Japanese security writing keeps in Latin letters.
STANDARD_NAMES = frozenset([
    "ETSI", "NIST", "OWASP", "TUF", "Uptane", "MQTT", "MQTTS", "TLS", "mTLS", "API", "USD", "JPY", "EUR", "HSM",
    "KMS", "CSA", "SCF", "ENISA", "CAPEC", "CWE", "ATT&CK", "CDN", "DNS", "PKI", "OCSP", "HTTP", "HTTPS", "SSO",
    "MFA", "VPN", "JSON", "SARIF", "CSV", "HTML", "IoT", "ISVS", "Top", "Baseline", "SBOM", "OTA", "BLE", "LAN",
    "MITRE", "ICS", "DDoS", "OAuth", "OIDC", "SAML", "IdP", "SIM", "eSIM", "UUID", "URL", "REST", "gRPC", "CoAP",
    "AMQP", "SMS", "SIEM", "SOC", "IAM", "ACL", "RBAC", "JWT", "QR", "NFC", "Wi-Fi", "GPS", "SSRF", "XSS", "SQL",
    "CSRF", "IDOR", "BOLA", "VIN", "CAN", "ECU", "TEE", "TPM", "SoC", "USB", "UART", "JTAG", "SWD", "fleetrisk",
    "AWS", "GCP", "Azure", "CVE", "CVSS", "PII", "GDPR", "PSIRT", "CERT", "CSIRT", "eFuse", "RPMB", "DPoP",
    "IMDSv2", "Webhook", "timestamp", "snapshot", "targets", "root", "Image", "Director",
])


def _model_identifiers(loaded: LoadedModel) -> set[str]:
    """What a report may quote as the model wrote it: ids, names, kinds, tracking notes."""
    model = loaded.model
    found = {model.service.name}
    for collection in ("zones", "fleets", "components", "keys", "data", "flows", "accounts"):
        for element in getattr(model, collection):
            found.add(element.id)
            if getattr(element, "name", None):
                found.add(element.name)
    found.update(c.kind for c in model.components)
    for entry in model.tracking:
        found.update([entry.id, entry.owner, entry.justification])
    return found


@cache
def _field_names() -> frozenset[str]:
    names: set[str] = set()
    stack: list[type] = [ServiceModel]
    seen: set[type] = set()
    while stack:
        cls = stack.pop()
        if cls in seen:
            continue
        seen.add(cls)
        for name, info in cls.model_fields.items():  # type: ignore[attr-defined]
            names.update([name, info.alias or name])
            for arg in _types_in(info.annotation):
                if hasattr(arg, "model_fields"):
                    stack.append(arg)
    return frozenset(names)


def _types_in(annotation: object) -> list[object]:
    found = [annotation]
    for arg in getattr(annotation, "__args__", ()) or ():
        found.extend(_types_in(arg))
    return found


def _leftover_english(text: str, identifiers: re.Pattern[str]) -> list[str]:
    """ASCII words of three or more letters left once identifiers are taken out.

    Identifiers are what the reports mark as such: code spans, 「…」 quotes, ``field = value``
    expressions and lists, YAML paths, file names and URLs, and the model's own ids and names.
    """
    t = re.sub(r"`[^`]*`", " ", text)
    t = re.sub(r"「[^」]*」", " ", t)
    t = re.sub(r"[\w.\-]+(\[\d+\])+(\.[\w.()\\]+)?", " ", t)  # YAML paths
    t = re.sub(r"[\w.\\]+ = \\?\[[^\]]*\]", " ", t)  # field = [list]
    t = re.sub(r"[\w.\\]+ = [^()()、,;。\s]+", " ", t)  # field = value
    t = re.sub(r"https?://\S+|\S+\.(yaml|json|md|html|csv|sarif|txt)\b", " ", t)
    t = identifiers.sub(" ", t)
    words = re.findall(r"[A-Za-z][A-Za-z0-9_&.\-]*[A-Za-z0-9]", t)
    return [w for w in words if len(re.sub(r"[^A-Za-z]", "", w)) >= 3 and w not in STANDARD_NAMES
            and not re.fullmatch(r"[A-Z0-9&\-]+|[A-Z]+[A-Z0-9.\-]*\d[\w.\-]*", w)]  # acronyms, CWE-770


def _identifiers(loaded: LoadedModel) -> re.Pattern[str]:
    """The model's and the catalog's identifiers as whole words, longest first."""
    catalog = load_catalog()
    found = _model_identifiers(loaded) | {s.id for s in catalog.scenarios} | set(catalog.controls) | _field_names()
    words = sorted(found, key=len, reverse=True)
    return re.compile(r"(?<![\w\-])(?:" + "|".join(map(re.escape, words)) + r")(?![\w\-])")


def _html_text(page: str) -> str:
    """Running text of the HTML report: no scripts, styles, code or diagrams (diagrams carry model
    names and flow labels only; their layout is the report issue's)."""
    page = re.sub(r"<(script|style|svg|code)\b[^>]*>.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "\n", page))


@cache
def _japanese(model: Path) -> tuple[LoadedModel, Assessment]:
    loaded = load_model(str(model))
    return loaded, assess(loaded, lang="ja")


@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.stem)
@pytest.mark.parametrize("fmt", ["md", "html", "csv", "sarif"])
def test_japanese_reports_have_no_english_in_running_text(model: Path, fmt: str) -> None:
    loaded, result = _japanese(model)
    text = render_report(fmt, result, loaded)
    if fmt == "html":
        text = _html_text(text)
    elif fmt == "sarif":
        text = "\n".join(r["message"]["text"] for run in json.loads(text)["runs"] for r in run["results"])
    identifiers = _identifiers(loaded)
    english = {(word, line.strip()[:120])
               for line in text.splitlines() for word in _leftover_english(line, identifiers)}
    assert not english, sorted(english)[:15]


def test_paths_in_japanese_have_no_english_in_running_text() -> None:
    model = EXAMPLES / "smart-appliance-cloud.yaml"
    done = run_cli("paths", str(model), "--lang", "ja", "--min-risk", "high")
    assert done.returncode == 0, done.stderr
    loaded = load_model(str(model))
    identifiers = _identifiers(loaded)
    whole = _model_identifiers(loaded) | set(load_catalog().controls)
    cells = [c.strip() for line in done.stdout.splitlines() for c in re.split(r"[│┃]", line)]
    english = {w for cell in cells for w in _leftover_english(cell, identifiers)}
    english = {w for w in english if not any(w in i for i in whole)}  # an id folded across table lines
    assert not english, sorted(english)


def test_the_family_titles_are_the_working_groups_own() -> None:
    quoted = dict(line.split("\t") for line in
                  (ROOT / "tests" / "data" / "wg-threat-titles.tsv").read_text(encoding="utf-8").splitlines())
    families = {f.id: f.title.ja for f in load_catalog().taxonomy.families}
    assert families == quoted
    _, result = _japanese(EXAMPLES / "smart-appliance-cloud.yaml")
    assert [f.title for f in result.families] == [quoted[f.family] for f in result.families]


#: Variants the terminology review rejected, and the term that replaces each (docs/glossary.md).
REJECTED = {
    "単一障害点": "単独でフリート全体の侵害に至る要素",
    "単一侵害でフリート全体に及ぶ要素": "単独でフリート全体の侵害に至る要素",
    "該当する理由": "判定根拠",
    "参照規格": "参照情報",
    "侵入口": "攻撃の起点",
    "被害範囲": "影響範囲",
    "宣言なし": "モデルに記載なし",
    "再オープン": "未対応に戻した",
    "解消する対策": "解消に有効な対策",
    "です。": "である調",
    "ます。": "である調",
    "ません": "である調",
}


@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.stem)
def test_rejected_terms_appear_in_no_japanese_output(model: Path) -> None:
    loaded, result = _japanese(model)
    for fmt in ("md", "html", "csv", "sarif", "json"):
        text = render_report(fmt, result, loaded)
        used = [term for term in REJECTED if term in text]
        assert not used, (fmt, used)


def test_the_glossary_keeps_each_recommended_term() -> None:
    glossary = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    for term in {t for t in REJECTED.values() if t != "である調"}:
        assert term in glossary, term


def test_japanese_impact_shows_the_three_axes_and_counters() -> None:
    loaded, result = _japanese(EXAMPLES / "smart-appliance-cloud.yaml")
    text = render_report("md", result, loaded)
    axes = "影響度 \\d（デバイスの特性（安全性） \\d／サービスの特性 \\d／デバイスの数（台数） \\d）"
    assert re.search(axes, text)
    assert re.search(r"\d万台", text)


@pytest.mark.parametrize("command", [
    ["simulate", "{model}", "--lang", "ja", "--iterations", "500"],
    ["plan", "{model}", "--lang", "ja", "--iterations", "500", "--budget", "500000"],
    ["catalog", "--lang", "ja", "--format", "md"],
    ["diff", "{hardened}", "{model}", "--lang", "ja"],
    ["questions", "{model}", "--lang", "ja"],
], ids=lambda c: c[0])
def test_japanese_commands_have_no_english_in_running_text(command: list[str]) -> None:
    model = EXAMPLES / "smart-appliance-cloud.yaml"
    args = [a.format(model=model, hardened=EXAMPLES / "smart-appliance-cloud-hardened.yaml") for a in command]
    done = run_cli(*args)
    assert done.returncode in (0, 1), done.stderr
    loaded = load_model(str(model))
    identifiers = _identifiers(loaded)
    whole = _model_identifiers(loaded) | set(load_catalog().controls) | {s.id for s in load_catalog().scenarios}
    cells = [c.strip() for line in done.stdout.splitlines() for c in re.split(r"[│┃|]", line)]
    english = {w for cell in cells for w in _leftover_english(cell, identifiers)}
    english = {w for w in english if not any(w in i for i in whole)}  # an id folded across table lines
    assert not english, sorted(english)


@pytest.mark.parametrize("intrusive", [False, True], ids=["safe", "intrusive"])
def test_verify_dry_run_in_japanese_has_no_english_in_running_text(intrusive: bool, tmp_path: Path) -> None:
    source = ROOT / "examples" / "loopback-deployment"
    for name in ("model.yaml", "scope.yaml"):
        (tmp_path / name).write_text((source / name).read_text(encoding="utf-8"), encoding="utf-8")
    example = (source / "fleetrisk-secrets.example.yaml").read_text(encoding="utf-8")
    secrets = example[:example.index("trust:")]  # the CA and TUF root are made by serve.py, not committed
    (tmp_path / "secrets.yaml").write_text(secrets, encoding="utf-8")
    done = run_cli("verify", "model.yaml", "--scope", "scope.yaml", "--secrets", "secrets.yaml",
                   "--dry-run", "--lang", "ja", "--format", "json", *(["--intrusive"] if intrusive else []),
                   cwd=tmp_path, env={"PYTHONPATH": str(ROOT / "src")})
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    loaded = load_model(str(tmp_path / "model.yaml"))
    names = set(re.findall(r"name: ([\w\-]+)", secrets)) | set(re.findall(r"topic: ([\w/\-]+)", secrets))
    quoted = _model_identifiers(loaded) | names | {c for a in plan["actions"] for c in a["checks"]}
    identifiers = re.compile(r"(?<![\w\-/])(?:" + "|".join(map(re.escape, sorted(quoted, key=len, reverse=True)))
                             + r")(?![\w\-/])|--[a-z\-]+|\S*/\S*|python-tuf|\b(?:mqtt|tls|http|tuf)\.[a-z\-]+")
    texts = [a["action"] for a in plan["actions"]] + plan["not_planned"]
    assert len(texts) >= 6 and all(re.search(r"[\u3040-\u30ff]", t) for t in texts)
    english = {w for t in texts for w in _leftover_english(t, identifiers)}
    assert not english, sorted(english)
