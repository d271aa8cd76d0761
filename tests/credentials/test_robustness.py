"""Whatever is presented, verification answers a verdict (INVALID with a reason), never an error:
random text, and credentials of any content signed by a key of their own."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ledger_client.credentials import Verdict, verify_credential
from ledger_client.credentials.disclosure import parse
from ledger_client.credentials.keys import public_jwk
from ledger_client.importer.store import DocumentStore
from ledger_client.signers import Signer
from tests.api.conftest import Env, issue_body
from tests.credentials.conftest import Issued, credential_of, make_document

SIGNER = Signer.create()
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3),
    max_leaves=12,
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def self_signed(payload: Any, disclosures: list[Any]) -> str:
    """A JWS of ``payload`` with the header these credentials use, signed by a key of its own."""
    header = {"alg": "ES256K", "typ": "vc+sd-jwt", "jwk": public_jwk(SIGNER.public_key())}
    signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(payload).encode())
    signature = SIGNER.sign_digest(hashlib.sha256(signing_input.encode()).digest())
    parts = [signing_input + "." + _b64(signature), *(_b64(json.dumps(d).encode()) for d in disclosures), ""]
    return "~".join(parts)


def _check(own: Env, text: str) -> None:
    deployment = own.runtime.ledger.deployment
    found = verify_credential(text, own.runtime.index, chain_id=deployment.chain_id, ledger_address=deployment.address)
    assert found.verdict is Verdict.INVALID
    assert found.problems


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.text(max_size=200))
def test_any_text_is_an_invalid_credential(own: Env, text: str) -> None:
    _check(own, text)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    event=st.integers(min_value=-(2**70), max_value=2**70),
    iat=st.integers(min_value=-(2**70), max_value=2**70),
    programmes=JSON,
    subject_extra=JSON,
    disclosures=st.lists(JSON, max_size=2),
)
def test_self_signed_credentials_of_any_content_are_invalid(
    own: Env, event: int, iat: int, programmes: Any, subject_extra: Any, disclosures: list[Any]
) -> None:
    certificate_id = "0x4352" + "ab" * 30
    payload = {
        "iss": "urn:aeo-ledger:administration:CR",
        "iat": iat,
        "vct": "urn:aeo-ledger:credential:aeo-certificate:1",
        "type": ["VerifiableCredential", "AeoCertificateCredential"],
        "issuer": {"id": "urn:aeo-ledger:administration:CR"},
        "credentialSubject": {
            "certificate": {"id": certificate_id, "programmes": programmes, "roles": []},
            "x": subject_extra,
        },
        "credentialStatus": {
            "chainId": own.runtime.ledger.deployment.chain_id,
            "ledger": own.runtime.ledger.deployment.address,
            "certificateId": certificate_id,
            "event": event,
        },
    }
    _check(own, self_signed(payload, disclosures))


@pytest.fixture(scope="module")
def genuine(own: Env) -> str:
    """A genuine credential (its payload is re-signed below with a key of the forger's own)."""
    doc = make_document()
    body = issue_body(doc.certificate_number, programmes=doc.programmes, roles=doc.roles, sme=doc.sme)
    body["document_hash"] = "0x" + doc.document_hash().hex()
    response = own.post("/v1/certificates", "cr_writer", body)
    assert response.status_code == 201, response.text
    DocumentStore(own.runtime.settings.state_directory()).write_document(doc)
    return credential_of(own, Issued(response.json()["certificate"]["id"], doc))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(iat=st.integers(min_value=-(2**70), max_value=2**70), event=st.integers(min_value=-(2**40), max_value=2**40))
@example(iat=2**70, event=1)
@example(iat=2**31, event=1)
def test_a_genuine_payload_re_signed_by_another_key_is_invalid(own: Env, genuine: str, iat: int, event: int) -> None:
    parts = parse(genuine)
    payload = dict(parts.payload, iat=iat)
    payload["credentialStatus"] = dict(payload["credentialStatus"], event=event)
    _check(own, self_signed(payload, [json.loads(base64.urlsafe_b64decode(d.text + "==")) for d in parts.disclosures]))
