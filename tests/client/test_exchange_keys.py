"""``Ledger.administrations.publish_exchange_key`` / ``exchange_key``: validation, rotation, named reverts."""

from __future__ import annotations

import re

import pytest

from ledger_client.errors import AdministrationIsFrozen, InvalidExchangeKeyError, NotASigner
from ledger_client.ledger import Ledger
from ledger_client.models import ExchangeKey
from ledger_client.signers import Signer

KEY = bytes(range(1, 33))


def test_publish_read_and_rotate(cr: Ledger) -> None:
    assert cr.administrations.exchange_key("CR") is None
    first = cr.administrations.publish_exchange_key(KEY, "https://aeo.aduana.example.cr")
    assert (first.code, first.version) == ("CR", 1)
    assert cr.administrations.exchange_key("CR") == ExchangeKey("CR", KEY, "https://aeo.aduana.example.cr", 1)
    second = cr.administrations.publish_exchange_key("0x" + "ab" * 32, "http://10.0.0.5:8080")
    assert second.version == 2
    assert cr.administrations.exchange_key("CR") == ExchangeKey("CR", b"\xab" * 32, "http://10.0.0.5:8080", 2)


@pytest.mark.parametrize(
    ("key", "url", "message"),
    [
        (b"\0" * 32, "https://gw.example", "is zero"),
        (b"\1" * 31, "https://gw.example", "has 31 bytes"),
        ("0xzz", "https://gw.example", "not hex"),
        (KEY, "", "0 bytes"),
        (KEY, "https://" + "x" * 249, "257 bytes"),
        (KEY, "ftp://gw.example", "not an http(s) URL"),
        (KEY, "https:///path", "not an http(s) URL"),
        (KEY, "https://gw example", "not an http(s) URL"),
        (KEY, "https://gw\u0085x", "not an http(s) URL"),
    ],
)
def test_bad_input_is_refused_before_sending(cr: Ledger, key: bytes | str, url: str, message: str) -> None:
    with pytest.raises(InvalidExchangeKeyError, match=re.escape(message)):
        cr.administrations.publish_exchange_key(key, url)


def test_reverts_are_named(ledger: Ledger, cr: Ledger, signers: list[Signer]) -> None:
    with pytest.raises(NotASigner):
        ledger.with_signer(signers[9]).administrations.publish_exchange_key(KEY, "https://gw.example")
    ledger.administrations.freeze("CR")
    with pytest.raises(AdministrationIsFrozen) as info:
        cr.administrations.publish_exchange_key(KEY, "https://gw.example")
    assert info.value.inputs == {"code": "CR"}
