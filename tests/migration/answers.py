"""What the migration tests share (issue #14): a durable chain holding the demo's data, the
``aeo-ledger migrate`` run on it, and the comparison of every answer of the old and the new
deployment (state, recognition, audit proofs, the index's recognition at a time)."""

from __future__ import annotations

import contextlib
import io
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest

from ledger_client.audit import Auditor, HistoryAudit
from ledger_client.cli import main
from ledger_client.demo import DemoSeed
from ledger_client.index.core import Index
from ledger_client.ledger import Ledger
from ledger_client.settings import Settings

SETTINGS = Settings(block_mode="instant")


@dataclass(frozen=True)
class Seeded:
    """A closed data directory whose chain holds the demo (deployment ``local``)."""

    data_dir: Path
    senders: tuple[str, ...]  # governance (development account 0) and the five administrations
    certificates: tuple[bytes, ...]
    mras: tuple[int, ...]
    codes: tuple[str, ...]


def seeded_of(data_dir: Path, demo: DemoSeed, governance: str) -> Seeded:
    """The :class:`Seeded` summary of a demo seeding."""
    return Seeded(
        data_dir,
        (governance, *(a.address for a in demo.administrations)),
        tuple(bytes.fromhex(c.certificate_id.removeprefix("0x")) for c in demo.certificates),
        tuple(m.mra_id for m in demo.mras),
        tuple(a.code for a in demo.administrations),
    )


def all_keys(seeded: Seeded) -> list[str]:
    """Options giving ``aeo-ledger migrate`` every key the demo's writes need."""
    return ["--keystores", str(seeded.data_dir / "keystores"), "--development-keys"]


def run_migrate(seeded: Seeded, *extra: str) -> int:
    """``aeo-ledger migrate --data-dir <seeded> …``: its exit code."""
    return main(["migrate", "--data-dir", str(seeded.data_dir), *extra])


def migrate_once(seeded: Seeded, name: str) -> tuple[int, str, Path]:
    """``aeo-ledger migrate --name <name>`` with every key: its exit code, its output, the record path."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AEO_LEDGER_BLOCK_MODE", "instant")
        patch.delenv("AEO_LEDGER_PRIVATE_KEY", raising=False)
        patch.delenv("AEO_LEDGER_KEYSTORE", raising=False)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = run_migrate(seeded, "--name", name, *all_keys(seeded))
    return code, out.getvalue(), seeded.data_dir / "deployments" / f"{name}.migration.json"


def _proof(audit: HistoryAudit) -> dict[str, object]:
    """A history proof without the block it was read at (the new deployment's blocks are later)."""
    answer = asdict(audit)
    del answer["block_number"]
    return answer


def assert_same_answers(old: Ledger, new: Ledger, seeded: Seeded, old_block: int, tmp_path: Path) -> None:
    """Every answer of ``old`` (migrated at ``old_block``) is ``new``'s: certificates, heads,
    recognition, MRAs, audit proofs, the index's recognition at a time and acknowledgements."""
    assert new.administrations.governance() == old.administrations.governance()
    for cid in seeded.certificates:
        assert new.certificates.get(cid) == old.certificates.get(cid)
        assert new.certificates.history_head(cid) == old.certificates.history_head(cid)
        for code_ in seeded.codes:
            if code_ != cid[:2].decode():
                assert new.recognition.now(cid, code_) == old.recognition.now(cid, code_)
    for mra_id in seeded.mras:
        assert new.mras.get(mra_id) == old.mras.get(mra_id)

    # the audit: each certificate's and each MRA's history proof is the same proof
    audits = [
        Auditor(
            ledger.chain.w3,
            ledger.deployment.address,
            start_block=ledger.deployment.deployment_block,
            codec=ledger.context.codec,
        )
        for ledger in (old, new)
    ]
    for cid in seeded.certificates:
        before, after = (auditor.audit_certificate(cid) for auditor in audits)
        assert before.ok
        assert _proof(after) == _proof(before)
    for mra_id in seeded.mras:
        before, after = (auditor.audit_mra(mra_id) for auditor in audits)
        assert before.ok
        assert _proof(after) == _proof(before)

    # the index: recognition at a time after the migration, and acknowledgements
    indexes = []
    for ledger in (old, new):
        index = Index.for_web3(
            tmp_path / f"{ledger.deployment.address}.sqlite",
            ledger.chain.w3,
            ledger.deployment.address,
            start_block=ledger.deployment.deployment_block,
        )
        index.sync()
        indexes.append(index)
    at = old.now()
    recognised = 0
    for cid in seeded.certificates:
        for code_ in seeded.codes:
            before, after = (index.recognition_at(cid, code_, at) for index in indexes)
            assert after == before
            recognised += before.recognised
        assert indexes[1].certificate(cid) is not None
    assert recognised > 0  # the comparison saw recognised certificates, not only refusals
    # before the migration only the old deployment has events: a point-in-time answer for a moment
    # before it is the old deployment's (pinned by the record), which still gives it
    pinned = old.chain.block(old_block).timestamp
    before_migration = [
        tuple(index.recognition_at(cid, code_, pinned).recognised for index in indexes)
        for cid in seeded.certificates
        for code_ in seeded.codes
    ]
    assert any(on_old for on_old, _ in before_migration)
    assert not any(on_new for _, on_new in before_migration)
    for index in indexes:
        index.close()
