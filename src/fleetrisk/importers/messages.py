"""Text of the import notes and the mapping report, in English and Japanese."""

from __future__ import annotations

from fleetrisk.importers.draft import Note

MESSAGES: dict[str, tuple[str, str]] = {
    # mapped
    "m_zone": ("{tool} boundary '{name}' -> zone {id}", "{tool} の境界 '{name}' -> ゾーン {id}"),
    "m_fleet": ("{tool} {cls} '{name}' -> fleet {id}", "{tool} の {cls} '{name}' -> フリート {id}"),
    "m_account": ("{tool} {cls} '{name}' -> account {id}", "{tool} の {cls} '{name}' -> アカウント {id}"),
    "m_component": ("{tool} {cls} '{name}' -> component {id} ({kind})",
                    "{tool} の {cls} '{name}' -> コンポーネント {id} ({kind})"),
    "m_stated": ("{tool} element '{name}' -> {section} {id}, every fact as fleetrisk exported it",
                 "{tool} の要素 '{name}' -> {section} {id}、fleetrisk が書き出した事実をそのまま使用"),
    "m_inside_device": ("{tool} element '{name}' is drawn inside the devices -> part of fleet {id}",
                        "{tool} の要素 '{name}' は機器の内側に描かれている -> フリート {id} の一部"),
    "m_boundary_line": ("{tool} boundary line '{name}' -> crossing marked on {count} flows: {flows}",
                        "{tool} の境界線 '{name}' -> 横切るフロー {count} 本に記録: {flows}"),
    "m_key": ("{tool} signing key '{name}' -> key {id}", "{tool} の署名鍵 '{name}' -> 鍵 {id}"),
    "m_data": ("{tool} data '{name}' -> data set {id} ({kind})",
               "{tool} のデータ '{name}' -> データセット {id} ({kind})"),
    "m_flow": ("{tool} flow '{name}' -> flow {id} ({source} -> {target})",
               "{tool} のフロー '{name}' -> フロー {id} ({source} -> {target})"),
    # guesses (YAML comments and report lines)
    "g_trust": ("trust '{value}' guessed from the boundary's name", "信頼度 '{value}' は境界の名前からの推定"),
    "g_trust_rating": ("trust '{value}' derived from the zone's trust rating {rating}/100",
                       "信頼度 '{value}' はゾーンの信頼評価 {rating}/100 から導いた"),
    "g_trust_internet": ("trust 'untrusted': the zone is the internet, whatever rating the source gives it",
                         "信頼度 'untrusted': インターネットのゾーンは、元の評価にかかわらず信頼しない"),
    "n_blank_name": ("the {tool} name is blank: named '{value}' here", "{tool} の名前が空のため '{value}' と命名"),
    "n_blank_flow_name": ("the {tool} flow name is blank: its id is made from its ends",
                          "{tool} のフロー名が空のため、ID は両端から作成"),
    "n_markup_name": ("markup taken out of the {tool} name '{value}'", "{tool} の名前 '{value}' から書式タグを除去"),
    "g_third_party": ("{tool} marks it a third-party service: an external dependency",
                      "{tool} が第三者のサービスとしているため外部依存とした"),
    "g_data_kind_sensitivity": ("data kind '{value}' assumed: the source states {stated} and the name gives "
                                "no sensitive kind; set the right kind",
                                "データ種別 '{value}' を仮定: 元の記載は {stated} で、名前から機微な種別が分からない。"
                                "正しい種別を設定すること"),
    "g_data_kind_public": ("data kind '{value}': the source states {stated}, so the name's sensitive kind is "
                           "not used",
                           "データ種別 '{value}': 元の記載が {stated} のため、名前が示す機微な種別は使わない"),
    "g_stored_in_processed": ("stored where {tool}'s processedBy says it is handled (data stores first)",
                              "{tool} の processedBy が示す処理場所 (データストア優先) に保存と推定"),
    "g_kind_commands": ("kind '{value}': it sends the devices commands (flow {flow})",
                        "種別 '{value}': 機器へコマンドを送る (フロー {flow}) ため"),
    "g_kind_customers": ("kind '{value}': named like a staff tool, but only customers use it ({users})",
                         "種別 '{value}': 名前は社内向けツールだが、顧客 ({users}) だけが利用するため"),
    "g_kind_device_facing": ("kind '{value}': it talks to the devices and its name gives no device-facing kind",
                             "種別 '{value}': 機器と通信し、名前から機器向けの種別が分からないため"),
    "g_kind_no_devices": ("kind '{value}': named like a device gateway, but no device talks to it; people do",
                          "種別 '{value}': 名前はデバイスゲートウェイだが、機器ではなく人が利用するため"),
    "g_client": ("a client program people run (used by {users}, it calls the service): modelled as their account",
                 "利用者が動かすクライアント ({users} が使い、サービスを呼び出す): その利用者のアカウントとして記述"),
    "g_kind_type": ("kind '{value}' from the {tool} type '{type}'", "種別 '{value}' は {tool} の型 '{type}' から"),
    "g_local_interface": ("'{name}' is drawn inside the devices: a local interface of theirs",
                          "'{name}' が機器の内側に描かれているため、機器のローカルインターフェースとした"),
    "g_crosses": ("crosses the trust boundary '{name}' drawn as a line in {tool}",
                  "{tool} で線として描かれた信頼境界 '{name}' を横切る"),
    "g_trust_default": ("trust '{value}' assumed: the boundary's name gives no clue",
                        "信頼度 '{value}' を仮定: 境界の名前に手がかりなし"),
    "g_device": ("a device fleet, because the {tool} {cls}'s name reads like devices",
                 "{tool} の {cls} の名前が機器を示すため、機器フリートとして扱った"),
    "g_placeholder_fleet": ("placeholder fleet: the {tool} model names no devices; describe your real fleets",
                            "仮のフリート: {tool} のモデルに機器がないため。実際のフリートを記述すること"),
    "g_placeholder_component": ("placeholder component: the {tool} model has no server-side element",
                                "仮のコンポーネント: {tool} のモデルにサーバー側の要素がない"),
    "g_audience": ("audience '{value}' guessed from the name", "利用者区分 '{value}' は名前からの推定"),
    "g_external": ("a system outside the service ({tool} {cls}): modelled as an external dependency",
                   "サービス外のシステム ({tool} の {cls}): 外部依存として記述"),
    "g_kind": ("kind '{value}' guessed from the name", "種別 '{value}' は名前からの推定"),
    "g_kind_default": ("kind '{value}' assumed for this {tool} {cls}: the name gives no clue",
                       "{tool} の {cls} に種別 '{value}' を仮定: 名前に手がかりなし"),
    "g_kind_technology": ("kind '{value}' guessed from the technology '{technology}'",
                          "種別 '{value}' は技術 '{technology}' からの推定"),
    "g_data_kind": ("data kind '{value}' guessed from the name", "データ種別 '{value}' は名前からの推定"),
    "g_data_kind_default": ("data kind '{value}': the name gives no clue", "データ種別 '{value}': 名前に手がかりなし"),
    "g_records": ("records guessed from the quantity '{quantity}'", "レコード数は量 '{quantity}' からの推定"),
    "g_stored_in_store": ("stored in the data stores its flows reach",
                          "フローが届くデータストアに保存されていると推定"),
    "g_stored_in_component": ("no data store receives it: stored in a component its flows reach (check)",
                              "受け取るデータストアがないため、フローが届くコンポーネントに保存と推定 (要確認)"),
    "g_encrypted_flag": ("{tool} marks the flow encrypted; 'tls' assumed",
                         "{tool} が暗号化ありとしているため 'tls' を仮定"),
    "g_plaintext_protocol": ("protocol '{protocol}' runs without encryption; 'none' assumed",
                             "プロトコル '{protocol}' は暗号化なしで動作するため 'none' を仮定"),
    "g_internet_from_account": ("reached by customer account {account}: internet exposure assumed",
                                "顧客アカウント {account} から到達するため、インターネット公開を仮定"),
    "g_service_types": ("service types guessed from the component kinds", "サービス種別はコンポーネント種別からの推定"),
    "g_auth": ("authentication '{value}' mapped from {tool} '{source}'",
               "認証 '{value}' は {tool} の '{source}' から対応付け"),
    "g_authz": ("authorisation '{value}' mapped from {tool} '{source}'",
                "認可 '{value}' は {tool} の '{source}' から対応付け"),
    "g_zone_geometry": ("zone taken from the trust boundary box drawn around it",
                        "周囲に描かれた信頼境界の枠からゾーンを判定"),
    "g_reverse_flow": ("reverse of a bidirectional {tool} flow", "{tool} の双方向フローの逆向き"),
    # to fill in
    "f_fleet_size": ("devices and safety are placeholders: set the real device count and what a hijacked "
                     "device can do to people or property (none, low, moderate, high, critical)",
                     "devices と safety は仮の値: 実際の台数と、乗っ取られた機器が人や物に与え得る被害 "
                     "(none, low, moderate, high, critical) を記入"),
    "f_no_devices": ("the {tool} model names no devices, so this fleet has 0 devices and its device rules are not "
                     "assessed: describe your real fleets (devices, safety, identity, accepts) to assess them",
                     "{tool} のモデルに機器がないため、このフリートは 0 台で、機器に関するルールは評価しない。"
                     "評価するには実際のフリート (devices, safety, identity, accepts) を記述すること"),
    "f_identity": ("identity: how each device proves who it is (kind, key_storage, provisioning, revocable)",
                   "identity: 各機器が自分を証明する方法 (kind, key_storage, provisioning, revocable)"),
    "f_receives_from": ("it receives data from {component} (flow {flow}): add it under accepts with its "
                        "verification",
                        "{component} からデータを受け取る (フロー {flow}): accepts に検証方法と共に追加"),
    "f_accepts": ("accepts: what these devices take from the cloud (firmware, script, app, command, config, "
                  "information, content), from which component, and how they verify it (none, transport, "
                  "signature with which key)",
                  "accepts: 機器がクラウドから受け取るもの (firmware, script, app, command, config, information, "
                  "content)、送り元のコンポーネント、検証方法 (none, transport, どの鍵による signature)"),
    "f_unzoned": ("{count} components have no zone: place them in a zone",
                  "ゾーンのないコンポーネントが {count} 個: ゾーンに配置すること"),
    "f_keys": ("keys: the signing keys and CAs (holder, custody, what they sign); peer formats do not describe them",
               "keys: 署名鍵と CA (保管者、保管方式、署名対象)。他ツールの形式には含まれない"),
    "f_practices": ("practices and controls: service-wide facts (segmentation, anomaly detection, key-use "
                    "monitoring) and the controls in place",
                    "practices と controls: サービス全体の事実 (分離、異常検知、鍵使用の監視) と実施中の対策"),
    # ignored
    "ignored_section": ("'{section}' is not imported", "'{section}' は取り込まない"),
    "nested_zone": ("zone {zone} was nested in '{parent}'; fleetrisk zones are flat",
                    "ゾーン {zone} は '{parent}' の内側にあった。fleetrisk のゾーンは入れ子にしない"),
    "blank_duplicate": ("another {what} with a blank name ('{name}'): its elements join the first one",
                        "名前が空の{what}がもう一つある ('{name}'): その要素は最初のものに含めた"),
    "pytm_placeholder_data": ("{count} data items named '{name}' are pytm's stand-ins for flows whose data was "
                              "given as text: skipped",
                              "'{name}' という名前のデータ {count} 件は、データを文字列で指定したフローに pytm が"
                              "作る代用品のため取り込まない"),
    "otm_facts_invalid": ("the file's fleetrisk attributes do not make a valid model ({problem}): read as any "
                          "OTM file",
                          "ファイルの fleetrisk 属性は有効なモデルにならない ({problem}): 通常の OTM として読んだ"),
    "dropped_data": ("data '{name}' is neither stored nor carried by a flow to a component: not imported",
                     "データ '{name}' は保存先もコンポーネントへのフローもないため取り込まない"),
    "ignored_cell": ("diagram cells of shape '{shape}' carry no model facts ({count})",
                     "形状 '{shape}' の図セル {count} 個はモデルの事実を持たない"),
    "loose_flow": ("flow '{name}' (line {line}): its {side} is not attached to an element, so it is not "
                   "imported; connect it in Threat Dragon and import again",
                   "フロー '{name}' (行 {line}): {side} 側が要素につながっていないため取り込まない。"
                   "Threat Dragon で接続してから再度取り込むこと"),
    "key_without_custody": ("signing key '{name}' states no custody (online-file, cloud-kms, online-hsm, "
                            "offline-hsm, threshold): add it under keys",
                            "署名鍵 '{name}' に保管方式 (online-file, cloud-kms, online-hsm, offline-hsm, threshold) "
                            "の記載がない: keys に追加すること"),
    "key_threshold_incomplete": ("signing key '{name}' uses threshold custody without its k and holders "
                                 "(components): add it under keys",
                                 "署名鍵 '{name}' はしきい値方式だが k と保管者 (コンポーネント) の記載がない: "
                                 "keys に追加すること"),
    "curve_boundary": ("trust boundary line '{name}' crosses no imported flow and encloses nothing: no zone or "
                       "crossing comes from it",
                       "信頼境界線 '{name}' は取り込んだフローと交わらず何も囲まないため、ゾーンも横断も導けない"),
    "device_internal_flow": ("flow '{name}' runs between parts of the devices {id}: not a flow of the service",
                             "フロー '{name}' は機器 {id} の内部の部品どうしを結ぶため、サービスのフローではない"),
    "out_of_scope": ("'{name}' is marked out of scope in {tool}; imported anyway",
                     "'{name}' は {tool} で対象外とされているが取り込んだ"),
    # facts
    "pytm_findings": ("pytm's own run listed {count} findings ({per} per element). They are not copied: "
                      "'fleetrisk assess' derives findings from the architecture with its IoT catalog",
                      "pytm 自身の実行結果は {count} 件の指摘 (要素あたり {per} 件)。これは取り込まず、"
                      "'fleetrisk assess' が IoT カタログで構成から指摘を導く"),
    "peer_threats": ("{count} threats written in {tool} are not imported; 'fleetrisk assess' derives its own",
                     "{tool} に記載された脅威 {count} 件は取り込まない。'fleetrisk assess' が独自に導く"),
    "risk_tracking": ("{count} {tool} risk-tracking entries are not imported: their ids name {tool} rules",
                      "{tool} のリスク追跡 {count} 件は取り込まない: ID が {tool} のルールを指すため"),
}

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "fleetrisk import: mapping report",
        "source": "Source",
        "output": "Model",
        "counts": "Imported",
        "mapped": "Mapped",
        "guessed": "Guessed (marked 'guess:' in the model)",
        "fill_in": "A human must fill in (marked 'fill in:' in the model)",
        "ignored": "Not imported",
        "facts": "Notes",
        "more": "more; see the full report with --report FILE",
        "guess": "guess",
        "todo": "fill in",
        "header": "Imported by fleetrisk from {tool} file '{file}'.",
        "legend": "'guess:' marks inferred values to check; 'fill in:' marks what the IoT analysis needs from you.",
        "next": "Next: fleetrisk validate {model} && fleetrisk assess {model} (all questions: fleetrisk questions "
                "{model})",
        "count_line": "{zones} zones, {fleets} fleets, {components} components, {keys} keys, {data} data sets, "
                      "{flows} flows, {accounts} accounts",
    },
    "ja": {
        "title": "fleetrisk import: 対応付けレポート",
        "source": "元ファイル",
        "output": "モデル",
        "counts": "取り込んだもの",
        "mapped": "対応付け",
        "guessed": "推定 (モデル中に '推定:' と記載)",
        "fill_in": "人が記入すべきもの (モデル中に '要記入:' と記載)",
        "ignored": "取り込まなかったもの",
        "facts": "補足",
        "more": "件は省略。全体は --report FILE で出力",
        "guess": "推定",
        "todo": "要記入",
        "header": "fleetrisk が {tool} のファイル '{file}' から取り込んだモデル。",
        "legend": "'推定:' は確認すべき推定値、'要記入:' は IoT の分析に必要な記入事項を示す。",
        "next": "次に: fleetrisk validate {model} && fleetrisk assess {model} (質問の一覧: fleetrisk questions "
                "{model})",
        "count_line": "ゾーン {zones}、フリート {fleets}、コンポーネント {components}、鍵 {keys}、"
                      "データセット {data}、フロー {flows}、アカウント {accounts}",
    },
}


def render(note: Note, lang: str) -> str:
    """The text of ``note`` in ``lang`` (en or ja)."""
    args = dict(note.args)
    if note.key == "on_element":
        inner = Note(args.pop("note_key"), tuple(args.items()))
        return f"{args['element']}: {render(inner, lang)}"
    en, ja = MESSAGES[note.key]
    return (ja if lang == "ja" else en).format(**args)
