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

import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from fleetrisk.results import Assessment, ControlState, Finding, FindingReason, Likelihood, Said, Tracking

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
        "relays_unsigned_input": "brings the fleet input it acts on that only the channel vouches for",
    },
    "ja": {
        "key_signs_from_holder": "署名対象を配信するコンポーネント自身がオンラインで保持している",
        "signs_what_it_delivers": "配信するものを自らオンラインで保持する鍵で署名している",
        "internet_reachable": "インターネットから到達できる",
        "acts_on_unsigned": "通信路以外に保証のない入力でデバイスが動作する",
        "relays_unsigned_input": "通信路以外に保証のない、デバイスが従って動作する入力をフリートに運ぶ",
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

#: What a live check concluded, as the verify table and the reports say it.
CHECK_STATUSES: dict[str, dict[str, str]] = {
    "en": {"verified": "verified", "refuted": "refuted", "inconclusive": "inconclusive"},
    "ja": {"verified": "確認済み", "refuted": "否定", "inconclusive": "判定不能"},
}


class Checked(Protocol):
    """A live check's result as a report shows it (an evidence check or a finding's reference)."""

    @property
    def status(self) -> str: ...

    @property
    def details(self) -> str: ...

    @property
    def said(self) -> Said | None: ...


def check_found(check: Checked, lang: Lang) -> str:
    """What a live check found, in ``lang`` (details written before messages were data stay as
    the check recorded them)."""
    return word(unsaid(check.said), lang) if check.said is not None else check.details


def check_status(status: str, lang: Lang) -> str:
    return CHECK_STATUSES[_code(lang)].get(status, status)


def check_result(check: Checked, lang: Lang) -> str:
    """``status: what it found`` of a live check in ``lang``."""
    found = check_found(check, lang)
    status = check_status(check.status, lang)
    return f"{status}\uff1a{found}" if _code(lang) == "ja" else f"{status}: {found}"


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
        # what a live check found (evidence details); {error} is a library's own message
        "check.error": "{error}",
        "check.not_run": "not run: the time budget of {budget} s ran out",
        "check.crashed": "probe failed: {error}",
        "check.request_failed": "request failed: {error}",
        "check.request_n_failed": "request {n} failed: {error}",
        "check.connect_failed": "cannot connect to {address}: {error}",
        "check.http_refused": "refused without credentials (HTTP {code})",
        "check.http_served": "declared protected, but answered HTTP {code} with {size} to a request "
                             "without credentials",
        "check.http_redirected": "redirected (HTTP {code}) to {location}; not followed",
        "check.http_neither": "HTTP {code}: neither served nor refused",
        "check.own_unreadable": "identities cannot read their own objects: {answers}",
        "check.cross_read": "an identity read another's object: {answers}",
        "check.cross_odd": "unexpected answers to reading another identity's object: {answers}",
        "check.cross_refused": "each identity reads its own object and is refused the other's ({answers})",
        "check.rate_limited": "limited (HTTP {code}) after {n} requests in {seconds} s",
        "check.burst_unserved": "no request of the burst was served (HTTP {codes})",
        "check.burst_unlimited": "{n} requests in {seconds} s from {user}, none limited ({served} served); "
                                 "the scope allows a burst of {size}",
        "check.mqtt_refused": "anonymous client refused ({error})",
        "check.mqtt_cert_required": "TLS handshake refused without a client certificate",
        "check.mqtt_tls_failed": "TLS failed before MQTT: {error}",
        "check.mqtt_accepted": "the broker accepted an MQTT connection with no credentials (CONNACK: Success)",
        "check.wildcard_leaked": "{a} subscribed to '#' and received the canary {b} published on '{topic}'",
        "check.canary_lost": "{b} did not receive its own canary on '{topic}' (PUBACK: {acked}): the delivery "
                             "path does not work, so a missing canary proves nothing",
        "check.wildcard_held": "the broker answered {a}'s '#' subscription with [{granted}] but delivered nothing "
                               "from '{topic}'; {b} received its own canary",
        "check.cross_published": "{b} received the canary {a} published on '{topic}' (PUBACK: {acked}): one "
                                 "device can write to another's topic",
        "check.canary_lost_short": "{b} did not receive its own canary on '{topic}': the delivery path does not work",
        "check.cross_held": "{a}'s canary on '{topic}' never reached {b} (PUBACK: {acked}; an acknowledgement is "
                            "not delivery); its own canary did",
        "check.tls_accepts": "accepts {versions}",
        "check.tls_refuses": "refuses {versions}",
        "check.tls_unoffered": "could not offer {versions}",
        "check.tls_timed_out": "no complete answer in time to {versions} (cut off)",
        "check.cert_cut": "cut off: no complete TLS handshake from {address} within {seconds} s",
        "check.cut_unanswered": "cut off after {seconds} s: the server had not begun its answer",
        "check.cut_cap": "cut off at the {cap}-byte cap",
        "check.cut_time": "cut off after {seconds} s",
        "check.size": "{n} bytes",
        "check.size_cut": "at least {n} bytes ({why})",
        "check.tls_legacy": "{summary}: legacy {legacy} still allowed",
        "check.tls_none": "{summary}: no TLS handshake succeeded",
        "check.tls_untested": "{summary}: legacy versions could not be tested here",
        "check.tls_ok": "{summary}",
        "check.anchor_file": "CA file {name}",
        "check.anchor_system": "the system trust store",
        "check.cert_rejected": "certificate rejected against {anchor} for host {host}: {error}",
        "check.cert_handshake_failed": "TLS handshake failed before the certificate check: {error}",
        "check.cert_ok": "chain validates against {anchor} and names {host}; valid until {until}; "
                         "negotiated {version}",
        "check.tuf_unreadable": "cannot read the repository metadata: {error}",
        "check.tuf_thresholds": "valid signatures/threshold: {roles}",
        "check.tuf_under": "valid signatures/threshold: {roles}; under threshold: {short}",
        "check.tuf_root": "root needs {k} of {n} keys",
        "check.tuf_root_weak": "root needs {k} of {n} keys: one stolen key can sign a new root",
        "check.tuf_shared_pair": "{offline} and {online} share {n} key(s)",
        "check.tuf_shared": "{pairs}: an offline role's key must be online to sign",
        "check.tuf_separate": "root and targets keys are not used by timestamp or snapshot",
        "check.tuf_expires": "expires: {roles}",
        "check.tuf_expired": "expires: {roles}; expired: {expired} (the repository serves stale metadata)",
        "check.tuf_window": "{role} ({days} days > {limit})",
        "check.tuf_too_long": "expires: {roles}; windows too long to notice a freeze: {long}",
        "check.tuf_rollback": "rollback: {error} (compared with the cache this client kept)",
        "check.tuf_stopped_rollback": "refresh stopped at the rollback",
        "check.tuf_stopped_expired": "refresh stopped at expired metadata",
        "check.tuf_freeze": "freeze: {error}; devices that enforce expiry stop updating, others accept stale metadata",
        "check.tuf_unsigned": "a role is not signed by its threshold of keys: {error}",
        "check.tuf_stopped_signature": "refresh stopped at a signature failure",
        "check.tuf_failed": "refresh failed: {error}",
        "check.tuf_no_rollback": "no metadata version went back since this client's previous run",
        "check.tuf_first_run": "first run: cache seeded from {anchor}; a later run detects rollback",
        "check.tuf_fresh": "root, timestamp, snapshot and targets verified and unexpired (trust: {anchor})",
        "check.anchor_cache": "the cached root",
        "check.anchor_trusted": "the trusted root from the secrets file",
        "check.anchor_first_use": "version 1 of root as served (trust on first use)",
        "check.acked_yes": "yes",
        "check.acked_no": "no",
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
        "check.error": "エラー（{error}）",
        "check.not_run": "未実施：時間予算 {budget} 秒を使い切った",
        "check.crashed": "検査が失敗した（{error}）",
        "check.request_failed": "要求が失敗した（{error}）",
        "check.request_n_failed": "{n} 回目の要求が失敗した（{error}）",
        "check.connect_failed": "{address} に接続できない（{error}）",
        "check.http_refused": "認証情報のない要求は拒否された（HTTP {code}）",
        "check.http_served": "保護対象と記載されているが、認証情報のない要求に HTTP {code} で {size}を返した",
        "check.http_redirected": "HTTP {code} で {location} への転送を指示された（転送先には接続していない）",
        "check.http_neither": "HTTP {code}：内容の返却も拒否もされなかった",
        "check.own_unreadable": "識別情報が自分のオブジェクトを読めない（{answers}）",
        "check.cross_read": "識別情報が他者のオブジェクトを読めた（{answers}）",
        "check.cross_odd": "他者のオブジェクトへの要求に想定外の応答があった（{answers}）",
        "check.cross_refused": "各識別情報は自分のオブジェクトを読め、他者のオブジェクトは拒否された（{answers}）",
        "check.rate_limited": "{n} 回の要求（{seconds} 秒）の後に制限された（HTTP {code}）",
        "check.burst_unserved": "連続送信した要求はいずれも処理されなかった（HTTP {codes}）",
        "check.burst_unlimited": "{user} から {seconds} 秒間に {n} 回要求したが制限されなかった"
                                 "（処理 {served} 回、スコープが許す連続送信は {size} 回）",
        "check.mqtt_refused": "認証情報のないクライアントは拒否された（{error}）",
        "check.mqtt_cert_required": "クライアント証明書のない TLS ハンドシェイクは拒否された",
        "check.mqtt_tls_failed": "MQTT の前に TLS が失敗した（{error}）",
        "check.mqtt_accepted": "ブローカーは認証情報のない MQTT 接続を受け入れた（CONNACK：Success）",
        "check.wildcard_leaked": "{a} は「#」を購読し、{b} が「{topic}」に発行したカナリアを受信した",
        "check.canary_lost": "{b} は「{topic}」に発行した自分のカナリアを受信できなかった（PUBACK：{acked}）。"
                             "配送経路が機能していないため、カナリアが届かないことは何も示さない",
        "check.wildcard_held": "ブローカーは {a} の「#」の購読に [{granted}] と応答したが"
                               "「{topic}」からは何も配送せず、"
                               "{b} は自分のカナリアを受信した",
        "check.cross_published": "{b} は {a} が「{topic}」に発行したカナリアを受信した（PUBACK：{acked}）。"
                                 "デバイスが他のデバイスのトピックに書き込める",
        "check.canary_lost_short": "{b} は「{topic}」に発行した自分のカナリアを受信できなかった。"
                                   "配送経路が機能していない",
        "check.cross_held": "{a} が「{topic}」に発行したカナリアは {b} に届かなかった（PUBACK：{acked}。"
                            "受領確認は配送を意味しない）。{b} 自身のカナリアは届いた",
        "check.tls_accepts": "受け入れる版：{versions}",
        "check.tls_refuses": "拒否する版：{versions}",
        "check.tls_unoffered": "この環境で試せない版：{versions}",
        "check.tls_timed_out": "時間内に応答が完了しなかった版：{versions}（打ち切り）",
        "check.cert_cut": "打ち切り：{seconds} 秒以内に {address} との TLS ハンドシェイクが完了しなかった",
        "check.cut_unanswered": "{seconds} 秒で打ち切った（サーバーが応答を始めていなかった）",
        "check.cut_cap": "上限の {cap} バイトで打ち切った",
        "check.cut_time": "{seconds} 秒で打ち切った",
        "check.size": "{n} バイト",
        "check.size_cut": "{n} バイト以上（{why}）",
        "check.tls_legacy": "{summary}。旧版 {legacy} がまだ使える",
        "check.tls_none": "{summary}。TLS ハンドシェイクが一度も成功しなかった",
        "check.tls_untested": "{summary}。旧版はこの環境では試せなかった",
        "check.tls_ok": "{summary}",
        "check.anchor_file": "CA ファイル {name}",
        "check.anchor_system": "システムの信頼ストア",
        "check.cert_rejected": "{anchor} を基準にホスト {host} の証明書を検証し、拒否した（{error}）",
        "check.cert_handshake_failed": "証明書の検証前に TLS ハンドシェイクが失敗した（{error}）",
        "check.cert_ok": "証明書チェーンは {anchor} で検証でき、{host} を名指している。有効期限 {until}、"
                         "交渉した版 {version}",
        "check.tuf_unreadable": "リポジトリのメタデータを読めない（{error}）",
        "check.tuf_thresholds": "有効な署名数／閾値：{roles}",
        "check.tuf_under": "有効な署名数／閾値：{roles}。閾値未満：{short}",
        "check.tuf_root": "root の署名には {n} 個中 {k} 個の鍵が必要",
        "check.tuf_root_weak": "root の署名には {n} 個中 {k} 個の鍵が必要。盗まれた鍵 1 個で新しい root に署名できる",
        "check.tuf_shared_pair": "{offline} と {online} が鍵を {n} 個共有",
        "check.tuf_shared": "{pairs}。オフラインであるべきロールの鍵が、署名のためにオンラインに置かれている",
        "check.tuf_separate": "root と targets の鍵は timestamp・snapshot に使われていない",
        "check.tuf_expires": "有効期限：{roles}",
        "check.tuf_expired": "有効期限：{roles}。期限切れ：{expired}（リポジトリが古いメタデータを配信している）",
        "check.tuf_window": "{role}（{days} 日、上限 {limit} 日）",
        "check.tuf_too_long": "有効期限：{roles}。凍結攻撃に気づくには有効期間が長すぎる：{long}",
        "check.tuf_rollback": "ロールバック（{error}）。このクライアントが保持したキャッシュとの比較による",
        "check.tuf_stopped_rollback": "ロールバックの検出で更新を中止した",
        "check.tuf_stopped_expired": "期限切れのメタデータで更新を中止した",
        "check.tuf_freeze": "凍結（{error}）。期限を確認するデバイスは更新が止まり、"
                            "確認しないデバイスは古いメタデータを受け入れる",
        "check.tuf_unsigned": "閾値を満たす鍵で署名されていないロールがある（{error}）",
        "check.tuf_stopped_signature": "署名の検証失敗で更新を中止した",
        "check.tuf_failed": "更新に失敗した（{error}）",
        "check.tuf_no_rollback": "このクライアントの前回の実行以降、メタデータの版は戻っていない",
        "check.tuf_first_run": "初回の実行：キャッシュを{anchor}から作成した。ロールバックは次回以降の実行で検出する",
        "check.tuf_fresh": "root、timestamp、snapshot、targets を検証し、いずれも期限内である（信頼の起点：{anchor}）",
        "check.anchor_cache": "キャッシュ済みの root",
        "check.anchor_trusted": "secrets ファイルの信頼済み root",
        "check.anchor_first_use": "配信された root の版 1（初回接続時の信頼）",
        "check.acked_yes": "受信",
        "check.acked_no": "未受信",
    },
}


def message(key: str, lang: Lang, /, **args: object) -> str:
    """The template ``key`` in ``lang``, filled with ``args``."""
    return TEMPLATES[_code(lang)][key].format(**args)


def word(text: Text, lang: Lang, entry_label: Callable[[str], str] | None = None) -> str:
    """A :class:`Text` in ``lang``: model values among its arguments (input, verification,
    custody, authentication) as words, an attacker's entry by ``entry_label`` when given, and
    arguments that are themselves texts (or tuples of texts, listed) worded in turn."""
    args: dict[str, object] = {}
    for name, value in text.args:
        if isinstance(value, Text):  # a phrase inside the message
            args[name] = word(value, lang, entry_label)
        elif isinstance(value, tuple) and all(isinstance(v, Text) for v in value):  # a list of phrases
            args[name] = ("、" if _code(lang) == "ja" else ", ").join(word(v, lang, entry_label) for v in value)
        elif name in _WORDED_ARGS:
            args[name] = value_word(name, str(value), lang)
        elif name == "entry" and entry_label is not None:
            args[name] = entry_label(str(value))
        else:
            args[name] = value
    return message(text.key, lang, **args)


def said(text: Text) -> Said:
    """``text`` as data for a file (evidence, a report): nested texts become nested messages."""
    args: dict[str, str | int | float | Said | list[Said]] = {}
    for name, value in text.args:
        if isinstance(value, Text):
            args[name] = said(value)
        elif isinstance(value, tuple) and all(isinstance(v, Text) for v in value):
            args[name] = [said(v) for v in value]
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            args[name] = value
        else:
            args[name] = str(value)
    return Said(key=text.key, args=args)


def unsaid(value: Said) -> Text:
    """The :class:`Text` a :class:`Said` was made from."""
    args: list[tuple[str, object]] = []
    for name, arg in value.args.items():
        if isinstance(arg, Said):
            args.append((name, unsaid(arg)))
        elif isinstance(arg, list):
            args.append((name, tuple(unsaid(a) for a in arg)))
        else:
            args.append((name, arg))
    return Text(value.key, tuple(args))


def said_problem(value: Said) -> str | None:
    """Why ``value`` cannot be worded (unknown key, missing or extra argument), or None."""
    try:
        for lang in ("en", "ja"):
            template = TEMPLATES[lang].get(value.key)
            if template is None:
                return f"unknown message {value.key!r}"
            wanted = {name for _, name, _, _ in string.Formatter().parse(template) if name}
            if wanted != set(value.args):
                return f"message {value.key!r} takes {sorted(wanted)}, not {sorted(value.args)}"
        for arg in value.args.values():
            for inner in arg if isinstance(arg, list) else [arg]:
                if isinstance(inner, Said):
                    problem = said_problem(inner)
                    if problem:
                        return problem
    except ValueError as exc:  # a malformed template cannot come from a file; kept for safety
        return str(exc)
    return None


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
