"""The :class:`Runtime`: everything a request needs, opened once per process.

It holds the ledger client (one chain connection, shared nonce and fee managers), the index
(background follower + per-thread readers), the signer registry, the token and idempotency
stores, the webhook outbox and the auditor. Routes reach it through :mod:`api.deps`.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from dataclasses import dataclass, field

from api.agency_reads import AgencyReadLog
from api.config import ApiSettings
from api.gateway import gateway_signers
from api.idempotency import IdempotencyStore
from api.index_wakeup import IndexWakeup
from api.signers import SignerRegistry
from api.stopping import Stopping
from api.tokens import TokenStore
from ledger_client.audit import Auditor
from ledger_client.errors import ConfigurationError, LedgerError
from ledger_client.index import Index
from ledger_client.index.attach import log_source, open_index
from ledger_client.index.foresight import IndexForesight
from ledger_client.ledger import Ledger
from ledger_client.signers import load_signer
from ledger_client.webhooks import Outbox

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """The API's collaborators. Build with :meth:`open` (from settings) or :meth:`assemble` (a given ledger)."""

    settings: ApiSettings
    ledger: Ledger
    index: Index
    signers: SignerRegistry
    tokens: TokenStore
    idempotency: IdempotencyStore
    owns: bool = True
    auditor: Auditor = field(init=False)
    #: Set when the server starts shutting down: open streams end (see :mod:`api.stopping`).
    stopping: Stopping = field(init=False, default_factory=Stopping)
    #: Woken each time the index moves: open streams answer at once (see :mod:`api.index_wakeup`).
    wakeup: IndexWakeup = field(init=False, default_factory=IndexWakeup)
    outbox: Outbox = field(init=False)
    agency_reads: AgencyReadLog = field(init=False)

    def __post_init__(self) -> None:
        # Writes the index can foresee failing are checked before they are sent (no reverted tx).
        self.ledger.use_foresight(IndexForesight(self.index))
        retention = self.settings.webhook_retention_days * 86_400
        self.outbox = Outbox(self.settings.webhooks_file(), retention_seconds=retention)
        self.agency_reads = AgencyReadLog(self.settings.agency_reads_file())
        self.auditor = Auditor(
            self.ledger.chain.w3,
            self.ledger.deployment.address,
            start_block=self.ledger.deployment.deployment_block,
            source=log_source(self.ledger),
            codec=self.ledger.context.codec,
        )

    @classmethod
    def open(cls, settings: ApiSettings) -> Runtime:
        """Connect (or open the embedded durable chain), open the stores and start following the chain.

        A data directory that cannot be used (read-only, disk full, unreadable) raises a
        :class:`ConfigurationError` naming it and the cause.
        """
        try:
            return cls._open(settings)
        except (OSError, sqlite3.Error) as exc:
            where = settings.state_directory()
            raise ConfigurationError(f"cannot open the data directory {where}: {exc}") from exc

    @classmethod
    def assemble(cls, settings: ApiSettings, ledger: Ledger, signers: SignerRegistry, *, owner: str) -> Runtime:
        """A runtime on ``ledger``, with the index and the stores where ``settings`` keeps them (not started).

        ``owner`` names this process in the idempotency store's records of transactions in flight.
        """
        return cls(
            settings,
            ledger,
            open_index(ledger, settings.index_file()),
            signers,
            TokenStore(settings.tokens_file(), administration=settings.administration),
            IdempotencyStore(settings.idempotency_file(), owner=owner),
        )

    @classmethod
    def _open(cls, settings: ApiSettings) -> Runtime:
        settings.apply_environment()
        ledger = Ledger.from_settings(settings)
        try:
            if settings.administration is not None:
                signers = gateway_signers(settings, ledger)
            else:
                governance = load_signer(settings) or (ledger.signer if ledger.chain.embedded else None)
                signers = SignerRegistry(settings.keystores_directory(), governance=governance)
            runtime = cls.assemble(settings, ledger, signers, owner=uuid.uuid4().hex)
        except BaseException:
            ledger.close()
            raise
        runtime.start()
        return runtime

    def start(self) -> None:
        """Catch the index up (best effort) and start the background follower."""
        try:
            report = self.index.sync()
            log.info("index at block %d (%d events indexed at start)", report.to_block, report.events)
        except LedgerError as exc:
            log.warning("index catch-up failed, the follower keeps retrying: %s", exc)
        self.index.add_listener(self.wakeup.index_moved)
        self.index.start(self.settings.index_poll_seconds)
        self.ledger.chain.follow_blocks(self.index)  # receipts polled as the index sees new blocks

    def await_block(self, block: int) -> None:
        """Read-your-writes: return once the index holds ``block`` (syncs in this thread if needed)."""
        if self.index.block_number >= block:
            return
        try:
            self.index.sync(to_block=block)
        except LedgerError as exc:
            log.info("index sync to block %d failed, waiting for the follower: %s", block, exc)
        self.index.wait_for_block(block, self.settings.index_wait_seconds)

    def close(self) -> None:
        """Stop following and close everything this runtime owns."""
        self.stopping.set()
        self.ledger.chain.follow_blocks(None)
        self.index.close()
        self.tokens.close()
        self.idempotency.close()
        self.outbox.close()
        self.agency_reads.close()
        if self.owns:
            self.ledger.close()
