"""Which probes run where: from the model's endpoints, the identities and the tier chosen.

Planning sends nothing. Every probe lists the hosts and ports it will contact, so a plan can
be checked against the scope (and shown by ``--dry-run``) before any packet leaves. What a plan
shows (actions, targets, notes, errors) has credentials in URLs redacted
(:func:`fleetrisk.redact.redact`), and it lists the secrets-file values the runner must keep
out of every check's details (:attr:`Plan.hidden`).
"""

from __future__ import annotations

import datetime as dt
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fleetrisk.errors import InputError, ModelValidationError
from fleetrisk.messages import Text
from fleetrisk.model.loader import LoadedModel
from fleetrisk.model.schema import Component, Endpoint, ServiceModel
from fleetrisk.probes import http, mqtt, tls, tuf_audit, tuf_client
from fleetrisk.probes.outcome import Outcome, Tier
from fleetrisk.probes.scope import Gate, Scope
from fleetrisk.probes.secrets import DeviceIdentity, Secrets, UserIdentity
from fleetrisk.probes.targets import Target, TargetError, parse_target
from fleetrisk.probes.tuf_fetch import ScopedFetcher
from fleetrisk.reading import read_regular
from fleetrisk.redact import redact

Contact = tuple[str, int]
#: Largest trusted TUF root read (python-tuf's own limit for root metadata).
MAX_TUF_ROOT_BYTES = 512_000

# Whose promise an endpoint that answers without credentials breaks, by component kind.
UNAUTHENTICATED_CONTROL = {
    "admin-console": "privileged-access-management",
    "support-tooling": "privileged-access-management",
    "remote-access": "privileged-access-management",
    "device-gateway": "per-device-identity",
    "ingestion": "per-device-identity",
    "media-relay": "per-device-identity",
    "provisioning": "provisioning-attestation",
}
DEFAULT_UNAUTHENTICATED_CONTROL = "object-level-authorization"


@dataclass(frozen=True)
class Probe:
    """One planned action: what it checks, where, and how to run it."""

    action: Text
    checks: tuple[tuple[str, str], ...]
    tier: Tier
    element: str | None
    target: str
    contacts: tuple[Contact, ...]
    run: Callable[[Gate], list[Outcome]] = field(compare=False, repr=False)
    applies_to: tuple[str, ...] = ()


@dataclass
class Plan:
    probes: list[Probe] = field(default_factory=list)
    skipped: list[Text] = field(default_factory=list)
    hidden: tuple[str, ...] = ()  # secrets-file values no check's details may show

    def refused(self, scope: Scope) -> list[tuple[Probe, Contact]]:
        """Every (probe, host:port) pair the scope does not allow."""
        return [(p, c) for p in self.probes for c in p.contacts if scope.rule_for(*c) is None]


@dataclass(frozen=True)
class _Inputs:
    model: ServiceModel
    secrets: Secrets
    scope: Scope
    intrusive: bool
    now: dt.datetime

    @property
    def ca_file(self) -> Path | None:
        return self.secrets.path(self.secrets.spec.trust.ca_file)

    @property
    def client_cert(self) -> tls.ClientCert | None:
        for device in self.secrets.devices:
            cert, key = self.secrets.path(device.cert_file), self.secrets.path(device.key_file)
            if cert is not None and key is not None:
                return cert, key
        return None

    def verifying(self) -> ssl.SSLContext:
        return tls.verifying_context(self.ca_file, self.client_cert)

    def trusted_root(self) -> bytes | None:
        path = self.secrets.path(self.secrets.spec.trust.tuf_root)
        return read_regular(path, MAX_TUF_ROOT_BYTES, "TUF root") if path is not None else None


def build_plan(loaded: LoadedModel, scope: Scope, secrets: Secrets, *, intrusive: bool, now: dt.datetime) -> Plan:
    """Plan every probe for the model's endpoints (and the users' objects when intrusive)."""
    inputs = _Inputs(loaded.model, secrets, scope, intrusive, now)
    plan = Plan()
    problems: list[InputError] = []
    for ci, component in enumerate(loaded.model.components):
        for ei, endpoint in enumerate(component.endpoints):
            try:
                target = parse_target(endpoint.url, endpoint.protocol)
            except TargetError as exc:
                problems.append(InputError(str(exc), location=loaded.document.locate(
                    ("components", ci, "endpoints", ei, "url")), hint="see docs/verify.md for endpoint URLs"))
                continue
            _endpoint_probes(plan, component, endpoint, target, inputs)
    _user_probes(plan, loaded, inputs, problems)
    if problems:
        raise ModelValidationError(problems)
    plan.hidden = secret_values(secrets)
    return plan


def secret_values(secrets: Secrets) -> tuple[str, ...]:
    """Passwords and header values (and the credential after an ``Authorization`` scheme word)."""
    values = [d.password for d in secrets.devices if d.password]
    for user in secrets.users:
        for value in user.headers.values():
            values.append(value)
            scheme, _, credential = value.partition(" ")
            if credential.strip() and scheme.isalpha():
                values.append(credential.strip())
    return tuple(v for v in dict.fromkeys(values) if len(v) >= 4)


def _endpoint_probes(plan: Plan, component: Component, endpoint: Endpoint, target: Target, inputs: _Inputs) -> None:
    shown = redact(target.url)

    def add(action: Text, checks: tuple[tuple[str, str], ...], tier: Tier, run: Callable[[Gate], list[Outcome]],
            applies_to: tuple[str, ...] = ()) -> None:
        plan.probes.append(Probe(action, checks, tier, component.id, shown, ((target.host, target.port),), run,
                                 applies_to))

    if target.tls:
        add(Text.of("probe.tls_versions", address=target.address),
            (("tls.protocol-versions", tls.CONTROL),), "safe",
            lambda gate: [tls.check_versions(target, gate, inputs.client_cert)])
        add(Text.of("probe.tls_certificate", address=target.address),
            (("tls.certificate", tls.CONTROL),), "safe",
            lambda gate: [tls.check_certificate(target, gate, inputs.ca_file, inputs.client_cert)])
    if endpoint.protocol in ("mqtt", "mqtts"):
        add(Text.of("probe.mqtt_anonymous", address=target.address),
            (("mqtt.anonymous-connect", "per-device-identity"),), "safe",
            lambda gate: [mqtt.check_anonymous(target, gate)])
        _mqtt_intrusive(plan, component, target, inputs)
    if endpoint.protocol in ("http", "https") and endpoint.protected:
        control = UNAUTHENTICATED_CONTROL.get(component.kind, DEFAULT_UNAUTHENTICATED_CONTROL)
        add(Text.of("probe.http_unauthenticated", url=shown), (("http.unauthenticated-access", control),), "safe",
            lambda gate: [http.check_unauthenticated(target.url, control, gate, False)])
    if endpoint.protocol == "tuf":
        chain = update_chain(inputs.model, component.id)
        add(Text.of("probe.tuf_audit", url=shown),
            tuf_audit.CHECKS, "static",
            lambda gate: _with_fetcher(gate, inputs, lambda f: tuf_audit.audit(target.url, f, inputs.trusted_root(),
                                                                                 inputs.now)), chain)
        checks = ((tuf_client.CHECK, tuf_client.ROLLBACK_CONTROL), (tuf_client.CHECK, tuf_audit.EXPIRY_CONTROL))
        cache = tuf_client.cache_dir_for(inputs.scope.cache_dir, target.url)
        if inputs.intrusive:
            add(Text.of("probe.tuf_refresh", url=shown, cache=str(cache)), checks, "intrusive",
                lambda gate: _with_fetcher(gate, inputs, lambda f: tuf_client.client_refresh(
                    target.url, f, inputs.trusted_root(), inputs.scope.cache_dir)), chain)
        else:
            plan.skipped.append(Text.of("skip.intrusive", check=tuf_client.CHECK, target=shown))


def _with_fetcher(gate: Gate, inputs: _Inputs, work: Callable[[ScopedFetcher], list[Outcome]]) -> list[Outcome]:
    fetcher = ScopedFetcher(gate, inputs.verifying())
    try:
        return work(fetcher)
    finally:
        fetcher.close()


def _mqtt_intrusive(plan: Plan, component: Component, target: Target, inputs: _Inputs) -> None:
    names = ("mqtt.wildcard-subscribe", "mqtt.cross-device-publish")
    shown = redact(target.url)
    if not inputs.intrusive:
        plan.skipped += [Text.of("skip.intrusive", check=n, target=shown) for n in names]
        return
    if len(inputs.secrets.devices) != 2:
        plan.skipped += [Text.of("skip.devices", check=n, target=shown) for n in names]
        return
    pair: tuple[DeviceIdentity, DeviceIdentity] = (inputs.secrets.devices[0], inputs.secrets.devices[1])
    a, b = pair
    contact = ((target.host, target.port),)

    def context() -> ssl.SSLContext | None:
        return inputs.verifying() if target.tls else None

    plan.probes.append(Probe(
        Text.of("probe.mqtt_wildcard", a=a.name, b=b.name, address=target.address, topic=b.topic),
        (("mqtt.wildcard-subscribe", "broker-topic-acl"),), "intrusive", component.id, shown, contact,
        lambda gate: [mqtt.check_wildcard_subscribe(target, gate, pair, context())]))
    plan.probes.append(Probe(
        Text.of("probe.mqtt_cross", a=a.name, b=b.name, address=target.address, topic=b.topic),
        (("mqtt.cross-device-publish", "broker-topic-acl"),), "intrusive", component.id, shown, contact,
        lambda gate: [mqtt.check_cross_publish(target, gate, pair, context())]))


def _user_probes(plan: Plan, loaded: LoadedModel, inputs: _Inputs, problems: list[InputError]) -> None:
    users = inputs.secrets.users
    names = ("http.object-level-authorization", "http.rate-limit-burst")
    if not inputs.intrusive:
        if users:
            plan.skipped += [Text.of("skip.intrusive_service", check=n) for n in names]
        return
    if len(users) != 2:
        plan.skipped += [Text.of("skip.users", check=n) for n in names]
        return
    owners: list[str] = []
    contacts: list[Contact] = []
    for i, user in enumerate(users):
        try:
            target = parse_target(user.object_url)
        except TargetError as exc:
            problems.append(InputError(redact(str(exc)),
                                       location=inputs.secrets.document.locate(("users", i, "object_url"))))
            continue
        owner = component_for_url(loaded, target)
        if owner is None:
            problems.append(InputError(
                f"{redact(user.object_url)} is under no http or https endpoint of the model",
                location=inputs.secrets.document.locate(("users", i, "object_url")),
                hint="declare the API's base URL in the endpoints of the component that serves it"))
            continue
        owners.append(owner)
        contacts.append((target.host, target.port))
    if len(owners) != 2:
        return
    pair: tuple[UserIdentity, UserIdentity] = (users[0], users[1])
    shown = redact(pair[0].object_url)
    plan.probes.append(Probe(
        Text.of("probe.object_access", a=pair[0].name, b=pair[1].name),
        (("http.object-level-authorization", "object-level-authorization"),), "intrusive", owners[0],
        shown, tuple(dict.fromkeys(contacts)),
        lambda gate: [http.check_object_access(pair, gate, inputs.verifying())]))
    burst = inputs.scope.rule_for(*contacts[0])
    action = (Text.of("probe.burst", size=burst.burst_requests, url=shown, user=pair[0].name)
              if burst is not None else Text.of("probe.burst_unscoped", url=shown, user=pair[0].name))
    plan.probes.append(Probe(
        action,
        (("http.rate-limit-burst", "device-rate-limiting"),), "intrusive", owners[0], shown,
        (contacts[0],), lambda gate: [http.check_rate_limit(pair[0], gate, inputs.verifying())]))


def update_chain(model: ServiceModel, component: str) -> tuple[str, ...]:
    """Fleets that take updates from ``component`` and the keys behind them (or held by it).

    Update controls are judged on fleets (anti-rollback, expiry) and keys (threshold signing),
    so a repository's evidence is attached to them as well.
    """
    related: list[str] = []
    for fleet in model.fleets:
        for accepted in fleet.accepts:
            if accepted.source == component:
                related.append(fleet.id)
                if accepted.key is not None:
                    related.append(accepted.key)
    related += [key.id for key in model.keys if key.holder == component]
    return tuple(dict.fromkeys(related))


def component_for_url(loaded: LoadedModel, target: Target) -> str | None:
    """The component whose HTTP(S) endpoint is the longest prefix of ``target``."""
    best: tuple[int, str] | None = None
    for component in loaded.model.components:
        for endpoint in component.endpoints:
            if endpoint.protocol not in ("http", "https"):
                continue
            try:
                base = parse_target(endpoint.url)
            except TargetError:
                continue
            same_origin = (base.scheme, base.host, base.port) == (target.scheme, target.host, target.port)
            if same_origin and target.path.startswith(base.path) and (best is None or len(base.path) > best[0]):
                best = (len(base.path), component.id)
    return best[1] if best else None
