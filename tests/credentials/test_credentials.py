"""AEO credentials: issued by the issuer's gateway, verified by anyone against the chain."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from api.ratelimit import RateLimit
from ledger_client.credentials import Disclosable, present
from ledger_client.credentials.disclosure import parse
from ledger_client.models import ReasonCode
from ledger_client.signers import Signer
from tests.api.conftest import Env
from tests.credentials.conftest import LEGAL_NAME, STREET, TAX_ID, Issued, credential_of, signed_by, verify


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_a_genuine_credential_verifies_with_everything_disclosed(own: Env, certificate: Callable[..., Issued]) -> None:
    issued = certificate()
    response = own.post(f"/v1/certificates/{issued.certificate_id}/credential", "cr_writer")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["event"] == 1
    assert body["media_type"] == "application/vc+sd-jwt"
    assert body["signer"] == own.runtime.signers.signer_for("CR").address
    assert sorted(body["disclosable"]) == ["address", "legal_name", "trader_id"]
    parts = parse(body["credential"])
    assert parts.header["typ"] == "vc+sd-jwt"
    assert parts.header["alg"] == "ES256K"
    assert parts.payload["type"] == ["VerifiableCredential", "AeoCertificateCredential"]
    assert "legalName" not in json.dumps(parts.payload)  # only digests in the signed part
    found = verify(own, body["credential"])
    assert found["verdict"] == "VALID", found
    assert found["genuine"]
    assert found["signature_valid"]
    assert found["problems"] == []
    assert found["certificate_id"] == issued.certificate_id
    assert found["certificate_number"] == issued.document.certificate_number
    assert found["issuer"] == "CR"
    assert found["issuer_name"] == "Costa Rica"
    assert found["status"] == "ACTIVE"
    assert found["valid_now"]
    assert found["event"] == found["latest_event"] == 1
    assert found["reflects_latest_event"]
    assert found["programmes"] == ["SECURITY"]
    assert found["roles"] == ["IMPORTER", "EXPORTER"]
    assert found["valid_from"] == "2024-01-01T00:00:00Z"
    assert found["valid_until"] is None
    assert found["signer"]["signer_at_issuance"]
    assert found["signer"]["signer_now"]
    assert [(r["administration"], r["mra_id"]) for r in found["recognised_by"]] == [("PE", own.mra_id)]
    assert found["disclosed"]["legal_name"] == LEGAL_NAME
    assert found["disclosed"]["trader_id"] == TAX_ID
    assert found["disclosed"]["address"]["street"] == STREET


def test_an_altered_disclosure_fails(own: Env, certificate: Callable[..., Issued]) -> None:
    text = credential_of(own, certificate())
    jwt, *disclosures, _ = text.split("~")
    salt, claim, _value = json.loads(_unb64(disclosures[0]))
    forged = _b64(json.dumps([salt, claim, "Another Company S.A."]).encode())
    found = verify(own, "~".join([jwt, forged, *disclosures[1:], ""]))
    assert found["verdict"] == "INVALID"
    assert "not one the issuer signed" in found["problems"][0]
    assert found["disclosed"] == {}


def test_an_altered_claim_or_signature_fails(own: Env, certificate: Callable[..., Issued]) -> None:
    text = credential_of(own, certificate())
    header, payload, signature = text.split("~")[0].split(".")
    rest = text[text.index("~") :]
    claims = json.loads(_unb64(payload))
    claims["credentialSubject"]["certificate"]["programmes"] = ["SECURITY", "FISCAL"]
    altered = ".".join([header, _b64(json.dumps(claims).encode()), signature]) + rest
    found = verify(own, altered)
    assert found["verdict"] == "INVALID"
    assert not found["signature_valid"]
    assert "signature does not verify" in found["problems"][0]
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    found = verify(own, ".".join([header, payload, flipped]) + rest)
    assert found["verdict"] == "INVALID"
    assert "signature does not verify" in found["problems"][0]
    assert verify(own, "not a credential")["verdict"] == "INVALID"


def test_a_credential_signed_by_a_key_that_never_was_a_signer_fails(
    own: Env, certificate: Callable[..., Issued]
) -> None:
    forged = signed_by(own, certificate(), Signer.create())
    found = verify(own, forged.text)
    assert found["verdict"] == "INVALID"
    assert found["signature_valid"]
    assert f"the key {forged.signer} was not a signer of CR" in found["problems"][0]
    assert found["signer"] == {
        "address": forged.signer,
        "signer_at_issuance": False,
        "signer_now": False,
        "removed_at": None,
    }


def test_a_key_removed_before_issuance_makes_the_credential_fail(own: Env, certificate: Callable[..., Issued]) -> None:
    cr = own.runtime.ledger.with_signer(own.runtime.signers.signer_for("CR"))
    old = Signer.create()
    cr.administrations.add_signer(old.address)
    issued = certificate()
    cr.administrations.remove_signer(old.address)
    own.runtime.index.sync()
    found = verify(own, signed_by(own, issued, old).text)
    assert found["verdict"] == "INVALID"
    assert "was not a signer of CR when the credential was issued" in found["problems"][0]
    assert found["signer"]["removed_at"] is not None
    assert not found["signer"]["signer_now"]


def test_a_key_removed_after_issuance_leaves_the_credential_genuine(
    own: Env, certificate: Callable[..., Issued]
) -> None:
    cr = own.runtime.ledger.with_signer(own.runtime.signers.signer_for("CR"))
    rotated = Signer.create()
    cr.administrations.add_signer(rotated.address)
    issued = certificate()
    credential = signed_by(own, issued, rotated)
    removal = cr.administrations.remove_signer(rotated.address)
    own.runtime.await_block(removal.block_number)
    found = verify(own, credential.text)
    assert found["verdict"] == "VALID", found
    assert found["signer"]["signer_at_issuance"]
    assert not found["signer"]["signer_now"]
    assert found["signer"]["removed_at"] is not None


def test_suspended_and_revoked_certificates_give_genuine_but_not_active_credentials(
    own: Env, certificate: Callable[..., Issued]
) -> None:
    issued = certificate()
    text = credential_of(own, issued)
    suspended = own.post(f"/v1/certificates/{issued.certificate_id}/suspend", "cr_writer", {"reason": "NON_COMPLIANCE"})
    assert suspended.status_code == 201, suspended.text
    found = verify(own, text)
    assert found["verdict"] == "NOT_ACTIVE"
    assert found["genuine"]
    assert found["problems"] == []
    assert found["status"] == "SUSPENDED"
    assert not found["valid_now"]
    assert found["event"] == 1
    assert found["latest_event"] == 2
    assert not found["reflects_latest_event"]
    assert found["recognised_by"] == []
    # no new credential for a suspended certificate
    refused = own.post(f"/v1/certificates/{issued.certificate_id}/credential", "cr_writer")
    assert refused.status_code == 409
    assert "SUSPENDED" in refused.json()["detail"]
    revoked = own.post(f"/v1/certificates/{issued.certificate_id}/revoke", "cr_writer", {"reason": "FRAUD"})
    assert revoked.status_code == 201, revoked.text
    found = verify(own, text)
    assert found["verdict"] == "NOT_ACTIVE"
    assert found["status"] == "REVOKED"
    assert found["latest_event"] == 3


def test_an_expired_certificate_gives_a_genuine_but_not_active_credential(
    own: Env, certificate: Callable[..., Issued]
) -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    issued = certificate(valid_from=start, valid_until=start + timedelta(days=365))
    found = verify(own, credential_of(own, issued))
    assert found["verdict"] == "NOT_ACTIVE"
    assert found["genuine"]
    assert found["status"] == "EXPIRED"
    assert found["valid_until"] == "2024-12-31T00:00:00Z"
    assert found["recognised_by"] == []


def test_a_terminated_mra_takes_the_recognition_away(own: Env, certificate: Callable[..., Issued]) -> None:
    mx = own.runtime.ledger.with_signer(own.runtime.signers.signer_for("MX"))
    cl = own.runtime.ledger.with_signer(own.runtime.signers.signer_for("CL"))
    mra = mx.mras.propose(["MX", "CL"], 1, 0x1FF, 0, "0x" + "33" * 32)
    accepted = cl.mras.accept(mra.mra_id)
    own.runtime.await_block(accepted.block_number)
    text = credential_of(own, certificate("MX"))
    assert [r["administration"] for r in verify(own, text)["recognised_by"]] == ["CL"]
    terminated = cl.mras.terminate(mra.mra_id, ReasonCode.OTHER)
    own.runtime.await_block(terminated.block_number)
    found = verify(own, text)
    assert found["verdict"] == "VALID"
    assert found["recognised_by"] == []


def test_the_public_endpoint_shows_only_what_the_holder_disclosed_and_needs_no_token(
    own: Env, certificate: Callable[..., Issued]
) -> None:
    text = credential_of(own, certificate())
    shown = present(text, [Disclosable.LEGAL_NAME])
    assert len(parse(shown).disclosures) == 1
    response = own.client.post("/v1/credentials/verify", json={"credential": shown})  # no Authorization header
    assert response.status_code == 200, response.text
    assert response.json()["verdict"] == "VALID"
    assert response.json()["disclosed"] == {"legal_name": LEGAL_NAME}
    assert TAX_ID not in response.text
    assert STREET not in response.text
    bare = verify(own, present(text, []))
    assert bare["verdict"] == "VALID"
    assert bare["disclosed"] == {}
    assert LEGAL_NAME not in json.dumps(bare)


def test_issuance_is_for_the_issuers_writers_and_needs_the_document(
    own: Env, certificate: Callable[..., Issued]
) -> None:
    issued = certificate()
    path = f"/v1/certificates/{issued.certificate_id}/credential"
    assert own.client.post(path).status_code == 401
    assert own.post(path, "cr_reader").status_code == 403
    assert own.post(path, "pe_writer").status_code == 403
    mismatched = issued.document.model_copy(update={"issuing_office": "Elsewhere"})
    refused = own.post(path, "cr_writer", {"document": mismatched.model_dump(mode="json", by_alias=True)})
    assert refused.status_code == 409
    assert "does not hash" in refused.json()["detail"]
    given = own.post(path, "cr_writer", {"document": issued.document.model_dump(mode="json", by_alias=True)})
    assert given.status_code == 201, given.text
    stranger = own.post(
        "/v1/certificates",
        "cr_writer",
        issued_body := {
            "number": issued.document.certificate_number + "X",
            "programmes": ["SECURITY"],
            "roles": ["IMPORTER"],
            "sme": False,
            "valid_from": "2024-01-01T00:00:00Z",
            "valid_until": None,
            "document_hash": "0x" + "44" * 32,
        },
    )
    assert stranger.status_code == 201, (stranger.text, issued_body)
    missing = own.post(f"/v1/certificates/{stranger.json()['certificate']['id']}/credential", "cr_writer")
    assert missing.status_code == 404
    assert "keeps no document" in missing.json()["detail"]


def test_verification_is_rate_limited_per_client(own: Env, certificate: Callable[..., Issued]) -> None:
    state = own.client.app.state  # type: ignore[attr-defined]
    kept = state.credential_verify_limit
    state.credential_verify_limit = RateLimit("credential verifications", "2/minute")
    try:
        answers = [own.client.post("/v1/credentials/verify", json={"credential": "x~"}) for _ in range(3)]
    finally:
        state.credential_verify_limit = kept
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].headers["content-type"] == "application/problem+json"
    assert 1 <= int(answers[2].headers["Retry-After"]) <= 60
    assert answers[2].json()["type"] == "urn:aeo-ledger:problem:too-many-requests"
