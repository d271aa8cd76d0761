"""Envelope requests the chain does not authorise are refused, and logged."""

from __future__ import annotations

import logging

import pytest

from ledger_client.exchange import EnvelopeRequest, ExchangeRefusedError
from ledger_client.signers import Signer
from tests.exchange.support import Gateway, World, document


def ask(world: World, issuer: Gateway, requester: str, signer: Signer) -> tuple[EnvelopeRequest, bytes]:
    request = EnvelopeRequest.new(requester, issuer.code, 0, 100)
    headers = request.sign(signer, world.domain)
    return request, bytes.fromhex(headers["X-AEO-Signature"][2:])


def refused(issuer: Gateway, request: EnvelopeRequest, signature: bytes) -> str:
    issuer.sync()
    with pytest.raises(ExchangeRefusedError) as caught:
        issuer.authority.serve(request, signature)
    return caught.value.reason


def test_a_non_party_is_refused_and_logged(world: World, caplog: pytest.LogCaptureFixture) -> None:
    cr, mx = world.gateways["CR"], world.gateways["MX"]
    cr.issue(document())
    world.settle()
    with caplog.at_level(logging.WARNING, "aeo_ledger.exchange"):
        assert refused(cr, *ask(world, cr, "MX", mx.signer)) == "not-a-party"
    assert "not-a-party" in caplog.text
    assert "MX" in caplog.text
    assert [(r.requester, r.reason, r.address) for r in cr.outbox.refusals()] == [
        ("MX", "not-a-party", mx.signer.address)
    ]
    report = mx.fetcher.fetch("CR")
    assert report.kept == 0
    assert report.error is not None
    assert "403" in report.error


def test_a_request_signed_by_another_administrations_key_is_refused(world: World) -> None:
    cr, mx = world.gateways["CR"], world.gateways["MX"]
    assert refused(cr, *ask(world, cr, "PE", mx.signer)) == "another-administrations-key"
    assert cr.outbox.refusals()[0].reason == "another-administrations-key"


def test_a_replayed_request_is_refused(world: World) -> None:
    cr, pe = world.gateways["CR"], world.gateways["PE"]
    cr.issue(document())
    world.settle()
    request, signature = ask(world, cr, "PE", pe.signer)
    cr.sync()
    assert len(cr.authority.serve(request, signature).envelopes) == 1
    assert refused(cr, request, signature) == "replayed"


def test_a_removed_signer_is_refused(world: World) -> None:
    cr, pe = world.gateways["CR"], world.gateways["PE"]
    extra = Signer.create()
    pe.ledger.administrations.add_signer(extra.address)
    cr.sync()
    request, signature = ask(world, cr, "PE", extra)
    assert cr.authority.serve(request, signature).requester == "PE"  # a current signer: served
    pe.ledger.administrations.remove_signer(extra.address)
    assert refused(cr, *ask(world, cr, "PE", extra)) == "not-a-signer"


def test_a_stale_or_altered_request_is_refused(world: World) -> None:
    cr, pe = world.gateways["CR"], world.gateways["PE"]
    request, signature = ask(world, cr, "PE", pe.signer)
    stale = EnvelopeRequest("PE", "CR", 0, 100, request.timestamp - 3600, request.nonce)
    assert refused(cr, stale, pe.signer.sign_typed_data(stale.typed_data(world.domain))) == "stale-timestamp"
    widened = EnvelopeRequest("PE", "CR", 0, 1000, request.timestamp, request.nonce)  # limit changed after signing
    assert refused(cr, widened, signature) == "not-a-signer"  # recovers to some other address
