"""The durable outbox: idempotent enqueueing, restart, attempts and retries, pause, rotation, replay."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ledger_client.webhooks import Attempt, DeliveryStatus, Message, Outbox, RetryPolicy, new_secret
from ledger_client.webhooks.errors import (
    WebhookDeliveryNotFoundError,
    WebhookEndpointNotFoundError,
    WebhookEventNotFoundError,
)

POLICY = RetryPolicy(max_attempts=2, base_seconds=0.01, max_seconds=0.02)


def messages(*numbers: int, kind: str = "certificate.suspended") -> list[Message]:
    return [Message(f"ce_{n:04x}_1", kind, n << 20, 1_700_000_000 + n, f'{{"n":{n}}}'.encode()) for n in numbers]


def fail(delivery_id: int, code: int | None = 500) -> Attempt:
    return Attempt(delivery_id, time.time(), code, 3.0, None if code and code < 300 else "HTTP 500")


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    return Outbox(tmp_path / "webhooks.sqlite")


def test_enqueue_is_idempotent_by_event_id_and_moves_the_cursor(outbox: Outbox) -> None:
    endpoint = outbox.create_endpoint("PE", "http://127.0.0.1:9/hooks", new_secret(), cursor_pos=-1)
    assert outbox.enqueue(endpoint, messages(1, 2, 3), cursor_pos=3 << 20) == 3
    assert outbox.enqueue(endpoint, messages(2, 3), cursor_pos=3 << 20) == 0
    assert outbox.endpoint(endpoint.id).cursor_pos == 3 << 20
    assert [d.message_id for d in outbox.deliveries(endpoint.id)] == [m.id for m in messages(1, 2, 3)]
    assert outbox.stats(endpoint.id).pending == 3


def test_event_type_filter(outbox: Outbox) -> None:
    endpoint = outbox.create_endpoint(
        "CR", "http://127.0.0.1:9/hooks", new_secret(), cursor_pos=-1, event_types=["acknowledgement.recorded"]
    )
    added = outbox.enqueue(endpoint, [*messages(1), *messages(2, kind="acknowledgement.recorded")], 2 << 20)
    assert added == 1
    assert [d.message_type for d in outbox.deliveries(endpoint.id)] == ["acknowledgement.recorded"]


def test_outbox_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "webhooks.sqlite"
    first = Outbox(path)
    endpoint = first.create_endpoint("PE", "http://127.0.0.1:9/hooks", new_secret(), cursor_pos=-1)
    first.enqueue(endpoint, messages(1, 2), cursor_pos=2 << 20)
    [one, _] = first.due(time.time(), 10)
    first.record_attempt(fail(one.id, 200), POLICY)
    first.close()

    again = Outbox(path)
    assert again.endpoint(endpoint.id).cursor_pos == 2 << 20
    due = again.due(time.time(), 10)
    assert [d.message_id for d in due] == [messages(2)[0].id]
    assert due[0].body == b'{"n":2}'
    assert again.stats(endpoint.id).delivered == 1
    assert again.enqueue(again.endpoint(endpoint.id), messages(1, 2), 2 << 20) == 0


def test_attempts_retry_then_fail_and_a_replay_starts_over(outbox: Outbox) -> None:
    endpoint = outbox.create_endpoint("PE", "http://127.0.0.1:9/hooks", new_secret(), cursor_pos=-1)
    outbox.enqueue(endpoint, messages(1), 1 << 20)
    [due] = outbox.due(time.time(), 10)
    assert outbox.record_attempt(fail(due.id), POLICY) is DeliveryStatus.PENDING
    delivery = outbox.delivery(due.id)
    assert delivery.attempts == 1
    assert delivery.next_attempt_at is not None
    assert delivery.next_attempt_at > delivery.updated_at
    assert outbox.record_attempt(fail(due.id, None), POLICY) is DeliveryStatus.FAILED
    assert outbox.due(time.time() + 60, 10) == []
    assert outbox.stats(endpoint.id).failed == 1
    assert [a.status_code for a in outbox.attempts(due.id)] == [500, None]

    replayed = outbox.replay_delivery(due.id, "PE")
    assert (replayed.status, replayed.attempts) == (DeliveryStatus.PENDING, 0)
    assert outbox.record_attempt(fail(due.id, 204), POLICY) is DeliveryStatus.DELIVERED
    assert len(outbox.attempts(due.id)) == 3  # the log keeps every attempt
    with pytest.raises(WebhookDeliveryNotFoundError):
        outbox.replay_delivery(due.id, "CR")


def test_paused_endpoints_get_nothing_due(outbox: Outbox) -> None:
    endpoint = outbox.create_endpoint("PE", "http://127.0.0.1:9/hooks", new_secret(), cursor_pos=-1)
    outbox.set_paused(endpoint.id, "PE", True)
    outbox.enqueue(outbox.endpoint(endpoint.id), messages(1, 2), 2 << 20)
    assert outbox.due(time.time(), 10) == []
    assert outbox.next_due_at() is None
    assert outbox.stats(endpoint.id).pending == 2
    outbox.set_paused(endpoint.id, "PE", False)
    assert len(outbox.due(time.time(), 10)) == 2


def test_rotation_signs_with_both_secrets_during_the_grace_period(outbox: Outbox) -> None:
    old, new = new_secret(), new_secret()
    endpoint = outbox.create_endpoint("PE", "http://127.0.0.1:9/hooks", old, cursor_pos=-1)
    rotated = outbox.rotate_secret(endpoint.id, "PE", new, grace_seconds=60)
    now = time.time()
    assert rotated.signing_secrets(now) == [new, old]
    assert rotated.signing_secrets(now + 61) == [new]
    outbox.enqueue(rotated, messages(1), 1 << 20)
    assert outbox.due(time.time(), 1)[0].secrets == (new, old)
    expired = outbox.rotate_secret(endpoint.id, "PE", new_secret(), grace_seconds=0)
    assert len(expired.signing_secrets(time.time())) == 1


def test_requeue_queues_delivered_events_again(outbox: Outbox) -> None:
    endpoint = outbox.create_endpoint("PE", "http://127.0.0.1:9/hooks", new_secret(), cursor_pos=-1)
    outbox.enqueue(endpoint, messages(1, 2), 2 << 20)
    for due in outbox.due(time.time(), 10):
        outbox.record_attempt(fail(due.id, 200), POLICY)
    assert outbox.due(time.time(), 10) == []
    assert outbox.requeue(endpoint, messages(2, 3)) == [m.id for m in messages(2, 3)]
    assert sorted(d.message_id for d in outbox.due(time.time(), 10)) == sorted(m.id for m in messages(2, 3))
    assert outbox.message("PE", messages(3)[0].id).pos == 3 << 20


def test_endpoints_belong_to_their_administration(outbox: Outbox) -> None:
    endpoint = outbox.create_endpoint("PE", "http://127.0.0.1:9/hooks", new_secret(), cursor_pos=-1)
    with pytest.raises(WebhookEndpointNotFoundError):
        outbox.endpoint(endpoint.id, "CR")
    with pytest.raises(WebhookEventNotFoundError):
        outbox.message("CR", "ce_0001_1")
    assert outbox.endpoints("CR") == []
    outbox.delete_endpoint(endpoint.id, "PE")
    assert outbox.endpoints() == []


def test_a_reorg_moves_cursors_back(outbox: Outbox) -> None:
    endpoint = outbox.create_endpoint("PE", "http://127.0.0.1:9/hooks", new_secret(), cursor_pos=(10 << 20) - 1)
    assert outbox.clamp_cursors((6 << 20) - 1) == 1
    assert outbox.endpoint(endpoint.id).cursor_pos == (6 << 20) - 1
    assert outbox.clamp_cursors((8 << 20) - 1) == 0


def test_purge_forgets_old_deliveries_but_keeps_pending_and_failed(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "webhooks.sqlite")
    endpoint = outbox.create_endpoint("PE", "http://127.0.0.1:9/hooks", new_secret(), cursor_pos=-1)
    outbox.enqueue(endpoint, messages(1, 2, 3), 3 << 20)
    one, two, _ = outbox.due(time.time(), 10)
    outbox.record_attempt(fail(one.id, 200), POLICY)
    for _ in range(POLICY.max_attempts):
        outbox.record_attempt(fail(two.id), POLICY)
    assert outbox.purge(3600) == 0  # nothing is old yet
    outbox.close()
    reopened = Outbox(tmp_path / "webhooks.sqlite", retention_seconds=0)  # opening purges
    assert [d.status for d in reopened.deliveries(endpoint.id)] == [DeliveryStatus.FAILED, DeliveryStatus.PENDING]
    assert reopened.attempts(one.id) == []
    assert len(reopened.attempts(two.id)) == POLICY.max_attempts
    with pytest.raises(WebhookEventNotFoundError):
        reopened.message("PE", messages(1)[0].id)
    assert reopened.message("PE", messages(2)[0].id).pos == 2 << 20


def test_a_busy_endpoint_cannot_take_every_slot(outbox: Outbox) -> None:
    slow = outbox.create_endpoint("PE", "http://127.0.0.1:9/slow", new_secret(), cursor_pos=-1)
    outbox.enqueue(slow, messages(1, 2, 3, 4, 5), 5 << 20)
    time.sleep(0.01)  # the healthy endpoint's delivery is queued later: without the cap it comes last
    healthy = outbox.create_endpoint("PE", "http://127.0.0.1:9/ok", new_secret(), cursor_pos=-1)
    outbox.enqueue(healthy, messages(6), 6 << 20)
    now = time.time()
    assert {d.endpoint_id for d in outbox.due(now, 3)} == {slow.id}
    capped = outbox.due(now, 3, per_endpoint=2)
    assert sorted(d.endpoint_id for d in capped) == sorted([slow.id, slow.id, healthy.id])
    running = [d.id for d in capped if d.endpoint_id == slow.id]
    again = outbox.due(now, 3, running, per_endpoint=2, in_flight={slow.id: 2})
    assert [d.endpoint_id for d in again] == [healthy.id]
    healthy_due = again[0]
    assert outbox.next_due_at(running, [slow.id]) == pytest.approx(outbox.delivery(healthy_due.id).next_attempt_at)
