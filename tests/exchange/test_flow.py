"""The exchange between gateways' library parts: make, fetch, open, verify, keep, look up."""

from __future__ import annotations

from tests.exchange.support import World, document


def test_an_issued_certificate_reaches_the_partner_and_only_the_partner(world: World) -> None:
    cr, pe, mx = (world.gateways[c] for c in ("CR", "PE", "MX"))
    doc = document(tax_id="3-101-777001", eori="CR3101777001000")
    cid = cr.issue(doc)
    assert pe.lookup.find("3101777001").certificates == ()  # nothing before the envelope arrived
    made = world.settle()
    assert made["CR"] == 1
    assert [e.recipient for e in cr.outbox.envelopes_of(cid)] == ["PE"]
    report = pe.fetcher.fetch("CR")
    assert (report.kept, report.rejected, report.error) == (1, 0, None)
    kept = pe.inbox.document(cid)
    assert kept is not None
    assert kept.document == doc.canonical_json()
    for query in ("3-101-777001", "3101777001", "CR 3101777001", "cr3101777001000"):
        answer = pe.lookup.find(query)
        assert [c.certificate_id for c in answer.certificates] == [cid], query
    found = pe.lookup.find("3101777001").certificates[0]
    assert found.recognised
    assert found.mra_id is not None
    assert found.status.name == "ACTIVE"
    assert mx.lookup.find("3101777001").certificates == ()
