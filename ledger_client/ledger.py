"""The :class:`Ledger` facade: one object, the same API on the embedded chain and over RPC.

ledger = Ledger.embedded()                                     # in-memory, deployed, dev keys
ledger = Ledger.embedded(data_dir="data")                      # durable embedded node
ledger = Ledger.connect("http://besu:8545", deployment="consortium", signer=signer)

ledger.administrations.register("CR", "Costa Rica", cr_signer.address)
cr = ledger.with_signer(cr_signer)
result = cr.certificates.issue(document)
ledger.verify_document(document)
"""

from __future__ import annotations

import os
from pathlib import Path

from ledger_client.administrations import Administrations
from ledger_client.certificates import Certificates
from ledger_client.chain import DEFAULT_DEV_ACCOUNTS, Chain
from ledger_client.codec import ledger_codec, version_codec
from ledger_client.context import LedgerContext
from ledger_client.deployment import Deployment, deploy, earlier_version, verify_deployment
from ledger_client.documents import CertificateDocument, DocumentVerification, verify_document
from ledger_client.errors import ConfigurationError
from ledger_client.event_sources import CertificateEventSource, ChainEventSource
from ledger_client.evm import require_cancun
from ledger_client.fees import FeePolicy
from ledger_client.foresight import Foresight
from ledger_client.guard import DeploymentGuard
from ledger_client.mras import Mras
from ledger_client.nonces import NonceRegistry
from ledger_client.outcomes import TransactionOutcome, transaction_outcome
from ledger_client.recognition import Recognitions
from ledger_client.settings import Settings
from ledger_client.signers import Signer, load_signer
from ledger_client.transactions import TransactionSender, rebroadcast


def _sender(chain: Chain, settings: Settings) -> TransactionSender:
    fees = FeePolicy(
        chain,
        settings.fee_mode,
        gas_price=settings.gas_price_wei,
        max_fee_per_gas=settings.max_fee_per_gas_wei,
        max_priority_fee_per_gas=settings.max_priority_fee_per_gas_wei,
        cache_seconds=settings.fee_cache_seconds,
    )
    nonces = NonceRegistry(chain.transaction_count, lambda raw: rebroadcast(chain, raw))
    return TransactionSender(
        chain,
        fees,
        nonces,
        gas_strategy=settings.gas_strategy,
        gas_margin=settings.gas_margin,
        tx_gas_cap=settings.tx_gas_cap,
    )


def transaction_sender(chain: Chain, settings: Settings) -> TransactionSender:
    """A sender for ``chain`` configured by ``settings`` (fees, nonces, gas), for transactions to
    other contracts than the ledger (e.g. deploying the governance Safe before the ledger)."""
    return _sender(chain, settings)


def connect_chain(rpc_url: str, settings: Settings) -> Chain:
    """A chain over JSON-RPC at ``rpc_url`` with the request and receipt timeouts of ``settings``."""
    return Chain.connect(
        rpc_url,
        request_timeout=settings.request_timeout_seconds,
        receipt_timeout=settings.receipt_timeout_seconds,
        poll_interval=settings.receipt_poll_seconds,
    )


def _context(chain: Chain, sender: TransactionSender, deployment: Deployment, signer: Signer | None) -> LedgerContext:
    """The context of a verified deployment: its own version's codec, read-only when that is an earlier one."""
    codec = version_codec(deployment.contract, deployment.sources_sha256)
    return LedgerContext(chain, sender, codec, deployment, signer, read_only=earlier_version(deployment))


class Ledger:
    """A client of one deployed ledger, acting as one signer (or read-only).

    Attributes:
        administrations: register, freeze/unfreeze, recover, signers, get, list.
        certificates: issue, issue_many, suspend, reinstate, revoke, annul, amend, renew, get.
        mras: propose, accept, suspend, resume, terminate, get, of.
        recognition: now (on-chain view), acknowledge, is_acknowledged.
        chain: the chain connection; deployment: the manifest.
    """

    def __init__(self, context: LedgerContext, settings: Settings) -> None:
        if context.guard is None:
            context.guard = DeploymentGuard(
                context.chain, context.deployment, max_age=settings.deployment_check_seconds
            )
            context.guard.check()  # on connect: the chain holds the deployment (and its block hash is known)
        if context.sender.guard is None:
            context.sender.guard = context.guard
        self.context = context
        self.settings = settings
        self.guard = context.guard
        self.chain = context.chain
        self.deployment = context.deployment
        self.administrations = Administrations(context)
        self.certificates = Certificates(
            context, batch_size=settings.batch_size, max_batch_inputs=settings.max_batch_inputs
        )
        self.mras = Mras(context)
        self.recognition = Recognitions(context)

    # ----------------------------------------------------------------- construction

    @classmethod
    def embedded(
        cls,
        *,
        data_dir: str | os.PathLike[str] | None = None,
        signer: Signer | None = None,
        governance: str | None = None,
        contract: str = "AeoLedger",
        accounts: int = DEFAULT_DEV_ACCOUNTS,
        settings: Settings | None = None,
    ) -> Ledger:
        """An embedded chain with the ledger deployed.

        In memory by default (eth-tester; gone when the process ends). With ``data_dir`` the
        durable embedded node keeps the chain there; the manifest is stored in
        ``<data_dir>/deployments/<name>.json`` and reused (and verified) on reopen.
        The deployer is development account 0, which is also governance unless ``governance``
        is given; the default signer is ``signer`` or account 0.
        """
        settings = settings or Settings()
        settings.apply_environment()
        if data_dir is None:
            chain = Chain.in_memory(accounts=accounts, receipt_timeout=settings.receipt_timeout_seconds)
            manifest: Path | None = None
        else:
            chain = Chain.durable(
                data_dir,
                receipt_timeout=settings.receipt_timeout_seconds,
                block_mode=settings.block_mode,
                max_drift=settings.max_block_drift_seconds,
            )
            manifest = Path(data_dir) / "deployments" / f"{settings.deployment}.json"
        try:
            sender = _sender(chain, settings)
            deployer = chain.dev_signers()[0]
            if manifest is not None and manifest.exists():
                deployment = Deployment.load(manifest)
                verify_deployment(chain, deployment)
            else:
                deployment = deploy(
                    sender, deployer, governance or deployer.address, name=settings.deployment, contract=contract
                )
                if manifest is not None:
                    deployment.save(manifest)
        except BaseException:
            chain.close()
            raise
        return cls(_context(chain, sender, deployment, signer or deployer), settings)

    @classmethod
    def connect(
        cls,
        rpc_url: str,
        deployment: Deployment | str | os.PathLike[str],
        *,
        signer: Signer | None = None,
        settings: Settings | None = None,
    ) -> Ledger:
        """A deployed ledger on a JSON-RPC node; the manifest is verified against the chain.

        ``deployment`` is a :class:`Deployment`, a manifest path, or a manifest name looked up
        in ``settings.deployments_dir``.
        """
        settings = settings or Settings()
        settings.apply_environment()
        manifest = cls._manifest(deployment, settings)
        chain = connect_chain(rpc_url, settings)
        return cls.attach(chain, manifest, signer=signer, settings=settings)

    @classmethod
    def deploy(
        cls,
        rpc_url: str,
        *,
        signer: Signer,
        governance: str | None = None,
        name: str | None = None,
        contract: str = "AeoLedger",
        settings: Settings | None = None,
        overwrite: bool = False,
    ) -> Ledger:
        """Deploy the ledger on a JSON-RPC node and write its manifest to ``settings.deployments_dir``.

        ``signer`` pays for the deployment; ``governance`` (default: the signer) is the consortium
        governance address, an EOA or a multisig contract. An existing manifest of that name is a
        :class:`ConfigurationError` raised before anything is sent, unless ``overwrite``.
        """
        settings = settings or Settings()
        settings.apply_environment()
        manifest = settings.manifest_path(name)
        if manifest.exists() and not overwrite:
            raise ConfigurationError(
                f"deployment manifest {manifest} already exists (the ledger deployed as "
                f"{name or settings.deployment!r}); choose another name, or pass overwrite (--force) to replace it"
            )
        chain = connect_chain(rpc_url, settings)
        try:
            sender = _sender(chain, settings)
            deployment = deploy(
                sender, signer, governance or signer.address, name=name or settings.deployment, contract=contract
            )
            deployment.save(manifest)
        except BaseException:
            chain.close()
            raise
        return cls(LedgerContext(chain, sender, ledger_codec(contract), deployment, signer), settings)

    @classmethod
    def attach(
        cls, chain: Chain, deployment: Deployment, *, signer: Signer | None = None, settings: Settings | None = None
    ) -> Ledger:
        """A client of ``deployment`` on an existing :class:`Chain` (verified first: the node's EVM
        runs Cancun or later, the manifest matches the chain)."""
        settings = settings or Settings()
        require_cancun(chain)
        verify_deployment(chain, deployment)
        return cls(_context(chain, _sender(chain, settings), deployment, signer), settings)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Ledger:
        """The ledger the settings describe: ``rpc_url`` + manifest, else the embedded chain."""
        settings = settings or Settings()
        signer = load_signer(settings)
        if settings.rpc_url is None:
            return cls.embedded(data_dir=settings.data_dir, signer=signer, settings=settings)
        return cls.connect(settings.rpc_url, settings.deployment, signer=signer, settings=settings)

    @staticmethod
    def _manifest(deployment: Deployment | str | os.PathLike[str], settings: Settings) -> Deployment:
        if isinstance(deployment, Deployment):
            return deployment
        path = Path(deployment)
        if path.suffix != ".json" and path.parent == Path("."):
            path = settings.manifest_path(str(deployment))
        return Deployment.load(path)

    def with_signer(self, signer: Signer) -> Ledger:
        """The same ledger acting as ``signer`` (shares the connection, fees and nonce managers)."""
        ctx = self.context
        return Ledger(
            LedgerContext(
                ctx.chain,
                ctx.sender,
                ctx.codec,
                ctx.deployment,
                signer,
                foresight=ctx.foresight,
                guard=ctx.guard,
                read_only=ctx.read_only,
            ),
            self.settings,
        )

    def use_foresight(self, foresight: Foresight | None) -> None:
        """Consult ``foresight`` before every write that would go out unchecked (this ledger and
        those :meth:`with_signer` makes from now on): see :mod:`ledger_client.foresight`."""
        self.context.foresight = foresight

    @property
    def signer(self) -> Signer | None:
        """The default signer of writes."""
        return self.context.signer

    def dev_signers(self) -> list[Signer]:
        """The funded development accounts of the embedded chain (account 0 deployed the ledger)."""
        return self.chain.dev_signers()

    def close(self) -> None:
        """Release the chain (closes the durable embedded node)."""
        self.chain.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ----------------------------------------------------------------- cross-module

    def now(self) -> int:
        """The chain's time: the latest block's timestamp."""
        return self.chain.block().timestamp

    def transaction_outcome(self, tx_hash: bytes) -> TransactionOutcome | None:
        """Pending, landed or failed: what became of a transaction sent to the ledger (see
        :mod:`ledger_client.outcomes`); None when unknown to the node and to this client."""
        return transaction_outcome(self.context, tx_hash)

    def event_source(self) -> ChainEventSource:
        """Reads certificate events from the chain (``eth_getLogs`` from the deployment block)."""
        return ChainEventSource(self.chain, self.deployment.address, self.deployment.deployment_block)

    def verify_document(
        self, document: CertificateDocument, *, events: CertificateEventSource | None = None
    ) -> DocumentVerification:
        """Whether ``document`` is the certificate's current document on the chain.

        Events come from the chain unless ``events`` (e.g. the index) is given; either way the
        recomputed history head is checked against ``historyHead(id)`` read from the chain.
        """
        block = self.chain.block()
        cid = document.certificate_id()
        head = self.certificates.history_head(cid, block=block.number)
        return verify_document(document, events or self.event_source(), head, block.timestamp)

    def write_manifest(self, directory: str | os.PathLike[str] | None = None) -> Path:
        """Write this deployment's manifest to ``<directory>/<name>.json``."""
        target = Path(directory) if directory is not None else self.settings.deployments_dir
        if not self.deployment.name:
            raise ConfigurationError("the deployment has no name")
        return self.deployment.save(target / f"{self.deployment.name}.json")
