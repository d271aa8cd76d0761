"""The index's signer history: every span during which a key was a signer, by block time."""

from __future__ import annotations

from ledger_client.signers import Signer
from tests.api.conftest import Env


def test_a_key_added_removed_and_added_again_has_two_spans(own: Env) -> None:
    cr = own.runtime.ledger.with_signer(own.runtime.signers.signer_for("CR"))
    key = Signer.create()
    first = cr.administrations.add_signer(key.address)
    removed = cr.administrations.remove_signer(key.address)
    again = cr.administrations.add_signer(key.address)
    own.runtime.await_block(again.block_number)
    periods = own.runtime.index.reader.signer_periods("CR", key.address.lower())  # any case
    assert [(p.added_block, p.removed_block) for p in periods] == [
        (first.block_number, removed.block_number),
        (again.block_number, None),
    ]
    before, after = periods
    assert before.removed_time is not None
    assert before.covers(before.added_time)
    assert not before.covers(before.removed_time)  # removed in that block: no longer a signer then
    assert after.covers(after.added_time + 10**6)  # still a signer
    assert not any(p.covers(before.added_time - 1) for p in periods)
    assert own.runtime.index.reader.signer_periods("PE", key.address) == []
    registered = own.runtime.index.reader.signer_periods("CR", own.runtime.signers.signer_for("CR").address)
    assert len(registered) == 1
    assert registered[0].removed_time is None  # registration counts as the first addition
