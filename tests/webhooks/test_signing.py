"""Standard Webhooks signatures: the specification's test vector, verification, tampering, rotation."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from ledger_client.webhooks.errors import InvalidWebhookSecretError, WebhookVerificationError
from ledger_client.webhooks.signing import check_secret, new_secret, sign, signature_headers, verify

# The test vector of the Standard Webhooks specification's reference libraries.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_signature_matches_the_specification_vector() -> None:
    assert sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE


def test_signed_headers_verify_and_return_the_body() -> None:
    secret = new_secret()
    body = b'{"type":"certificate.suspended","data":{}}'
    headers = signature_headers("ce_ab_2", int(time.time()), body, [secret])
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert headers["webhook-signature"].startswith("v1,")
    assert verify(body, headers, [secret]) == {"type": "certificate.suspended", "data": {}}


@pytest.mark.parametrize(
    "tamper",
    [
        lambda body, headers: (body.replace(b"suspended", b"reinstated"), headers),
        lambda body, headers: (body, {**headers, "webhook-id": "ce_ab_3"}),
        lambda body, headers: (body, {**headers, "webhook-timestamp": str(int(headers["webhook-timestamp"]) + 1)}),
    ],
    ids=["body", "id", "timestamp"],
)
def test_tampering_fails_verification(tamper: Callable[[bytes, dict[str, str]], tuple[bytes, dict[str, str]]]) -> None:
    secret = new_secret()
    body = b'{"type":"certificate.suspended"}'
    headers = signature_headers("ce_ab_2", int(time.time()), body, [secret])
    changed_body, changed_headers = tamper(body, headers)
    with pytest.raises(WebhookVerificationError):
        verify(changed_body, changed_headers, [secret])


def test_wrong_secret_and_stale_timestamp_fail() -> None:
    secret, other = new_secret(), new_secret()
    body = b"{}"
    with pytest.raises(WebhookVerificationError):
        verify(body, signature_headers("x", int(time.time()), body, [secret]), [other])
    with pytest.raises(WebhookVerificationError):
        verify(body, signature_headers("x", int(time.time()) - 3600, body, [secret]), [secret])


def test_two_signatures_during_rotation_verify_with_either_secret() -> None:
    new, old = new_secret(), new_secret()
    body = b'{"a":1}'
    headers = signature_headers("x", int(time.time()), body, [new, old])
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert verify(body, headers, [old]) == {"a": 1}
    assert verify(body, headers, [new]) == {"a": 1}


@pytest.mark.parametrize("bad", ["secret", "whsec_", "whsec_!!!!", "whsec_" + "QUFB" * 4])
def test_malformed_secrets_are_refused(bad: str) -> None:
    with pytest.raises(InvalidWebhookSecretError):
        check_secret(bad)


def test_new_secrets_are_valid_and_distinct() -> None:
    first, second = new_secret(), new_secret()
    assert check_secret(first) == first
    assert first != second
