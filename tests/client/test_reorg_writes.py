"""No ghost writes after a reorg: dropped transactions are re-sent or replaced, outcomes read by hash.

The in-memory chain's ``revert(snapshot)`` drops blocks as a reorg does (as ``anvil_rollback``
and ``evm_revert`` do on anvil: the dropped transactions leave the node altogether).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ledger_client.certificates import CertificateRequest
from ledger_client.codec import encode_issue
from ledger_client.errors import (
    CertificateAlreadyIssued,
    ChainResetError,
    ChainUnavailableError,
    TransactionRejectedError,
    TransactionTimeoutError,
)
from ledger_client.ledger import Ledger
from ledger_client.models import CertificateStatus, ReasonCode
from ledger_client.nonces import NonceManager
from ledger_client.outcomes import OutcomeState, TouchedResource
from tests.client.conftest import make_request

Factory = Callable[..., CertificateRequest]


class _Node:
    """A node's view of one signer: the nonces it holds (a reorg pops some)."""

    def __init__(self, start: int = 0) -> None:
        self.held: list[int] = list(range(start))
        self.refuse: set[bytes] = set()

    def count(self) -> int:
        return len(self.held)

    def resend(self, raw: bytes) -> None:
        if raw in self.refuse:
            raise TransactionRejectedError("replacement transaction underpriced")
        nonce = int.from_bytes(raw[:4], "big")
        assert nonce == len(self.held), "re-sent out of nonce order"
        self.held.append(nonce)


def _send(manager: NonceManager, node: _Node) -> int:
    with manager.reserve() as nonce:
        raw = nonce.to_bytes(4, "big")
        manager.keep(nonce, b"h" + raw, raw)
        node.held.append(nonce)
    return nonce


def test_a_reorg_that_drops_kept_transactions_resends_them_in_order() -> None:
    node = _Node(3)
    manager = NonceManager(node.count, node.resend)
    assert [_send(manager, node) for _ in range(4)] == [3, 4, 5, 6]
    del node.held[4:]  # the reorg dropped nonces 4, 5 and 6
    assert _send(manager, node) == 7  # 4, 5, 6 re-sent first, in order: no gap, nothing queued
    assert node.held == [0, 1, 2, 3, 4, 5, 6, 7]


def test_a_dropped_nonce_without_a_kept_transaction_goes_to_the_next_write() -> None:
    node = _Node()
    manager = NonceManager(node.count, node.resend, keep=2)
    for _ in range(5):
        _send(manager, node)
    del node.held[1:]  # nonces 1..4 dropped; only 3 and 4 are still kept
    restoration = manager.restore()
    assert restoration.resent == ()
    assert restoration.replaced_from == 1
    assert _send(manager, node) == 1  # replaces the lost nonce 1 rather than leaving a gap


def test_a_kept_transaction_the_node_refuses_is_replaced_not_left_queued() -> None:
    node = _Node()
    manager = NonceManager(node.count, node.resend)
    for _ in range(3):
        _send(manager, node)
    node.refuse.add((1).to_bytes(4, "big"))
    del node.held[1:]
    restoration = manager.restore()
    assert (restoration.resent, restoration.replaced_from) == ((), 1)
    assert _send(manager, node) == 1


def test_another_client_using_the_key_moves_the_counter_forward() -> None:
    node = _Node()
    manager = NonceManager(node.count, node.resend)
    _send(manager, node)
    node.held += [1, 2]  # sent by another process holding the same key
    assert _send(manager, node) == 3


def test_writes_dropped_by_a_reorg_land_again_before_the_next_write(cr: Ledger, new_request: Factory) -> None:
    fork = cr.chain.snapshot()
    issued = cr.certificates.issue(new_request("REORG-A"))
    suspended = cr.certificates.suspend(issued.certificate_id, ReasonCode.INVESTIGATION)
    cr.chain.revert(fork)  # the reorg: both writes vanish from the chain
    assert not cr.certificates.exists(issued.certificate_id)

    after = cr.certificates.issue(new_request("REORG-B"))  # the next write re-sends both first

    assert cr.certificates.get(issued.certificate_id).status is CertificateStatus.SUSPENDED
    assert cr.certificates.exists(after.certificate_id)
    for result in (issued, suspended):  # same transactions (same hashes) as the callers were told
        outcome = cr.transaction_outcome(bytes.fromhex(result.tx_hash[2:]))
        assert outcome is not None
        assert outcome.state is OutcomeState.LANDED
    signer = cr.signer
    assert signer is not None
    assert cr.chain.transaction_count(signer.address) == cr.context.sender.nonces.for_address(signer.address).peek()


def test_outcome_of_a_dropped_write_resends_it(cr: Ledger, new_request: Factory) -> None:
    fork = cr.chain.snapshot()
    issued = cr.certificates.issue(new_request("REORG-C"))
    cr.chain.revert(fork)
    tx_hash = bytes.fromhex(issued.tx_hash[2:])

    outcome = cr.transaction_outcome(tx_hash)  # nothing else was sent: asking re-sends it

    assert outcome is not None
    assert outcome.state is OutcomeState.LANDED
    assert outcome.events == ("CertificateIssued",)
    assert outcome.resources == (TouchedResource("certificate", "0x" + issued.certificate_id.hex()),)
    assert cr.certificates.exists(issued.certificate_id)


def test_outcome_of_a_dropped_write_whose_nonce_was_taken_is_failed_for_good(cr: Ledger, new_request: Factory) -> None:
    fork = cr.chain.snapshot()
    issued = cr.certificates.issue(new_request("REORG-D"))
    cr.chain.revert(fork)
    signer = cr.signer
    assert signer is not None
    nonce = cr.chain.transaction_count(signer.address)
    fees = cr.context.sender.fees.current().transaction_fields()
    other = signer.sign_transaction(
        {"chainId": cr.chain.chain_id, "nonce": nonce, "gas": 21_000, "value": 0, "to": signer.address, **fees}
    )
    cr.chain.wait_for_receipt(cr.chain.send_raw(other))  # another transaction takes the nonce

    outcome = cr.transaction_outcome(bytes.fromhex(issued.tx_hash[2:]))

    assert outcome is not None
    assert outcome.state is OutcomeState.FAILED
    assert "can never land" in outcome.detail
    assert not cr.certificates.exists(issued.certificate_id)


def test_outcome_of_a_reverted_transaction_names_the_error(cr: Ledger, new_request: Factory) -> None:
    issued = cr.certificates.issue(new_request("REORG-E"))
    data = encode_issue(new_request("REORG-E").encode())
    signer = cr.signer
    assert signer is not None
    tx_hash = cr.context.sender.send(signer, cr.deployment.address, data, 500_000)  # no pre-flight: it reverts
    receipt = cr.chain.wait_for_receipt(tx_hash)
    assert receipt.status == 0

    outcome = cr.transaction_outcome(tx_hash)

    assert outcome is not None
    assert outcome.state is OutcomeState.FAILED
    assert isinstance(outcome.error, CertificateAlreadyIssued)
    assert outcome.block_number == receipt.block_number
    assert cr.certificates.exists(issued.certificate_id)


def test_outcome_of_an_unknown_transaction_is_none(cr: Ledger) -> None:
    assert cr.transaction_outcome(b"\x42" * 32) is None


def test_a_reset_chain_gets_no_transaction() -> None:
    with Ledger.embedded() as ledger:
        signers = ledger.dev_signers()
        ledger.administrations.register("CR", "Costa Rica", signers[1].address)
        assert ledger.chain.tester is not None
        ledger.chain.tester.reset_to_genesis()  # the node restarted empty
        ledger.guard.forget()

        with pytest.raises(ChainResetError, match="deployment block"):
            ledger.administrations.register("PE", "Peru", signers[2].address)
        with pytest.raises(ChainResetError):
            ledger.with_signer(signers[1]).certificates.issue_many([make_request()])
        assert ledger.chain.transaction_count(signers[0].address) == 0  # nothing was sent
        assert ledger.guard.state().problem is not None


def _encoded(number: str) -> bytes:
    return encode_issue(make_request(number).encode())


def test_a_send_the_node_may_have_received_is_reported_pending_with_its_hash(
    cr: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    chain, signer = cr.chain, cr.signer
    assert signer is not None
    original = chain.send_raw

    def lost_answer(raw: bytes) -> bytes:
        original(raw)  # the node got it, then the connection broke before its answer
        raise ChainUnavailableError("eth_sendRawTransaction: the node cannot be reached (reset by peer)")

    def unreachable(tx_hash: bytes) -> bool:
        raise ChainUnavailableError("eth_getTransactionByHash: the node cannot be reached")

    monkeypatch.setattr(chain, "send_raw", lost_answer)
    monkeypatch.setattr(chain, "knows_transaction", unreachable)
    with pytest.raises(TransactionTimeoutError) as caught:
        cr.context.sender.send(signer, cr.deployment.address, _encoded("LOST-1"), 500_000)
    monkeypatch.undo()

    assert caught.value.tx_hash is not None  # 202 with this hash in the API, never a 503
    assert chain.receipt(caught.value.tx_hash) is not None  # it did land
    later = cr.certificates.issue(make_request("LOST-2"))  # the nonce stayed consumed: no collision
    assert later.sequence == 1


def test_a_send_the_node_says_it_never_got_fails_and_frees_the_nonce(
    cr: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    chain, signer = cr.chain, cr.signer
    assert signer is not None
    before = chain.transaction_count(signer.address)

    def refused(raw: bytes) -> bytes:
        raise ChainUnavailableError("eth_sendRawTransaction: the node cannot be reached (refused)")

    monkeypatch.setattr(chain, "send_raw", refused)
    with pytest.raises(ChainUnavailableError):
        cr.context.sender.send(signer, cr.deployment.address, _encoded("LOST-3"), 500_000)
    monkeypatch.undo()

    assert chain.transaction_count(signer.address) == before  # nothing was sent: a 503 is the truth
    assert cr.certificates.issue(make_request("LOST-3")).sequence == 1
