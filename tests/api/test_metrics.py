"""``GET /metrics`` (Prometheus): index lag, write latency, reverted and timed-out transactions,
webhook backlog and failures, SSE clients; figures checked against what the gateway did."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.metrics import StateCollector
from ledger_client.errors import ChainUnavailableError, ContractRevert, TransactionTimeoutError
from ledger_client.transactions import SendCounters
from ledger_client.webhooks.dispatcher import DispatcherCounters
from ledger_client.webhooks.store import EndpointStats
from tests.api.conftest import Env, issue_body


def _scrape(env: Env) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = env.client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def _value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_index_lag_and_chain_block(env: Env) -> None:
    env.runtime.index.wait_for_block(env.runtime.ledger.chain.block_number(), 10)
    samples = _scrape(env)
    assert _value(samples, "aeo_ledger_chain_up") == 1
    head = _value(samples, "aeo_ledger_chain_block")
    indexed = _value(samples, "aeo_ledger_index_block")
    assert head >= indexed > 0
    assert _value(samples, "aeo_ledger_index_lag_blocks") == head - indexed


def test_write_latency_and_request_counts(env: Env) -> None:
    before = _scrape(env)
    route = {"method": "POST", "route": "/v1/certificates", "status": "201"}
    for _ in range(2):
        assert env.post("/v1/certificates", "cr_writer", issue_body()).status_code == 201
    assert env.post("/v1/certificates", "cr_reader", issue_body()).status_code == 403
    after = _scrape(env)
    count = "aeo_ledger_write_duration_seconds_count"
    assert _value(after, count, **route) - _value(before, count, **route) == 2
    refused = {**route, "status": "403"}
    assert _value(after, count, **refused) - _value(before, count, **refused) == 1
    assert _value(after, "aeo_ledger_write_duration_seconds_sum", **route) > _value(
        before, "aeo_ledger_write_duration_seconds_sum", **route
    )
    total = "aeo_ledger_http_requests_total"
    assert _value(after, total, **route) - _value(before, total, **route) == 2
    # reads are requests, not writes
    reads = {"method": "GET", "route": "/metrics", "status": "200"}
    assert _value(after, total, **reads) - _value(before, total, **reads) == 1
    assert ("aeo_ledger_write_duration_seconds_count", tuple(sorted({**reads}.items()))) not in after


def test_reverted_and_timed_out_transactions(env: Env) -> None:
    ledger = env.runtime.ledger
    sender = ledger.context.sender
    pe = env.runtime.signers.signer_for("PE")
    before = _scrape(env)
    # a transaction mined with status 0: PE suspends a certificate it did not issue (sent raw, no pre-flight)
    cid = env.post("/v1/certificates", "cr_writer", issue_body()).json()["certificate"]["id"]
    data = ledger.context.codec.encode("suspend", bytes.fromhex(cid[2:]), 1)
    nonce = ledger.chain.transaction_count(pe.address)
    raw = pe.sign_transaction(
        {
            "chainId": ledger.chain.chain_id,
            "nonce": nonce,
            "gas": 500_000,
            "value": 0,
            "data": data,
            "to": ledger.context.address,
            **sender.fees.current().transaction_fields(),
        }
    )
    with pytest.raises(ContractRevert):
        sender.confirm(pe, ledger.chain.send_raw(raw), ledger.context.address, data)
    sender.nonces.for_address(pe.address).invalidate()
    with pytest.raises(TransactionTimeoutError):
        sender.confirm(pe, b"\x77" * 32, ledger.context.address, data, timeout=0.01)
    after = _scrape(env)
    name = "aeo_ledger_transactions_total"
    assert _value(after, name, outcome="reverted") - _value(before, name, outcome="reverted") == 1
    assert _value(after, name, outcome="timed_out") - _value(before, name, outcome="timed_out") == 1
    assert _value(after, name, outcome="confirmed") - _value(before, name, outcome="confirmed") >= 1


def test_sse_clients_connected(env: Env) -> None:
    assert _value(_scrape(env), "aeo_ledger_sse_clients") == 0
    opened = threading.Event()
    done = threading.Event()

    def listen() -> None:
        params = {"administration": "PE", "timeout": 3}
        with env.client.stream("GET", "/v1/feed/stream", headers=env.headers("pe_reader"), params=params) as r:
            opened.set()
            for _ in r.iter_lines():
                pass
        done.set()

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    assert opened.wait(10)
    seen = 0.0
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not done.is_set():  # bounded: the stream ends after 3 s
        seen = max(seen, _value(_scrape(env), "aeo_ledger_sse_clients"))
        if seen == 1:
            break
        time.sleep(0.05)
    assert seen == 1
    thread.join(10)
    assert done.is_set()
    assert _value(_scrape(env), "aeo_ledger_sse_clients") == 0


def _collect(state: Any) -> dict[str, dict[tuple[str, ...], float]]:
    out: dict[str, dict[tuple[str, ...], float]] = {}
    for family in StateCollector(state).collect():
        for sample in family.samples:
            out.setdefault(sample.name, {})[tuple(sample.labels.values())] = sample.value
    return out


def _state(head: Any) -> Any:
    sender = SimpleNamespace(counters=SendCounters(confirmed=7, reverted=2, timed_out=1))
    runtime = SimpleNamespace(
        index=SimpleNamespace(block_number=40),
        ledger=SimpleNamespace(chain=SimpleNamespace(block_number=head), context=SimpleNamespace(sender=sender)),
        outbox=SimpleNamespace(stats=lambda: EndpointStats(pending=5, failed=3, delivered=11)),
    )
    counters = DispatcherCounters(attempts=9, delivered=4, failed_attempts=5, failed_deliveries=3)
    return SimpleNamespace(runtime=runtime, webhooks=SimpleNamespace(dispatcher=SimpleNamespace(counters=counters)))


def test_the_collector_reads_the_index_the_sender_the_outbox_and_the_dispatcher() -> None:
    figures = _collect(_state(lambda: 46))
    assert figures["aeo_ledger_index_lag_blocks"] == {(): 6}
    assert figures["aeo_ledger_chain_block"] == {(): 46}
    assert figures["aeo_ledger_chain_up"] == {(): 1}
    assert figures["aeo_ledger_transactions_total"] == {("confirmed",): 7, ("reverted",): 2, ("timed_out",): 1}
    assert figures["aeo_ledger_webhook_backlog"] == {(): 5}
    assert figures["aeo_ledger_webhook_failed"] == {(): 3}
    assert figures["aeo_ledger_webhook_attempts_total"] == {(): 9}
    assert figures["aeo_ledger_webhook_delivered_total"] == {(): 4}
    assert figures["aeo_ledger_webhook_failed_attempts_total"] == {(): 5}
    assert figures["aeo_ledger_webhook_failed_deliveries_total"] == {(): 3}


def test_a_chain_that_does_not_answer_is_chain_up_0_without_a_lag() -> None:
    def down() -> int:
        raise ChainUnavailableError("connection refused")

    figures = _collect(_state(down))
    assert figures["aeo_ledger_chain_up"] == {(): 0}
    assert "aeo_ledger_index_lag_blocks" not in figures
    assert figures["aeo_ledger_index_block"] == {(): 40}
