"""Issue #14: a Safe-governed ledger (as ``network up`` deploys it) migrates: each governance write
relayed through the Safe is re-executed through the same Safe with k owners' signatures; too few
owners' keys, or a write relayed through any other contract, is refused before anything is sent."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak

from ledger_client.artifacts import Artifact, load_artifact
from ledger_client.certificates import CertificateRequest
from ledger_client.chain import Chain
from ledger_client.deployment import deploy
from ledger_client.governance import Action, Safe, SafeTx, carry_out, deploy_safe
from ledger_client.governance.safe import calldata
from ledger_client.governance.safetx import pack, sign
from ledger_client.ledger import Ledger
from ledger_client.migration import EXEC_SELECTOR, EXEC_TYPES, MigrationError, migrate, plan_migration, relayed_call
from ledger_client.models import Programme, Role
from ledger_client.settings import Settings
from ledger_client.signers import Signer
from tests.governance.conftest import THRESHOLD, Governed, governed_ledger
from tests.support.previous import previous_artifact


@dataclass
class SafeLedger:
    governed: Governed
    admins: dict[str, Signer]
    certificates: list[bytes]

    @property
    def old(self) -> Ledger:
        return self.governed.ledger

    def fresh_new(self) -> Ledger:
        """An empty deployment of the same version, governed by the same Safe."""
        sender, deployer = self.old.context.sender, self.governed.executor
        return Ledger.attach(self.old.chain, deploy(sender, deployer, self.governed.safe.safe, name="v2"))

    def keys(self, owners: list[Signer]) -> dict[str, Signer]:
        everyone = [self.governed.executor, *self.admins.values(), *owners]
        return {signer.address: signer for signer in everyone}


def _request(number: str) -> CertificateRequest:
    return CertificateRequest(
        number=number,
        programmes=int(Programme.SECURITY),
        roles=int(Role.EXPORTER),
        sme=False,
        valid_from=1_700_000_000,
        valid_until=None,
        document_hash=keccak(number.encode()),
    )


def _safe_ledger(chain: Chain, artifact: Artifact | None = None) -> SafeLedger:
    governed = governed_ledger(chain, chain.dev_signers()[0], Settings(), artifact)
    owners = governed.owners[:THRESHOLD]
    admins = {"CR": chain.dev_signers()[1], "PE": chain.dev_signers()[2]}
    for code, key in admins.items():
        carry_out(
            governed.ledger, Action.of("register", code=code, name=code, signer=key.address), owners, governed.executor
        )
    carry_out(governed.ledger, Action.of("freeze", code="PE"), owners, governed.executor)
    carry_out(governed.ledger, Action.of("unfreeze", code="PE"), owners, governed.executor)
    certificates = [
        governed.ledger.certificates.issue(_request(f"CR-{n}"), signer=admins["CR"]).certificate_id for n in range(3)
    ]
    governed.ledger.certificates.suspend(certificates[0], 1, signer=admins["CR"])
    return SafeLedger(governed, admins, certificates)


@pytest.fixture
def safe_ledger() -> Iterator[SafeLedger]:
    chain = Chain.in_memory()
    yield _safe_ledger(chain)
    chain.close()


@pytest.fixture(params=["current", "c526977"])
def any_version(request: pytest.FixtureRequest) -> Iterator[SafeLedger]:
    """A Safe-governed ledger of the current version, or of the earlier c526977."""
    chain = Chain.in_memory()
    yield _safe_ledger(chain, None if request.param == "current" else previous_artifact(request.param))
    chain.close()


def _safe_nonce(ledger: Ledger) -> int:
    return Safe(ledger.chain, ledger.administrations.governance()).state().nonce


def test_safe_relayed_governance_is_replayed_through_the_same_safe(any_version: SafeLedger) -> None:
    safe_ledger = any_version
    # as the current client opens it: read-only with its own artifact when it runs c526977
    old, new = Ledger.attach(safe_ledger.old.chain, safe_ledger.old.deployment), safe_ledger.fresh_new()
    other_owners = safe_ledger.governed.owners[2:]  # not the owners that signed on the old deployment
    keys = safe_ledger.keys(other_owners)
    plan = plan_migration(old, keys)
    assert (plan.relayed, len(plan.steps)) == (4, 4 + 3 + 1)  # register x2, freeze, unfreeze; 3 issues, 1 suspend
    assert plan.safe_owners == tuple(o.address for o in other_owners)
    nonce = _safe_nonce(old)

    record = migrate(old, new, keys, plan=plan)

    assert (record.transactions, record.relayed) == (8, 4)
    assert record.old_sources_sha256 == old.deployment.sources_sha256
    assert record.new_sources_sha256 == new.deployment.sources_sha256 == load_artifact().sources_sha256
    assert _safe_nonce(new) == nonce + 4  # the same Safe executed each governance write again
    assert new.administrations.codes() == old.administrations.codes() == ("CR", "PE")
    for cid in safe_ledger.certificates:
        assert new.certificates.history_head(cid) == old.certificates.history_head(cid)
        assert new.certificates.get(cid) == old.certificates.get(cid)


def test_too_few_owner_keys_are_refused_before_sending(safe_ledger: SafeLedger) -> None:
    old, new = safe_ledger.old, safe_ledger.fresh_new()
    owners = safe_ledger.governed.owners
    nonce, head = _safe_nonce(old), old.chain.block_number()
    with pytest.raises(MigrationError, match=r"needs 3 owners' keys; 2 given \(missing: ") as refused:
        migrate(old, new, safe_ledger.keys(owners[:2]))
    assert all(o.address in str(refused.value) for o in owners[2:])
    assert (_safe_nonce(old), old.chain.block_number()) == (nonce, head)
    assert new.administrations.codes() == ()


def test_a_write_relayed_through_another_contract_is_refused(safe_ledger: SafeLedger) -> None:
    old = safe_ledger.old
    executor = safe_ledger.governed.executor
    # CR gives its signing role to a 1-of-1 Safe of its own, which then adds a signer to CR
    holder = Signer.create()
    own = deploy_safe(old.context.sender, executor, [holder.address], 1, salt_nonce=7)
    old.administrations.add_signer(own.safe, signer=safe_ledger.admins["CR"])
    transaction = SafeTx(
        old.chain.chain_id, own.safe, old.deployment.address, calldata("addSigner(address)", Signer.create().address), 0
    )
    Safe(old.chain, own.safe).execute(
        old.context.sender, executor, transaction, pack({holder.address: sign(transaction, holder)})
    )
    with pytest.raises(MigrationError, match=f"through {own.safe}, which is neither the ledger nor its governance"):
        plan_migration(old, safe_ledger.keys(safe_ledger.governed.owners))


def test_a_safe_transaction_that_does_not_simply_call_the_ledger_is_refused(safe_ledger: SafeLedger) -> None:
    old = safe_ledger.old
    address = old.deployment.address

    def exec_data(to: str, operation: int) -> bytes:
        zero = "0x" + "00" * 20
        return EXEC_SELECTOR + abi_encode(EXEC_TYPES, [to, 0, b"\x01", operation, 0, 0, 0, zero, zero, b""])

    assert relayed_call(old, b"\x00" * 32, exec_data(address, 0)) == b"\x01"
    with pytest.raises(MigrationError, match="is not an execTransaction"):
        relayed_call(old, b"\x00" * 32, b"\x12\x34\x56\x78")
    with pytest.raises(MigrationError, match="does not simply call the ledger"):
        relayed_call(old, b"\x00" * 32, exec_data(address, 1))  # a DELEGATECALL
    with pytest.raises(MigrationError, match="does not simply call the ledger"):
        relayed_call(old, b"\x00" * 32, exec_data(safe_ledger.governed.safe.safe, 0))
