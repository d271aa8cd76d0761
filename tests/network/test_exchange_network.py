"""The envelope exchange between gateways of ``aeo-ledger network up`` (issue #14), end to end.

One network for the module (it is heavy to start). The gateways publish their exchange keys and URLs
on-chain at start; CR's gateway seals its certificates' documents for its MRA partners (PE, MX); PE's
gateway fetches them with requests signed by its own signer key, checks them against the chain and
answers ``GET /v1/operators``; CL, no partner of CR, never sees them — until an MRA joins CR and CL
(backfill). Refusals, consent withdrawn, a key rotation and CR's gateway offline are checked too.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledger_client.deployment import Deployment
from ledger_client.exchange import Domain, EnvelopeRequest
from ledger_client.models import Role
from ledger_client.signers import Signer
from tests.network.test_network import Network, cli, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    net = Network(tmp_path_factory.mktemp("exchange-network"))
    try:
        net.up()
        yield net
    finally:
        cli("network", "down", "--dir", str(net.layout.root), timeout=120)


def signer_of(network: Network, code: str) -> Signer:
    keystores = network.layout.gateway_dir(code) / "keystores"
    return Signer.from_keystore(keystores / f"{code}.json", (keystores / f"{code}.password").read_text().strip())


def domain_of(network: Network) -> Domain:
    manifest = next((network.layout.gateway_dir("CR") / "deployments").glob("*.json"))
    deployment = Deployment.load(manifest)
    return Domain(deployment.chain_id, deployment.address)


def ask(network: Network, issuer: str, requester: str, signer: Signer, after: int = 0) -> httpx.Response:
    request = EnvelopeRequest.new(requester, issuer, after, 1000)
    headers = request.sign(signer, domain_of(network))
    return httpx.get(
        f"{network.url(issuer)}/v1/exchange/envelopes",
        params={"after": after, "limit": 1000},
        headers=headers,
        timeout=30,
    )


def lookup(network: Network, code: str, trader: str, **params: str) -> list[dict[str, Any]]:
    with network.client(code, f"{code} reader") as client:
        answer = client.get("/v1/operators", params={"id": trader, **params})
        assert answer.status_code == 200, answer.text
        found: list[dict[str, Any]] = answer.json()["certificates"]
        return found


def recognised_cr_document(network: Network, by: str) -> tuple[str, dict[str, Any]]:
    """An Active CR certificate that ``by`` recognises now, with its document from CR's gateway."""
    documents = network.layout.gateway_dir("CR") / "documents"
    with network.client("CR", "CR reader") as cr:
        page = cr.get("/v1/certificates", params={"issuer": "CR", "status": "ACTIVE", "limit": 200}).json()
        for item in page["items"]:
            path = documents / f"{item['id'][2:]}.json"
            if not path.is_file():
                continue
            answer = cr.get("/v1/recognition", params={"certificate": item["id"], "by": by}).json()
            if answer["recognised"]:
                return item["id"], json.loads(path.read_text())
    raise AssertionError(f"no CR certificate recognised by {by}")


def test_keys_and_urls_are_published_on_chain(network: Network) -> None:
    with network.client("CR", "CR reader") as cr:
        for code in ("CR", "PE", "CL"):
            administration = cr.get(f"/v1/administrations/{code}").json()
            key = administration["exchange_key"]
            assert key["gateway_url"] == network.url(code)
            private = network.layout.gateway_dir(code) / "exchange" / "keys" / f"{key['public_key'][2:]}.key"
            assert private.stat().st_mode & 0o077 == 0


def test_the_partner_finds_the_trader_and_a_non_partner_never_does(network: Network) -> None:
    certificate_id, document = recognised_cr_document(network, "PE")
    trader = document["operator"]["tax_id"]
    wait_for(lambda: bool(lookup(network, "PE", trader)), 120)
    (found,) = [c for c in lookup(network, "PE", trader) if c["certificate_id"] == certificate_id]
    assert (found["issuer"], found["recognised"], found["status"]) == ("CR", True, "ACTIVE")
    assert found["legal_name"] == document["operator"]["legal_name"]
    assert found["mra_id"] is not None
    assert lookup(network, "PE", "CR" + trader)  # its WCO TIN form
    assert lookup(network, "CL", trader) == []  # CL has no MRA with CR


def test_refusals_are_problems_and_logged(network: Network) -> None:
    refused = ask(network, "CR", "CL", signer_of(network, "CL"))
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["reason"] == "not-a-party"
    foreign = ask(network, "CR", "PE", signer_of(network, "MX"))
    assert foreign.json()["reason"] == "another-administrations-key"
    request = EnvelopeRequest.new("PE", "CR", 0, 10)
    headers = request.sign(signer_of(network, "PE"), domain_of(network))
    url, params = f"{network.url('CR')}/v1/exchange/envelopes", {"after": 0, "limit": 10}
    assert httpx.get(url, params=params, headers=headers, timeout=30).status_code == 200
    replayed = httpx.get(url, params=params, headers=headers, timeout=30)
    assert (replayed.status_code, replayed.json()["reason"]) == (403, "replayed")
    extra = Signer.create()
    with network.client("PE", "PE writer") as pe:
        added = pe.post("/v1/administrations/PE/signers", json={"address": extra.address})
        assert added.status_code in (201, 202), added.text
        wait_for(lambda: ask(network, "CR", "PE", extra).status_code == 200, 60)
        removed = pe.delete(f"/v1/administrations/PE/signers/{extra.address}")
        assert removed.status_code in (200, 201, 202), removed.text
    wait_for(lambda: ask(network, "CR", "PE", extra).status_code == 403, 60)
    assert ask(network, "CR", "PE", extra).json()["reason"] == "not-a-signer"
    log = network.layout.log_file("gateway-CR").read_text()
    for reason in ("not-a-party", "another-administrations-key", "replayed", "not-a-signer"):
        assert f"envelope request refused ({reason})" in log


def test_a_new_mra_backfills_the_new_partner(network: Network) -> None:
    certificate_id, document = recognised_cr_document(network, "PE")
    trader = document["operator"]["tax_id"]
    with network.client("CR", "CR writer") as cr, network.client("CL", "CL writer") as cl:
        proposed = cr.post(
            "/v1/mras",
            json={
                "parties": ["CR", "CL"],
                "programmes": ["SECURITY", "SIMPLIFICATIONS", "FISCAL", "SANITARY"],
                "roles": [r.name for r in Role if r.name],
                "effective_from": 0,
                "document_hash": "0x" + "44" * 32,
            },
        )
        assert proposed.status_code in (201, 202), proposed.text
        mra_id = proposed.json()["mra"]["id"]
        # CL's gateway follows the chain on its own: it knows the proposal once its index has the block
        wait_for(lambda: cl.get(f"/v1/mras/{mra_id}").status_code == 200, 60)
        accepted = cl.post(f"/v1/mras/{mra_id}/accept")
        assert accepted.status_code in (201, 202), accepted.text
    wait_for(lambda: any(c["certificate_id"] == certificate_id for c in lookup(network, "CL", trader)), 120)


def test_a_key_rotation_re_encrypts_for_the_new_key(network: Network) -> None:
    certificate_id, document = recognised_cr_document(network, "PE")
    with network.client("PE", "PE writer") as pe:
        rotated = pe.post("/v1/exchange/key/rotate")
        assert rotated.status_code == 201, rotated.text
        new_key = rotated.json()["public_key"]

    def sealed_to_new_key() -> bool:
        page = ask(network, "CR", "PE", signer_of(network, "PE")).json()
        return any(e["certificate_id"] == certificate_id and e["recipient_key"] == new_key for e in page["envelopes"])

    wait_for(sealed_to_new_key, 120)
    trader = document["operator"]["tax_id"]
    assert any(c["certificate_id"] == certificate_id for c in lookup(network, "PE", trader))


def test_consent_withdrawn_ends_recognition_and_envelopes(network: Network) -> None:
    certificate_id, document = recognised_cr_document(network, "PE")
    trader = document["operator"]["tax_id"]
    wait_for(lambda: any(c["certificate_id"] == certificate_id for c in lookup(network, "PE", trader)), 120)
    with network.client("CR", "CR writer") as cr:
        current = cr.get(f"/v1/certificates/{certificate_id}").json()
        body = {
            "programmes": current["programmes"],
            "roles": current["roles"],
            "sme": current["sme"],
            "valid_from": current["valid_from"],
            "valid_until": current["valid_until"],
            "document_hash": current["document_hash"],
            "consent": False,
        }
        amended = cr.post(f"/v1/certificates/{certificate_id}/amend", json=body)
        assert amended.status_code in (201, 202), amended.text
        sequence = amended.json()["sequence"]
        assert (
            cr.get("/v1/recognition", params={"certificate": certificate_id, "by": "PE"}).json()["recognised"] is False
        )
    with network.client("PE", "PE reader") as pe:
        wait_for(
            lambda: (
                pe.get("/v1/recognition", params={"certificate": certificate_id, "by": "PE"}).json()["recognised"]
                is False
            )
        )
    wait_for(
        lambda: not any(c["recognised"] for c in lookup(network, "PE", trader) if c["certificate_id"] == certificate_id)
    )
    page = ask(network, "CR", "PE", signer_of(network, "PE")).json()
    assert not [e for e in page["envelopes"] if e["certificate_id"] == certificate_id and e["sequence"] == sequence]
    # consent given again: recognised again (and the module's other tests, in any order, find it)
    with network.client("CR", "CR writer") as cr:
        restored = cr.post(f"/v1/certificates/{certificate_id}/amend", json={**body, "consent": True})
        assert restored.status_code in (201, 202), restored.text
        wait_for(lambda: recognised(cr, certificate_id, "PE"))


def recognised(client: httpx.Client, certificate_id: str, by: str) -> bool:
    answer = client.get("/v1/recognition", params={"certificate": certificate_id, "by": by})
    value: bool = answer.json()["recognised"]
    return value


def test_the_partner_reads_with_the_issuer_offline(network: Network) -> None:
    certificate_id, document = recognised_cr_document(network, "MX")
    trader = document["operator"]["tax_id"]
    wait_for(lambda: any(c["certificate_id"] == certificate_id for c in lookup(network, "MX", trader)), 120)
    pid = int(network.layout.pid_file("gateway-CR").read_text().split()[0])
    os.kill(pid, signal.SIGTERM)
    wait_for(lambda: _down(network.url("CR")), 60)
    found = [c for c in lookup(network, "MX", trader) if c["certificate_id"] == certificate_id]
    assert found
    assert found[0]["legal_name"] == document["operator"]["legal_name"]


def _down(url: str) -> bool:
    try:
        httpx.get(f"{url}/health", timeout=2)
    except httpx.HTTPError:
        return True
    return False


__all__ = ["Path"]
