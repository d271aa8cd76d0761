"""A gateway backup carries the exchange's stores, and its X25519 keys only with the passwords."""

from __future__ import annotations

from pathlib import Path

from api.backup import backup, restore
from api.config import ApiSettings
from ledger_client.exchange import EnvelopeInbox, EnvelopeOutbox, KeyRing


def test_the_exchange_state_is_backed_up_and_its_keys_on_request(tmp_path: Path) -> None:
    state = tmp_path / "state"
    settings = ApiSettings(state_dir=state, administration="PE")
    public = KeyRing(state).ensure()
    EnvelopeOutbox(settings.envelopes_file()).close()
    EnvelopeInbox(settings.received_envelopes_file()).close()
    without = backup(settings, tmp_path / "plain.tar.gz")
    assert {"envelopes.sqlite", "received-envelopes.sqlite"} <= set(without.files)
    assert not [name for name in without.files if name.startswith("exchange/")]
    backup(settings, tmp_path / "full.tar.gz", include_passwords=True)
    restored = tmp_path / "restored"
    report = restore(tmp_path / "full.tar.gz", restored)
    assert f"exchange/keys/{public.hex()}.key" in report.files
    ring = KeyRing(restored)
    assert ring.current_public_key() == public
    assert (restored / "exchange" / "keys" / f"{public.hex()}.key").stat().st_mode & 0o077 == 0
