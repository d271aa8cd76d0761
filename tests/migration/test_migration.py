"""Issue #14: a deployment holding the demo's data is carried to a new deployment by replay;
every certificate, MRA, acknowledgement, recognition answer and history head is unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger_client.demo import seed_demo
from ledger_client.demo.history import rewind_new_chain
from ledger_client.demo.summary import DemoCertificate
from ledger_client.deployment import deploy
from ledger_client.ledger import Ledger
from ledger_client.migration import MigrationError, migrate, verify_migration
from ledger_client.settings import Settings
from ledger_client.signers import Signer

pytestmark = pytest.mark.slow


def test_demo_ledger_migrates_with_every_head_unchanged(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    data_dir.mkdir()
    assert rewind_new_chain(data_dir)
    old = Ledger.embedded(data_dir=data_dir, settings=Settings(block_mode="realtime"))
    try:
        demo = seed_demo(old, data_dir, certificates=24, kdf_iterations=1_000)
        signers = {s.address: s for s in old.dev_signers()}
        for admin in demo.administrations:
            keystore = data_dir / "keystores" / f"{admin.code}.json"
            password = (data_dir / "keystores" / f"{admin.code}.password").read_text()
            signer = Signer.from_keystore(keystore, password)
            signers[signer.address] = signer
        deployer = old.dev_signers()[0]
        manifest = deploy(old.context.sender, deployer, old.administrations.governance(), name="v2")
        new = Ledger.attach(old.chain, manifest, signer=deployer)

        record = migrate(old, new, signers)

        assert record.new_address == new.deployment.address != record.old_address
        assert len(record.certificates) == len(demo.certificates)
        for certificate in demo.certificates:
            cid = bytes.fromhex(certificate.certificate_id.removeprefix("0x"))
            old_head = old.certificates.history_head(cid, block=record.old_block)
            assert new.certificates.history_head(cid) == old_head
            assert record.heads["0x" + cid.hex()] == "0x" + old_head[1].hex()
        assert record.mras == {str(m.mra_id): m.mra_id for m in demo.mras}
        record.save(tmp_path / "migration.json")

        # a later write on the new deployment only: verification names the difference
        def cid_of(certificate: DemoCertificate) -> bytes:
            return bytes.fromhex(certificate.certificate_id.removeprefix("0x"))

        first = next(c for c in demo.certificates if new.certificates.get(cid_of(c)).status.name == "ACTIVE")
        cid = cid_of(first)
        issuer = next(s for a, s in signers.items() if a == new.administrations.get(first.issuer).signers[0])
        new.certificates.revoke(cid, 1, signer=issuer)
        with pytest.raises(MigrationError, match="differs"):
            verify_migration(old, new, record)
        # a later write on the old deployment: the record no longer describes it
        old.certificates.revoke(cid, 1, signer=issuer)
        with pytest.raises(MigrationError, match="written after block"):
            verify_migration(old, new, record)
    finally:
        old.close()
