"""The service model: what a provider writes about its IoT cloud service.

Every class forbids unknown keys. A field left out (``None``) means "not stated";
catalog rules that need it report an ``unknown`` finding naming the field instead of
guessing. Enumerations are closed lists so that a typo is an error with a hint.

What each field and value means, with an example, is data in ``fields.yaml`` (English and
Japanese), read by ``fleetrisk explain``, the JSON Schema and ``fleetrisk questions``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator

from fleetrisk.vocab import AttackerEntry, FleetOutcome, LikelihoodName

Id = Annotated[
    str,
    Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,79}$"),
]
Text = Annotated[str, Field(max_length=4000)]
Count = Annotated[StrictInt, Field(ge=0, le=10**12)]


def _documented(schema: dict[str, Any], cls: type[Any]) -> None:
    """Put each field's description and example (``fields.yaml``) into the JSON Schema."""
    from fleetrisk.model.fielddocs import document_schema  # read only when a schema is made

    document_schema(schema, cls)


class Strict(BaseModel):
    """Base: unknown keys are errors; values are not coerced between types."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, json_schema_extra=_documented)


# --- vocabularies -------------------------------------------------------------------

ServiceType = Literal[
    "telemetry",
    "remote-control",
    "media-relay",
    "software-distribution",
    "device-management",
    "partner-exchange",
    "safety-critical",
]
Safety = Literal["none", "low", "moderate", "high", "critical"]
OfflineBehaviour = Literal["keeps-working", "degraded", "fails", "fails-unsafe"]
Reconnect = Literal["backoff-jitter", "fixed-interval", "immediate"]
IdentityKind = Literal[
    "per-device-certificate", "per-device-secret", "shared-secret", "identifier-only", "none"
]
KeyStorage = Literal["secure-element", "tpm", "flash", "firmware-image"]
Provisioning = Literal["factory-injected", "on-device-generated", "first-use-claim", "none"]
OwnershipBinding = Literal[
    "possession-and-owner-confirm", "owner-confirm", "possession-only", "identifier-only", "none"
]
InputKind = Literal["firmware", "script", "app", "command", "config", "information", "content"]
Verification = Literal["none", "transport", "signature"]
DeviceUse = Literal["acts", "displays"]
ComponentKind = Literal[
    "device-gateway",
    "ingestion",
    "device-registry",
    "provisioning",
    "command-service",
    "config-service",
    "content-feed",
    "script-store",
    "ota-service",
    "signing-service",
    "build-pipeline",
    "artifact-store",
    "data-store",
    "analytics",
    "admin-console",
    "support-tooling",
    "remote-access",
    "user-app-backend",
    "partner-api",
    "identity-provider",
    "media-relay",
    "external-dependency",
]
Exposure = Literal["internet", "devices", "partners", "corporate", "internal"]
Auth = Literal[
    "none", "password", "api-key", "token", "mtls", "sso", "sso-mfa", "phishing-resistant-mfa"
]
Authorization = Literal[
    "per-object", "per-device", "per-tenant", "identifier-only", "global", "none"
]
Redundancy = Literal["single", "multi"]
DependencyKind = Literal["dns", "cdn", "cloud-region", "pki", "ocsp", "time", "telco", "relay", "other"]
AdminScope = Literal["jit-customer-approved", "per-tenant", "all-tenants"]
StandingAccess = Literal["least-privilege", "standing-broad"]
Approval = Literal["multi-party", "single-operator", "none"]
SecretsPlace = Literal["debug-endpoint", "code-repository", "image", "logs", "config-file"]
Custody = Literal["online-file", "cloud-kms", "online-hsm", "offline-hsm", "threshold"]
DataKind = Literal["telemetry", "personal", "location", "media", "credentials", "commands", "other"]
Encryption = Literal["none", "tls", "mtls", "end-to-end"]
ZoneTrust = Literal["untrusted", "dmz", "production", "corporate", "restricted", "third-party"]
ControlStatus = Literal["implemented", "verified", "planned", "absent"]
TrackingStatus = Literal["accepted", "mitigated", "false-positive", "in-progress"]
AccountAuth = Literal["password-only", "mfa-optional", "mfa-mandatory"]
AccountCapability = Literal[
    "view-data", "control-actuators", "push-audio", "push-notifications", "change-config", "share-access"
]
PartnerScope = Literal["per-customer-consent", "per-function", "global"]
PartnerCapability = Literal["read-data", "send-commands", "rebind-ownership", "push-content"]
PartnerVetting = Literal["strong", "weak", "self-service"]
TokenLifetime = Literal["short-bound", "long-bearer"]
DataCopyKind = Literal["production", "analytics", "backup", "non-production"]
ProdDataInNonProd = Literal["none", "masked", "raw"]
OutboundUrls = Literal["none", "fixed", "partner-configured", "user-configured"]
Precision = Literal["precise", "coarse", "aggregated"]
LoginPasswords = Literal["universal-default", "unique-per-device", "user-set", "none"]
DebugAccess = Literal["removed", "locked", "physical-port", "network-service"]
UpdateInstall = Literal["automatic", "optional", "manual"]
SideloadFirmware = Literal["refused", "signature-checked", "unchecked"]

Controls = dict[str, ControlStatus]


# --- service -------------------------------------------------------------------------


class Service(Strict):
    """The service as a whole."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    owner: str | None = None
    description: Text | None = None
    types: Annotated[list[ServiceType], Field(min_length=1)]


class Zone(Strict):
    """A trust boundary: a network, cloud account or organisational domain."""

    id: Id
    name: str | None = None
    trust: ZoneTrust
    cloud_account: str | None = None
    identity_provider: str | None = None


# --- fleets --------------------------------------------------------------------------


class Identity(Strict):
    """How a device proves who it is to the service."""

    kind: IdentityKind
    key_storage: KeyStorage | None = None
    provisioning: Provisioning | None = None
    revocable: StrictBool | None = None
    rotated: StrictBool | None = None


class Acceptance(Strict):
    """One thing the devices of a fleet take from the cloud, and how they check it."""

    input: InputKind
    source: Id = Field(alias="from")
    verification: Verification
    key: Id | None = None
    anti_rollback: StrictBool | None = None
    use: DeviceUse | None = None
    expiry_checked: StrictBool | None = None
    hardware_bound: StrictBool | None = None

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)


class Rollout(Strict):
    """How changes reach the fleet."""

    staged: StrictBool
    first_wave_percent: Annotated[float, Field(gt=0, le=100)] | None = None
    halt_on_anomaly: StrictBool | None = None


class Fleet(Strict):
    """A population of devices that behave alike towards the service."""

    id: Id
    name: str | None = None
    device_class: str | None = None
    devices: Count
    safety: Safety
    offline_behaviour: OfflineBehaviour | None = None
    offline_expiry: Literal["hours", "days", "weeks", "months"] | None = None
    reconnect: Reconnect | None = None
    identity: Identity | None = None
    ownership_binding: OwnershipBinding | None = None
    local_interface: StrictBool | None = None
    accepts: list[Acceptance] = Field(default_factory=list)
    rollout: Rollout | None = None
    controls: Controls = Field(default_factory=dict)
    validates_server_certificate: StrictBool | None = None
    login_passwords: LoginPasswords | None = None
    debug_access: DebugAccess | None = None
    update_install: UpdateInstall | None = None
    sideload_firmware: SideloadFirmware | None = None


# --- components ----------------------------------------------------------------------


class Dependency(Strict):
    """Facts about an external dependency (kind ``external-dependency``)."""

    kind: DependencyKind
    redundancy: Redundancy | None = None


class Privileged(Strict):
    """Facts about a privileged plane: admin consoles, support tools, CI/CD."""

    scope: AdminScope | None = None
    standing_access: StandingAccess | None = None
    can_push_to_devices: StrictBool | None = None
    audited: StrictBool | None = None
    log_retention_days: Count | None = None
    log_deletable_by_operators: StrictBool | None = None


class MassOperations(Strict):
    """Fleet-wide commands, configuration, wipes, or information and content broadcasts."""

    allowed: StrictBool
    approval: Approval | None = None
    rate_limited: StrictBool | None = None
    independently_signed: StrictBool | None = None


class Partner(Strict):
    """Facts about a partner or third-party integration (kind ``partner-api``)."""

    scope: PartnerScope | None = None
    capabilities: list[PartnerCapability] | None = None
    vetting: PartnerVetting | None = None
    token_lifetime: TokenLifetime | None = None
    token_storage: Literal["vault", "partner-managed", "plaintext"] | None = None


class Endpoint(Strict):
    """A network endpoint of a component, for live verification (``fleetrisk verify``)."""

    url: Annotated[str, Field(min_length=1, max_length=2000)]
    protocol: Literal["mqtt", "mqtts", "http", "https", "tls", "tuf"]
    purpose: str | None = None
    protected: StrictBool | None = None


class Component(Strict):
    """A server-side or third-party part of the service."""

    id: Id
    name: str | None = None
    kind: ComponentKind
    zone: Id | None = None
    exposure: list[Exposure] = Field(default_factory=list)
    auth: Auth | None = None
    authorization: Authorization | None = None
    authz_cache: StrictBool | None = None
    rate_limited: StrictBool | None = None
    redundancy: Redundancy | None = None
    depends_on: list[Id] = Field(default_factory=list)
    encryption_at_rest: StrictBool | None = None
    secrets_exposed_in: list[SecretsPlace] | None = None
    data_copy: DataCopyKind | None = None
    outbound_urls: OutboundUrls | None = None
    dependency: Dependency | None = None
    privileged: Privileged | None = None
    mass_operations: MassOperations | None = None
    partner: Partner | None = None
    endpoints: list[Endpoint] = Field(default_factory=list)
    controls: Controls = Field(default_factory=dict)
    client_side_filtering: StrictBool | None = None
    input_hardening: StrictBool | None = None
    browser_protections: StrictBool | None = None
    critical_patch_days: Count | None = None
    runtime_isolation: Literal["dedicated", "shared-same-trust", "shared-with-exposed"] | None = None


class ThresholdSpec(Strict):
    """k-of-n signing."""

    k: Annotated[StrictInt, Field(ge=1, le=1000)]
    holders: Annotated[list[Id], Field(min_length=1)]


class Key(Strict):
    """A signing key or CA."""

    id: Id
    name: str | None = None
    holder: Id | None = None
    custody: Custody
    threshold: ThresholdSpec | None = None
    signs: list[InputKind] = Field(default_factory=list)
    shared_across_products: StrictBool | None = None
    debug_and_release_shared: StrictBool | None = None
    rotation_possible: StrictBool | None = None
    controls: Controls = Field(default_factory=dict)


class DataSet(Strict):
    """A data set collected or held by the service."""

    id: Id
    name: str | None = None
    kind: DataKind
    records: Count | None = None
    stored_in: Annotated[list[Id], Field(min_length=1)]
    retention_days: Count | None = None
    precision: Precision | None = None
    anonymised: StrictBool | None = None
    controls: Controls = Field(default_factory=dict)
    relinkable: StrictBool | None = None
    deleted_when_owner_leaves: StrictBool | None = None


class Flow(Strict):
    """A data flow between fleets and components."""

    id: Id
    source: Id = Field(alias="from")
    target: Id = Field(alias="to")
    protocol: str | None = None
    carries: list[Id] = Field(default_factory=list)
    authentication: Auth | None = None
    authorization: Authorization | None = None
    encryption: Encryption | None = None
    controls: Controls = Field(default_factory=dict)

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)


class Account(Strict):
    """A class of human accounts: customers, staff, dealers."""

    id: Id
    name: str | None = None
    audience: Literal["customer", "staff", "dealer"]
    auth: AccountAuth | None = None
    breached_password_screening: StrictBool | None = None
    login_alerts: StrictBool | None = None
    capabilities: list[AccountCapability] = Field(default_factory=list)
    via: Id | None = None
    client_side_only_checks: StrictBool | None = None
    controls: Controls = Field(default_factory=dict)
    contractors: StrictBool | None = None


class TrackingEntry(Strict):
    """A decision on a finding, keyed by ``<scenario>@<element>`` (``*`` allowed)."""

    id: Annotated[str, Field(min_length=3, max_length=200)]
    status: TrackingStatus
    justification: Annotated[str, Field(min_length=1, max_length=4000)]
    owner: Annotated[str, Field(min_length=1)]
    expires: Annotated[dt.date, Field(strict=False)] | None = None
    ticket: str | None = None


class Practices(Strict):
    """Service-wide facts that belong to no single element."""

    it_iot_segmentation: Literal["separate", "shared"] | None = None
    backups_reachable_from_production: StrictBool | None = None
    prod_data_in_nonprod: ProdDataInNonProd | None = None
    anomaly_detection: StrictBool | None = None
    key_use_monitoring: StrictBool | None = None
    vulnerability_disclosure: StrictBool | None = None
    secrets_scanning: StrictBool | None = None
    access_changes_reviewed: StrictBool | None = None
    server_base_images: Literal["curated", "pinned-public", "floating-public"] | None = None
    hardening_baseline: StrictBool | None = None


# --- quantitative loss (optional; see docs/quantitative.md) ------------------------------

ThreatEntry = AttackerEntry
Amount = Annotated[float, Field(ge=0, le=1e15)]
Probability = Annotated[float, Field(ge=0, le=1)]


class Estimate(Strict):
    """A three-point estimate (beta-PERT): lowest, most likely and highest."""

    low: Amount
    mode: Amount
    high: Amount

    @model_validator(mode="after")
    def _ordered(self) -> Estimate:
        if not self.low <= self.mode <= self.high:
            raise ValueError(f"need low <= mode <= high, got {self.low}, {self.mode}, {self.high}")
        return self


class Loss(Strict):
    """Inputs of the loss simulation and the plan. Every field is optional: the defaults and
    their sources are in catalog/data/loss-defaults.yaml and docs/loss-model.md."""

    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = Field(default="USD")
    usd_rate: Annotated[float, Field(gt=0, le=1e9)] | None = None
    threat_event_frequency: dict[ThreatEntry, Estimate] = Field(default_factory=dict)
    step_success: dict[LikelihoodName, Probability] = Field(default_factory=dict)
    per_event: Estimate | None = None
    per_device: dict[FleetOutcome, Estimate] = Field(default_factory=dict)
    per_record: dict[DataKind, Estimate] = Field(default_factory=dict)
    safety_multiplier: dict[Safety, Annotated[float, Field(ge=0, le=1000)]] = Field(default_factory=dict)
    detection: Annotated[float, Field(ge=0, le=0.99)] | None = None
    control_costs: dict[str, Amount] = Field(default_factory=dict)
    revenue: Annotated[float, Field(gt=0, le=1e15)] | None = None
    records_knee: Annotated[float, Field(ge=1, le=1e12)] | None = None
    records_exponent: Annotated[float, Field(gt=0, le=1)] | None = None


class ServiceModel(Strict):
    """A whole fleetrisk model file (format version 1)."""

    fleetrisk: Literal[1]
    service: Service
    practices: Practices = Field(default_factory=Practices)
    zones: list[Zone] = Field(default_factory=list)
    fleets: Annotated[list[Fleet], Field(min_length=1)]
    components: Annotated[list[Component], Field(min_length=1)]
    keys: list[Key] = Field(default_factory=list)
    data: list[DataSet] = Field(default_factory=list)
    flows: list[Flow] = Field(default_factory=list)
    accounts: list[Account] = Field(default_factory=list)
    controls: Controls = Field(default_factory=dict)
    tracking: list[TrackingEntry] = Field(default_factory=list)
    loss: Loss | None = None
    catalog: list[Annotated[str, Field(min_length=1, max_length=1000)]] = Field(default_factory=list)
