"""Deployment manifests: written by deploy, checked on connect."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from ledger_client.artifacts import load_artifact
from ledger_client.chain import Chain
from ledger_client.deployment import Deployment, code_sha256, verify_deployment
from ledger_client.errors import ChainUnavailableError, ConfigurationError
from ledger_client.ledger import Ledger


def test_manifest_roundtrip(ledger: Ledger, tmp_path: Path) -> None:
    path = ledger.write_manifest(tmp_path)
    assert path == tmp_path / "local.json"
    loaded = Deployment.load(path)
    assert loaded == ledger.deployment
    data = json.loads(path.read_text())
    assert data["sources_sha256"] == load_artifact("AeoLedger").sources_sha256
    assert data["code_sha256"] == code_sha256(ledger.chain.get_code(ledger.deployment.address))
    assert data["chain_id"] == ledger.chain.chain_id
    assert data["deployment_block"] >= 1


def test_attach_verifies(ledger: Ledger) -> None:
    attached = Ledger.attach(ledger.chain, ledger.deployment)
    assert attached.administrations.codes() == ("CR", "PE", "MX")


def test_wrong_chain_id(ledger: Ledger) -> None:
    wrong = dataclasses.replace(ledger.deployment, chain_id=1)
    with pytest.raises(ConfigurationError, match="is on chain 1, but the node serves chain"):
        verify_deployment(ledger.chain, wrong)


def test_no_code_at_address(ledger: Ledger) -> None:
    wrong = dataclasses.replace(ledger.deployment, address="0x" + "12" * 20)
    with pytest.raises(ConfigurationError, match="no contract at"):
        Ledger.attach(ledger.chain, wrong)


def test_different_code(ledger: Ledger) -> None:
    wrong = dataclasses.replace(ledger.deployment, code_sha256="00" * 32)
    with pytest.raises(ConfigurationError, match="is not the code recorded"):
        verify_deployment(ledger.chain, wrong)


def test_different_sources(ledger: Ledger) -> None:
    wrong = dataclasses.replace(ledger.deployment, sources_sha256="ff" * 32)
    with pytest.raises(ConfigurationError, match="upgrade the client or redeploy"):
        verify_deployment(ledger.chain, wrong)


def test_fresh_chain_lacks_the_contract(ledger: Ledger) -> None:
    other = Chain.in_memory(accounts=1)
    with pytest.raises(ConfigurationError, match="no contract at"):
        verify_deployment(other, ledger.deployment)


def test_bad_manifests(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not found; deploy first"):
        Deployment.load(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ConfigurationError, match="not JSON"):
        Deployment.load(tmp_path / "bad.json")
    (tmp_path / "partial.json").write_text(json.dumps({"name": "x"}))
    with pytest.raises(ConfigurationError, match="lacks"):
        Deployment.load(tmp_path / "partial.json")


def test_connect_unreachable_node(ledger: Ledger, tmp_path: Path) -> None:
    path = ledger.write_manifest(tmp_path)
    with pytest.raises(ChainUnavailableError):
        Ledger.connect("http://127.0.0.1:9", path)
    with pytest.raises(ChainUnavailableError, match="unsupported RPC URL"):
        Ledger.connect("ftp://x", path)
