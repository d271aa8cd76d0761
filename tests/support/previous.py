"""A deployment of a known earlier contract version (issue #14), and that version's own client.

The current client opens such a deployment read-only; to give it data, tests write to it the way
the client of its time did: the same library calls through that version's codec, writable.
"""

from __future__ import annotations

import os
from pathlib import Path

from ledger_client.artifacts import PREVIOUS, Artifact, artifact_version
from ledger_client.chain import Chain
from ledger_client.codec import version_codec
from ledger_client.context import LedgerContext
from ledger_client.deployment import Deployment, deploy
from ledger_client.ledger import Ledger, transaction_sender
from ledger_client.settings import Settings


def previous_artifact(label: str, contract: str = "AeoLedger") -> Artifact:
    """The artifact of the earlier version ``label`` (e.g. ``c526977``)."""
    (sources,) = [sha for sha, version in PREVIOUS[contract].items() if version.label == label]
    artifact = artifact_version(contract, sources)
    assert artifact is not None
    return artifact


def client_of_its_time(chain: Chain, deployment: Deployment, settings: Settings) -> Ledger:
    """A writable client of ``deployment`` with its own version's ABI (development account 0 signs)."""
    codec = version_codec(deployment.contract, deployment.sources_sha256)
    context = LedgerContext(chain, transaction_sender(chain, settings), codec, deployment, chain.dev_signers()[0])
    return Ledger(context, settings)


def deploy_previous(chain: Chain, label: str, settings: Settings, *, name: str = "local") -> Ledger:
    """Deploy the earlier version ``label`` on ``chain`` (account 0: deployer and governance)."""
    deployer = chain.dev_signers()[0]
    sender = transaction_sender(chain, settings)
    deployment = deploy(sender, deployer, deployer.address, name=name, artifact=previous_artifact(label))
    return client_of_its_time(chain, deployment, settings)


def durable_previous(data_dir: str | os.PathLike[str], label: str, settings: Settings) -> Ledger:
    """:func:`deploy_previous` on the durable embedded node of ``data_dir``, the manifest saved as
    ``<data_dir>/deployments/local.json`` (where ``Ledger.embedded(data_dir=…)`` finds it)."""
    chain = Chain.durable(data_dir, block_mode=settings.block_mode)
    ledger = deploy_previous(chain, label, settings)
    ledger.deployment.save(Path(data_dir) / "deployments" / f"{ledger.deployment.name}.json")
    return ledger
