"""The generated files: they parse, agree with each other, and encode what Besu expects."""

from __future__ import annotations

import json
import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from eth_account import Account

from ledger_client.cli import main
from ledger_client.consortium import KitOptions, init_kit, parse_validators
from ledger_client.consortium.errors import (
    DuplicateValidatorError,
    KitExistsError,
    KitOptionError,
    TooFewValidatorsError,
    UnknownAdministrationCodeError,
)
from ledger_client.consortium.genesis import decode_qbft_extra_data, qbft_extra_data
from ledger_client.consortium.keys import read_encrypted, read_raw_key
from ledger_client.consortium.options import deployed_size
from ledger_client.errors import InvalidCodeError, LedgerValueError
from tests.consortium.conftest import VALIDATORS

# GoQuorum's QBFT test genesis: four validators, the encoding Besu's `rlp encode --type=QBFT_EXTRA_DATA` writes.
QUORUM_VALIDATORS = [
    "0x93917cadbace5dfce132b991732c6cda9bcc5b8a",
    "0x27a97c9aaf04f18f3014c32e036dd0ac76da5f18",
    "0xce412f988377e31f4d0ff12d74df73b51c42d0ca",
    "0x98c1334496614aed49d2e81526d089f7264fed9c",
]
QUORUM_EXTRA_DATA = (
    "f87aa00000000000000000000000000000000000000000000000000000000000000000f8549493917cadbace5dfce132b991732c6c"
    "da9bcc5b8a9427a97c9aaf04f18f3014c32e036dd0ac76da5f1894ce412f988377e31f4d0ff12d74df73b51c42d0ca9498c13344"
    "96614aed49d2e81526d089f7264fed9cc080c0"
)


def load_json(path: Path) -> Any:
    return json.loads(path.read_text())


def test_every_generated_file_parses(kit: Path) -> None:
    parsers = {".json": json.loads, ".toml": tomllib.loads, ".yml": yaml.safe_load}
    files = [path for path in kit.rglob("*") if path.is_file()]
    parsed = 0
    for path in files:
        parse = parsers.get(path.suffix)
        if parse is not None:
            assert parse(path.read_text()) is not None, path
            parsed += 1
        elif path.suffix in {".password", ".md", ".Dockerfile"}:
            assert path.read_text().strip(), path
        else:
            assert path.name == "key", f"unexpected file {path.relative_to(kit)}"
            assert len(read_raw_key(path)) == 32
    # genesis, network, static nodes, 1 + 5 + 5 + 5 keystores, 5 Besu configs, the compose file
    assert parsed == 3 + 16 + 5 + 1


def test_extra_data_is_the_qbft_encoding() -> None:
    assert qbft_extra_data(QUORUM_VALIDATORS).hex() == QUORUM_EXTRA_DATA
    assert [a.lower() for a in decode_qbft_extra_data("0x" + QUORUM_EXTRA_DATA)] == QUORUM_VALIDATORS


def test_decoder_rejects_extra_data_with_a_vote_or_seals() -> None:
    import rlp

    voted = rlp.encode([b"\0" * 32, [bytes.fromhex(QUORUM_VALIDATORS[0][2:])], [b"\1" * 20, b"\0"], 0, []])
    with pytest.raises(LedgerValueError, match="no vote"):
        decode_qbft_extra_data(voted)
    with pytest.raises(LedgerValueError, match="5 items"):
        decode_qbft_extra_data(rlp.encode([b"\0" * 32, []]))


def test_genesis_extra_data_names_every_node_key(kit: Path) -> None:
    genesis = load_json(kit / "genesis.json")
    network = load_json(kit / "network.json")
    validators = decode_qbft_extra_data(genesis["extraData"])
    key_addresses = {Account.from_key(read_raw_key(kit / "nodes" / code / "key")).address for code in VALIDATORS}
    assert set(validators) == key_addresses == {node["validator"] for node in network["nodes"]}
    assert validators == sorted(validators, key=lambda a: int(a, 16))  # ascending, as besu rlp encode expects


def test_genesis_config_is_qbft_cancun_free_gas(kit: Path) -> None:
    config = load_json(kit / "genesis.json")["config"]
    assert config["chainId"] == 4242
    assert config["qbft"] == {"blockperiodseconds": 3, "epochlength": 30000, "requesttimeoutseconds": 7}
    assert config["shanghaiTime"] == 0
    assert config["cancunTime"] == 0
    assert config["londonBlock"] == 0
    assert config["zeroBaseFee"] is True
    assert config["contractSizeLimit"] >= deployed_size() > 0
    assert "ibft2" not in config
    assert "clique" not in config


def test_genesis_allocates_governance_and_each_signer(kit: Path) -> None:
    genesis = load_json(kit / "genesis.json")
    network = load_json(kit / "network.json")
    expected = {network["governance"], *(node["signer"] for node in network["nodes"])}
    assert {"0x" + a for a in genesis["alloc"]} == {a.lower() for a in expected}


@pytest.mark.slow  # decrypts eleven scrypt keystores (about 30 s)
def test_every_key_is_stored_encrypted_and_matches(kit: Path) -> None:
    network = load_json(kit / "network.json")
    for node in network["nodes"]:
        code = node["code"]
        node_key = read_encrypted(kit / "secrets/nodes" / f"{code}.json", kit / "secrets/nodes" / f"{code}.password")
        assert node_key == read_raw_key(kit / "nodes" / code / "key")
        assert Account.from_key(node_key).address == node["validator"]
        keystore = load_json(kit / "gateways" / code / "keystores" / f"{code}.json")
        assert "crypto" in keystore
        assert "ciphertext" in keystore["crypto"]
        signer_key = read_encrypted(
            kit / "gateways" / code / "keystores" / f"{code}.json",
            kit / "gateways" / code / "keystores" / f"{code}.password",
        )
        assert Account.from_key(signer_key).address == node["signer"]
        for secret in (kit / "nodes" / code / "key", kit / "secrets/nodes" / f"{code}.password"):
            assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600
    governance = read_encrypted(kit / "governance/governance.json", kit / "governance/governance.password")
    assert Account.from_key(governance).address == network["governance"]
    owners = network["governanceSafe"]["owners"]  # the Safe's owners: one governance key per administration
    assert list(owners) == [node["code"] for node in network["nodes"]]
    assert network["governanceSafe"]["threshold"] == 3
    for code, address in owners.items():
        key = read_encrypted(kit / "governance/owners" / f"{code}.json", kit / "governance/owners" / f"{code}.password")
        assert Account.from_key(key).address == address


def test_besu_configs_parse_and_point_at_each_other(kit: Path) -> None:
    network = load_json(kit / "network.json")
    static_nodes = load_json(kit / "static-nodes.json")
    assert static_nodes == [node["enode"] for node in network["nodes"]]
    ports: set[int] = set()
    for node in network["nodes"]:
        config = tomllib.loads((kit / "nodes" / node["code"] / "config.toml").read_text())
        public_key = Account.from_key(read_raw_key(kit / "nodes" / node["code"] / "key"))._key_obj.public_key
        assert node["enode"] == f"enode://{public_key.to_bytes().hex()}@{node['ip']}:{node['p2pPort']}"
        assert config["p2p-port"] == node["p2pPort"]
        assert config["rpc-http-port"] == node["rpcPort"]
        assert config["p2p-host"] == node["ip"]
        assert config["min-gas-price"] == 0
        assert "QBFT" in config["rpc-http-api"]
        assert "ADMIN" not in config["rpc-http-api"]
        assert sorted(config["bootnodes"]) == sorted(e for e in static_nodes if e != node["enode"])
        assert config["node-private-key-file"] == "/config/node/key"
        ports.update({config["p2p-port"], config["rpc-http-port"]})
    assert len(ports) == 2 * len(VALIDATORS)


def test_compose_runs_one_validator_and_one_gateway_per_administration(kit: Path) -> None:
    compose = yaml.safe_load((kit / "docker-compose.yml").read_text())
    network = load_json(kit / "network.json")
    services = compose["services"]
    assert len(services) == 2 * len(VALIDATORS)
    for node in network["nodes"]:
        validator = services[node["service"]]
        assert validator["networks"]["aeo-consortium"]["ipv4_address"] == node["ip"]
        assert f"./nodes/{node['code']}:/config/node:ro" in validator["volumes"]
        assert f"./data/{node['code']}:/data" in validator["volumes"]
        assert (kit / "data" / node["code"]).is_dir()
        gateway = services[node["gatewayService"]]
        env = gateway["environment"]
        assert env["AEO_LEDGER_RPC_URL"] == f"http://{node['service']}:{node['rpcPort']}"
        assert env["AEO_LEDGER_FEE_MODE"] == "zero"
        assert env["AEO_LEDGER_DEPLOYMENT"] == network["deployment"]
        assert gateway["depends_on"] == [node["service"]]
        assert f"./gateways/{node['code']}:/state" in gateway["volumes"]
        assert gateway["ports"] == [f"127.0.0.1:{node['gatewayPort']}:8000"]
        # the gateway's state holds its own administration's keystore and no one else's
        assert sorted(p.name for p in (kit / "gateways" / node["code"] / "keystores").iterdir()) == [
            f"{node['code']}.json",
            f"{node['code']}.password",
        ]
    for service in services.values():
        assert all(port.startswith("127.0.0.1:") for port in service["ports"])


def test_runbook_names_the_real_addresses_and_procedures(kit: Path) -> None:
    runbook = (kit / "RUNBOOK.md").read_text()
    network = load_json(kit / "network.json")
    for node in network["nodes"]:
        assert node["validator"] in runbook
        assert f"127.0.0.1:{node['gatewayPort']}" in runbook
    for procedure in (
        "qbft_proposeValidatorVote",
        "Rotate a node key",
        "Deploy the governance Safe and the ledger",
        "Point the gateways",
    ):
        assert procedure in runbook
    assert "4 of 5) take part, so at most 1 may be down" in runbook
    calls = [json.loads(body) for body in re.findall(r"--data '(\{.*?\})'", runbook)]
    assert {call["method"] for call in calls} >= {"qbft_proposeValidatorVote", "qbft_getValidatorsByBlockNumber"}
    assert all(call["jsonrpc"] == "2.0" and isinstance(call["params"], list) for call in calls)


@pytest.mark.parametrize(
    ("validators", "error", "message"),
    [
        ("CL,CO,CR", TooFewValidatorsError, "at least 4 validators, got 3"),
        ("CL,CO,CR,CL", DuplicateValidatorError, "CL listed more than once"),
        ("CL,CO,CR,XX", UnknownAdministrationCodeError, "'XX' is not an ISO 3166-1"),
        ("CL,CO,CR,C1", InvalidCodeError, "not an ISO 3166-1 alpha-2 code"),
    ],
)
def test_validators_are_checked(validators: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        parse_validators(validators)


def test_codes_are_normalised() -> None:
    assert parse_validators(" cl, co ,CR,mx") == ("CL", "CO", "CR", "MX")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"contract_size_limit": 1024}, "does not fit AeoLedger"),
        ({"request_timeout_seconds": 2}, "must exceed the block period"),
        ({"rpc_base_port": 30300}, "overlap"),
        ({"subnet": "8.8.8.0/24"}, "private IPv4"),
        ({"chain_id": 0}, "chain id"),
    ],
)
def test_options_are_checked(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    options = KitOptions(validators=VALIDATORS, out=tmp_path / "kit", **change)
    with pytest.raises(KitOptionError, match=message):
        init_kit(options)
    assert not (tmp_path / "kit").exists()


def test_cli_refuses_three_validators(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["consortium", "init", "--validators", "CL,CO,CR", "--out", str(tmp_path / "kit")])
    assert code == 2
    err = capsys.readouterr().err
    assert "QBFT needs at least 4 validators" in err
    assert "2/3" in err
    assert not (tmp_path / "kit").exists()


def test_an_existing_kit_is_kept_without_force(kit: Path) -> None:
    before = (kit / "genesis.json").read_text()
    with pytest.raises(KitExistsError, match="--force"):
        init_kit(KitOptions(validators=VALIDATORS, out=kit))
    assert (kit / "genesis.json").read_text() == before


def test_force_never_replaces_a_directory_that_is_not_a_kit(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(KitExistsError, match=r"holds no network\.json"):
        init_kit(KitOptions(validators=VALIDATORS, out=tmp_path, force=True))
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.slow
def test_force_replaces_the_whole_directory(tmp_path: Path) -> None:
    out = tmp_path / "kit"
    out.mkdir()
    (out / "network.json").write_text("{}")
    (out / "stale.txt").write_text("old")
    result = init_kit(KitOptions(validators=("AR", "BR", "UY", "PY"), out=out, force=True))
    assert not (out / "stale.txt").exists()
    assert (out / "RUNBOOK.md").is_file()
    assert [n.code for n in result.plan.nodes] == ["AR", "BR", "UY", "PY"]
    assert [p.name for p in tmp_path.iterdir()] == ["kit"]  # no staging or retired directory left behind


@pytest.mark.slow  # scrypt keystores through the CLI (about 7 s)
def test_new_key_and_node_key_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["consortium", "new-key", "--out", str(tmp_path / "next"), "--host", "10.0.0.5"]) == 0
    out = capsys.readouterr().out
    raw = read_raw_key(tmp_path / "next" / "key")
    address = Account.from_key(raw).address
    assert f"validator address {address}" in out
    assert "@10.0.0.5:30303" in out
    args = ["--keystore", str(tmp_path / "next/node.json"), "--password-file", str(tmp_path / "next/node.password")]
    assert main(["consortium", "node-key", *args, "--out", str(tmp_path / "run/key")]) == 0
    assert read_raw_key(tmp_path / "run" / "key") == raw
    assert main(["consortium", "new-key", "--out", str(tmp_path / "next")]) == 2  # never overwrites a key
    assert read_raw_key(tmp_path / "next" / "key") == raw
