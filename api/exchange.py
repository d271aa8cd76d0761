"""The gateway's envelope exchange (issue #14), run beside the API in gateway mode.

:class:`ExchangeService` opens the exchange stores and keys in the state directory and runs one
background thread that, whenever the index moves (and at least every ``exchange_poll_seconds``),
makes this administration's envelopes (:class:`~ledger_client.exchange.EnvelopeMaker`) and fetches its
own from its MRA partners' gateways (:class:`~ledger_client.exchange.EnvelopeFetcher`). The routes
(:mod:`api.routes.exchange`) serve envelope requests and the border lookup through it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool

from api.errors import ProblemError
from api.runtime import Runtime
from ledger_client.errors import LedgerError
from ledger_client.exchange import (
    ConsentRegistry,
    Domain,
    EnvelopeAuthority,
    EnvelopeFetcher,
    EnvelopeInbox,
    EnvelopeMaker,
    EnvelopeOutbox,
    ExchangeDirectory,
    FetchReport,
    KeyRing,
    OperatorLookup,
)
from ledger_client.importer.store import DocumentStore

log = logging.getLogger("aeo_ledger.exchange")

#: Where the service comes from: the chain's directory and consent (``None``: this gateway has no exchange).
ExchangeSources = Callable[[Runtime], tuple[ExchangeDirectory, ConsentRegistry] | None]


class ExchangeService:
    """One gateway's exchange parts and their background worker."""

    def __init__(
        self,
        runtime: Runtime,
        directory: ExchangeDirectory,
        consent: ConsentRegistry,
        *,
        client: Callable[[str], httpx.Client] | None = None,
    ) -> None:
        settings = runtime.settings
        me = settings.administration
        if me is None:
            raise ValueError("the envelope exchange runs in gateway mode only (AEO_LEDGER_ADMINISTRATION)")
        self.administration = me
        self.runtime = runtime
        self.directory = directory
        state = settings.state_directory()
        self.keys = KeyRing(state)
        self.keys.ensure()
        self.outbox = EnvelopeOutbox(settings.envelopes_file())
        self.inbox = EnvelopeInbox(settings.received_envelopes_file())
        domain = Domain(runtime.ledger.chain.chain_id, runtime.ledger.deployment.address)
        index = runtime.index
        self.maker = EnvelopeMaker(me, index, DocumentStore(state), self.outbox, directory, consent)
        self.authority = EnvelopeAuthority(
            me, index, self.outbox, directory, consent, domain, window_seconds=settings.exchange_window_seconds
        )
        self.fetcher = EnvelopeFetcher(
            me, index, self.inbox, self.keys, directory, runtime.signers.signer_for(me), domain, client=client
        )
        self.lookup = OperatorLookup(me, index, self.inbox)
        self._poll = settings.exchange_poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._step_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the worker and follow the index."""
        self.runtime.index.add_listener(self._index_moved)
        self._thread = threading.Thread(target=self._run, name=f"exchange-{self.administration}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the worker (bounded wait) and close the stores."""
        self.runtime.index.remove_listener(self._index_moved)
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.outbox.close()
        self.inbox.close()

    def make(self) -> int:
        """Make the envelopes due now; return how many were made."""
        with self._step_lock:
            return self.maker.run_until_idle()

    def fetch(self) -> list[FetchReport]:
        """Fetch from every MRA partner's gateway now."""
        return self.fetcher.fetch_all()

    def _index_moved(self, _block: int) -> None:
        self._wake.set()

    def _run(self) -> None:
        last_fetch = 0.0
        while not self._stop.is_set():
            woken = self._wake.wait(self._poll)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.make()
                if woken or time.monotonic() - last_fetch >= self._poll:
                    last_fetch = time.monotonic()
                    self.fetch()
            except (LedgerError, OSError) as exc:  # the next round retries; nothing is lost
                log.warning("envelope exchange step failed, retrying: %s", exc)


@asynccontextmanager
async def exchange_service(app: FastAPI, runtime: Runtime, sources: ExchangeSources | None) -> AsyncIterator[None]:
    """Run the exchange while the app serves (gateway mode with a published directory only)."""
    service = None
    if runtime.settings.administration is not None and sources is not None:
        found = await run_in_threadpool(sources, runtime)
        if found is not None:
            service = await run_in_threadpool(ExchangeService, runtime, *found)
            service.start()
    app.state.exchange = service
    try:
        yield
    finally:
        if service is not None:
            await run_in_threadpool(service.stop)


async def get_exchange(request: Request) -> ExchangeService:
    """The gateway's exchange (a route dependency); 404 problem where there is none."""
    service: ExchangeService | None = getattr(request.app.state, "exchange", None)
    if service is None:
        raise ProblemError(
            404,
            "not-found",
            "Not found",
            "the envelope exchange runs at an administration's gateway (aeo-ledger serve --administration CODE)",
        )
    return service
