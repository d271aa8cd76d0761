"""Exchange keys (``publishExchangeKey``, ``exchangeKey``) and the operator's consent (flag bit 1).

Every revert path with its arguments, every event, the rotation counter, and consent's effect on
the recognition view and on amendments' events. (The access-control matrix covers who may publish.)
"""

from __future__ import annotations

import pytest

from ledger_client import hashing
from ledger_client.models import FLAG_CONSENT_WITHHELD, FLAG_SME
from tests.contracts.helpers import DOC2, T0, Deployment, Terms, code

KEY1 = bytes(range(1, 33))
KEY2 = bytes(range(101, 133))
URL = "https://aeo.aduana.example.cr"


def test_no_key_published_reads_version_zero(d: Deployment) -> None:
    assert d.functions.exchangeKey(code("PE")).call() == [b"\0" * 32, "", 0]


def test_publish_then_rotate(d: Deployment) -> None:
    cr = d.signer("CR")
    receipt = d.send(d.functions.publishExchangeKey(KEY1, URL), cr)
    d.assert_events(receipt, d.event("ExchangeKeyPublished", code="CR", publicKey=KEY1, gatewayUrl=URL, version=1))
    assert d.functions.exchangeKey(code("CR")).call() == [KEY1, URL, 1]
    assert d.functions.publishExchangeKey(KEY2, URL + "/v2").call({"from": cr}) == 2
    receipt = d.send(d.functions.publishExchangeKey(KEY2, URL + "/v2"), cr)
    d.assert_events(
        receipt, d.event("ExchangeKeyPublished", code="CR", publicKey=KEY2, gatewayUrl=URL + "/v2", version=2)
    )
    assert d.functions.exchangeKey(code("CR")).call() == [KEY2, URL + "/v2", 2]
    assert d.functions.exchangeKey(code("PE")).call()[2] == 0  # another administration's is untouched


def test_a_shorter_url_replaces_a_long_one_entirely(d: Deployment) -> None:
    cr = d.signer("CR")
    d.send(d.functions.publishExchangeKey(KEY1, "https://" + "a" * 248), cr)
    d.send(d.functions.publishExchangeKey(KEY1, "http://b"), cr)
    assert d.functions.exchangeKey(code("CR")).call() == [KEY1, "http://b", 2]


def test_zero_key_is_refused(d: Deployment) -> None:
    d.expect_revert(d.functions.publishExchangeKey(b"\0" * 32, URL), d.signer("CR"), "ZeroExchangeKey", "CR", send=True)


@pytest.mark.parametrize("length", [0, 257, 1000])
def test_url_empty_or_too_long_is_refused(d: Deployment, length: int) -> None:
    url = ("https://" + "x" * length)[:length]
    d.expect_revert(
        d.functions.publishExchangeKey(KEY1, url), d.signer("CR"), "InvalidGatewayUrl", "CR", length, 256, send=True
    )
    assert d.functions.exchangeKey(code("CR")).call()[2] == 0


def test_a_256_byte_url_is_accepted(d: Deployment) -> None:
    url = "https://" + "x" * 248
    d.send(d.functions.publishExchangeKey(KEY1, url), d.signer("CR"))
    assert d.functions.exchangeKey(code("CR")).call() == [KEY1, url, 1]


def test_a_frozen_administration_cannot_publish(d: Deployment) -> None:
    d.send(d.functions.freezeAdministration(code("CR")), d.governance)
    d.expect_revert(
        d.functions.publishExchangeKey(KEY1, URL), d.signer("CR"), "AdministrationIsFrozen", "CR", send=True
    )


def test_a_stranger_cannot_publish(d: Deployment) -> None:
    d.expect_revert(d.functions.publishExchangeKey(KEY1, URL), d.stranger, "NotASigner", d.stranger, send=True)


# --- consent ---------------------------------------------------------------------------------


def _mra(d: Deployment) -> int:
    return d.propose("CR", ["CR", "PE"], accept=True)


def test_consent_withheld_at_issue_means_no_recognition(d: Deployment) -> None:
    mra = _mra(d)
    given = d.issue("CR", "CR-GIVEN")
    withheld = d.issue("CR", "CR-WITHHELD", Terms(flags=FLAG_CONSENT_WITHHELD | FLAG_SME))
    assert d.functions.recognition(given, code("PE")).call()[0] is True
    assert d.functions.recognition(given, code("PE")).call()[2] == mra
    assert d.functions.recognition(withheld, code("PE")).call() == [False, 0, 0]
    assert d.functions.certificate(withheld).call()[3] == FLAG_CONSENT_WITHHELD | FLAG_SME


def _amend(d: Deployment, cert_id: bytes, flags: int) -> list[tuple[str, dict[str, object]]]:
    t = Terms()
    fn = d.functions.amend(cert_id, t.programmes, t.roles, flags, t.valid_from, t.valid_until, DOC2, 4)
    return d.events(d.send(fn, d.signer("CR")))


def test_withdrawing_and_giving_consent_emit_their_own_event(d: Deployment) -> None:
    _mra(d)
    cert_id = d.issue("CR", "CR-1")
    events = _amend(d, cert_id, FLAG_CONSENT_WITHHELD)
    assert [name for name, _ in events] == ["CertificateAmended", "CertificateConsentChanged"]
    assert events[1] == d.event("CertificateConsentChanged", id=cert_id, issuer="CR", sequence=2, consent=False)
    assert d.functions.recognition(cert_id, code("PE")).call() == [False, 0, 0]
    events = _amend(d, cert_id, 0)
    assert events[1] == d.event("CertificateConsentChanged", id=cert_id, issuer="CR", sequence=3, consent=True)
    assert d.functions.recognition(cert_id, code("PE")).call()[0] is True


def test_an_amendment_that_keeps_consent_emits_no_consent_event(d: Deployment) -> None:
    cert_id = d.issue("CR", "CR-1")
    assert [name for name, _ in _amend(d, cert_id, FLAG_SME)] == ["CertificateAmended"]
    withheld = d.issue("CR", "CR-2", Terms(flags=FLAG_CONSENT_WITHHELD))
    assert [name for name, _ in _amend(d, withheld, FLAG_CONSENT_WITHHELD | FLAG_SME)] == ["CertificateAmended"]


def test_renewal_keeps_the_consent_bit(d: Deployment) -> None:
    cert_id = d.issue("CR", "CR-1", Terms(flags=FLAG_CONSENT_WITHHELD))
    d.send(d.functions.renew(cert_id, T0, 0, DOC2), d.signer("CR"))
    assert d.functions.certificate(cert_id).call()[3] == FLAG_CONSENT_WITHHELD


def test_the_consent_bit_is_part_of_the_history_head(d: Deployment) -> None:
    a = d.issue("CR", "CR-A")
    b = d.issue("CR", "CR-B", Terms(flags=FLAG_CONSENT_WITHHELD))
    # Same issuer, same terms but the flag: different heads (the state word is hashed).
    assert hashing.certificate_id("CR", "CR-A") == a
    assert d.functions.historyHead(a).call()[1] != d.functions.historyHead(b).call()[1]


def test_the_constants(d: Deployment) -> None:
    assert d.functions.FLAG_CONSENT_WITHHELD().call() == FLAG_CONSENT_WITHHELD
    assert d.functions.MAX_GATEWAY_URL_LENGTH().call() == 256
