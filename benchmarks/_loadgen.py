"""A small keep-alive HTTP/1.1 GET load generator (fallback of benchmarks/api.py when wrk is absent).

python benchmarks/_loadgen.py URL TOKEN CONNECTIONS SECONDS   -> JSON {latencies, errors}
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from urllib.parse import urlsplit


async def _connection(host: str, port: int, request: bytes, until: float, latencies: list[float]) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    errors = 0
    while time.perf_counter() < until:
        started = time.perf_counter()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await reader.readexactly(length)
        if not head.startswith(b"HTTP/1.1 200"):
            errors += 1
        latencies.append(time.perf_counter() - started)
    writer.close()
    return errors


async def _main(url: str, token: str, connections: int, seconds: float) -> dict[str, object]:
    parts = urlsplit(url)
    request = (f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nAuthorization: Bearer {token}\r\n\r\n").encode()
    latencies: list[float] = []
    until = time.perf_counter() + seconds
    errors = await asyncio.gather(
        *(
            _connection(parts.hostname or "127.0.0.1", parts.port or 80, request, until, latencies)
            for _ in range(connections)
        )
    )
    return {"latencies": latencies, "errors": sum(errors)}


if __name__ == "__main__":
    url, token, connections, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    print(json.dumps(asyncio.run(_main(url, token, connections, seconds))))
