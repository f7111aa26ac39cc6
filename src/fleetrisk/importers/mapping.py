"""Mapping helpers shared by the importers: guesses from names, trust levels, protocols.

Peer tools know generic data-flow elements; fleetrisk needs IoT roles. Where a peer states a
role outright we map it; otherwise these helpers guess from the words of a name, and the
importer marks the result as a guess.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9]+")


def words(*texts: str) -> set[str]:
    """Lower-case word set of the given texts; camelCase and snake_case split too."""
    found: set[str] = set()
    for raw in texts:
        spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", raw)
        found.update(_WORD.findall(spaced.lower()))
    return found


def _has(found: set[str], keys: tuple[str, ...]) -> bool:
    return any(key in found if " " not in key else set(key.split()) <= found for key in keys)


DEVICE_WORDS = (
    "device", "devices", "iot", "sensor", "sensors", "thermostat", "camera", "cameras", "vehicle",
    "vehicles", "car", "cars", "meter", "meters", "appliance", "appliances", "vending", "robot",
    "plc", "ecu", "tracker", "wearable", "fleet", "edge device", "controller",
    "lock", "doorbell", "bulb", "charger", "inverter", "drone", "machine", "machines", "firmware",
    "locker", "lockers", "kiosk", "kiosks", "scooter", "scooters", "printer", "printers", "plug", "plugs",
    "outlet", "outlets", "gadget", "gadgets",
)
#: Words that make a name read as server side, whatever device words it also has
#: ("Device registry", "Firmware update service", "Vehicle telematics backend").
SERVER_WORDS = (
    "service", "services", "server", "servers", "api", "apis", "backend", "cloud", "platform", "portal",
    "console", "gateway", "broker", "hub", "registry", "database", "db", "queue", "cluster", "virtual",
    "vm", "container", "kubernetes", "pipeline", "repository", "cdn", "website", "web", "dashboard",
    "lambda", "function", "endpoint", "update", "updates", "updater", "management", "manager",
)
HUMAN_WORDS = (
    "user", "users", "customer", "customers", "admin", "administrator", "operator", "operators",
    "staff", "employee", "dealer", "person", "human", "browser", "owner", "developer", "engineer",
    "technician", "support agent", "attacker", "client user", "mobile app", "app user", "mobile client",
    "smartphone", "client app", "android app", "ios app", "homeowner", "resident",
    "courier", "couriers", "player", "players", "gamer", "visitor", "visitors", "shopper", "shoppers",
    "driver", "drivers", "passenger", "passengers", "guest", "guests", "member", "members", "subscriber",
    "subscribers", "patient", "patients", "student", "students", "tenant", "tenants", "user agent",
)
STAFF_WORDS = ("admin", "administrator", "operator", "staff", "employee", "developer", "engineer", "backoffice",
               "back office",
               "technician", "support")
DEALER_WORDS = ("dealer", "installer", "reseller")

#: (component kind, words that suggest it), first match wins.
COMPONENT_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("signing-service", ("hsm", "kms", "signing", "signer", "sign")),
    ("ota-service", ("ota", "firmware", "update", "updates", "updater", "fota")),
    ("build-pipeline", ("ci cd", "pipeline", "build", "jenkins", "gitlab", "github", "repository", "repo")),
    ("provisioning", ("provisioning", "provision", "enrolment", "enrollment", "onboarding", "claim")),
    ("device-registry", ("registry", "inventory", "twin")),
    ("user-app-backend", ("api gateway", "web gateway", "app gateway", "payment gateway", "web server", "website",
                          "web site", "web app", "web application")),
    ("device-gateway", ("mqtt", "broker", "gateway", "coap", "lwm2m", "iot hub", "iot core")),
    ("command-service", ("command", "commands", "control", "remote")),
    ("config-service", ("config", "configuration", "shadow", "settings")),
    ("script-store", ("script", "scripts", "store app", "app store", "plugin", "plugins")),
    ("content-feed", ("content", "feed", "news", "weather", "cms")),
    ("media-relay", ("media", "video", "audio", "stream relay", "relay", "webrtc", "turn")),
    ("artifact-store", ("cdn", "artifact", "artifacts", "bucket", "s3", "blob")),
    ("identity-provider", ("idp", "identity", "sso", "oauth", "oidc", "ldap", "keycloak", "auth", "login",
                           "cognito", "directory")),
    ("admin-console", ("admin", "console", "backoffice", "dashboard", "portal")),
    ("support-tooling", ("support", "helpdesk", "ticket", "ticketing")),
    ("remote-access", ("vpn", "bastion", "jump host", "jumphost", "remote access", "ztna")),
    ("partner-api", ("partner", "partners", "third party", "integration", "webhook")),
    ("analytics", ("analytics", "warehouse", "bi", "report", "reporting", "ml", "lake", "spark")),
    ("ingestion", ("ingest", "ingestion", "kafka", "queue", "kinesis", "pubsub", "stream", "telemetry")),
    ("data-store", ("db", "database", "sql", "postgres", "postgresql", "mysql", "mongodb", "redis", "cache",
                    "storage", "store", "dynamodb", "cassandra", "elasticsearch", "backup")),
)

#: (zone trust, words), first match wins.
TRUST_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("production", ("public cloud", "private cloud", "vpc", "prod", "production")),
    ("untrusted", ("internet", "public", "external", "wan", "untrusted", "home", "field", "customer", "user",
                   "users", "device", "devices", "client", "clients", "mobile", "local", "player", "phone", "car",
                   "browser", "laptop", "www")),
    ("dmz", ("dmz", "edge", "perimeter", "frontend", "front")),
    ("third-party", ("partner", "third", "vendor", "saas", "supplier")),
    ("corporate", ("corporate", "corp", "office", "intranet", "enterprise", "it")),
    ("restricted", ("restricted", "secure", "secret", "vault", "hsm", "pci", "management")),
)

DATA_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("credentials", ("credential", "credentials", "password", "passwords", "token", "tokens", "key", "keys",
                     "secret", "secrets", "certificate", "session")),
    ("location", ("location", "gps", "position", "geo")),
    ("media", ("video", "image", "images", "audio", "photo", "media", "recording")),
    ("commands", ("command", "commands", "instruction", "actuation")),
    ("telemetry", ("telemetry", "sensor", "metric", "metrics", "measurement", "reading", "readings", "status")),
    ("personal", ("personal", "pii", "customer", "user", "profile", "email", "address", "name", "account",
                  "payment", "card")),
)

#: Words that make a process read as a program people run on their own machines: a client of
#: the service (a browser, an app), not a server (only with people using it, see common.py).
CLIENT_WORDS = ("browser", "app", "apps", "mobile", "phone", "smartphone", "client", "desktop", "laptop",
                "user agent", "cli", "frontend app", "game client", "tablet")
#: Words that say a zone is the internet: untrusted, whatever rating or trust the source gives it.
INTERNET_WORDS = ("internet", "www", "public internet", "world wide web")
#: Words of a flow to the devices that say it carries commands ("Send command", "Set target temperature").
COMMAND_WORDS = ("command", "commands", "control", "actuate", "actuation", "instruction", "instructions", "set",
                 "unlock", "open", "start", "stop", "switch", "turn", "reboot", "reset", "arm", "disarm")
#: Component kinds that talk to the devices themselves.
DEVICE_FACING = frozenset({"device-gateway", "ingestion", "command-service", "config-service", "ota-service",
                           "provisioning", "content-feed", "script-store", "media-relay"})
#: Component kinds that send the devices what they act on: a command flow does not make them command services.
DEVICE_SENDERS = frozenset({"command-service", "config-service", "ota-service", "script-store", "content-feed",
                            "media-relay"})
#: Data kinds the catalog treats as sensitive (personal, location, media, credentials).
SENSITIVE_DATA = frozenset({"personal", "location", "media", "credentials"})

SERVICE_TYPE_BY_KIND = {
    "ota-service": "software-distribution",
    "script-store": "software-distribution",
    "command-service": "remote-control",
    "config-service": "device-management",
    "device-registry": "device-management",
    "provisioning": "device-management",
    "media-relay": "media-relay",
    "partner-api": "partner-exchange",
}

ENCRYPTED_PROTOCOLS = {"https", "mqtts", "wss", "tls", "amqps", "coaps", "dtls", "ssh", "sftp", "ftps",
                       "ldaps", "grpcs", "smtps", "imaps", "pop3s", "h2"}
#: Protocols that carry no encryption of their own: a free-text protocol with one of these
#: names is taken as plaintext (a guess), whatever the source's unreliable flags say.
PLAINTEXT_PROTOCOLS = {"http", "mqtt", "coap", "ws", "amqp", "ftp", "tftp", "telnet", "smtp", "ldap",
                       "modbus", "modbus-tcp", "snmp", "snmpv1", "snmpv2c"}


def looks_like_device(name: str, description: str = "") -> bool:
    """Whether a peer element stands for the devices themselves.

    The name decides: server words in it ("Device registry") say no, device words ("Smart
    lock", "IoT Device") say yes. The description counts only for a name with neither, and
    only without server words of its own: descriptions of servers mention the devices they
    serve ("Cloud API", "Node.js backend for the sensors").
    """
    named = words(name)
    if _has(named, SERVER_WORDS):
        return False
    if _has(named, DEVICE_WORDS):
        return True
    described = words(description)
    return _has(described, DEVICE_WORDS) and not _has(described, SERVER_WORDS)


def looks_human(*texts: str) -> bool:
    return _has(words(*texts), HUMAN_WORDS)


def audience(*texts: str) -> str:
    """customer, staff or dealer, from the words of a name."""
    found = words(*texts)
    if _has(found, DEALER_WORDS):
        return "dealer"
    return "staff" if _has(found, STAFF_WORDS) else "customer"


def component_kind(name: str, description: str = "") -> str | None:
    """The component kind a name suggests, or failing that its description (or type); or None.

    The name is tried first on its own: descriptions and types name neighbours and platforms
    ("Node.js", "CD-MICROSOFT-AZURE-DB-POSTGRESQL") that would otherwise win.
    """
    for found in (words(name), words(description)):
        for kind, keys in COMPONENT_RULES:
            if _has(found, keys):
                return kind
    return None


def zone_trust(*texts: str) -> str | None:
    found = words(*texts)
    for trust, keys in TRUST_RULES:
        if _has(found, keys):
            return trust
    return None


def data_kind(*texts: str) -> str | None:
    found = words(*texts)
    for kind, keys in DATA_RULES:
        if _has(found, keys):
            return kind
    return None


def protocol_name(raw: str) -> str:
    """A protocol as fleetrisk writes it: lower case, no spaces."""
    return re.sub(r"\s+", "-", raw.strip().lower())[:40]


def encrypted_protocol(protocol: str) -> bool:
    return protocol in ENCRYPTED_PROTOCOLS or protocol.endswith("-encrypted")


def plaintext_protocol(protocol: str) -> bool:
    """Whether a protocol named in free text is one that runs without encryption."""
    return protocol in PLAINTEXT_PROTOCOLS


def is_internet(*texts: str) -> bool:
    """Whether a zone's name or type says it is the internet."""
    return _has(words(*texts), INTERNET_WORDS)


def looks_client(name: str) -> bool:
    """Whether a name reads as a client program (browser, mobile app, desktop client)."""
    return _has(words(name), CLIENT_WORDS)


def says_command(*texts: str) -> bool:
    return _has(words(*texts), COMMAND_WORDS)


#: Sensitivity a source states for a data item, lowest first.
SENSITIVITY = ("public", "internal", "confidential", "secret")


def data_kind_with_sensitivity(name: str, sensitivity: str | None) -> tuple[str | None, str]:
    """The data kind from a name, weighed against the sensitivity the source states.

    Returns the kind (None: no clue at all) and why: 'name', 'sensitivity' (a confidential
    or secret item whose name gives no sensitive kind is taken as personal data), or
    'public' (a public or internal item is not taken as sensitive whatever its name).
    """
    kind = data_kind(name)
    if sensitivity in ("confidential", "secret") and kind in (None, "other"):
        return "personal", "sensitivity"
    if sensitivity in ("public", "internal") and kind in SENSITIVE_DATA and kind != "credentials":
        return "other", "public"
    return kind, "name"
