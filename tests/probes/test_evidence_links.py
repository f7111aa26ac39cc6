"""Evidence on an update repository also bears on the fleets and keys behind it."""

from __future__ import annotations

from fleetrisk.evidence import Check, Evidence
from fleetrisk.model.loader import from_data
from fleetrisk.probes.plan import update_chain
from probes.deployment import component, model_data


def test_applies_to_indexes_the_check_on_each_named_element() -> None:
    check = Check(check="tuf.client-refresh", control="anti-rollback", element="ota", applies_to=["washers", "release"],
                  status="refuted", target="http://127.0.0.1:1/", details="rollback", timestamp="2026-01-01T00:00:00Z")
    evidence = Evidence([check])
    assert evidence.verdict("anti-rollback", "washers") == "refuted"
    assert evidence.verdict("anti-rollback", "ota") == "refuted"
    assert evidence.verdict("anti-rollback", "dryers") is None


def test_update_chain_names_fleets_taking_updates_and_their_keys() -> None:
    loaded = from_data(model_data([component("ota", "ota-service"), component("api", "user-app-backend")], ota="ota"))
    assert update_chain(loaded.model, "ota") == ("washers", "release")
    assert update_chain(loaded.model, "api") == ()
