""":class:`Stopping`: set once the server begins to shut down, so long-lived responses end.

An open Server-Sent Events stream never finishes by itself, and uvicorn waits for every open
connection before it stops ("Waiting for connections to close"): Ctrl-C of a server with a
connected SSE client used to hang. :func:`api.server.serve` sets the runtime's ``stopping`` the
moment a shutdown signal arrives; every stream checks it between polls and ends.
"""

from __future__ import annotations

import threading
import time

import anyio

#: Longest a waiting stream sleeps before it looks at the flag again.
CHECK_SECONDS = 0.1


class Stopping:
    """A shutdown flag that async code can wait on for a bounded time (set from a signal handler)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        """The server is shutting down (idempotent; safe from a signal handler or another thread)."""
        self._event.set()

    def is_set(self) -> bool:
        """Whether the server is shutting down."""
        return self._event.is_set()

    async def sleep(self, seconds: float) -> bool:
        """Sleep ``seconds``, waking early when the server starts shutting down; returns :meth:`is_set`."""
        deadline = time.monotonic() + seconds
        while not self._event.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            await anyio.sleep(min(remaining, CHECK_SECONDS))
        return self._event.is_set()
