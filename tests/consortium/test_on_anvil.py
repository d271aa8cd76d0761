"""The kit's genesis on a real node (anvil ``--init``), and the ledger working there with the gateways' settings.

What Besu itself would do (QBFT block production, validator votes) cannot run here; anvil reads
the same genesis file (chain id, timestamp, base fee, allocations) and runs the same EVM fork.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from web3 import Web3

from api.config import ApiSettings
from api.main import create_app
from api.tokens import TokenStore
from ledger_client.cli import main
from ledger_client.consortium.runbook import REGISTER_SCRIPT_START
from ledger_client.deployment import Deployment
from tests.conftest import AnvilFactory
from tests.support.anvil import AnvilNode

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def genesis_node(kit: Path, anvil_factory: AnvilFactory) -> Iterator[AnvilNode]:
    """anvil started from the kit's genesis (``anvil --init genesis.json``) on a free loopback port."""
    node = anvil_factory("--init", str(kit / "genesis.json"), "--hardfork", "cancun")  # the genesis forks
    yield node
    node.stop()


@pytest.fixture(scope="module")
def network(kit: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the kit (the tests deploy into its deployments/ and write gateway state)."""
    copy = tmp_path_factory.mktemp("network") / "kit"
    shutil.copytree(kit, copy)
    return copy


def load_json(path: Path) -> Any:
    return json.loads(path.read_text())


def gateway_settings(network: Path, code: str, rpc_url: str) -> ApiSettings:
    """``code``'s gateway settings as docker-compose.yml gives them, container paths mapped into the kit."""
    compose = yaml.safe_load((network / "docker-compose.yml").read_text())
    service = compose["services"][f"gateway-{code.lower()}"]
    mounts = {}
    for volume in service["volumes"]:
        host, container = volume.split(":")[:2]
        mounts[container] = str((network / host).resolve())
    environment: dict[str, str] = dict(service["environment"])
    for key, value in environment.items():
        if value in mounts:
            environment[key] = mounts[value]
    assert environment.pop("AEO_LEDGER_RPC_URL").startswith(f"http://besu-{code.lower()}:")
    environment["AEO_LEDGER_RPC_URL"] = rpc_url
    prefix = "AEO_LEDGER_"
    return ApiSettings(**{key.removeprefix(prefix).lower(): value for key, value in environment.items()})


def test_genesis_loads_with_the_same_chain_id_and_allocations(kit: Path, genesis_node: AnvilNode) -> None:
    genesis = load_json(kit / "genesis.json")
    w3 = Web3(Web3.HTTPProvider(genesis_node.url))
    assert w3.eth.chain_id == genesis["config"]["chainId"] == 4242
    block = w3.eth.get_block(0)
    assert block["timestamp"] == int(genesis["timestamp"], 16)
    assert block["baseFeePerGas"] == 0
    assert genesis["alloc"]
    for address, account in genesis["alloc"].items():
        assert w3.eth.get_balance(Web3.to_checksum_address(address)) == int(account["balance"], 16)


def test_ledger_deploys_and_gateways_work_with_zero_fees(
    network: Path, genesis_node: AnvilNode, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = load_json(network / "network.json")
    genesis = load_json(network / "genesis.json")
    w3 = Web3(Web3.HTTPProvider(genesis_node.url))

    # 2. Deploy the governance Safe, then the ledger under it: the runbook's commands, with the kit's deployer key.
    monkeypatch.setenv("AEO_LEDGER_KEYSTORE", str(network / "governance/governance.json"))
    monkeypatch.setenv("AEO_LEDGER_KEYSTORE_PASSWORD_FILE", str(network / "governance/governance.password"))
    monkeypatch.setenv("AEO_LEDGER_FEE_MODE", "zero")
    owners = manifest["governanceSafe"]["owners"]
    threshold = str(manifest["governanceSafe"]["threshold"])
    safe_file = network / "governance/safe.json"
    deploy_safe = ["governance", "deploy-safe", "--rpc-url", genesis_node.url, "--threshold", threshold]
    assert main([*deploy_safe, "--owners", ",".join(owners.values()), "--out", str(safe_file)]) == 0
    safe = load_json(safe_file)["safe"]
    deploy = ["deploy", "--rpc-url", genesis_node.url, "--name", manifest["deployment"]]
    assert main([*deploy, "--governance", safe, "--deployments-dir", str(network / "deployments")]) == 0
    deployment = Deployment.load(network / "deployments" / f"{manifest['deployment']}.json")
    assert deployment.chain_id == 4242
    assert deployment.governance == safe
    for name in ("AEO_LEDGER_KEYSTORE", "AEO_LEDGER_KEYSTORE_PASSWORD_FILE", "AEO_LEDGER_FEE_MODE"):
        monkeypatch.delenv(name)

    # The runbook's registration script, run as written from the kit directory.
    runbook = (network / "RUNBOOK.md").read_text()
    script = re.search(re.escape(REGISTER_SCRIPT_START) + r"\n(.*?)```", runbook, flags=re.DOTALL)
    assert script is not None
    monkeypatch.chdir(network)
    monkeypatch.setenv("RPC_URL", genesis_node.url)
    exec(compile(script.group(1), "RUNBOOK.md", "exec"), {})
    assert "CR signer" in capsys.readouterr().out

    # 3. The gateways, with the settings compose gives them: CR issues a certificate, PE's gateway reads it.
    cr_settings = gateway_settings(network, "CR", genesis_node.url)
    pe_settings = gateway_settings(network, "PE", genesis_node.url)
    assert cr_settings.fee_mode.value == "zero"
    tokens = {}
    for code, settings in (("CR", cr_settings), ("PE", pe_settings)):
        store = TokenStore(settings.tokens_file())
        tokens[code] = store.create("writer", code, "kit test")[1]
        store.close()
    body = {
        "number": "CR-KIT-0001",
        "programmes": ["SECURITY"],
        "roles": ["EXPORTER"],
        "sme": False,
        "valid_from": "2026-01-01T00:00:00Z",
        "valid_until": None,
        "document_hash": "0x" + "ab" * 32,
    }
    with TestClient(create_app(cr_settings)) as cr, TestClient(create_app(pe_settings)) as pe:
        issued = cr.post("/v1/certificates", json=body, headers={"Authorization": f"Bearer {tokens['CR']}"})
        assert issued.status_code == 201, issued.text
        certificate_id = issued.json()["certificate"]["id"]
        transaction = w3.eth.get_transaction(issued.json()["transaction"]["tx_hash"])
        assert transaction["gasPrice"] == 0
        assert transaction["from"] == next(n["signer"] for n in manifest["nodes"] if n["code"] == "CR")
        pe_auth = {"Authorization": f"Bearer {tokens['PE']}"}
        deadline = time.monotonic() + 30  # PE's index follows the chain in the background
        seen = pe.get(f"/v1/certificates/{certificate_id}", headers=pe_auth)
        while seen.status_code == 404 and time.monotonic() < deadline:
            time.sleep(0.1)
            seen = pe.get(f"/v1/certificates/{certificate_id}", headers=pe_auth)
        assert seen.status_code == 200, seen.text
        assert seen.json()["status"] == "ACTIVE"
    # Gas was free: every funded account still holds exactly its genesis allocation.
    for address, account in genesis["alloc"].items():
        assert w3.eth.get_balance(Web3.to_checksum_address(address)) == int(account["balance"], 16)
