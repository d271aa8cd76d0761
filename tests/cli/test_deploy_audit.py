"""``aeo-ledger deploy`` and ``aeo-ledger audit`` against a JSON-RPC node (the durable node's server)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from eth_utils.crypto import keccak

from ledger_client.certificates import CertificateRequest
from ledger_client.cli import main
from ledger_client.deployment import Deployment
from ledger_client.ledger import Ledger
from ledger_client.models import Programme, ReasonCode, Role
from ledger_client.node import DurableChain
from ledger_client.node.accounts import DevAccount, derive_accounts
from ledger_client.node.config import DEFAULT_MNEMONIC
from ledger_client.node.server import RunningServer, start_in_thread
from ledger_client.settings import Settings
from ledger_client.signers import Signer

# First development account of the default mnemonic ("test test … junk"), funded at genesis.
DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


def node_accounts() -> tuple[DevAccount, ...]:
    """The node's funded development accounts (default mnemonic, Hardhat path)."""
    return derive_accounts(DEFAULT_MNEMONIC, 3, "m/44'/60'/0'/0")


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    chain = DurableChain(tmp_path_factory.mktemp("node"))
    server = start_in_thread(chain)
    yield server
    server.stop()
    chain.close()


def test_deploy_writes_a_manifest_that_connect_accepts(
    node: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AEO_LEDGER_PRIVATE_KEY", DEV_KEY)
    code = main(["deploy", "--rpc-url", node.url, "--name", "pilot", "--deployments-dir", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    manifest = Deployment.load(tmp_path / "pilot.json")
    assert manifest.address in out
    assert manifest.governance == Signer.from_key(DEV_KEY).address
    with Ledger.connect(node.url, manifest, signer=Signer.from_key(DEV_KEY)) as ledger:
        assert ledger.administrations.governance() == manifest.governance


def test_deploy_refuses_to_overwrite_a_manifest_unless_forced(
    node: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AEO_LEDGER_PRIVATE_KEY", DEV_KEY)
    command = ["deploy", "--rpc-url", node.url, "--name", "pilot", "--deployments-dir", str(tmp_path)]
    assert main(command) == 0
    first = (tmp_path / "pilot.json").read_text()
    capsys.readouterr()
    with Ledger.connect(node.url, Deployment.load(tmp_path / "pilot.json")) as ledger:
        nonce = ledger.chain.transaction_count(Signer.from_key(DEV_KEY).address)

    assert main(command) == 2
    err = capsys.readouterr().err
    assert "already exists" in err
    assert "--force" in err
    assert (tmp_path / "pilot.json").read_text() == first
    with Ledger.connect(node.url, Deployment.load(tmp_path / "pilot.json")) as ledger:
        assert ledger.chain.transaction_count(Signer.from_key(DEV_KEY).address) == nonce  # nothing was sent

    assert main([*command, "--force"]) == 0
    replaced = Deployment.load(tmp_path / "pilot.json")
    assert replaced.address != Deployment.from_dict(json.loads(first)).address


def test_deploy_without_a_key_is_a_clear_error(
    node: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AEO_LEDGER_PRIVATE_KEY", raising=False)
    monkeypatch.delenv("AEO_LEDGER_KEYSTORE", raising=False)
    assert main(["deploy", "--rpc-url", node.url, "--deployments-dir", str(tmp_path)]) == 2
    assert "AEO_LEDGER_KEYSTORE" in capsys.readouterr().err


def test_audit_certificate_and_mra_over_rpc(
    node: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    governance = Signer.from_key(DEV_KEY)
    settings = Settings(deployments_dir=tmp_path)
    cr, pe = (Signer.from_key(account.private_key) for account in node_accounts()[1:3])
    with Ledger.deploy(node.url, signer=governance, name="audit", settings=settings) as ledger:
        ledger.administrations.register("CR", "Costa Rica", cr.address)
        ledger.administrations.register("PE", "Peru", pe.address)
        issued = ledger.with_signer(cr).certificates.issue(
            CertificateRequest(
                number="CR-AEO-0001",
                programmes=int(Programme.SECURITY),
                roles=int(Role.IMPORTER),
                sme=True,
                valid_from=1_700_000_000,
                valid_until=None,
                document_hash=keccak(text="document"),
            )
        )
        ledger.with_signer(cr).certificates.suspend(issued.certificate_id, ReasonCode.INVESTIGATION)
        proposed = ledger.with_signer(cr).mras.propose(
            ["CR", "PE"], Programme.SECURITY, Role.IMPORTER, 0, keccak(text="mra")
        )
        ledger.with_signer(pe).mras.accept(proposed.mra_id)

    monkeypatch.setenv("AEO_LEDGER_DEPLOYMENTS_DIR", str(tmp_path))
    report = tmp_path / "history.json"
    args = ["audit", "--rpc-url", node.url, "--deployment", "audit"]
    assert main([*args, "certificate", "CR:CR-AEO-0001", "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "VERIFIED" in out
    assert "events on-chain 2, read 2" in out
    entries = json.loads(report.read_text())
    assert len(entries["events"]) == 2
    exported = tmp_path / "history.csv"
    assert main([*args, "certificate", "CR:CR-AEO-0001", "--report", str(exported)]) == 0
    rows = list(csv.DictReader(io.StringIO(exported.read_text())))
    assert [r["block_time"] for r in rows] == [e["block_time"] for e in entries["events"]]
    assert all(datetime.fromisoformat(r["block_time"]).timestamp() == int(r["block_timestamp"]) for r in rows)
    assert json.loads(rows[0]["change"])["programmes"] == ["SECURITY"]
    assert json.loads(rows[1]["change"])["reason"] == "INVESTIGATION"
    assert main([*args, "mra", str(proposed.mra_id)]) == 0
    assert "VERIFIED" in capsys.readouterr().out
    assert main([*args, "certificate", "not-an-id"]) == 2
