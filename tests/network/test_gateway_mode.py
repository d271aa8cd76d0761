"""Gateway mode (``AEO_LEDGER_ADMINISTRATION``): one administration's key and tokens only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.config import ApiSettings
from api.gateway import GatewayKeyError, gateway_signers
from api.signers import SignerRegistry, SignerUnavailableError
from api.tokens import Role, TokenStore
from ledger_client.errors import LedgerValueError
from ledger_client.ledger import Ledger
from ledger_client.signers import Signer


@pytest.fixture(scope="module")
def chain() -> Iterator[tuple[Ledger, list[Signer]]]:
    with Ledger.embedded() as ledger:
        dev = ledger.dev_signers()
        ledger.administrations.register("CR", "Costa Rica", dev[1].address)
        ledger.administrations.register("MX", "Mexico", dev[2].address)
        yield ledger, dev


def settings_for(state: Path) -> ApiSettings:
    return ApiSettings(administration="cr", state_dir=state, rpc_url="http://127.0.0.1:1", keystore=None)


def test_own_key_is_the_only_key(chain: tuple[Ledger, list[Signer]], tmp_path: Path) -> None:
    ledger, dev = chain
    settings = settings_for(tmp_path)
    assert settings.administration == "CR"
    SignerRegistry(settings.keystores_directory()).save("CR", dev[1], "pw")
    registry = gateway_signers(settings, ledger)
    assert registry.signer_for("CR").address == dev[1].address
    assert not registry.has_signer("MX")
    with pytest.raises(SignerUnavailableError, match="serves administration CR only"):
        registry.signer_for("MX")
    with pytest.raises(SignerUnavailableError, match="governance"):
        registry.governance()
    with pytest.raises(SignerUnavailableError, match="keeps no MX key"):
        registry.save("MX", dev[2], "pw")


@pytest.mark.slow  # scrypt keystores written and read (15-20 s on a loaded machine)
def test_keystore_of_another_administration_is_refused(chain: tuple[Ledger, list[Signer]], tmp_path: Path) -> None:
    ledger, dev = chain
    settings = settings_for(tmp_path)
    SignerRegistry(settings.keystores_directory()).save("CR", dev[2], "pw")  # MX's key filed as CR's
    with pytest.raises(GatewayKeyError, match=f"{dev[2].address}, a signer of administration MX"):
        gateway_signers(settings, ledger)


def test_governance_key_and_unknown_key_are_refused(chain: tuple[Ledger, list[Signer]], tmp_path: Path) -> None:
    ledger, dev = chain
    settings = settings_for(tmp_path)
    registry = SignerRegistry(settings.keystores_directory())
    registry.save("CR", dev[0], "pw")
    with pytest.raises(GatewayKeyError, match="consortium governance key"):
        gateway_signers(settings, ledger)
    registry.save("CR", dev[5], "pw")
    with pytest.raises(GatewayKeyError, match="not a signer of any administration"):
        gateway_signers(settings, ledger)


@pytest.mark.slow  # scrypt keystores written and read (15-20 s on a loaded machine)
def test_other_keystores_beside_its_own_are_refused(chain: tuple[Ledger, list[Signer]], tmp_path: Path) -> None:
    ledger, dev = chain
    settings = settings_for(tmp_path)
    registry = SignerRegistry(settings.keystores_directory())
    registry.save("CR", dev[1], "pw")
    registry.save("MX", dev[2], "pw")
    with pytest.raises(GatewayKeyError, match=r"also holds MX\.json"):
        gateway_signers(settings, ledger)


def test_missing_key_and_unregistered_administration(chain: tuple[Ledger, list[Signer]], tmp_path: Path) -> None:
    ledger, dev = chain
    with pytest.raises(GatewayKeyError, match="has no signing key"):
        gateway_signers(settings_for(tmp_path), ledger)
    pe = ApiSettings(administration="PE", state_dir=tmp_path, rpc_url="http://127.0.0.1:1", keystore=None)
    SignerRegistry(pe.keystores_directory()).save("PE", dev[3], "pw")
    with pytest.raises(GatewayKeyError, match="PE is not registered"):
        gateway_signers(pe, ledger)


def test_bad_administration_setting() -> None:
    with pytest.raises(ValueError, match="alpha-2"):
        ApiSettings(administration="CRI")


def test_gateway_tokens(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.sqlite", administration="CR")
    writer, _ = store.create("writer", "CR")
    auditor, _ = store.create("auditor", None)
    assert store.admits(writer)
    assert store.admits(auditor)
    with pytest.raises(LedgerValueError, match="tokens for CR only, not for MX"):
        store.create("reader", "MX")
    with pytest.raises(LedgerValueError, match="governance tokens"):
        store.create("governance", None)
    store.close()
    everything = TokenStore(tmp_path / "tokens.sqlite")  # the same file outside gateway mode
    foreign, secret = everything.create(Role.WRITER, "MX")
    governance, _ = everything.create(Role.GOVERNANCE, None)
    assert everything.admits(foreign)
    everything.close()
    store = TokenStore(tmp_path / "tokens.sqlite", administration="CR")
    record = store.authenticate(secret)
    assert record is not None
    assert not store.admits(record)
    assert not store.admits(governance)
    store.close()


@pytest.mark.slow  # scrypt keystores written and read (15-20 s on a loaded machine)
def test_token_cli_in_a_gateways_state_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ledger_client.cli import main

    monkeypatch.setenv("AEO_LEDGER_ADMINISTRATION", "CR")
    base = ["token", "create", "--data-dir", str(tmp_path)]
    assert main([*base, "--role", "writer", "--admin", "MX"]) == 2
    assert "issues tokens for CR only, not for MX" in capsys.readouterr().err
    assert main([*base, "--role", "governance"]) == 2
    assert main([*base, "--role", "reader", "--admin", "CR"]) == 0
    assert "(reader, CR)" in capsys.readouterr().out


def test_network_up_refuses_a_taken_port(tmp_path: Path) -> None:
    import socket

    from ledger_client.demo import CODES
    from ledger_client.network import Layout, NetworkError, Ports
    from ledger_client.network.control import up

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        layout = Layout(tmp_path / "net")
        with pytest.raises(NetworkError, match=f"port {port} of the node is in use"):
            up(layout, Ports(port, Ports.default(CODES).gateways), log=print)
        gateways = dict.fromkeys(CODES, 0) | {"PE": port}
        with pytest.raises(NetworkError, match=f"port {port} of the PE gateway is in use"):
            up(layout, Ports(0, gateways), log=print)
    assert not layout.pid_file("node").exists()
