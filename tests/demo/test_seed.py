"""The seeded demo network has the promised structure, and seeding is idempotent."""

from __future__ import annotations

import json
import re
import stat
import time
from pathlib import Path

import pytest

from ledger_client.demo import CODES, MRA_PLANS, DemoCertificate, DemoError, partners_of, read_marker, seed_demo
from ledger_client.demo.network import MraPlan
from ledger_client.importer import DocumentStore
from ledger_client.index.attach import open_index
from ledger_client.models import CertificateStatus, MraStatus, Programme
from ledger_client.signers import Signer
from tests.demo.conftest import Seeded

pytestmark = pytest.mark.slow  # the seeded demo network, built once for the module (about a minute)

NUMBER_FORMATS = {
    "CL": r"CL-OEA-20\d\d-\d{4}",
    "CO": r"CO-OEA-\d{5}-20\d\d",
    "CR": r"CR-OEA-\d{6}",
    "MX": r"MX-OEA-20\d\d-\d{5}",
    "PE": r"PE-OEA-20\d\d-\d{4}",
}


def _plan(name: str) -> MraPlan:
    return next(plan for plan in MRA_PLANS if plan.name == name)


def _find(seeded: Seeded, issuer: str, status: str, covered_by: MraPlan | None = None) -> DemoCertificate:
    now = seeded.ledger.now()
    for certificate in seeded.demo.certificates:
        if certificate.issuer != issuer or certificate.status != status:
            continue
        if certificate.valid_until and certificate.valid_until < now:
            continue
        if covered_by is None or (
            certificate.programmes & covered_by.programmes and certificate.roles & covered_by.roles
        ):
            return certificate
    raise AssertionError(f"no {status} certificate of {issuer} in the demo")


def test_administrations_have_their_own_keystore_signers(seeded: Seeded) -> None:
    ledger, demo = seeded.ledger, seeded.demo
    assert set(ledger.administrations.codes()) == set(CODES)
    addresses = set()
    for admin in demo.administrations:
        keystore = seeded.data_dir / "keystores" / f"{admin.code}.json"
        password = seeded.data_dir / "keystores" / f"{admin.code}.password"
        assert stat.S_IMODE(keystore.stat().st_mode) == 0o600
        assert stat.S_IMODE(password.stat().st_mode) == 0o600
        signer = Signer.from_keystore(keystore, password.read_text())
        assert signer.address == admin.address
        assert ledger.administrations.get(admin.code).signers == (admin.address,)
        assert ledger.chain.balance(admin.address) > 0
        addresses.add(admin.address)
    assert len(addresses) == 5


def test_mras_are_in_force_among_the_right_parties(seeded: Seeded) -> None:
    ledger, demo = seeded.ledger, seeded.demo
    assert [m.name for m in demo.mras] == ["Pacific Alliance", "CR-MX", "CR-PE"]
    for mra in demo.mras:
        onchain = ledger.mras.get(mra.mra_id)
        assert onchain.status is MraStatus.ACTIVE
        assert set(onchain.parties) == set(mra.parties)
        assert onchain.accepted_count == len(mra.parties)
        assert ledger.mras.in_force(mra.mra_id)
    pacific = demo.mra_id("Pacific Alliance")
    assert set(ledger.mras.get(pacific).parties) == {"CL", "CO", "MX", "PE"}
    assert ledger.mras.live_between("CL", "PE") == [pacific]
    assert ledger.mras.live_between("CR", "MX") == [demo.mra_id("CR-MX")]
    assert ledger.mras.live_between("CR", "PE") == [demo.mra_id("CR-PE")]
    assert ledger.mras.live_between("CR", "CL") == []
    assert partners_of("CR") == ("MX", "PE")


def test_recognition_follows_the_mras(seeded: Seeded) -> None:
    recognition = seeded.ledger.recognition
    costa_rican = _find(seeded, "CR", "ACTIVE", _plan("CR-MX"))
    by_mexico = recognition.now(costa_rican.certificate_id, "MX")
    assert by_mexico.recognised
    assert by_mexico.mra_id == seeded.demo.mra_id("CR-MX")
    assert by_mexico.programmes == int(Programme.SECURITY)
    assert recognition.now(costa_rican.certificate_id, "PE").recognised
    assert not recognition.now(costa_rican.certificate_id, "CL").recognised
    assert not recognition.now(costa_rican.certificate_id, "CO").recognised
    chilean = _find(seeded, "CL", "ACTIVE", _plan("Pacific Alliance"))
    assert recognition.now(chilean.certificate_id, "PE").recognised
    assert not recognition.now(chilean.certificate_id, "CR").recognised


def test_suspended_revoked_and_annulled_certificates_are_not_recognised(seeded: Seeded) -> None:
    ledger = seeded.ledger
    for status in ("SUSPENDED", "REVOKED", "ANNULLED"):
        certificates = [c for c in seeded.demo.certificates if c.status == status]
        assert certificates, status
        for certificate in certificates:
            assert ledger.certificates.get(certificate.certificate_id).status is CertificateStatus[status]
            for partner in partners_of(certificate.issuer):
                assert not ledger.recognition.now(certificate.certificate_id, partner).recognised


def test_every_certificate_matches_the_summary_on_chain(seeded: Seeded) -> None:
    ledger = seeded.ledger
    for certificate in seeded.demo.certificates:
        onchain = ledger.certificates.get(certificate.certificate_id)
        assert onchain.issuer == certificate.issuer
        assert onchain.status.name == certificate.status
        assert onchain.event_count == certificate.events
        assert (onchain.programmes, onchain.roles, onchain.sme) == (
            certificate.programmes,
            certificate.roles,
            certificate.sme,
        )
        assert onchain.valid_until == certificate.valid_until
        assert re.fullmatch(NUMBER_FORMATS[certificate.issuer], certificate.number), certificate.number


def test_the_mix_is_realistic(seeded: Seeded) -> None:
    counts, certificates = seeded.demo.counts, seeded.demo.certificates
    assert counts["certificates"] == len(certificates) == 200
    assert {c.issuer for c in certificates} == set(CODES)
    assert all(counts[f"issued_{code}"] >= 20 for code in CODES)
    assert 0.30 <= counts["sme"] / 200 <= 0.40
    assert counts["open_ended"] >= 40
    assert sum(1 for c in certificates if c.valid_until) >= 100
    assert counts["suspended"] >= 5
    assert counts["revoked"] >= 2
    assert counts["annulled"] == 1
    assert counts["amended"] == 1
    assert counts["renewed"] == 1
    assert counts["reinstated"] >= 1
    assert len({c.programmes for c in certificates}) == 3
    assert len({c.roles for c in certificates}) >= 10


def test_acknowledgements_exist_and_leave_an_inbox(seeded: Seeded) -> None:
    ledger = seeded.ledger
    topic = ledger.context.codec.topic("CertificateEventAcknowledged")
    logs = ledger.chain.get_logs(ledger.deployment.address, [topic], ledger.deployment.deployment_block)
    assert len(logs) == seeded.demo.counts["acknowledgements"] > 20
    changed = [c for c in seeded.demo.certificates if c.events > 1]
    pending = [
        (c, partner, seq)
        for c in changed
        for partner in partners_of(c.issuer)
        for seq in range(2, c.events + 1)
        if not ledger.recognition.is_acknowledged(c.certificate_id, partner, seq)
    ]
    assert pending, "some status changes must still wait in partners' inboxes"
    assert len(pending) < sum(len(partners_of(c.issuer)) * (c.events - 1) for c in changed)


def test_documents_verify_against_the_chain(seeded: Seeded) -> None:
    store = DocumentStore(seeded.data_dir)
    assert len(list(store.directory.glob("*.json"))) == 200
    changed = [c for c in seeded.demo.certificates if c.events > 1][:10]
    for certificate in [*seeded.demo.certificates[:5], *changed]:
        cid = bytes.fromhex(certificate.certificate_id[2:])
        document = store.read(cid)
        assert store.read_bytes(cid) == document.canonical_json()
        verification = seeded.ledger.verify_document(document)
        assert verification.ok, verification.problems
        assert document.operator.legal_name
        assert document.operator.tax_id
        assert document.issuing_office


def test_seeding_twice_changes_nothing(seeded: Seeded) -> None:
    ledger = seeded.ledger
    block = ledger.chain.block_number()
    again = seed_demo(ledger, seeded.data_dir, certificates=50, seed=1)
    assert again.already_seeded
    assert again.counts == seeded.demo.counts
    assert again.certificates == seeded.demo.certificates
    assert ledger.chain.block_number() == block
    marker = read_marker(seeded.data_dir)
    assert marker is not None
    assert marker.state == "complete"
    data = json.loads((seeded.data_dir / "demo-seed.json").read_text())
    assert data["summary"]["counts"]["certificates"] == 200


def test_only_governance_can_seed(seeded: Seeded) -> None:
    stranger = seeded.ledger.with_signer(seeded.ledger.dev_signers()[7])
    (seeded.data_dir / "demo-seed.json").rename(seeded.data_dir / "demo-seed.json.bak")
    try:
        with pytest.raises(DemoError, match="governance"):
            seed_demo(stranger, seeded.data_dir)
    finally:
        (seeded.data_dir / "demo-seed.json.bak").rename(seeded.data_dir / "demo-seed.json")


def test_the_history_spans_about_a_year_and_ends_now(seeded: Seeded) -> None:
    ledger = seeded.ledger
    deployed = ledger.chain.block(ledger.deployment.deployment_block).timestamp
    assert 355 * 86_400 < time.time() - deployed < 370 * 86_400
    # the chain caught up with the wall clock when the seeding ended (the module's tests came since)
    assert time.time() - 600 < ledger.now() <= time.time() + 2
    topic = ledger.context.codec.topic("CertificateIssued")
    issued = ledger.chain.get_logs(ledger.deployment.address, [topic], ledger.deployment.deployment_block)
    months = {time.gmtime(ledger.chain.block(log.block_number).timestamp)[:2] for log in issued}
    assert len(months) >= 10  # issued over the months, not all on one day


def test_status_at_a_past_date_differs_from_now(seeded: Seeded, tmp_path: Path) -> None:
    index = open_index(seeded.ledger, tmp_path / "index.sqlite")
    try:
        index.sync()
        suspended = [c for c in seeded.demo.certificates if c.status in ("SUSPENDED", "REVOKED")]
        differs = 0
        for certificate in suspended:
            history = index.history(certificate.certificate_id).items
            issued_at, changed_at = history[0].block_time, history[-1].block_time
            assert changed_at - issued_at >= 600  # the change came after the issuance
            before = index.status_at(certificate.certificate_id, changed_at - 1).status
            now = index.status_at(certificate.certificate_id, int(time.time())).status
            assert now.name == certificate.status
            differs += before is not now
        assert differs == len(suspended) > 5
        a_year_ago = int(time.time()) - 364 * 86_400
        first = seeded.demo.certificates[0].certificate_id
        assert index.status_at(first, a_year_ago).status is CertificateStatus.NONE  # not on the ledger yet
    finally:
        index.close()


def test_acknowledgements_are_spread_over_the_months(seeded: Seeded) -> None:
    ledger = seeded.ledger
    topic = ledger.context.codec.topic("CertificateEventAcknowledged")
    logs = ledger.chain.get_logs(ledger.deployment.address, [topic], ledger.deployment.deployment_block)
    acked = [ledger.chain.block(log.block_number).timestamp for log in logs]
    deployed = ledger.chain.block(ledger.deployment.deployment_block).timestamp
    assert max(acked) - min(acked) > 180 * 86_400  # spread over the months
    assert min(acked) > deployed + 14 * 86_400  # after the first MRA came into force
