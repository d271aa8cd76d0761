"""The delivery worker: an asyncio task that feeds the outbox from the index and POSTs due deliveries.

    dispatcher = Dispatcher(outbox, feeder, RetryPolicy())
    await dispatcher.start()          # in the API's lifespan; index.add_listener(dispatcher.index_moved)
    ...
    await dispatcher.stop(5.0)        # returns within the bound; requests in flight stay pending

Each cycle scans the index for new events (see :class:`~ledger_client.webhooks.feeder.Feeder`),
starts the due deliveries (at most ``concurrency`` at once and ``per_endpoint`` per endpoint, so a
dead endpoint never holds every slot; each an ``httpx`` request with a timeout) and sleeps until the
next retry is due, a delivery ends, the index advances (:meth:`index_moved`) or an API call wakes it
(:meth:`wake`) — never longer than ``poll_seconds``.
Every attempt is logged in the outbox before the delivery moves on, so a crash re-sends at most the
requests that were in flight: delivery is at-least-once and receivers dedupe on ``webhook-id``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from dataclasses import dataclass

import httpx

from ledger_client.webhooks.feeder import Feeder
from ledger_client.webhooks.policy import RetryPolicy, succeeded
from ledger_client.webhooks.signing import signature_headers
from ledger_client.webhooks.store import Attempt, DeliveryStatus, DueDelivery, Outbox

log = logging.getLogger(__name__)

USER_AGENT = "aeo-ledger-webhooks/1"


@dataclass
class DispatcherCounters:
    """Monotonic counters since start (ready for Prometheus counters)."""

    attempts: int = 0
    delivered: int = 0
    failed_attempts: int = 0
    failed_deliveries: int = 0


class Dispatcher:
    """Delivers the outbox (one per gateway process, on the API's event loop)."""

    def __init__(
        self,
        outbox: Outbox,
        feeder: Feeder,
        policy: RetryPolicy,
        *,
        timeout_seconds: float = 10.0,
        concurrency: int = 16,
        per_endpoint: int = 4,
        poll_seconds: float = 1.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._outbox = outbox
        self._feeder = feeder
        self._policy = policy
        self._timeout = timeout_seconds
        self._concurrency = max(1, concurrency)
        self._per_endpoint = max(1, min(per_endpoint, self._concurrency))
        self._poll = poll_seconds
        self._transport = transport
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._inflight: dict[int, tuple[str, asyncio.Task[None]]] = {}
        self._stopping = False
        self.counters = DispatcherCounters()
        self.cycles = 0

    @property
    def running(self) -> bool:
        """Whether the worker task runs."""
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Start the worker task on the running loop."""
        if self.running:
            return
        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="aeo-webhooks")

    def wake(self) -> None:
        """Run a cycle now (safe from any thread)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop is shutting down
            loop.call_soon_threadsafe(self._wakeup.set)

    def index_moved(self, block: int) -> None:
        """An index listener: the index reached (or rewound to) ``block``."""
        self._feeder.note_block(block)
        self.wake()

    async def stop(self, timeout: float = 5.0) -> None:
        """Stop within ``timeout`` seconds; requests in flight are abandoned (they stay pending)."""
        task = self._task
        if task is None:
            return
        self._stopping = True
        self._wakeup.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 1.0)
        self._task = None

    def _plan(self, free: int, busy: dict[int, str]) -> tuple[list[DueDelivery], float | None, bool]:
        """One cycle's database work (in a thread): enqueue new events, pick due deliveries."""
        more = self._feeder.scan()
        per_endpoint = Counter(busy.values())
        due = (
            self._outbox.due(time.time(), free, busy, per_endpoint=self._per_endpoint, in_flight=per_endpoint)
            if free > 0
            else []
        )
        per_endpoint.update(d.endpoint_id for d in due)
        full = [e for e, n in per_endpoint.items() if n >= self._per_endpoint]
        next_at = self._outbox.next_due_at((*busy, *(d.id for d in due)), full)
        return due, next_at, more

    async def _run(self) -> None:
        timeout = httpx.Timeout(self._timeout)
        async with httpx.AsyncClient(
            timeout=timeout, transport=self._transport, follow_redirects=False, headers={"user-agent": USER_AGENT}
        ) as client:
            try:
                while not self._stopping:
                    self._wakeup.clear()
                    wait = self._poll
                    try:
                        free = self._concurrency - len(self._inflight)
                        busy = {d: e for d, (e, _) in self._inflight.items()}
                        due, next_at, more = await asyncio.to_thread(self._plan, free, busy)
                        for delivery in due:
                            task = asyncio.create_task(self._deliver(client, delivery))
                            self._inflight[delivery.id] = (delivery.endpoint_id, task)
                        if more:
                            wait = 0.0
                        elif next_at is not None and len(self._inflight) < self._concurrency:
                            wait = min(wait, max(0.0, next_at - time.time()))
                    except Exception:  # keep delivering: a transient database or index error must not stop it
                        log.exception("webhook cycle failed; retrying in %.1f s", wait)
                    self.cycles += 1
                    if wait > 0 and not self._stopping:
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self._wakeup.wait(), wait)
            finally:
                pending = [task for _, task in self._inflight.values()]
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
                self._inflight.clear()

    async def _deliver(self, client: httpx.AsyncClient, delivery: DueDelivery) -> None:
        try:
            headers = signature_headers(delivery.message_id, int(time.time()), delivery.body, delivery.secrets)
            headers["content-type"] = "application/json"
            started, clock = time.time(), time.monotonic()
            code: int | None = None
            error: str | None = None
            try:
                async with client.stream("POST", delivery.url, content=delivery.body, headers=headers) as response:
                    code = response.status_code
                if not succeeded(code):
                    error = f"HTTP {code}"
            except httpx.TimeoutException:
                error = f"timeout after {self._timeout:g} s"
            except Exception as exc:  # connection refused, bad URL, TLS …: an attempt that failed
                error = f"{type(exc).__name__}: {exc}"[:500]
            latency_ms = (time.monotonic() - clock) * 1000
            attempt = Attempt(delivery.id, started, code, latency_ms, error)
            status = await asyncio.to_thread(self._outbox.record_attempt, attempt, self._policy)
            self._count(status, error)
        finally:
            self._inflight.pop(delivery.id, None)
            self._wakeup.set()

    def _count(self, status: DeliveryStatus, error: str | None) -> None:
        self.counters.attempts += 1
        if status is DeliveryStatus.DELIVERED:
            self.counters.delivered += 1
            return
        self.counters.failed_attempts += 1
        if status is DeliveryStatus.FAILED:
            self.counters.failed_deliveries += 1
            log.warning("webhook delivery failed after its last attempt: %s", error)
