"""An API of its own for the credential tests (they terminate MRAs and rotate signers, which the
shared environment of the other API tests must not see), and helpers to issue credentials."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from ledger_client.credentials import IssuedCredential, issue_credential
from ledger_client.documents import CertificateDocument, Operator, PostalAddress
from ledger_client.importer.store import DocumentStore
from ledger_client.ledger import Ledger
from ledger_client.signers import Signer
from tests.api.conftest import Env, open_env, unique_number

LEGAL_NAME = "Exportadora del Valle S.A."
TAX_ID = "3-101-123456"
STREET = "Calle 5, Avenida 2"


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    """The API over a ledger of its own (CR, PE, MX, CL; the CR-PE MRA in force)."""
    with open_env(tmp_path_factory.mktemp("credentials-api"), Ledger.embedded()) as built:
        yield built


def make_document(
    issuer: str = "CR",
    *,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    legal_name: str = LEGAL_NAME,
    street: str = STREET,
) -> CertificateDocument:
    """A certificate document with an operator whose details the credential may disclose."""
    return CertificateDocument(
        certificate_number=unique_number("VC"),
        issuer=issuer,
        issuing_office="Aduana Santamaría",
        operator=Operator(
            legal_name=legal_name,
            tax_id=TAX_ID,
            address=PostalAddress(street=street, city="San José", postal_code="10101", country="CR"),
        ),
        roles=["IMPORTER", "EXPORTER"],
        programmes=["SECURITY"],
        sme=True,
        valid_from=valid_from or datetime(2024, 1, 1, tzinfo=UTC),
        valid_until=valid_until,
    )


@dataclass
class Issued:
    """A certificate issued through the API with its document kept by the gateway."""

    certificate_id: str
    document: CertificateDocument


@pytest.fixture
def certificate(own: Env) -> Callable[..., Issued]:
    """Issue a certificate through the API (as ``<issuer>_writer``) and keep its document."""

    def issue(issuer: str = "CR", **details: Any) -> Issued:
        doc = make_document(issuer, **details)
        body = {
            "number": doc.certificate_number,
            "programmes": doc.programmes,
            "roles": doc.roles,
            "sme": doc.sme,
            "valid_from": doc.valid_from.isoformat(),
            "valid_until": None if doc.valid_until is None else doc.valid_until.isoformat(),
            "document_hash": "0x" + doc.document_hash().hex(),
        }
        response = own.post("/v1/certificates", f"{issuer.lower()}_writer", body)
        assert response.status_code == 201, response.text
        DocumentStore(own.runtime.settings.state_directory()).write_document(doc)
        return Issued(response.json()["certificate"]["id"], doc)

    return issue


def credential_of(own: Env, issued: Issued) -> str:
    """The credential of ``issued`` through the API (as CR's writer)."""
    issuer = issued.document.issuer.lower()
    response = own.post(f"/v1/certificates/{issued.certificate_id}/credential", f"{issuer}_writer")
    assert response.status_code == 201, response.text
    text: str = response.json()["credential"]
    return text


def signed_by(own: Env, issued: Issued, signer: Signer) -> IssuedCredential:
    """The credential of ``issued`` signed by ``signer`` (any key: the library does not check it is a signer)."""
    runtime = own.runtime
    row = runtime.index.certificate(bytes.fromhex(issued.certificate_id[2:]))
    assert row is not None
    return issue_credential(
        certificate=row,
        document=issued.document,
        issuer_name="Costa Rica",
        signer=signer,
        chain_id=runtime.ledger.deployment.chain_id,
        ledger_address=runtime.ledger.deployment.address,
        issued_at=max(int(datetime.now(UTC).timestamp()), runtime.index.reader.latest_time()),
    )


def verify(own: Env, text: str) -> Any:
    """Verify through the public endpoint, without any token."""
    response = own.client.post("/v1/credentials/verify", json={"credential": text})
    assert response.status_code == 200, response.text
    return response.json()
