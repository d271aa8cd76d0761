""":class:`IndexWakeup`: long-lived responses wake the moment the index advances, instead of polling.

The runtime adds :meth:`IndexWakeup.index_moved` as a listener of its index (it runs in the follower's
thread); a Server-Sent Events stream that found nothing new waits in :meth:`IndexWakeup.wait` until
the index moves, its poll interval passes (a bound, not the pace) or the server starts shutting down.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

from api.stopping import CHECK_SECONDS, Stopping


class IndexWakeup:
    """A generation counter of the index's moves that async code can wait on (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation = 0
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    @property
    def generation(self) -> int:
        """How many times the index moved so far (read it before querying the index)."""
        return self._generation

    def index_moved(self, _block: int) -> None:
        """An index listener: wake every waiter (quick, never blocks the follower)."""
        with self._lock:
            self._generation += 1
            waiters = tuple(self._waiters)
        for loop, event in waiters:
            with contextlib.suppress(RuntimeError):  # that loop is closing
                loop.call_soon_threadsafe(event.set)

    async def wait(self, seen: int, seconds: float, stopping: Stopping) -> None:
        """Return once the generation differs from ``seen``, after ``seconds``, or when ``stopping`` is set."""
        deadline = time.monotonic() + seconds
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            if self._generation != seen:
                return
            self._waiters.add(entry)
        try:
            while not stopping.is_set() and not entry[1].is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(entry[1].wait(), min(remaining, CHECK_SECONDS))
        finally:
            with self._lock:
                self._waiters.discard(entry)
