"""Session lifetimes and CSRF checks of the console's session store."""

from __future__ import annotations

import pytest

from api.console import sessions
from api.console.sessions import SessionStore


def test_sessions_end_after_idling_and_after_their_lifetime(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(sessions.time, "monotonic", lambda: clock[0])
    store = SessionStore(idle_seconds=10, max_seconds=25)
    session = store.new("aeo_secret")
    clock[0] += 9
    assert store.get(session.id) is session
    clock[0] += 9
    assert store.get(session.id) is session  # each request restarts the idle clock
    clock[0] += 11
    assert store.get(session.id) is None
    other = store.new()
    for _ in range(2):
        clock[0] += 9
        assert store.get(other.id) is other
    clock[0] += 9  # 27 s after creation: past the 25 s lifetime although never idle for 10 s
    assert store.get(other.id) is None
    assert store.get(None) is None


def test_the_csrf_token_is_checked_and_sign_out_forgets_the_session() -> None:
    store = SessionStore(idle_seconds=60, max_seconds=60)
    session = store.new()
    assert session.check_csrf(session.csrf)
    assert not session.check_csrf(None)
    assert not session.check_csrf(session.csrf[:-1] + ("A" if session.csrf[-1] != "A" else "B"))
    assert session.csrf != store.new().csrf
    store.end(session.id)
    assert store.get(session.id) is None


def test_the_store_keeps_a_bounded_number_of_sessions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sessions, "MAX_SESSIONS", 5)
    store = SessionStore(idle_seconds=60, max_seconds=60)
    made = [store.new() for _ in range(8)]
    assert len(store) == 5
    assert store.get(made[0].id) is None
    assert store.get(made[-1].id) is made[-1]
