"""Console benchmark: server-side latency of the console's main pages on a large index.

Prints one JSON object with ``page_p95_ms`` for the dashboard, the certificates list, a
certificate page and the KPIs page (target: <= 50 ms each), measured in-process: the ASGI app
called by httpx's ASGI transport in one event loop (middleware, routing, session, index queries,
template rendering; no socket). The index holds ``--certificates`` certificates (default 100,000; ~3 events each, ten
administrations) written by the index benchmark's synthetic populate through the index's own
write path. The KPIs page's ten SVG charts are separate image requests; their p95 is reported
too (``kpis_chart_p95_ms``). The dashboard and the KPIs page compute an administration's figures
once per indexed block (:mod:`api.console.figures`); ``kpi_figures_uncached_p95_ms`` (the KPIs
page's, with the month-by-month history) and ``dashboard_figures_uncached_p95_ms`` (the current
counts only) are that computation alone, what the first page after each new block pays.

Usage: ``python -m benchmarks.console [--certificates N] [--requests N]``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import httpx

from api.config import ApiSettings
from api.console.figures import FigureCache
from api.idempotency import IdempotencyStore
from api.main import create_app
from api.runtime import Runtime
from api.signers import SignerRegistry
from api.tokens import TokenStore
from benchmarks.index_bench import CODES, _NoChain, p95_ms, populate
from ledger_client.index import Index
from ledger_client.ledger import Ledger

TARGET_MS = 50.0
CHARTS = (
    "status",
    "status-months",
    "programme",
    "programme-months",
    "events-months",
    "sme",
    "sme-programmes",
    "latency",
    "latency-months",
    "mras",
)


async def _measure(
    app: Any, secret: str, ids: list[bytes], requests: int
) -> tuple[dict[str, list[float]], list[float]]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as client:
        form = (await client.get("/login")).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert csrf is not None
        signed = await client.post("/login", data={"csrf_token": csrf.group(1), "token": secret, "next": "/"})
        assert signed.status_code == 303, signed.text
        rng = random.Random(5)
        own = [cid for cid in ids if cid[:2] == CODES[0].encode()]
        pages: dict[str, Callable[[], str]] = {
            "dashboard": lambda: "/",
            "certificates": lambda: f"/certificates?issuer={CODES[0]}&status={rng.choice(['', 'ACTIVE'])}",
            "certificate": lambda: f"/certificates/0x{rng.choice(own).hex()}",
            "kpis": lambda: "/kpis",
        }
        samples: dict[str, list[float]] = {name: [] for name in pages}
        for name, path in pages.items():  # warm the templates once
            assert (await client.get(path())).status_code == 200, name
        for _ in range(requests):
            for name, path in pages.items():
                target = path()
                began = time.perf_counter()
                response = await client.get(target)
                samples[name].append(time.perf_counter() - began)
                assert response.status_code == 200, (name, response.status_code)
        charts: list[float] = []
        for _ in range(max(1, requests // 10)):
            for chart in CHARTS:
                began = time.perf_counter()
                response = await client.get(f"/kpis/charts/{chart}.svg")
                charts.append(time.perf_counter() - began)
                assert response.status_code == 200
    return samples, charts


def measure_console(certificates: int = 100_000, requests: int = 200) -> dict[str, Any]:
    """p95 of each page over ``requests`` requests, on an index of ``certificates`` certificates."""
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp)
        began = time.perf_counter()
        ids, events, _ = populate(state / "index.sqlite", certificates)
        populate_s = time.perf_counter() - began
        settings = ApiSettings(state_dir=state, webhook_delivery=False)
        ledger = Ledger.embedded()  # the pages measured read the index only
        index = Index(state / "index.sqlite", _NoChain(), start_block=1)
        runtime = Runtime(
            settings,
            ledger,
            index,
            SignerRegistry(state / "keystores"),
            TokenStore(state / "tokens.sqlite"),
            IdempotencyStore(state / "idempotency.sqlite", owner="bench"),
        )
        _, secret = runtime.tokens.create("writer", CODES[0], label="bench")
        try:
            samples, charts = anyio.run(_measure, create_app(runtime=runtime), secret, ids, requests)
            uncached: list[float] = []
            summary: list[float] = []
            for _ in range(max(3, requests // 20)):
                began = time.perf_counter()
                FigureCache().figures(index, CODES[0])
                uncached.append(time.perf_counter() - began)
                began = time.perf_counter()
                FigureCache().figures(index, CODES[0], history=False)
                summary.append(time.perf_counter() - began)
        finally:
            runtime.close()
            ledger.close()
    page_p95 = {name: round(p95_ms(values), 2) for name, values in samples.items()}
    result: dict[str, Any] = {
        "certificates": certificates,
        "events": events,
        "administrations": len(CODES),
        "requests_per_page": requests,
        "populate_s": round(populate_s, 1),
        "page_p95_ms": page_p95,
        "kpis_chart_p95_ms": round(p95_ms(charts), 2),
        "kpi_figures_uncached_p95_ms": round(p95_ms(uncached), 2),
        "dashboard_figures_uncached_p95_ms": round(p95_ms(summary), 2),
        "target_ms": TARGET_MS,
        "meets_target": "yes" if all(v <= TARGET_MS for v in page_p95.values()) else "no",
    }
    result.update({f"{name}_p95_ms": value for name, value in page_p95.items()})
    return result


def main(argv: list[str] | None = None) -> int:
    """Run and print the JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=100_000, help="certificates in the index")
    parser.add_argument("--requests", type=int, default=200, help="requests per page")
    parser.add_argument("--quick", action="store_true", help="smoke size: 5,000 certificates, 50 requests a page")
    args = parser.parse_args(argv)
    certificates, requests = (5_000, 50) if args.quick else (args.certificates, args.requests)
    print(json.dumps(measure_console(certificates, requests), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
