"""Ledger.connect over HTTP JSON-RPC (the durable node's server): estimate-gas path, raw sends."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ledger_client.certificates import CertificateRequest
from ledger_client.chain import Chain
from ledger_client.deployment import deploy
from ledger_client.errors import CertificateAlreadyIssued, CertificateNotActive, ConfigurationError
from ledger_client.ledger import Ledger, _sender
from ledger_client.models import ReasonCode
from ledger_client.node import DurableChain, start_in_thread
from ledger_client.settings import GasStrategy, Settings
from ledger_client.signers import Signer

Factory = Callable[..., CertificateRequest]


@pytest.fixture
def node(tmp_path: Path) -> Iterator[tuple[str, list[Signer]]]:
    chain = DurableChain(tmp_path / "data")
    server = start_in_thread(chain)
    signers = [Signer.from_key(account.private_key) for account in chain.accounts]
    yield server.url, signers
    server.stop()
    chain.close()


def test_connect_over_http(node: tuple[str, list[Signer]], tmp_path: Path, new_request: Factory) -> None:
    url, signers = node
    settings = Settings(deployments_dir=tmp_path / "deployments")
    chain = Chain.connect(url)
    sender = _sender(chain, settings)
    assert sender.gas_strategy is GasStrategy.ESTIMATE
    manifest = deploy(sender, signers[0], signers[0].address, name="test").save(tmp_path / "deployments" / "test.json")
    governance = Ledger.connect(url, "test", signer=signers[0], settings=settings)
    governance.administrations.register("CR", "Costa Rica", signers[1].address)
    cr = Ledger.connect(url, manifest, signer=signers[1], settings=settings)
    cid = cr.certificates.issue(new_request()).certificate_id
    cr.certificates.suspend(cid, ReasonCode.INVESTIGATION)
    with pytest.raises(CertificateNotActive) as info:
        cr.certificates.suspend(cid, ReasonCode.INVESTIGATION)
    assert info.value.inputs["id"] == "0x" + cid.hex()
    results = cr.certificates.issue_many([new_request(f"H-{i}") for i in range(10)] + [new_request()])
    assert sum(r.ok for r in results) == 10
    assert results[-1].error is not None


def test_connect_refuses_a_manifest_of_another_chain(
    node: tuple[str, list[Signer]], ledger: Ledger, tmp_path: Path
) -> None:
    url, _signers = node
    path = ledger.write_manifest(tmp_path)
    with pytest.raises(ConfigurationError, match="wrong RPC URL or wrong manifest"):
        Ledger.connect(url, path)


@pytest.mark.parametrize("strategy", [GasStrategy.ESTIMATE, GasStrategy.OPTIMISTIC])
def test_the_optimistic_strategy_sends_unchecked_and_names_a_refusal_from_the_mined_failure(
    node: tuple[str, list[Signer]], tmp_path: Path, new_request: Factory, strategy: GasStrategy
) -> None:
    url, signers = node
    settings = Settings(deployments_dir=tmp_path / "deployments", gas_strategy=strategy)
    sender = _sender(Chain.connect(url), settings)
    assert sender.optimistic is (strategy is GasStrategy.OPTIMISTIC)
    manifest = deploy(sender, signers[0], signers[0].address, name="test").save(tmp_path / "deployments" / "test.json")
    Ledger.connect(url, "test", signer=signers[0], settings=settings).administrations.register(
        "CR", "Costa Rica", signers[1].address
    )
    cr = Ledger.connect(url, manifest, signer=signers[1], settings=settings)
    cid = cr.certificates.issue(new_request()).certificate_id
    cr.certificates.suspend(cid, ReasonCode.INVESTIGATION)
    sent_before = cr.chain.transaction_count(signers[1].address)
    with pytest.raises(CertificateNotActive) as info:
        cr.certificates.suspend(cid, ReasonCode.INVESTIGATION)
    assert info.value.inputs["id"] == "0x" + cid.hex()
    # unchecked: the refusal was mined as a failed transaction (its nonce spent); pre-flighted: nothing sent
    mined = 1 if strategy is GasStrategy.OPTIMISTIC else 0
    assert cr.chain.transaction_count(signers[1].address) == sent_before + mined
    results = cr.certificates.issue_many([new_request(f"H-{i}") for i in range(10)] + [new_request()])
    assert [r.ok for r in results] == [True] * 10 + [False]
    assert isinstance(results[-1].error, CertificateAlreadyIssued)
