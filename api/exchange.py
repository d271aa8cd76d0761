"""The gateway's envelope exchange (issue #14), run beside the API in gateway mode.

At start the gateway publishes its X25519 exchange key and its URL (``AEO_LEDGER_EXCHANGE_URL``) on-chain
unless the chain already states them; ``POST /v1/exchange/key/rotate`` publishes a new key.

:class:`ExchangeService` opens the exchange stores and keys in the state directory and runs one
background thread that, whenever the index moves (and at least every ``exchange_poll_seconds``; rounds
at least ``exchange_round_seconds`` apart, so that a busy chain's blocks share a round), makes this
administration's envelopes (:class:`~ledger_client.exchange.EnvelopeMaker`) and fetches its own from its
MRA partners' gateways (:class:`~ledger_client.exchange.EnvelopeFetcher`). The routes
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
from api.writes import as_administration
from ledger_client.errors import LedgerError, LedgerValueError
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
from ledger_client.exchange.chain import IndexConsent, IndexDirectory
from ledger_client.importer.store import DocumentStore

log = logging.getLogger("aeo_ledger.exchange")

#: Where the service comes from: the chain's directory and consent (``None``: this gateway has no exchange).
ExchangeSources = Callable[[Runtime], tuple[ExchangeDirectory, ConsentRegistry] | None]


def chain_sources(runtime: Runtime) -> tuple[ExchangeDirectory, ConsentRegistry]:
    """The published exchange keys and URLs and the operators' consent, as the index follows the chain."""
    return IndexDirectory(runtime.index), IndexConsent(runtime.index)


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
        self._round_gap = settings.exchange_round_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._step_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def publish(self) -> int | None:
        """Publish this gateway's exchange key and URL on-chain unless the chain already states them;
        the published version (``None`` without ``exchange_url``: partners could not reach this gateway)."""
        url = self.runtime.settings.exchange_url
        if url is None:
            return None
        key = self.keys.ensure()
        current = self.runtime.ledger.administrations.exchange_key(self.administration)
        if current is not None and current.public_key == key and current.gateway_url == url:
            return current.version
        return self._publish(key, url)

    def rotate(self) -> tuple[int, bytes, str]:
        """A new exchange key, published on-chain with the gateway's URL: ``(version, public key, URL)``.

        The old private key is kept (envelopes sealed to it still open); issuers re-encrypt the current
        certificates to the new key as soon as their index sees the publication."""
        current = self.runtime.ledger.administrations.exchange_key(self.administration)
        url = self.runtime.settings.exchange_url or (None if current is None else current.gateway_url)
        if url is None:
            raise LedgerValueError(
                "this gateway has no URL to publish with its key: set AEO_LEDGER_EXCHANGE_URL (how partners reach it)"
            )
        key = self.keys.rotate()
        return self._publish(key, url), key, url

    def _publish(self, key: bytes, url: str) -> int:
        result = as_administration(self.runtime, self.administration).administrations.publish_exchange_key(key, url)
        self.runtime.await_block(result.block_number)
        log.info("published exchange key %s (version %d) and URL %s", key.hex(), result.version, url)
        return result.version

    def start(self) -> None:
        """Publish the key if needed (a failure is logged; the worker still serves), start the worker."""
        try:
            self.publish()
        except LedgerError as exc:
            log.warning("could not publish the exchange key of %s: %s", self.administration, exc)
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
        self.fetcher.close()
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
        last_fetch = last_round = 0.0
        while not self._stop.is_set():
            woken = self._wake.wait(self._poll)
            if self._stop.wait(last_round + self._round_gap - time.monotonic()):
                return  # (a non-positive wait returns at once) the blocks landing meanwhile join this round
            self._wake.clear()
            last_round = time.monotonic()
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
