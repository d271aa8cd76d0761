"""Prometheus metrics of a gateway, served at ``GET /metrics`` (text exposition format, no token:
bind the gateway to a loopback or management address, as it is by default).

Each app has its own :class:`prometheus_client.CollectorRegistry` (several apps may live in one
process: the tests, the demo). Figures kept as requests are answered:

- ``aeo_ledger_http_requests_total{method,route,status}`` and
  ``aeo_ledger_http_request_duration_seconds{method,route}`` (every request, by path template);
- ``aeo_ledger_write_duration_seconds{method,route,status}``: the latency of writes (POST, PUT,
  PATCH, DELETE), from the request to its answer — for a ledger write the transaction's
  confirmation and the index catching up included;
- ``aeo_ledger_sse_clients``: Server-Sent Events streams open now.

Figures read when scraped (:class:`StateCollector`): the index's and the chain's block and the
lag between them in blocks (``aeo_ledger_chain_up`` 0 when the node does not answer); the
transactions confirmed, reverted and timed out since start
(:class:`~ledger_client.transactions.SendCounters`); the webhook outbox's backlog and failed
deliveries, and the delivery worker's attempts, deliveries and failures since start.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool

from ledger_client.errors import LedgerError

log = logging.getLogger(__name__)

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class StateCollector(Collector):
    """Figures read from the app's runtime and webhook worker at each scrape."""

    def __init__(self, app_state: Any) -> None:
        self._state = app_state

    def collect(self) -> Iterator[Metric]:
        runtime = getattr(self._state, "runtime", None)
        if runtime is None:
            return
        indexed = runtime.index.block_number
        yield GaugeMetricFamily("aeo_ledger_index_block", "Last block the index holds", value=indexed)
        try:
            head = runtime.ledger.chain.block_number()
        except LedgerError as exc:
            log.info("metrics: the chain does not answer: %s", exc)
            yield GaugeMetricFamily("aeo_ledger_chain_up", "1 when the node answers, else 0", value=0)
        else:
            yield GaugeMetricFamily("aeo_ledger_chain_up", "1 when the node answers, else 0", value=1)
            yield GaugeMetricFamily("aeo_ledger_chain_block", "The node's latest block", value=head)
            yield GaugeMetricFamily(
                "aeo_ledger_index_lag_blocks", "Blocks the index is behind the chain", value=max(0, head - indexed)
            )
        sent = runtime.ledger.context.sender.counters
        transactions = CounterMetricFamily(
            "aeo_ledger_transactions", "Transactions awaited since start, by outcome", labels=["outcome"]
        )
        for outcome in ("confirmed", "reverted", "timed_out"):
            transactions.add_metric([outcome], getattr(sent, outcome))
        yield transactions
        stats = runtime.outbox.stats()
        yield GaugeMetricFamily(
            "aeo_ledger_webhook_backlog", "Webhook deliveries pending (queued or awaiting a retry)", value=stats.pending
        )
        yield GaugeMetricFamily(
            "aeo_ledger_webhook_failed",
            "Webhook deliveries failed after their last attempt, kept for replay",
            value=stats.failed,
        )
        service = getattr(self._state, "webhooks", None)
        dispatcher = getattr(service, "dispatcher", None)
        if dispatcher is not None:
            counters = dispatcher.counters
            for name, value, text in (
                ("attempts", counters.attempts, "Webhook delivery attempts since start"),
                ("delivered", counters.delivered, "Webhook deliveries acknowledged (2xx) since start"),
                ("failed_attempts", counters.failed_attempts, "Webhook attempts that failed since start"),
                ("failed_deliveries", counters.failed_deliveries, "Webhook deliveries given up since start"),
            ):
                yield CounterMetricFamily(f"aeo_ledger_webhook_{name}", text, value=value)


class GatewayMetrics:
    """The app's registry and the figures kept as requests are answered."""

    def __init__(self, app_state: Any) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "aeo_ledger_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "aeo_ledger_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template",
            ["method", "route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.write_seconds = Histogram(
            "aeo_ledger_write_duration_seconds",
            "Latency of writes (POST, PUT, PATCH, DELETE) until answered, by method, route template and status",
            ["method", "route", "status"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.sse_clients = Gauge(
            "aeo_ledger_sse_clients", "Server-Sent Events streams open now", registry=self.registry
        )
        self.registry.register(StateCollector(app_state))

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request (called by :class:`api.access.AccessMiddleware`)."""
        self.requests.labels(method, route, str(status)).inc()
        self.request_seconds.labels(method, route).observe(seconds)
        if method not in _SAFE_METHODS:
            self.write_seconds.labels(method, route, str(status)).observe(seconds)

    def render(self) -> bytes:
        """The exposition text (reads the chain's head: call it off the event loop)."""
        return generate_latest(self.registry)


router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text exposition"}},
)
async def metrics(request: Request) -> Response:
    """Prometheus metrics: index lag, write latency, reverted and timed-out transactions, webhook
    backlog and failures, SSE clients, requests by route (no token needed)."""
    gateway: GatewayMetrics = request.app.state.metrics
    return Response(await run_in_threadpool(gateway.render), media_type=CONTENT_TYPE_LATEST)


def install_metrics(app: Any) -> GatewayMetrics:
    """Give ``app`` its metrics (``app.state.metrics``) and the ``/metrics`` route."""
    gateway = GatewayMetrics(app.state)
    app.state.metrics = gateway
    app.include_router(router)
    return gateway
