"""The node's gas estimator: a limit that succeeds, within py-evm's tolerance of its bisection, in few runs."""

from __future__ import annotations

from typing import Any, cast

from eth.abc import SignedTransactionAPI
from eth.estimators.gas import binary_gas_search_intrinsic_tolerance
from eth.vm.spoof import SpoofTransaction
from eth_typing import Address, BlockNumber
from web3 import Web3

from ledger_client.node import DurableChain, DurableChainProvider
from ledger_client.node import estimate as estimator
from tests.node.helpers import deploy, words


def test_estimate_succeeds_and_matches_bisection(chain: DurableChain, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    w3 = Web3(DurableChainProvider(chain))
    address = deploy(w3, chain.accounts[0].private_key)
    sender = chain.accounts[1].address
    request = {"from": sender, "to": address, "data": "0x" + words(9).hex()}
    runs: list[int] = []
    original = estimator._run

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        runs.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(estimator, "_run", counted)
    fast = w3.eth.estimate_gas(request)  # type: ignore[arg-type]
    assert 1 <= len(runs) <= 3  # our estimator ran, and in at most three EVM runs
    monkeypatch.setattr(estimator, "_run", original)
    with chain.reading() as evm:
        header = evm.get_canonical_block_header_by_number(BlockNumber(chain.head_number()))
        vm = evm.get_vm(header)
        tx = vm.create_unsigned_transaction(
            nonce=0, gas_price=0, gas=header.gas_limit, to=Address(bytes.fromhex(address[2:])), value=0, data=words(9)
        )
        spoofed = cast(SignedTransactionAPI, SpoofTransaction(tx, from_=bytes.fromhex(sender[2:])))
        with vm.in_costless_state() as state:
            bisected = binary_gas_search_intrinsic_tolerance(state, spoofed)
        with vm.in_costless_state() as state:
            assert not estimator._run(state, spoofed, fast).is_error
    assert bisected - estimator.TOLERANCE <= fast <= bisected + estimator.TOLERANCE
    transfer = w3.eth.estimate_gas(cast(Any, {"from": sender, "to": chain.accounts[2].address, "value": 1}))
    assert transfer == 21_000
