"""``aeo-ledger governance`` on anvil: deploy-safe, deploy the ledger under it, prepare → sign (each owner
its own keystore) → execute, with the refusals the CLI must explain (exit code 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger_client.cli import main
from ledger_client.ledger import Ledger
from ledger_client.settings import Settings
from ledger_client.signers import Signer
from tests.support.anvil import DEV_KEYS, AnvilNode


def keystore(directory: Path, name: str) -> tuple[Signer, list[str]]:
    """A fresh key as a keystore file and its password file; the CLI options that name them."""
    signer = Signer.create()
    path, password = directory / f"{name}.json", directory / f"{name}.password"
    path.write_text(json.dumps(signer.keystore_json("secret-" + name, iterations=1024)))
    password.write_text("secret-" + name)
    return signer, ["--keystore", str(path), "--password-file", str(password)]


def cli(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str]:
    code = main(list(arguments))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_governance_through_the_safe_on_anvil(
    anvil: AnvilNode, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AEO_LEDGER_PRIVATE_KEY", "0x" + DEV_KEYS[0].hex())  # the deployer and executor (pays the gas)
    monkeypatch.setenv("AEO_LEDGER_DEPLOYMENTS_DIR", str(tmp_path / "deployments"))
    owners = [keystore(tmp_path, f"owner-{i}") for i in range(5)]
    stranger = keystore(tmp_path, "stranger")
    addresses = ",".join(signer.address for signer, _ in owners)

    code, out = cli(capsys, "governance", "deploy-safe", "--rpc-url", anvil.url, "--owners", addresses,
                    "--threshold", "3", "--out", str(tmp_path / "safe.json"))  # fmt: skip
    assert code == 0, out
    safe = json.loads((tmp_path / "safe.json").read_text())["safe"]
    code, out = cli(capsys, "deploy", "--rpc-url", anvil.url, "--name", "anvil", "--governance", safe)
    assert code == 0, out
    chain = ["--rpc-url", anvil.url, "--deployment", "anvil"]

    cr = Signer.create()
    proposal = tmp_path / "register-cr.json"
    code, out = cli(capsys, "governance", "prepare", "register", "--code", "CR", "--name", "Costa Rica",
                    "--signer", cr.address, "--out", str(proposal), *chain)  # fmt: skip
    assert code == 0, out
    assert "nonce 0" in out
    for _signer, options in owners[:2]:
        assert cli(capsys, "governance", "sign", str(proposal), *options)[0] == 0
    code, out = cli(capsys, "governance", "execute", str(proposal), *chain)
    assert code == 2
    assert "2 of the 3 owners' signatures" in out
    code, out = cli(capsys, "governance", "sign", str(proposal), *stranger[1])
    assert code == 2
    assert f"{stranger[0].address} is not an owner" in out
    assert cli(capsys, "governance", "sign", str(proposal), *owners[4][1])[0] == 0
    code, out = cli(capsys, "governance", "show", str(proposal))
    assert "signatures: 3 of 3" in out
    code, out = cli(capsys, "governance", "execute", str(proposal), *chain)
    assert code == 0, out
    assert "executed: register administration CR" in out
    code, out = cli(capsys, "governance", "execute", str(proposal), *chain)
    assert code == 2
    assert "executed already" in out

    freeze = tmp_path / "freeze-cr.json"
    assert cli(capsys, "governance", "prepare", "freeze", "--code", "CR", "--out", str(freeze), *chain)[0] == 0
    for _signer, options in owners[2:]:
        assert cli(capsys, "governance", "sign", str(freeze), *options)[0] == 0
    assert cli(capsys, "governance", "execute", str(freeze), *chain)[0] == 0

    settings = Settings(deployments_dir=tmp_path / "deployments")
    with Ledger.connect(anvil.url, "anvil", settings=settings) as ledger:
        administration = ledger.administrations.get("CR")
    assert administration.signers == (cr.address,)
    assert administration.frozen
