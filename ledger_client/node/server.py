"""HTTP JSON-RPC server (Starlette + uvicorn) in front of the shared dispatcher."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

import anyio.to_thread
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ledger_client.node.dispatcher import Dispatcher
from ledger_client.node.durable import DurableChain

MAX_BODY = 16 * 1024 * 1024


def create_app(chain: DurableChain) -> Starlette:
    """An ASGI app answering JSON-RPC POSTs on ``/``."""
    dispatcher = Dispatcher(chain)

    async def rpc(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY:
            return Response(status_code=413)
        answer = await anyio.to_thread.run_sync(dispatcher.handle_bytes, body)
        if answer is None:
            return Response(status_code=204)
        return Response(answer, media_type="application/json")

    return Starlette(routes=[Route("/", rpc, methods=["POST"])])


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket (``port=0`` picks a free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def _server(chain: DurableChain) -> uvicorn.Server:
    config = uvicorn.Config(create_app(chain), log_level="warning", access_log=False, lifespan="off")
    return uvicorn.Server(config)


def serve(chain: DurableChain, sock: socket.socket) -> None:
    """Serve JSON-RPC on ``sock`` until SIGINT/SIGTERM (blocking)."""
    _server(chain).run(sockets=[sock])


@dataclass(frozen=True)
class RunningServer:
    """A server running on a background thread (for tests and benchmarks)."""

    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        """Ask the server to exit and wait for its thread."""
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_in_thread(
    chain: DurableChain, host: str = "127.0.0.1", port: int = 0, timeout_s: float = 10.0
) -> RunningServer:
    """Start serving on a daemon thread and return once it accepts connections."""
    sock = bind_socket(host, port)
    server = _server(chain)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="aeo-rpc", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("JSON-RPC server failed to start")
        time.sleep(0.01)
    bound_host, bound_port = sock.getsockname()[:2]
    return RunningServer(f"http://{bound_host}:{bound_port}", server, thread)
