"""Tampering, an issuer offline after the fetch, consent, backfill after a new MRA, key rotation, amendments."""

from __future__ import annotations

from dataclasses import replace

from ledger_client.documents import CertificateDocument
from ledger_client.exchange.outbox import NewEnvelope
from ledger_client.exchange.sealing import associated_data, seal
from tests.exchange.support import World, document


def test_a_tampered_envelope_is_detected_and_not_kept(world: World) -> None:
    cr, pe = world.gateways["CR"], world.gateways["PE"]
    cid = cr.issue(document())
    world.settle()
    (envelope,) = cr.outbox.envelopes_of(cid)
    flipped = bytes([envelope.ciphertext[0] ^ 1]) + envelope.ciphertext[1:]
    verdict = pe.fetcher.open("CR", replace(envelope, ciphertext=flipped))
    assert verdict is not None
    assert not hasattr(verdict, "document")
    assert "does not open" in verdict.reason
    # an envelope of a document other than the one the chain committed (sealed with the chain's binding)
    other = document()
    enc, ciphertext = seal(pe.keys.ensure(), other.canonical_json(), b"")
    forged = replace(envelope, enc=enc, ciphertext=ciphertext)
    verdict = pe.fetcher.open("CR", forged)
    assert verdict is not None
    assert "does not open" in getattr(verdict, "reason", "")
    assert pe.inbox.document(cid) is None


def test_a_forged_document_sealed_with_the_right_binding_is_rejected(world: World) -> None:
    cr, pe = world.gateways["CR"], world.gateways["PE"]
    cid = cr.issue(document())
    world.settle()
    (envelope,) = cr.outbox.envelopes_of(cid)
    fake = document().canonical_json()
    enc, ciphertext = seal(envelope.recipient_key, fake, associated_data(cid, 1, envelope.document_hash))
    cr.outbox.commit([NewEnvelope(cid, 1, "PE", envelope.recipient_key, envelope.document_hash, enc, ciphertext)])
    # the same (certificate, event, key) is already there: a second envelope is not stored
    assert len(cr.outbox.envelopes_of(cid)) == 1
    verdict = pe.fetcher.open("CR", replace(envelope, enc=enc, ciphertext=ciphertext))
    assert getattr(verdict, "reason", "") == "the opened document's hash is not the one the chain committed"
    assert pe.fetcher.fetch("CR").kept == 1  # the genuine envelope is kept


def test_the_partner_reads_its_documents_with_the_issuer_offline(world: World) -> None:
    cr, pe = world.gateways["CR"], world.gateways["PE"]
    doc = document(tax_id="CR-OFF-1")
    cid = cr.issue(doc)
    world.settle()
    assert pe.fetcher.fetch("CR").kept == 1
    cr.online = False
    assert pe.fetcher.fetch("CR").error is not None
    assert [c.certificate_id for c in pe.lookup.find("CROFF1").certificates] == [cid]
    kept = pe.inbox.document(cid)
    assert kept is not None
    assert kept.legal_name == doc.operator.legal_name


def test_without_consent_no_envelope_is_made_or_served(world: World) -> None:
    cr, pe = world.gateways["CR"], world.gateways["PE"]
    withheld, given = document(), document()
    world.consent.withdrawn.add(withheld.certificate_id())
    cr.issue(withheld)
    cr.issue(given)
    world.settle()
    assert cr.outbox.envelopes_of(withheld.certificate_id()) == []
    assert len(cr.outbox.envelopes_of(given.certificate_id())) == 1
    world.consent.withdrawn.add(given.certificate_id())  # withdrawn after the envelope was made
    assert pe.fetcher.fetch("CR").kept == 0
    assert pe.inbox.document(given.certificate_id()) is None


def test_a_new_mra_gets_the_certificates_it_covers(world: World) -> None:
    cr, mx = world.gateways["CR"], world.gateways["MX"]
    covered = document(programmes=["SECURITY"], roles=["EXPORTER"])
    outside = document(programmes=["FISCAL"], roles=["EXPORTER"])
    revoked = document()
    for doc in (covered, outside, revoked):
        cr.issue(doc)
    cr.ledger.certificates.revoke(revoked.certificate_id(), 1)
    world.settle()
    assert mx.fetcher.fetch("CR").kept == 0  # not a partner yet: nothing to fetch from
    mra = cr.ledger.mras.propose(["CR", "MX"], 0x1, 0x1FF, 0, "0x" + "33" * 32)
    assert world.settle()["CR"] == 0  # proposed, not accepted: no envelope
    mx.ledger.mras.accept(mra.mra_id)
    assert world.settle()["CR"] == 1  # backfill: the one live certificate in the scope (SECURITY)
    assert mx.fetcher.fetch("CR").kept == 1
    assert mx.inbox.document(covered.certificate_id()) is not None
    assert mx.inbox.document(outside.certificate_id()) is None
    cr.ledger.mras.terminate(mra.mra_id)
    world.settle()
    cr.issue(document())
    assert world.settle()["CR"] == 1  # for PE only: a terminated MRA gets no new envelopes
    assert mx.fetcher.issuers() == []


def test_a_key_rotation_re_encrypts_current_certificates(world: World) -> None:
    cr, pe = world.gateways["CR"], world.gateways["PE"]
    first, gone = document(), document()
    cr.issue(first)
    cr.issue(gone)
    world.settle()
    assert pe.fetcher.fetch("CR").kept == 2
    cr.ledger.certificates.revoke(gone.certificate_id(), 1)
    old_key = pe.keys.ensure()
    world.directory.publish("PE", pe.keys.rotate())
    assert world.settle()["CR"] == 1  # the current certificate only, to the new key
    sealed = cr.outbox.envelopes_of(first.certificate_id())
    assert [e.recipient_key == old_key for e in sealed] == [True, False]
    report = pe.fetcher.fetch("CR")
    assert (report.kept, report.rejected) == (1, 0)
    assert pe.keys.private_key(old_key)  # the old key is kept for what was sealed to it


def test_an_amendment_sends_the_new_document(world: World) -> None:
    cr, pe = world.gateways["CR"], world.gateways["PE"]
    doc = document(tax_id="AMEND-1")
    cid = cr.issue(doc)
    world.settle()
    pe.fetcher.fetch("CR")
    data = doc.model_dump(mode="json", by_alias=True)
    data["operator"]["tax_id"] = "AMEND-2"
    amended = CertificateDocument.parse(data)
    cr.documents.write_document(amended)
    cr.ledger.certificates.amend(cid, amended)
    assert world.settle()["CR"] == 1
    assert pe.fetcher.fetch("CR").kept == 1
    assert pe.lookup.find("AMEND1").certificates == ()
    (found,) = pe.lookup.find("AMEND2").certificates
    assert found.document_sequence == 2
