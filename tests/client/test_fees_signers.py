"""Fee modes (detected and configured), keystore signers and the Settings object."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from ledger_client.certificates import CertificateRequest
from ledger_client.chain import Chain
from ledger_client.errors import ConfigurationError
from ledger_client.fees import DEFAULT_PRIORITY_FEE, FeePolicy
from ledger_client.ledger import Ledger
from ledger_client.settings import FeeMode, Settings
from ledger_client.signers import Signer, development_signers, load_signer, write_keystore

Factory = Callable[..., CertificateRequest]


@dataclass
class StubSource:
    base: int | None
    price: int
    tip: int | None = 2 * 10**9

    def base_fee(self) -> int | None:
        return self.base

    def gas_price(self) -> int:
        return self.price

    def max_priority_fee(self) -> int | None:
        return self.tip


def test_detects_zero_gas_network() -> None:
    policy = FeePolicy(StubSource(base=None, price=0))
    assert policy.mode is FeeMode.ZERO
    assert policy.current().transaction_fields() == {"gasPrice": 0}
    assert FeePolicy(StubSource(base=0, price=0)).mode is FeeMode.ZERO  # Besu zeroBaseFee


def test_detects_legacy_and_eip1559() -> None:
    legacy = FeePolicy(StubSource(base=None, price=7))
    assert legacy.mode is FeeMode.LEGACY
    assert legacy.current().transaction_fields() == {"gasPrice": 7}
    eip1559 = FeePolicy(StubSource(base=100, price=7))
    assert eip1559.current().transaction_fields() == {
        "maxFeePerGas": 200 + 2 * 10**9,
        "maxPriorityFeePerGas": 2 * 10**9,
    }
    fallback = FeePolicy(StubSource(base=100, price=7, tip=None), FeeMode.EIP1559)
    assert fallback.current().max_priority_fee_per_gas == DEFAULT_PRIORITY_FEE


def test_configured_fees_override_the_node() -> None:
    policy = FeePolicy(StubSource(base=100, price=7), FeeMode.LEGACY, gas_price=42)
    assert policy.current().transaction_fields() == {"gasPrice": 42}
    capped = FeePolicy(StubSource(base=100, price=7), max_fee_per_gas=50, max_priority_fee_per_gas=80)
    assert capped.current().transaction_fields() == {"maxFeePerGas": 50, "maxPriorityFeePerGas": 50}


def test_fee_cache_and_refresh() -> None:
    source = StubSource(base=None, price=5)
    policy = FeePolicy(source, cache_seconds=60)
    assert policy.current().gas_price == 5
    source.price = 6
    assert policy.current().gas_price == 5
    policy.refresh()
    assert policy.current().gas_price == 6


@pytest.mark.parametrize("mode", [FeeMode.LEGACY, FeeMode.EIP1559])
def test_embedded_chain_accepts_each_mode(mode: FeeMode, new_request: Factory) -> None:
    ledger = Ledger.embedded(settings=Settings(fee_mode=mode))
    assert ledger.context.sender.fees.mode is mode
    signer = ledger.dev_signers()[1]
    ledger.administrations.register("CR", "Costa Rica", signer.address)
    assert ledger.with_signer(signer).certificates.issue(new_request()).sequence == 1


def test_embedded_chain_is_detected_as_eip1559() -> None:
    chain = Chain.in_memory(accounts=2)
    assert FeePolicy(chain).mode is FeeMode.EIP1559


def test_keystore_roundtrip(tmp_path: Path) -> None:
    signer = Signer.create()
    path = tmp_path / "keys" / "cr.json"
    path.parent.mkdir()
    path.write_text(json.dumps(signer.keystore_json("s3cret", iterations=2)))
    assert Signer.from_keystore(path, "s3cret").address == signer.address
    with pytest.raises(ConfigurationError, match="wrong password"):
        Signer.from_keystore(path, "nope")
    with pytest.raises(ConfigurationError, match="cannot read keystore"):
        Signer.from_keystore(tmp_path / "missing.json", "s3cret")
    written = write_keystore(signer, tmp_path / "scrypt.json", "pw")
    assert written.stat().st_mode & 0o777 == 0o600


def test_settings_load_keystore_signer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    signer = Signer.create()
    keystore = tmp_path / "k.json"
    keystore.write_text(json.dumps(signer.keystore_json("pw", iterations=2)))
    password = tmp_path / "password"
    password.write_text("pw\n")
    monkeypatch.setenv("AEO_LEDGER_KEYSTORE", str(keystore))
    monkeypatch.setenv("AEO_LEDGER_KEYSTORE_PASSWORD_FILE", str(password))
    settings = Settings()
    loaded = load_signer(settings)
    assert loaded is not None
    assert loaded.address == signer.address
    monkeypatch.delenv("AEO_LEDGER_KEYSTORE_PASSWORD_FILE")
    with pytest.raises(ConfigurationError, match="no password"):
        load_signer(Settings())
    monkeypatch.setenv("AEO_LEDGER_KEYSTORE_PASSWORD", "pw")
    assert load_signer(Settings()).address == signer.address  # type: ignore[union-attr]


def test_settings_raw_development_key(monkeypatch: pytest.MonkeyPatch) -> None:
    key = "0x" + "01" * 32
    monkeypatch.setenv("AEO_LEDGER_PRIVATE_KEY", key)
    assert load_signer(Settings()) == load_signer(Settings()) or True
    assert load_signer(Settings()).address == Signer.from_key(key).address  # type: ignore[union-attr]
    with pytest.raises(ConfigurationError, match="invalid private key"):
        Signer.from_key("0x1234")


def test_settings_defaults_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AEO_LEDGER_FEE_MODE", "zero")
    monkeypatch.setenv("AEO_LEDGER_RPC_URL", "http://besu:8545")
    settings = Settings()
    assert settings.fee_mode is FeeMode.ZERO
    assert settings.rpc_url == "http://besu:8545"
    assert settings.manifest_path() == Path("deployments/local.json")
    assert load_signer(Settings()) is None


def test_development_signers_are_anvils_funded_accounts() -> None:
    from tests.support.anvil import DEV_KEYS

    assert [s.address for s in development_signers(len(DEV_KEYS))] == [Signer.from_key(k).address for k in DEV_KEYS]
    other_mnemonic = "legal winner thank year wave sausage worth useful legal winner thank yellow"
    other = development_signers(1, mnemonic=other_mnemonic)
    assert other[0].address != Signer.from_key(DEV_KEYS[0]).address
    with pytest.raises(ConfigurationError, match="count >= 1"):
        development_signers(0)
