"""Index → outbox: what each administration is sent, in chain order, idempotently; reorgs; replay."""

from __future__ import annotations

import json
from pathlib import Path

from ledger_client.index import Index
from ledger_client.webhooks import Feeder, Outbox, WebhookEvent, new_secret
from ledger_client.webhooks.events import first_pos_at, tail_pos
from tests.support.harness_chain import Chain


def render(administration: str, event: WebhookEvent) -> bytes:
    return json.dumps({"to": administration, "id": event.id, "type": event.type}).encode()


def queued(outbox: Outbox, endpoint_id: str) -> list[str]:
    return [d.message_id for d in outbox.deliveries(endpoint_id, limit=1000)]


def ce(cid: bytes, sequence: int) -> str:
    return f"ce_{cid.hex()}_{sequence}"


def test_partner_events_and_acknowledgements_in_chain_order(fresh: Chain, index: Index, tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "webhooks.sqlite")
    feeder = Feeder(index, outbox, render, batch=2)  # small pages: the cursor is exercised
    index.sync()
    pe = outbox.create_endpoint("PE", "http://127.0.0.1:9/pe", new_secret(), tail_pos(index))
    cr = outbox.create_endpoint("CR", "http://127.0.0.1:9/cr", new_secret(), tail_pos(index))
    mx = outbox.create_endpoint("MX", "http://127.0.0.1:9/mx", new_secret(), tail_pos(index))
    fresh.mra(["CR", "PE"])
    cr_cert = fresh.issue("CR", "CR-FEED-1")
    fresh.tx("CR", "suspend", cr_cert, 1)
    fresh.tx("PE", "acknowledge", cr_cert, 2)
    pe_cert = fresh.issue("PE", "PE-FEED-1")
    index.sync()

    assert feeder.scan() is False
    assert queued(outbox, pe.id) == [ce(cr_cert, 1), ce(cr_cert, 2)]
    assert queued(outbox, cr.id) == [f"ack_{cr_cert.hex()}_2_PE", ce(pe_cert, 1)]
    assert queued(outbox, mx.id) == []  # no MRA
    body = json.loads(outbox.message("CR", f"ack_{cr_cert.hex()}_2_PE").body)
    assert body == {"to": "CR", "id": f"ack_{cr_cert.hex()}_2_PE", "type": "acknowledgement.recorded"}
    assert outbox.message("PE", ce(cr_cert, 2)).type == "certificate.suspended"

    feeder.scan()  # nothing new: nothing queued twice
    assert len(queued(outbox, pe.id)) == 2
    fresh.tx("CR", "reinstate", cr_cert, 0)
    index.sync()
    feeder.scan()
    assert queued(outbox, pe.id)[-1] == ce(cr_cert, 3)

    ids, truncated = feeder.replay(outbox.endpoint(pe.id), outbox.message("PE", ce(cr_cert, 2)).pos, 10)
    assert (ids, truncated) == ([ce(cr_cert, 2), ce(cr_cert, 3)], False)
    start = first_pos_at(index, 0)
    assert start is not None
    assert feeder.replay(outbox.endpoint(pe.id), start, 2) == ([ce(cr_cert, 1), ce(cr_cert, 2)], True)


def test_a_reorg_below_the_cursor_queues_the_new_branch(fresh: Chain, index: Index, tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "webhooks.sqlite")
    fresh.mra(["CR", "PE"])
    index.sync()
    feeder = Feeder(index, outbox, render)
    index.add_listener(feeder.note_block)
    pe = outbox.create_endpoint("PE", "http://127.0.0.1:9/pe", new_secret(), tail_pos(index))
    fork = fresh.tester.take_snapshot()
    dropped = fresh.issue("CR", "CR-DROPPED")
    index.sync()
    feeder.scan()
    assert queued(outbox, pe.id) == [ce(dropped, 1)]

    fresh.tester.revert_to_snapshot(fork)
    kept = fresh.issue("CR", "CR-KEPT")
    fresh.tester.mine_blocks(3)
    assert index.sync().reorgs == 1
    feeder.scan()
    assert queued(outbox, pe.id) == [ce(dropped, 1), ce(kept, 1)]
    index.remove_listener(feeder.note_block)
