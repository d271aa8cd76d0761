"""Many threads writing with one key: no nonce collision, every transaction lands."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from ledger_client.certificates import CertificateRequest
from ledger_client.errors import TransactionRejectedError
from ledger_client.ledger import Ledger
from ledger_client.nonces import NonceManager

Factory = Callable[..., CertificateRequest]


@pytest.mark.slow  # 400 writes from eight threads (about 20 s)
def test_eight_threads_fifty_writes_one_key(cr: Ledger, new_request: Factory) -> None:
    start_nonce = cr.chain.transaction_count(cr.signer.address)  # type: ignore[union-attr]

    def worker(thread: int) -> list[str]:
        return [cr.certificates.issue(new_request(f"T{thread}-{i:03d}")).tx_hash for i in range(50)]

    with ThreadPoolExecutor(8) as pool:
        hashes = [h for batch in pool.map(worker, range(8)) for h in batch]
    assert len(set(hashes)) == 400
    assert cr.chain.transaction_count(cr.signer.address) == start_nonce + 400  # type: ignore[union-attr]
    for thread in range(8):
        assert cr.certificates.exists(cr.certificates.certificate_id("CR", f"T{thread}-049"))


def test_nonce_manager_resyncs_after_failure() -> None:
    chain_nonce = [5]
    manager = NonceManager(lambda: chain_nonce[0], verify=False)
    with manager.reserve() as nonce:
        assert nonce == 5
    with manager.reserve() as nonce:
        assert nonce == 6
    try:
        with manager.reserve() as nonce:
            raise TransactionRejectedError("nonce too low")
    except TransactionRejectedError:
        pass
    chain_nonce[0] = 9
    with manager.reserve() as nonce:
        assert nonce == 9
    manager.invalidate()
    chain_nonce[0] = 4  # a dropped transaction: the node's count went back
    with manager.reserve() as nonce:
        assert nonce == 4


def test_sender_recovers_from_a_stale_nonce(cr: Ledger, new_request: Factory) -> None:
    manager = cr.context.sender.nonces.for_address(cr.signer.address)  # type: ignore[union-attr]
    cr.certificates.issue(new_request("S-1"))
    manager._next = 0
    assert cr.certificates.issue(new_request("S-2")).sequence == 1
