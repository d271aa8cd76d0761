"""Server-side console sessions: a random id in an HttpOnly, SameSite=Strict cookie, everything
else (the principal, the CSRF token, flash messages) in this process's memory.

A session starts anonymous (the sign-in form needs a CSRF token too); signing in replaces it by
a new one (no session fixation). The API token itself is kept here, server-side only, so that a
revoked token ends its sessions at the next request. Sessions end at sign-out, after
``idle_seconds`` without a request, or ``max_seconds`` after sign-in.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

COOKIE = "aeo_console"
#: Sessions kept at most (the oldest are dropped first): bounds the memory an anonymous flood takes.
MAX_SESSIONS = 10_000


@dataclass
class Session:
    """One browser's session."""

    id: str
    csrf: str
    created: float
    last_seen: float
    secret: str | None = None  # the API token, never sent back to the browser
    flashes: list[tuple[str, str]] = field(default_factory=list)

    def check_csrf(self, candidate: str | None) -> bool:
        """Whether ``candidate`` is this session's CSRF token (constant-time)."""
        return candidate is not None and hmac.compare_digest(candidate.encode(), self.csrf.encode())

    def flash(self, kind: str, message: str) -> None:
        """A message shown on the next page (``kind``: ``ok`` or ``error``)."""
        self.flashes.append((kind, message))

    def take_flashes(self) -> list[tuple[str, str]]:
        """The pending messages, once."""
        taken, self.flashes = self.flashes, []
        return taken


class SessionStore:
    """Sessions in memory (thread-safe)."""

    def __init__(self, *, idle_seconds: float, max_seconds: float) -> None:
        self.idle_seconds = idle_seconds
        self.max_seconds = max_seconds
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}

    def new(self, secret: str | None = None) -> Session:
        """A new session (anonymous unless ``secret`` is given)."""
        now = time.monotonic()
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), now, now, secret)
        with self._lock:
            self._sessions[session.id] = session
            if len(self._sessions) > MAX_SESSIONS:
                self._expire(now)
                while len(self._sessions) > MAX_SESSIONS:
                    self._sessions.pop(next(iter(self._sessions)))
        return session

    def get(self, session_id: str | None) -> Session | None:
        """The live session with this id, or None (expired ones are dropped)."""
        if not session_id:
            return None
        now = time.monotonic()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if now - session.last_seen > self.idle_seconds or now - session.created > self.max_seconds:
                del self._sessions[session_id]
                return None
            session.last_seen = now
            return session

    def end(self, session_id: str) -> None:
        """Sign out: forget the session."""
        with self._lock:
            self._sessions.pop(session_id, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)

    def _expire(self, now: float) -> None:
        for key, session in list(self._sessions.items()):
            if now - session.last_seen > self.idle_seconds or now - session.created > self.max_seconds:
                del self._sessions[key]
