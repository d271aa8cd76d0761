"""Issue #14: ``aeo-ledger migrate --rpc-url`` on a node whose ledger is governed by a 3-of-5 Safe, as
``aeo-ledger network up`` deploys it: the owners' keystores sign each governance write again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_utils.crypto import keccak

from ledger_client.certificates import CertificateRequest
from ledger_client.chain import Chain
from ledger_client.cli import main
from ledger_client.deployment import Deployment
from ledger_client.governance import Action, Safe, carry_out
from ledger_client.ledger import Ledger
from ledger_client.models import Programme, Role
from ledger_client.node import DurableChain
from ledger_client.node.server import RunningServer, start_in_thread
from ledger_client.settings import Settings
from ledger_client.signers import Signer, development_signers
from tests.governance.conftest import THRESHOLD, governed_ledger

pytestmark = pytest.mark.slow


@pytest.fixture
def node(tmp_path: Path) -> Iterator[RunningServer]:
    chain = DurableChain(tmp_path / "node", block_mode="instant")
    server = start_in_thread(chain)
    yield server
    server.stop()
    chain.close()


def _keystores(directory: Path, signers: list[Signer]) -> Path:
    directory.mkdir()
    (directory / "password").write_text("owners' shared password\n")
    for n, signer in enumerate(signers):
        keystore = signer.keystore_json("owners' shared password", iterations=1_000)
        (directory / f"owner-{n}.json").write_text(json.dumps(keystore))
    return directory


def test_a_safe_governed_ledger_migrates_over_rpc(
    node: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("AEO_LEDGER_KEYSTORE", "AEO_LEDGER_PRIVATE_KEY", "AEO_LEDGER_DEPLOYMENT", "AEO_LEDGER_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    deployments = tmp_path / "deployments"
    dev = development_signers(3)
    chain = Chain.connect(node.url)
    governed = governed_ledger(chain, dev[0], Settings())
    old = governed.ledger
    old.deployment.save(deployments / "local.json")
    for code, key in (("CR", dev[1]), ("PE", dev[2])):
        action = Action.of("register", code=code, name=code, signer=key.address)
        carry_out(old, action, governed.owners[:THRESHOLD], governed.executor)
    request = CertificateRequest(
        "CR-1", int(Programme.SECURITY), int(Role.EXPORTER), False, 1_700_000_000, None, keccak(b"1")
    )
    cid = old.certificates.issue(request, signer=dev[1]).certificate_id
    nonce = Safe(chain, governed.safe.safe).state().nonce
    options = ["migrate", "--rpc-url", node.url, "--deployments-dir", str(deployments), "--development-keys"]

    two = _keystores(tmp_path / "two-owners", governed.owners[:2])
    assert main([*options, "--name", "v2", "--keystores", str(two)]) == 2
    assert "needs 3 owners' keys; 2 given" in capsys.readouterr().err
    assert Safe(chain, governed.safe.safe).state().nonce == nonce

    three = _keystores(tmp_path / "three-owners", governed.owners[2:])
    assert main([*options, "--name", "v2", "--keystores", str(three)]) == 0
    out = capsys.readouterr().out
    assert "3 writes up to block" in out
    assert "2 through the governance Safe" in out
    new_manifest = Deployment.load(deployments / "v2.json")
    assert new_manifest.governance == governed.safe.safe
    with Ledger.connect(node.url, new_manifest) as new:
        assert new.administrations.governance() == governed.safe.safe
        assert new.administrations.codes() == ("CR", "PE")
        assert new.certificates.history_head(cid) == old.certificates.history_head(cid)
    assert Safe(chain, governed.safe.safe).state().nonce == nonce + 2
    assert json.loads((deployments / "v2.migration.json").read_text())["relayed"] == 2
    old.close()
