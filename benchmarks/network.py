"""Network benchmark (issue 13): prints one JSON object.

Runs on the real ``aeo-ledger network up`` topology (one durable embedded node serving JSON-RPC and
one gateway process per demo administration, all on loopback), brought up in a temporary directory
on free ports and taken down at the end:

- ``propagation_p99_ms``: from the POST of a status change (suspend / reinstate) at CR's gateway to
  the event arriving on PE's gateway's SSE stream (``/v1/feed/stream``; PE's own index of the chain),
  ``--changes`` changes sent at ``--rate`` per second (target ≤ 250 ms).
- ``webhook_delivery_p99_ms``: the same, to a local webhook receiver registered at PE's gateway
  (:class:`ledger_client.webhooks.receiver.Receiver`, signatures verified) (target ≤ 500 ms).
- ``gateways_write_per_s``: the five gateways written concurrently, ``--clients`` clients each
  issuing certificates for ``--seconds`` seconds; total writes/s (target ≥ 50) and
  ``gateways_write_p99_ms`` (target ≤ 2,500).

Two figures of the envelope exchange (issue 14) run on two gateways' apps (CR issues, PE is its MRA
partner) in one process over an in-memory embedded chain, since seeding ``network up`` with 10,000
certificates would take longer than the figure itself:

- ``envelopes_per_s``: ``--envelope-certificates`` (10,000) certificates issued at CR with their documents,
  then timed: CR's gateway seals them for PE, PE's gateway fetches them over CR's envelope route (signed
  requests checked against the chain), opens, verifies against the chain and keeps them (target ≥ 500/s).
- ``operator_lookup_p95_ms``: PE's gateway's lookup of a trader (what ``GET /v1/operators`` calls: the
  received documents' identifiers, then status and recognition at T from its index) with ``--operators``
  (100,000) known operators — the envelopes above plus synthetic ones to that total — for traders whose
  certificates are on the chain (target ≤ 5 ms); ``operator_lookup_http_p95_ms`` is the same through the
  route in process (Starlette's test client: auth, middleware, JSON; no socket).

Both latencies start at the POST, so they include the write's wait for its block: ``network up``'s
node seals one within ``--block-period-ms`` (default 100, reported as ``network_block_period_ms``);
with 1000, production's whole-second blocks, about one block a second once the chain runs ahead of
the clock (timestamps strictly increasing), a floor of 0-1 s whatever the gateways do. ``*_after_answer_*``
is the part after CR's gateway answered (what propagation adds); ``--block-mode instant`` seals every
transaction at once (the chain then runs ahead of the wall clock) to show the gateways alone.

Each figure is one function over the running network (:class:`Network`), or over the two in-process
gateways for the envelope figures; ``main`` prints them together. Every loop is bounded in count and in time.

Usage: ``python -m benchmarks.network [--changes 200 --rate 2 --clients 16 --seconds 30]``
(``--quick``: 20 changes at 4/s, 4 clients for 8 s, 500 certificates and 5,000 operators;
``--only propagation,webhooks,writes,envelopes``).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

os.environ.setdefault("ETH_HASH_BACKEND", "pysha3")

from benchmarks.webhooks import percentile
from ledger_client.network.layout import NETWORK_BLOCK_PERIOD_MS

DOC_HASH = "0x" + "ab" * 32
LOOPBACK = "127.0.0.1"
#: The issuer writes, the partner receives (a live bilateral MRA joins them in the demo seeding).
ISSUER, PARTNER = "CR", "PE"
#: Certificates the status changes rotate over (each one's previous change is answered before its next).
ROTATION = 8
WAIT_S = 15.0
DEADLINE_S = 900.0
REQUEST_TIMEOUT_S = 60.0


def free_ports(count: int) -> list[int]:
    """``count`` distinct loopback ports that were free a moment ago."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((LOOPBACK, 0))
            sockets.append(sock)
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class Network:
    """A running ``network up``: each gateway's URL and tokens."""

    urls: dict[str, str]
    tokens: dict[str, dict[str, str]]
    _serial: Iterator[int] = field(default_factory=lambda: iter(range(1, 10**9)))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, code: str, role: str = "writer") -> httpx.Client:
        """An HTTP client of ``code``'s gateway with its ``<CODE> <role>`` token."""
        token = self.tokens[code][f"{code} {role}"]
        return httpx.Client(
            base_url=self.urls[code], headers={"Authorization": f"Bearer {token}"}, timeout=REQUEST_TIMEOUT_S
        )

    def number(self, code: str) -> str:
        """A certificate number no other write of this run uses."""
        with self._lock:
            serial = next(self._serial)
        return f"{code}-NB-{os.getpid()}-{serial}"


def issue_body(number: str) -> dict[str, Any]:
    """A ``POST /v1/certificates`` body in the CR-PE MRA's scope."""
    return {
        "number": number,
        "programmes": ["SECURITY"],
        "roles": ["IMPORTER", "EXPORTER"],
        "sme": False,
        "valid_from": "2024-01-01T00:00:00Z",
        "valid_until": None,
        "document_hash": DOC_HASH,
    }


@contextmanager
def network_up(
    certificates: int, block_mode: str | None = None, block_period_ms: int = NETWORK_BLOCK_PERIOD_MS
) -> Iterator[Network]:
    """``network up`` in a temporary directory on free ports; ``network down`` on exit."""
    from ledger_client.demo import CODES
    from ledger_client.network import control
    from ledger_client.network.layout import Layout, Ports

    with tempfile.TemporaryDirectory(prefix="aeo-network-bench-") as tmp:
        layout = Layout(Path(tmp) / "network")
        ports = free_ports(1 + len(CODES))
        try:
            started = control.up(
                layout,
                Ports(ports[0], dict(zip(CODES, ports[1:], strict=True))),
                certificates=certificates,
                log=lambda _line: None,
                block_mode=block_mode,
                block_period_ms=block_period_ms,
            )
            yield Network({g.code: g.url for g in started.gateways}, {g.code: dict(g.tokens) for g in started.gateways})
        finally:
            control.down(layout, timeout=30, log=lambda _line: None)


class Changes:
    """Status changes at the issuer's gateway, sent at a fixed rate over :data:`ROTATION` certificates.

    Each change is POSTed on schedule (open loop: a slow answer never delays the next change) in its own
    thread; a certificate's next change waits only for its own previous answer. ``sent`` maps
    ``(certificate id, event sequence)`` to the monotonic time its POST started.
    """

    def __init__(self, network: Network) -> None:
        self._network = network
        self.sent: dict[tuple[str, int], float] = {}
        self.answered: dict[tuple[str, int], float] = {}
        self.failed = 0
        self._lock = threading.Lock()

    def prepare(self) -> list[str]:
        """Issue the rotation's certificates; return their ids."""
        with self._network.client(ISSUER) as client:
            ids = []
            for _ in range(ROTATION):
                created = client.post("/v1/certificates", json=issue_body(self._network.number(ISSUER)))
                created.raise_for_status()
                ids.append(str(created.json()["certificate"]["id"]))
        return ids

    def run(self, ids: list[str], changes: int, rate: float) -> None:
        """Send ``changes`` changes at ``rate`` per second (bounded by :data:`DEADLINE_S`)."""
        busy = {cid: threading.Lock() for cid in ids}
        suspended = dict.fromkeys(ids, False)
        deadline = time.monotonic() + DEADLINE_S
        start = time.monotonic()
        with self._network.client(ISSUER) as client, ThreadPoolExecutor(max_workers=2 * ROTATION) as pool:
            for i in range(changes):
                at = start + i / rate
                time.sleep(max(0.0, at - time.monotonic()))
                if time.monotonic() > deadline:
                    break
                cid = ids[i % len(ids)]
                busy[cid].acquire()
                action = "reinstate" if suspended[cid] else "suspend"
                suspended[cid] = not suspended[cid]
                pool.submit(self._change, client, cid, action, busy[cid])

    def _change(self, client: httpx.Client, cid: str, action: str, done: threading.Lock) -> None:
        try:
            started = time.monotonic()
            body = {"reason": "NON_COMPLIANCE"} if action == "suspend" else {}
            try:
                response = client.post(f"/v1/certificates/{cid}/{action}", json=body)
                sequence = int(response.json()["certificate"]["event_count"]) if response.status_code == 201 else 0
            except (httpx.HTTPError, ValueError, KeyError):
                sequence = 0
            answered = time.monotonic()
            with self._lock:
                if sequence:
                    self.sent[(cid, sequence)] = started
                    self.answered[(cid, sequence)] = answered
                else:
                    self.failed += 1
        finally:
            done.release()


def summary(prefix: str, source: Changes, arrived: dict[tuple[str, int], float]) -> dict[str, Any]:
    """Latency percentiles of ``arrived - sent`` for the changes that were sent, and of the part after the
    issuer's gateway answered the POST (``_after_answer_``: the write waited for its block until then)."""
    keys = [key for key in source.sent if key in arrived]
    if not keys:
        raise RuntimeError(f"{prefix}: no change arrived")
    latencies = [arrived[key] - source.sent[key] for key in keys]
    after = [max(0.0, arrived[key] - source.answered[key]) for key in keys]
    return {
        f"{prefix}_p50_ms": round(percentile(latencies, 50), 1),
        f"{prefix}_p99_ms": round(percentile(latencies, 99), 1),
        f"{prefix}_max_ms": round(max(latencies) * 1000, 1),
        f"{prefix}_after_answer_p50_ms": round(percentile(after, 50), 1),
        f"{prefix}_after_answer_p99_ms": round(percentile(after, 99), 1),
        f"{prefix}_missing": len(source.sent) - len(keys),
    }


def propagation(network: Network, changes: int, rate: float) -> dict[str, Any]:
    """``propagation_p99_ms``: POST at the issuer's gateway → the event on the partner's SSE stream."""
    arrived: dict[tuple[str, int], float] = {}
    opened, stop = threading.Event(), threading.Event()
    stream_seconds = changes / rate + 4 * WAIT_S

    def listen() -> None:
        with network.client(PARTNER, "reader") as partner:
            params = {"timeout": stream_seconds}
            with partner.stream("GET", "/v1/feed/stream", params=params, timeout=stream_seconds + WAIT_S) as answer:
                answer.raise_for_status()
                opened.set()
                for line in answer.iter_lines():
                    if line.startswith("data:"):
                        event = json.loads(line[5:])["event"]
                        arrived.setdefault((event["certificate_id"], int(event["sequence"])), time.monotonic())
                    if stop.is_set():
                        return

    source = Changes(network)
    ids = source.prepare()
    listener = threading.Thread(target=listen, name="sse-listener", daemon=True)
    listener.start()
    if not opened.wait(WAIT_S):
        raise RuntimeError("the partner's SSE stream did not open")
    source.run(ids, changes, rate)
    _wait_until(lambda: all(key in arrived for key in source.sent), WAIT_S)
    stop.set()
    return {
        **summary("propagation", source, arrived),
        "propagation_changes": len(source.sent) + source.failed,
        "propagation_failed_writes": source.failed,
        "propagation_rate_per_s": rate,
    }


def webhook_delivery(network: Network, changes: int, rate: float) -> dict[str, Any]:
    """``webhook_delivery_p99_ms``: POST at the issuer's gateway → the partner's signed webhook at a receiver."""
    from ledger_client.webhooks import new_secret
    from ledger_client.webhooks.receiver import Receiver

    secret = new_secret()
    with Receiver([secret]) as receiver, network.client(PARTNER) as partner:
        registered = partner.post("/v1/webhooks/endpoints", json={"url": receiver.url, "secret": secret})
        registered.raise_for_status()
        endpoint = registered.json()["id"]
        try:
            source = Changes(network)
            ids = source.prepare()
            source.run(ids, changes, rate)

            def arrivals() -> dict[tuple[str, int], float]:
                found = {}
                for cid, sequence in source.sent:
                    message = receiver.accepted.get(f"ce_{cid[2:]}_{sequence}")
                    if message is not None:
                        found[(cid, sequence)] = message.arrived
                return found

            _wait_until(lambda: len(arrivals()) == len(source.sent), WAIT_S)
            unverified = sum(not r.verified for r in receiver.requests)
            arrived = arrivals()
        finally:
            partner.delete(f"/v1/webhooks/endpoints/{endpoint}")
    return {
        **summary("webhook_delivery", source, arrived),
        "webhook_delivery_changes": len(source.sent) + source.failed,
        "webhook_delivery_failed_writes": source.failed,
        "webhook_delivery_unverified": unverified,
    }


def gateways_write(network: Network, clients: int, seconds: float) -> dict[str, Any]:
    """``gateways_write_per_s``: every gateway issuing certificates, ``clients`` concurrent clients each."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    begin = time.monotonic()
    until = begin + seconds

    def writer(code: str) -> None:
        nonlocal errors
        with network.client(code) as client:
            while time.monotonic() < until:
                started = time.monotonic()
                try:
                    ok = client.post("/v1/certificates", json=issue_body(network.number(code))).status_code == 201
                except httpx.HTTPError:
                    ok = False
                with lock:
                    if ok:
                        latencies.append(time.monotonic() - started)
                    else:
                        errors += 1

    codes = sorted(network.urls)
    threads = [threading.Thread(target=writer, args=(c,), daemon=True) for c in codes for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 2 * REQUEST_TIMEOUT_S)
    elapsed = time.monotonic() - begin
    if not latencies:
        raise RuntimeError("no write succeeded")
    return {
        "gateways_write_per_s": round(len(latencies) / elapsed, 1),
        "gateways_write_p50_ms": round(percentile(latencies, 50), 1),
        "gateways_write_p99_ms": round(percentile(latencies, 99), 1),
        "gateways_write_errors": errors,
        "gateways_write_clients": clients * len(codes),
        "gateways_write_seconds": round(elapsed, 1),
    }


def _wait_until(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.05)


def envelope_exchange(certificates: int, operators: int, lookups: int = 2000) -> dict[str, Any]:
    """``envelopes_per_s`` and ``operator_lookup_p95_ms`` on two in-process gateways (see the module docstring)."""
    from benchmarks.envelope_gateways import TwoGateways

    with TwoGateways.open(tempfile.mkdtemp(prefix="aeo-envelopes-")) as pair:
        documents = pair.issue(certificates)
        started = time.perf_counter()
        made = pair.cr.make()
        reports = pair.pe.fetch()
        elapsed = time.perf_counter() - started
        kept = pair.pe.inbox.count()
        if made < certificates or kept < certificates or any(r.error or r.rejected for r in reports):
            raise SystemExit(f"made {made}, kept {kept} of {certificates}: {reports}")
        pair.pad_operators(max(0, operators - kept))
        latencies = sorted(pair.lookups(documents, lookups, through_http=False))
        over_http = sorted(pair.lookups(documents, lookups, through_http=True))
    return {
        "envelopes_per_s": round(certificates / elapsed, 1),
        "envelopes_certificates": certificates,
        "envelopes_seconds": round(elapsed, 3),
        "operator_lookup_p50_ms": round(latencies[len(latencies) // 2], 3),
        "operator_lookup_p95_ms": round(latencies[int(len(latencies) * 0.95)], 3),
        "operator_lookup_http_p50_ms": round(over_http[len(over_http) // 2], 3),
        "operator_lookup_http_p95_ms": round(over_http[int(len(over_http) * 0.95)], 3),
        "operator_lookup_known_operators": max(operators, kept),
        "operator_lookup_requests": len(latencies),
    }


FIGURES = ("propagation", "webhooks", "writes", "envelopes")
NETWORK_FIGURES = ("propagation", "webhooks", "writes")


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Bring the network up once and measure the figures asked for."""
    wanted = set(args.only.split(",")) if args.only else set(FIGURES)
    unknown = wanted - set(FIGURES)
    if unknown:
        raise SystemExit(f"unknown figure(s) {', '.join(sorted(unknown))}; known: {', '.join(FIGURES)}")
    result: dict[str, Any] = {}
    if "envelopes" in wanted:
        result.update(envelope_exchange(args.envelope_certificates, args.operators))
    if not wanted & set(NETWORK_FIGURES):
        return result
    result.update({"network_gateways": 5, "network_chain": "durable node over JSON-RPC"})
    result["network_block_mode"] = args.block_mode
    result["network_block_period_ms"] = args.block_period_ms if args.block_mode == "realtime" else None
    mode = None if args.block_mode == "realtime" else args.block_mode
    with network_up(args.certificates, mode, args.block_period_ms) as network:
        if "propagation" in wanted:
            result.update(propagation(network, args.changes, args.rate))
        if "webhooks" in wanted:
            result.update(webhook_delivery(network, args.changes, args.rate))
        if "writes" in wanted:
            result.update(gateways_write(network, args.clients, args.seconds))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--changes", type=int, default=200, help="status changes per latency figure (≤ 10,000)")
    parser.add_argument("--rate", type=float, default=2.0, help="status changes per second")
    parser.add_argument("--clients", type=int, default=16, help="concurrent writing clients per gateway (≤ 64)")
    parser.add_argument("--seconds", type=float, default=30.0, help="duration of the write figure (≤ 600)")
    parser.add_argument("--certificates", type=int, default=20, help="certificates the network is seeded with")
    parser.add_argument(
        "--block-mode",
        choices=("realtime", "instant"),
        default="realtime",
        help="the node's blocks: realtime (default, as network up runs: a block within --block-period-ms of a "
        "write) or instant (every transaction sealed at once: what the gateways add alone)",
    )
    parser.add_argument(
        "--block-period-ms",
        type=int,
        default=NETWORK_BLOCK_PERIOD_MS,
        help=f"the realtime node's block period (default {NETWORK_BLOCK_PERIOD_MS}, as network up)",
    )
    parser.add_argument("--envelope-certificates", type=int, default=10_000, help="certificates sealed (≤ 100,000)")
    parser.add_argument("--operators", type=int, default=100_000, help="operators known for the lookup (≤ 1,000,000)")
    parser.add_argument("--only", default="", help=f"comma-separated subset of {','.join(FIGURES)}")
    parser.add_argument("--quick", action="store_true", help="smoke size: 20 changes at 4/s, 4 clients for 8 s")
    args = parser.parse_args(argv)
    if args.quick:
        args.changes, args.rate, args.clients, args.seconds = 20, 4.0, 4, 8.0
        args.envelope_certificates, args.operators = 500, 5_000
    args.envelope_certificates = max(1, min(args.envelope_certificates, 100_000))
    args.operators = max(1, min(args.operators, 1_000_000))
    args.changes = max(1, min(args.changes, 10_000))
    args.rate = max(0.1, min(args.rate, 50.0))
    args.clients = max(1, min(args.clients, 64))
    args.seconds = max(1.0, min(args.seconds, 600.0))
    print(json.dumps(run(args), indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
