"""The one message catalogue for what an analysis says, in English and Japanese.

The analysis is language-neutral: a finding carries its reasons as data
(:class:`~fleetrisk.results.FindingReason`), and a step of the attack graph carries a
:class:`Text` (a message key and its arguments) and reasons of the same kind. Writers word
them here, so every command and format says the same thing in the same words, and a reader's
language is chosen at the last moment.

Identifiers (element ids, field paths, values as written in the model) stay as they are in
both languages: they are what the reader searches the model file for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from fleetrisk.results import Assessment, ControlState, Finding, FindingReason, Likelihood, Tracking

Lang = str


@dataclass(frozen=True, slots=True)
class Text:
    """A message still to be worded: a catalogue key and its arguments (identifiers or numbers)."""

    key: str
    args: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, key: str, /, **args: object) -> Text:
        return cls(key, tuple(args.items()))


class Seen(Protocol):
    """Where and when a live check looked (a check or a finding's reference to one)."""

    @property
    def target(self) -> str: ...

    @property
    def timestamp(self) -> str: ...


def _code(lang: Lang) -> str:
    return "ja" if lang == "ja" else "en"


#: Element types as a reader calls them.
ELEMENT_TYPES: dict[str, dict[str, str]] = {
    "en": {"service": "service", "fleet": "fleet", "component": "component", "key": "key", "data": "data set",
           "flow": "flow", "account": "account", "zone": "zone", "acceptance": "acceptance"},
    "ja": {"service": "サービス", "fleet": "フリート", "component": "コンポーネント", "key": "鍵",
           "data": "データ", "flow": "フロー", "account": "アカウント", "zone": "ゾーン",
           "acceptance": "受け入れ条件"},
}

#: Relations of the condition language (``related:``), as a reader says them.
RELATIONS: dict[str, dict[str, str]] = {
    "en": {
        "fleet": "fleet", "source": "source", "key": "verifying key", "accepts": "inputs it accepts",
        "sources": "components it takes input from", "firmware_sources": "firmware sources",
        "code_sources": "script and app sources", "command_sources": "command and configuration sources",
        "information_sources": "information and content sources", "components_used": "components it uses",
        "accepted_by": "fleet inputs it delivers", "fleets_served": "fleets it serves directly",
        "fleets_reached": "fleets it can act on, directly or through others",
        "fleets_disrupted": "fleets that lose service when it fails", "zone": "zone",
        "depends_on": "what it depends on", "dependents": "what depends on it", "keys_held": "keys it holds",
        "data_stored": "data it stores", "holder": "holder", "threshold_holders": "threshold holders",
        "verified_by": "inputs verified with it", "stores": "stores holding it", "carried_by": "flows carrying it",
        "carries": "data it carries", "via": "components it operates through", "fleets": "fleets",
        "components": "components", "internet_facing": "components reachable from the internet",
        "keys": "keys", "data": "data sets", "accounts": "accounts",
        "flows_out": "flows it sends", "flows_in": "flows it receives", "from_fleet": "sending fleet",
        "from_component": "sending component", "from_account": "sending account",
        "to_fleet": "receiving fleet", "to_component": "receiving component", "to_account": "receiving account",
    },
    "ja": {
        "fleet": "フリート", "source": "送り元", "key": "検証に使う鍵", "accepts": "受け入れる入力",
        "sources": "入力を受け取るコンポーネント", "firmware_sources": "ファームウェアの配信元",
        "code_sources": "スクリプト・アプリの配信元", "command_sources": "コマンド・設定の配信元",
        "information_sources": "情報・コンテンツの配信元", "components_used": "利用するコンポーネント",
        "accepted_by": "配信先フリートの入力", "fleets_served": "直接サービスを提供するフリート",
        "fleets_reached": "直接または他を経由して操作できるフリート",
        "fleets_disrupted": "停止するとサービスを失うフリート", "zone": "ゾーン",
        "depends_on": "依存先", "dependents": "依存元", "keys_held": "保持する鍵",
        "data_stored": "保存するデータ", "holder": "保持者", "threshold_holders": "閾値署名の保持者",
        "verified_by": "この鍵で検証する入力", "stores": "保存先", "carried_by": "運ぶフロー",
        "carries": "運ぶデータ", "via": "操作に使うコンポーネント", "fleets": "フリート",
        "components": "コンポーネント", "internet_facing": "インターネットから到達できるコンポーネント",
        "keys": "鍵", "data": "データセット", "accounts": "アカウント",
        "flows_out": "送信フロー", "flows_in": "受信フロー", "from_fleet": "送信元フリート",
        "from_component": "送信元コンポーネント", "from_account": "送信元アカウント",
        "to_fleet": "送信先フリート", "to_component": "送信先コンポーネント", "to_account": "送信先アカウント",
    },
}

#: Named graph predicates of the condition language, as a reader says them.
PREDICATES: dict[str, dict[str, str]] = {
    "en": {
        "key_signs_from_holder": "held online by the component that delivers what it signs",
        "signs_what_it_delivers": "signs what it delivers with a key it holds online",
        "internet_reachable": "reachable from the internet",
        "acts_on_unsigned": "devices act on it with nothing but the channel vouching for it",
    },
    "ja": {
        "key_signs_from_holder": "署名対象を配信するコンポーネント自身がオンラインで保持している",
        "signs_what_it_delivers": "配信するものを自らオンラインで保持する鍵で署名している",
        "internet_reachable": "インターネットから到達できる",
        "acts_on_unsigned": "通信路以外に保証のない入力でデバイスが動作する",
    },
}

#: Declared control states and where a control was declared.
CONTROL_STATES: dict[str, dict[str, str]] = {
    "en": {"implemented": "implemented", "verified": "verified", "planned": "planned", "absent": "absent",
           "not-declared": "not-declared", "refuted": "refuted",
           "element": "on the element", "service": "service-wide"},
    "ja": {"implemented": "実装済み", "verified": "検証済み", "planned": "計画中", "absent": "未実装",
           "not-declared": "モデルに記載なし", "refuted": "実地検証で否定", "element": "要素単位",
           "service": "サービス全体"},
}

#: Finding statuses (and tracking decisions) as a reader says them.
STATUS_WORDS: dict[str, dict[str, str]] = {
    "en": {"open": "open", "mitigated": "mitigated", "unknown": "unknown", "accepted": "accepted",
           "false-positive": "false positive", "in-progress": "in progress"},
    "ja": {"open": "未対応", "mitigated": "対策済み", "unknown": "情報不足", "accepted": "リスク受容",
           "false-positive": "誤検知", "in-progress": "対応中"},
}

#: Model values a report shows as words (others, such as component kinds, stay as written).
VALUE_WORDS: dict[str, dict[str, str]] = {
    "en": {"safety:none": "no safety impact", "safety:low": "low safety impact", "safety:moderate":
           "moderate safety impact", "safety:high": "high safety impact", "safety:critical": "critical safety impact",
           "audience:customer": "customers", "audience:staff": "staff", "audience:dealer": "dealers",
           "custody:online-file": "key file online", "custody:cloud-kms": "cloud KMS", "custody:online-hsm":
           "online HSM", "custody:offline-hsm": "offline HSM", "custody:threshold": "threshold signing",
           "input:firmware": "firmware", "input:script": "script", "input:app": "app", "input:command": "command",
           "input:config": "config", "input:information": "information", "input:content": "content",
           "verification:none": "no check", "verification:transport": "transport protection (TLS)",
           "verification:signature": "a signature", "auth:api-key": "an API key", "auth:mtls": "mutual TLS",
           "auth:sso-mfa": "SSO with MFA", "auth:phishing-resistant-mfa": "phishing-resistant MFA",
           "auth:?": "not stated"},
    "ja": {"safety:none": "安全性への影響なし", "safety:low": "安全性への影響 低",
           "safety:moderate": "安全性への影響 中", "safety:high": "安全性への影響 高",
           "safety:critical": "安全性への影響 重大",
           "audience:customer": "顧客", "audience:staff": "従業員", "audience:dealer": "販売店",
           "custody:online-file": "オンラインの鍵ファイル", "custody:cloud-kms": "クラウド KMS",
           "custody:online-hsm": "オンライン HSM", "custody:offline-hsm": "オフライン HSM",
           "custody:threshold": "閾値署名",
           "input:firmware": "ファームウェア", "input:script": "スクリプト", "input:app": "アプリ",
           "input:command": "コマンド", "input:config": "設定", "input:information": "情報",
           "input:content": "コンテンツ", "verification:none": "検証なし",
           "verification:transport": "通信路の保護（TLS）", "verification:signature": "署名",
           "auth:none": "認証なし", "auth:password": "パスワード", "auth:api-key": "API キー",
           "auth:token": "トークン", "auth:sso": "SSO", "auth:mtls": "相互 TLS", "auth:sso-mfa": "SSO と多要素認証",
           "auth:phishing-resistant-mfa": "フィッシング耐性のある多要素認証", "auth:?": "記載なし"},
}

#: Arguments of step messages that are model values, worded with :data:`VALUE_WORDS`.
_WORDED_ARGS = frozenset({"input", "verification", "custody", "auth"})


def value_word(field: str, value: str, lang: Lang) -> str:
    """A model value as a reader says it (``field`` is safety, audience or custody)."""
    return VALUE_WORDS[_code(lang)].get(f"{field}:{value}", value)


#: Message templates. Arguments are identifiers, numbers or already-worded phrases.
TEMPLATES: dict[str, dict[str, str]] = {
    "en": {
        "subject": "{type} '{id}'",
        "field": "{subject}: {name} = {value}",
        "relation": "{subject}: {relation}: {value}",
        "predicate": "{subject}: {predicate} ({name} = {value})",
        "negated": "not so: {body}",
        "rule": "{body} (fails: {rule})",
        "at_line": "{body} (line {line})",
        "observed": "live evidence: {check} ({target}, {timestamp}) showed {body}; the model states {stated}",
        "stated_nothing": "nothing",
        "unstated": "unknown: {subject} does not state {name}",
        "unstated_predicate": "unknown: cannot tell whether {subject} is {predicate}",
        "unstated_at": "{body} ({path}, line {line})",
        "unstated_path": "{body} ({path})",
        "none": "none",
        "no_match": "none that qualifies",
        "control": "control {id} ({title}): {state}",
        "control_at": "control {id} ({title}): {state}, {place}",
        "lowered_none": "likelihood lowered from {base} to {level}: no known way from any entry to what this needs",
        "lowered": "likelihood lowered from {base} to {level}: the easiest way to what this needs is at {reach}",
        "tracking_expired": "tracking entry '{entry}' expired on {expires}; finding reopened",
        "tracking": "tracked as {status} by {owner}: {justification}",
        # steps of the attack graph that are no finding
        "step.unchecked": "{fleet} accepts {input} from {source}, checked by {verification} only",
        "step.unverified": "{fleet} accepts {input} from {source} without any check",
        "step.network": "{fleet} accepts {input} from {source} with no check; a network attacker can substitute it",
        "step.signed": "{fleet} accepts {input} from {source}, signed by key {key}",
        "step.rollback": "{fleet} accepts an older, vulnerable signed {input} image from {source}",
        "step.threshold": "{k} of {n} holders of {key} sign together",
        "step.online": "{holder} holds {key} online ({custody})",
        "step.store": "{store} stores {data}",
        "step.foothold": "starting as {entry}, an attacker compromises {component} where it is exposed",
        "step.drive_flow": "{source} can make {target} act: it sends to it (flow {flow})",
        "step.drive_call": "{source} can make {target} act: it calls it (depends_on)",
        "step.drive_idp": "{source} can make {target} act: {target} trusts the identities it issues",
        "step.drive_sign": "{holder} signs what it is sent with {key}",
        "step.breach": "an outsider gets into the corporate network {zone} (phished staff, VPN or developer machine)",
        "step.remote": "whoever holds {component} is inside the network {zone}",
        "step.lateral": "from the network {source} the attacker moves on into {target}",
        "step.inside": "{component} is reached from inside the network {zone} (authentication: {auth})",
        "step.drive": "whoever holds {component} can make it act",
        "step.fan": "{outcome} reaches {fleet}",
        # what a live probe will do (verify --dry-run), and why one is not planned
        "probe.tls_versions": "TLS handshakes with {address}, one per protocol version 1.0-1.3",
        "probe.tls_certificate": "one TLS handshake with {address}, verifying the certificate and host name",
        "probe.mqtt_anonymous": "MQTT CONNECT without credentials to {address}",
        "probe.http_unauthenticated": "GET {url} without credentials",
        "probe.tuf_audit": "GET the top-level TUF metadata under {url} and audit it",
        "probe.tuf_refresh": "python-tuf client refresh from {url}, keeping its cache in {cache}",
        "probe.mqtt_wildcard": "{a} subscribes to '#' on {address}; {b} publishes a canary on '{topic}'",
        "probe.mqtt_cross": "{a} publishes a canary on {b}'s topic '{topic}' on {address}; {b} listens",
        "probe.object_access": "{a} and {b} GET their own objects, then each other's",
        "probe.burst": "a burst of at most {size} GETs to {url} as {user}, stopping at the first 429",
        "probe.burst_unscoped": "a burst of GETs to {url} as {user}, stopping at the first 429",
        "skip.intrusive": "{check} on {target}: needs --intrusive",
        "skip.intrusive_service": "{check}: needs --intrusive",
        "skip.devices": "{check} on {target}: needs two device identities in --secrets",
        "skip.users": "{check}: needs two user identities in --secrets",
    },
    "ja": {
        "subject": "{type}「{id}」",
        "field": "{subject}の {name} = {value}",
        "relation": "{subject}の{relation}：{value}",
        "predicate": "{subject}: {predicate}({name} = {value})",
        "negated": "該当しない：{body}",
        "rule": "{body}（満たさない条件:「{rule}」）",
        "at_line": "{body}（{line} 行目）",
        "observed": "実地検証：{check}（{target}、{timestamp}）により {body} を確認（モデルの記述：{stated}）",
        "stated_nothing": "記述なし",
        "unstated": "情報不足：{subject}に {name} の記述がない",
        "unstated_predicate": "情報不足：{subject} が「{predicate}」かどうか判断できない",
        "unstated_at": "{body}（{path}、{line} 行目）",
        "unstated_path": "{body}({path})",
        "none": "なし",
        "no_match": "該当なし",
        "control": "対策 {id}（{title}）：{state}",
        "control_at": "対策 {id}（{title}）：{state}（{place}）",
        "lowered_none": "攻撃の起点から前提条件に至る既知の経路がないため、発生可能性を {base} から {level} に"
                        "引き下げた",
        "lowered": "前提条件に至る最も容易な経路の発生可能性が {reach} のため、発生可能性を {base} から {level} に"
                   "引き下げた",
        "tracking_expired": "追跡エントリ「{entry}」は {expires} に期限切れとなったため、未対応に戻した",
        "tracking": "追跡：{status}（{owner}）：{justification}",
        "step.unchecked": "{fleet} は {source} から受け取る{input}を、{verification}以外で検証しない",
        "step.unverified": "{fleet} は {source} から受け取る{input}を検証しない",
        "step.network": "{fleet} は {source} から受け取る{input}を検証しないため、"
                        "ネットワーク上の攻撃者が差し替えられる",
        "step.signed": "{fleet} は {source} から鍵 {key} で署名された{input}を受け取る",
        "step.rollback": "{fleet} は {source} から脆弱性のある署名済み旧版の{input}を受け入れる",
        "step.threshold": "{key} の保持者 {n} 者のうち {k} 者がそろえば署名できる",
        "step.online": "{holder} が {key} をオンラインで保持している（{custody}）",
        "step.store": "{store} が {data} を保存している",
        "step.foothold": "{entry}を起点として、外部に露出した {component} が侵害される",
        "step.drive_flow": "{source} は {target} を操作できる（フロー {flow} で {target} に送信している）",
        "step.drive_call": "{source} は {target} を操作できる（{target} を呼び出して利用している）",
        "step.drive_idp": "{source} は {target} を操作できる（{target} は {source} が発行する ID を信頼している）",
        "step.drive_sign": "{holder} は送られてきたものを鍵 {key} で署名する",
        "step.breach": "外部の攻撃者が社内ネットワーク {zone} に入り込む"
                       "（従業員へのフィッシング、VPN、開発者端末など）",
        "step.remote": "{component} を握った者は {zone} のネットワークの内側に入れる",
        "step.lateral": "攻撃者は {source} のネットワークから {target} へ横展開する",
        "step.inside": "{zone} のネットワーク内部から {component} に到達される（認証：{auth}）",
        "step.drive": "{component} を握った者はそれを動かせる",
        "step.fan": "{fleet} に {outcome} が及ぶ",
        "probe.tls_versions": "{address} への TLS ハンドシェイク（プロトコルのバージョン 1.0〜1.3 ごとに 1 回）",
        "probe.tls_certificate": "{address} への TLS ハンドシェイク 1 回（証明書とホスト名を検証）",
        "probe.mqtt_anonymous": "{address} へ認証情報なしで MQTT CONNECT を送信",
        "probe.http_unauthenticated": "{url} へ認証情報なしで GET を送信",
        "probe.tuf_audit": "{url} 配下の TUF トップレベルメタデータを GET で取得して監査",
        "probe.tuf_refresh": "TUF クライアント（python-tuf）で {url} から更新を取得（キャッシュの保存先：{cache}）",
        "probe.mqtt_wildcard": "{a} が {address} で「#」を購読し、{b} が「{topic}」にカナリアを発行",
        "probe.mqtt_cross": "{a} が {address} 上の {b} のトピック「{topic}」にカナリアを発行し、{b} が受信を待つ",
        "probe.object_access": "{a} と {b} がそれぞれ自分のオブジェクト、次に相手のオブジェクトを GET で取得",
        "probe.burst": "{user} として {url} へ最大 {size} 回の GET を連続送信（最初の 429 で停止）",
        "probe.burst_unscoped": "{user} として {url} へ GET を連続送信（最初の 429 で停止）",
        "skip.intrusive": "{check}（{target}）：--intrusive の指定が必要",
        "skip.intrusive_service": "{check}：--intrusive の指定が必要",
        "skip.devices": "{check}（{target}）：--secrets にデバイスの識別情報が 2 つ必要",
        "skip.users": "{check}：--secrets にユーザーの識別情報が 2 つ必要",
    },
}


def message(key: str, lang: Lang, /, **args: object) -> str:
    """The template ``key`` in ``lang``, filled with ``args``."""
    return TEMPLATES[_code(lang)][key].format(**args)


def word(text: Text, lang: Lang, entry_label: Callable[[str], str] | None = None) -> str:
    """A :class:`Text` in ``lang``: model values among its arguments (input, verification,
    custody, authentication) as words, and an attacker's entry by ``entry_label`` when given."""
    args: dict[str, object] = {}
    for name, value in text.args:
        if name in _WORDED_ARGS:
            args[name] = value_word(name, str(value), lang)
        elif name == "entry" and entry_label is not None:
            args[name] = entry_label(str(value))
        else:
            args[name] = value
    return message(text.key, lang, **args)


def element_type(kind: str, lang: Lang) -> str:
    return ELEMENT_TYPES[_code(lang)].get(kind, kind)


def subject(kind: str, element: str, lang: Lang) -> str:
    """An element as the subject of a sentence: its type and id."""
    return message("subject", lang, type=element_type(kind, lang), id=element)


def _relation_value(value: str, lang: Lang) -> str:
    if value in ("none", "(none)"):
        return message("none", lang)
    if value == "(no match)":
        return message("no_match", lang)
    return value


def word_reason(reason: FindingReason, lang: Lang, seen: Seen | None = None) -> str:
    """One reason in ``lang``, with its model line or, for an observed value, the live check
    that saw it (``seen`` says where and when)."""
    code = _code(lang)
    who = subject(reason.element_type, reason.element, lang)
    if reason.code == "unstated":
        if reason.name.startswith("("):
            predicate = PREDICATES[code].get(reason.name.strip("()"), reason.name)
            body = message("unstated_predicate", lang, subject=who, predicate=predicate)
        else:
            body = message("unstated", lang, subject=who, name=reason.name)
        if reason.line:
            return message("unstated_at", lang, body=body, path=reason.value, line=reason.line)
        return message("unstated_path", lang, body=body, path=reason.value)
    if reason.code == "relation":
        body = message("relation", lang, subject=who, relation=RELATIONS[code].get(reason.name, reason.name),
                       value=_relation_value(reason.value, lang))
    elif reason.code == "predicate":
        body = message("predicate", lang, subject=who, predicate=PREDICATES[code].get(reason.name, reason.name),
                       name=reason.name, value=reason.value)
    else:
        body = message("field", lang, subject=who, name=reason.name, value=reason.value)
    if reason.observed:  # what the probe saw, then what the model had said
        stated = reason.stated if reason.stated is not None else message("stated_nothing", lang)
        body = message("observed", lang, body=body, check=reason.check or "?", target=seen.target if seen else "?",
                       timestamp=seen.timestamp if seen else "?", stated=stated)
    if reason.rule:
        body = message("rule", lang, body=body, rule=reason.rule)
    if reason.negated:
        body = message("negated", lang, body=body)
    return message("at_line", lang, body=body, line=reason.line) if reason.line else body


def word_control(control: ControlState, title: str, lang: Lang) -> str:
    """A control the finding depends on, its state, and where it was declared."""
    state = CONTROL_STATES[_code(lang)][control.status]
    if control.declared_on is None:
        return message("control", lang, id=control.id, title=title, state=state)
    place = CONTROL_STATES[_code(lang)][control.declared_on]
    return message("control_at", lang, id=control.id, title=title, state=state, place=place)


def word_lowered(likelihood: Likelihood, lang: Lang) -> str | None:
    """Why the likelihood is below the scenario's, when it is."""
    if likelihood.score >= likelihood.base:
        return None
    reach = likelihood.reach or 0
    key = "lowered_none" if reach == 0 else "lowered"
    return message(key, lang, base=likelihood.base, level=likelihood.score, reach=reach)


def word_tracking(tracking: Tracking, lang: Lang) -> str:
    if tracking.expired:
        return message("tracking_expired", lang, entry=tracking.entry or "?", expires=tracking.expires or "?")
    return message("tracking", lang, status=STATUS_WORDS[_code(lang)][tracking.status], owner=tracking.owner,
                   justification=tracking.justification)


def explain(finding: Finding, lang: Lang, control_title: Callable[[str], str]) -> list[str]:
    """Why ``finding`` applies, in ``lang``: its reasons, unknowns, controls, likelihood and tracking.

    Worded from the finding's data alone (``control_title`` names a control in ``lang``).
    """
    checks = {ref.check: ref for ref in finding.evidence}
    lines = list(dict.fromkeys(word_reason(r, lang, checks.get(r.check or "")) for r in finding.reasons))
    lines += [word_control(c, control_title(c.id), lang) for c in finding.controls]
    if finding.tracking is not None:
        lines.append(word_tracking(finding.tracking, lang))
    lowered = word_lowered(finding.likelihood, lang)
    if lowered:
        lines.append(lowered)
    return lines


def word_expression(expression: str, lang: Lang, *, code: bool = False) -> str:
    """A control expression (``(a or b)``, ``(a and (b or c))``) in ``lang``: 「または」 and
    「および」 in Japanese; ``code`` puts each control id in a Markdown code span."""
    words = {"or": "または", "and": "および"} if lang == "ja" else {"or": "or", "and": "and"}
    parts: list[str] = []
    for token in expression.replace("(", " ( ").replace(")", " ) ").split():
        if token in words:
            parts.append(words[token])
        elif token in "()":
            parts.append(token)
        else:
            parts.append(f"`{token}`" if code else token)
    text = " ".join(parts).replace("( ", "(").replace(" )", ")")
    if text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1]  # the outer parentheses say nothing
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def explain_finding(assessment: Assessment, finding: Finding) -> list[str]:
    """Why a finding of ``assessment`` applies, in the assessment's language."""
    controls = assessment.controls
    return explain(finding, assessment.lang, lambda cid: controls[cid].title if cid in controls else cid)
