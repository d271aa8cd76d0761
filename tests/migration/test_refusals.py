"""Issue #14: the migration's refusals that need no demo chain (in-memory chain, a few writes)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eth_account import Account

from ledger_client.cli.migrate import new_version_deployer
from ledger_client.deployment import deploy
from ledger_client.errors import ConfigurationError
from ledger_client.ledger import Ledger
from ledger_client.migration import MigrationError, migrate, plan_migration
from ledger_client.settings import Settings
from ledger_client.signers import Signer


@pytest.fixture
def old() -> Iterator[Ledger]:
    ledger = Ledger.embedded()
    ledger.administrations.register("CR", "Costa Rica", ledger.dev_signers()[1].address)
    yield ledger
    ledger.close()


def _keys(ledger: Ledger) -> dict[str, Signer]:
    return {signer.address: signer for signer in ledger.dev_signers()[:2]}


def test_the_new_deployment_must_be_empty_and_share_the_governance(old: Ledger) -> None:
    with pytest.raises(MigrationError, match="is not empty"):
        migrate(old, old, _keys(old))
    deployer = old.dev_signers()[0]
    other = Ledger.attach(old.chain, deploy(old.context.sender, deployer, old.dev_signers()[5].address, name="v2"))
    with pytest.raises(MigrationError, match="must have the old deployment's governance address"):
        migrate(old, other, _keys(old))
    assert other.administrations.codes() == ()


def test_a_transaction_the_node_no_longer_holds_is_refused(old: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(old.chain, "transaction", lambda tx_hash: None)
    with pytest.raises(MigrationError, match="the node no longer holds transaction 0x"):
        plan_migration(old, _keys(old))


def test_the_new_version_is_deployed_by_the_configured_key_else_the_old_deployer(
    old: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AEO_LEDGER_KEYSTORE", "AEO_LEDGER_PRIVATE_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert new_version_deployer(old, _keys(old), Settings()).address == old.dev_signers()[0].address
    configured = Account.create()
    settings = Settings(private_key="0x" + bytes(configured.key).hex())
    assert new_version_deployer(old, {}, settings).address == configured.address
    missing = old.dev_signers()[0].address
    with pytest.raises(ConfigurationError, match=f"the old deployment's deployer \\({missing}\\) is not among"):
        new_version_deployer(old, {}, Settings())
    monkeypatch.setattr(old.chain, "transaction", lambda tx_hash: None)
    with pytest.raises(ConfigurationError, match=r"deployer \(unknown to the node\)"):
        new_version_deployer(old, _keys(old), Settings())
