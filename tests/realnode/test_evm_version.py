"""The contracts need Cancun: deploying on, or connecting to, an older node says what it lacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger_client.chain import Chain
from ledger_client.errors import ChainUnavailableError, ConfigurationError, UnsupportedEvmError
from ledger_client.evm import missing_features, require_cancun
from ledger_client.ledger import Ledger
from ledger_client.settings import Settings
from ledger_client.signers import Signer
from tests.conftest import AnvilFactory
from tests.realnode.conftest import deploy_ledger
from tests.support.anvil import DEV_KEYS, AnvilNode


@pytest.mark.parametrize(
    ("hardfork", "lacking"),
    [
        ("shanghai", ["TSTORE/TLOAD", "MCOPY", "BLOBBASEFEE"]),
        ("london", ["PUSH0", "TSTORE/TLOAD", "MCOPY", "BLOBBASEFEE"]),
    ],
)
def test_deploy_on_an_older_evm_refuses_before_sending(
    anvil_factory: AnvilFactory, tmp_path: Path, hardfork: str, lacking: list[str]
) -> None:
    node = anvil_factory("--hardfork", hardfork)
    settings = Settings(deployments_dir=tmp_path)
    with pytest.raises(UnsupportedEvmError) as raised:
        Ledger.deploy(node.url, signer=Signer.from_key(DEV_KEYS[0]), name="old", settings=settings)
    message = str(raised.value)
    assert "Cancun" in message
    for feature in lacking:
        assert feature in message
    assert not (tmp_path / "old.json").exists()
    assert int(node.rpc("eth_getTransactionCount", Signer.from_key(DEV_KEYS[0]).address, "latest"), 16) == 0


def test_connect_to_an_older_evm_says_what_it_lacks(
    anvil: AnvilNode, anvil_factory: AnvilFactory, tmp_path: Path
) -> None:
    deployed = deploy_ledger(anvil, tmp_path)
    manifest = deployed.governance.deployment
    deployed.close()
    old = anvil_factory("--hardfork", "shanghai")
    with pytest.raises(UnsupportedEvmError, match="MCOPY"):
        Ledger.connect(old.url, manifest, settings=Settings(deployments_dir=tmp_path))
    assert issubclass(UnsupportedEvmError, ConfigurationError)


def test_cancun_and_later_pass(anvil_factory: AnvilFactory) -> None:
    for hardfork in ("cancun", "prague"):
        chain = Chain.connect(anvil_factory("--hardfork", hardfork).url)
        assert missing_features(chain) == []
        require_cancun(chain)


def test_an_unreachable_node_is_unavailable_not_old(anvil_factory: AnvilFactory) -> None:
    node = anvil_factory()
    chain = Chain.connect(node.url)
    node.stop()
    with pytest.raises(ChainUnavailableError):
        require_cancun(chain)


def test_an_opcode_the_node_lacks_is_named_not_unavailable(anvil_factory: AnvilFactory) -> None:
    chain = Chain.connect(anvil_factory("--hardfork", "shanghai").url)
    mcopy = bytes.fromhex("6000600060005e00")
    with pytest.raises(UnsupportedEvmError, match="Cancun"):
        chain.estimate_gas(None, mcopy, Signer.from_key(DEV_KEYS[0]).address)
