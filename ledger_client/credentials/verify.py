"""Verify a credential against the ledger: anyone can, with nothing but this gateway's index.

The checks, in order (the first failure makes the credential INVALID, with its reason):

1. form: a compact SD-JWT, ``typ`` ``vc+sd-jwt``, ``alg`` ES256K, a public secp256k1 ``jwk``;
2. signature: the JWS verifies under that key (jwcrypto, through the ``sd-jwt`` package's verifier);
3. disclosures: each presented disclosure's digest is in the signed payload (an altered one is not);
4. claims: the vocabulary, this ledger (chain id, contract), the certificate known to the chain,
   the event it reflects exists with that history head, and the always-shown terms (programmes,
   roles, validity) are the certificate's terms after that event;
5. signer: the key's Ethereum address was a signer of the issuer when the credential was issued
   (the chain's signer history, by block time), which must not precede the event it reflects.

A genuine credential is then VALID when its certificate is active and within validity now, else
NOT_ACTIVE (suspended, revoked, annulled, expired or not yet valid), shown with the status.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from jwcrypto.common import JWException
from jwcrypto.jwk import JWK
from sd_jwt.verifier import SDJWTVerifier

from ledger_client.credentials.disclosure import CredentialFormatError, CredentialParts, normalise, parse
from ledger_client.credentials.keys import CredentialKeyError, address_of, jwk_public_key
from ledger_client.credentials.vocabulary import ALG, TYP, TYPES, VCT, Disclosable, issuer_uri
from ledger_client.index import Index
from ledger_client.index.results import IndexedCertificate
from ledger_client.models import CertificateStatus
from ledger_client.vocabulary import iso_instant, programme_names, role_names

#: Seconds a credential's ``iat`` may lead the verifier's clock or trail the block of its event
#: (block timestamps may run a little ahead of the wall clock).
CLOCK_SKEW_SECONDS = 60
#: Bounds of the numbers a credential names (the contract's event counter is 32 bits; times end in 2105).
MAX_EVENT = 2**32 - 1
MAX_TIME = 4_294_967_295


class Verdict(StrEnum):
    """The outcome of a verification."""

    VALID = "VALID"  # genuine, and the certificate is active and within validity now
    NOT_ACTIVE = "NOT_ACTIVE"  # genuine, but the certificate is no longer (or not yet) active
    INVALID = "INVALID"  # forged, altered, of another ledger, or signed by a key that was not a signer


@dataclass(frozen=True)
class SignerCheck:
    """The signing key against the issuer's signer history."""

    address: str
    signer_at_issuance: bool
    signer_now: bool
    removed_time: int | None  # when it stopped being a signer (its last removal), None while it is one


@dataclass(frozen=True)
class Recognised:
    """An administration that recognises the certificate now, under which MRA, for which programmes."""

    administration: str
    mra_id: int
    programmes: tuple[str, ...]


@dataclass(frozen=True)
class CredentialVerification:
    """What a verification found. Claims are filled as far as the credential could be read."""

    verdict: Verdict
    problems: tuple[str, ...] = ()
    signature_valid: bool = False
    checked_at: int = 0
    certificate_id: bytes | None = None
    certificate_number: str | None = None
    issuer: str | None = None
    issuer_name: str | None = None
    issued_at: int | None = None
    event: int | None = None
    latest_event: int | None = None
    programmes: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    valid_from: str | None = None
    valid_until: str | None = None
    status: str | None = None  # ACTIVE, SUSPENDED, REVOKED, ANNULLED, EXPIRED (now, on the chain)
    valid_now: bool = False
    signer: SignerCheck | None = None
    issuer_frozen: bool = False
    recognised_by: tuple[Recognised, ...] = ()
    disclosed: dict[str, Any] = field(default_factory=dict)

    @property
    def genuine(self) -> bool:
        """Signed by a signer of the issuer, unaltered, consistent with the chain."""
        return self.verdict is not Verdict.INVALID

    @property
    def reflects_latest_event(self) -> bool:
        """Whether no event happened to the certificate since the credential was issued."""
        return self.event is not None and self.event == self.latest_event

    def to_dict(self) -> dict[str, Any]:
        """The verification in the API's vocabulary (``POST /v1/credentials/verify``): names, ISO 8601 instants."""
        signer = self.signer
        return {
            "verdict": self.verdict.value,
            "genuine": self.genuine,
            "problems": list(self.problems),
            "signature_valid": self.signature_valid,
            "checked_at": iso_instant(self.checked_at),
            "certificate_id": None if self.certificate_id is None else "0x" + self.certificate_id.hex(),
            "certificate_number": self.certificate_number,
            "issuer": self.issuer,
            "issuer_name": self.issuer_name,
            "issuer_frozen": self.issuer_frozen,
            "issued_at": None if self.issued_at is None else iso_instant(self.issued_at),
            "event": self.event,
            "latest_event": self.latest_event,
            "reflects_latest_event": self.reflects_latest_event,
            "programmes": list(self.programmes),
            "roles": list(self.roles),
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
            "status": self.status,
            "valid_now": self.valid_now,
            "signer": None
            if signer is None
            else {
                "address": signer.address,
                "signer_at_issuance": signer.signer_at_issuance,
                "signer_now": signer.signer_now,
                "removed_at": None if signer.removed_time is None else iso_instant(signer.removed_time),
            },
            "recognised_by": [
                {"administration": r.administration, "mra_id": r.mra_id, "programmes": list(r.programmes)}
                for r in self.recognised_by
            ],
            "disclosed": dict(self.disclosed),
        }


class _Invalid(Exception):
    def __init__(self, reason: str, **found: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.found = found


def verify_credential(
    text: str, index: Index, *, chain_id: int, ledger_address: str, now: int | None = None
) -> CredentialVerification:
    """Verify ``text`` (a credential as presented) against ``index`` (of the ledger at
    ``chain_id``/``ledger_address``) at ``now`` (default: the later of the wall clock and the
    index's last block). Never raises for a bad credential: the verdict says INVALID and why."""
    at = now if now is not None else max(int(time.time()), index.reader.latest_time())
    found: dict[str, Any] = {"checked_at": at}
    try:
        return _verify(text, index, chain_id, ledger_address.lower(), at=at, found=found)
    except _Invalid as invalid:
        found.update(invalid.found)
        return CredentialVerification(Verdict.INVALID, (invalid.reason,), **found)
    except CredentialFormatError as exc:
        return CredentialVerification(Verdict.INVALID, (str(exc),), **found)


def _verify(
    text: str, index: Index, chain_id: int, ledger_address: str, *, at: int, found: dict[str, Any]
) -> CredentialVerification:
    parts = parse(text)
    address = _check_header(parts)
    payload, unpacked = _check_signature(text, parts)
    found["signature_valid"] = True
    _check_disclosures(parts, payload)
    _subject, terms, status_claim = _claims(payload)
    code = _issuer_code(payload)
    certificate_id = _certificate_id(terms, status_claim, code)
    found.update(
        certificate_id=certificate_id,
        certificate_number=str(terms.get("number")),
        issuer=code,
        issuer_name=str(payload["issuer"].get("name")) if isinstance(payload.get("issuer"), dict) else None,
        issued_at=payload["iat"],
        event=status_claim["event"],
        programmes=tuple(terms["programmes"]),
        roles=tuple(terms["roles"]),
        valid_from=payload.get("validFrom"),
        valid_until=payload.get("validUntil"),
        disclosed=_disclosed(unpacked.get("credentialSubject")),
    )
    if status_claim.get("chainId") != chain_id or str(status_claim.get("ledger", "")).lower() != ledger_address:
        raise _Invalid(
            f"the credential is of the ledger {status_claim.get('ledger')} on chain {status_claim.get('chainId')},"
            f" not of this one ({ledger_address} on chain {chain_id})"
        )
    certificate = index.certificate(certificate_id)
    if certificate is None:
        raise _Invalid(f"no certificate 0x{certificate_id.hex()} on the ledger")
    found["latest_event"] = certificate.event_count
    _check_event(index, certificate, payload, terms, status_claim)
    signer = _check_signer(index, code, address, payload["iat"])
    found["signer"] = signer
    if not signer.signer_at_issuance:
        raise _Invalid(
            f"the key {address} was not a signer of {code} when the credential was issued"
            f" ({iso_instant(payload['iat'])})"
        )
    if payload["iat"] > at + CLOCK_SKEW_SECONDS:
        raise _Invalid(f"the credential claims to be issued in the future ({iso_instant(payload['iat'])})")
    model = certificate.to_model()
    valid_now = model.valid_at(at)
    if certificate.status in (CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED) and model.expired_at(at):
        status = "EXPIRED"
    else:
        status = certificate.status.name
    administration = index.administration(code)
    recognised = []
    for other in index.administrations():
        if other.code == code:
            continue
        recognition = index.recognition_at(certificate_id, other.code, at)
        if recognition.recognised:
            recognised.append(
                Recognised(other.code, recognition.mra_id, tuple(programme_names(recognition.programmes)))
            )
    return CredentialVerification(
        Verdict.VALID if valid_now else Verdict.NOT_ACTIVE,
        status=status,
        valid_now=valid_now,
        issuer_frozen=administration is not None and administration.frozen,
        recognised_by=tuple(recognised),
        **found,
    )


def _check_header(parts: CredentialParts) -> str:
    header = parts.header
    if header.get("typ") != TYP:
        raise _Invalid(f"the JWS header's typ is {header.get('typ')!r}, not {TYP!r}")
    if header.get("alg") != ALG:
        raise _Invalid(f"the JWS is signed with {header.get('alg')!r}; these credentials are signed {ALG}")
    try:
        address = address_of(jwk_public_key(header.get("jwk")))
    except CredentialKeyError as exc:
        raise _Invalid(str(exc)) from None
    kid = header.get("kid")
    if kid is not None and str(kid).lower() != address.lower():
        raise _Invalid(f"the header's kid {kid} is not the address of its jwk ({address})")
    if parts.key_binding:
        raise _Invalid("the credential carries a key-binding JWT; these credentials are not bound to a holder key")
    return address


def _check_signature(text: str, parts: CredentialParts) -> tuple[dict[str, Any], dict[str, Any]]:
    """The signed payload as sent (with its ``_sd`` digests) and with the disclosures unpacked."""

    def issuer_key(_issuer: object, header: dict[str, Any]) -> JWK:
        return JWK(**header["jwk"])

    try:
        verifier = SDJWTVerifier(normalise(text), issuer_key)
        verified: dict[str, Any] = verifier._sd_jwt_payload  # the package keeps it under this name
        unpacked: dict[str, Any] = verifier.get_verified_payload()
    except (JWException, ValueError, KeyError, TypeError) as exc:
        raise _Invalid(f"the signature does not verify: the credential is forged or altered ({exc})") from None
    if verified != parts.payload:  # what was parsed is what was signed
        raise _Invalid("the signed payload differs from the one presented")
    return verified, unpacked


def _digests(value: Any) -> set[str]:
    if isinstance(value, dict):
        found = {d for d in value.get("_sd", []) if isinstance(d, str)}
        for key, item in value.items():
            if key != "_sd":
                found |= _digests(item)
        return found
    if isinstance(value, list):
        return set().union(*(_digests(item) for item in value)) if value else set()
    return set()


def _check_disclosures(parts: CredentialParts, payload: dict[str, Any]) -> None:
    if payload.get("_sd_alg", "sha-256") != "sha-256":
        raise _Invalid(f"the disclosures' digest algorithm is {payload.get('_sd_alg')!r}, not sha-256")
    signed = _digests(payload)
    seen: set[str] = set()
    for position, disclosure in enumerate(parts.disclosures, start=1):
        if disclosure.digest not in signed:
            raise _Invalid(
                f"disclosure #{position} ({disclosure.claim}) is not one the issuer signed: the credential was altered"
            )
        if disclosure.digest in seen:
            raise _Invalid(f"disclosure #{position} ({disclosure.claim}) is presented twice")
        seen.add(disclosure.digest)
        if Disclosable.of_claim(disclosure.claim) is None:
            raise _Invalid(f"disclosure #{position} names an unknown claim {disclosure.claim!r}")


def _claims(payload: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    if payload.get("vct") != VCT or not set(TYPES) <= set(payload.get("type") or ()):
        raise _Invalid(f"the credential is not an AEO certificate credential (vct {payload.get('vct')!r})")
    subject, status = payload.get("credentialSubject"), payload.get("credentialStatus")
    if not isinstance(subject, dict) or not isinstance(status, dict):
        raise _Invalid("the credential lacks its credentialSubject or credentialStatus")
    terms = subject.get("certificate")
    if not isinstance(terms, dict):
        raise _Invalid("the credential lacks the certificate's terms")
    if not _whole(payload.get("iat"), MAX_TIME) or not _whole(status.get("event"), MAX_EVENT):
        raise _Invalid("the credential lacks a valid issuance time (iat) or the number of the event it reflects")
    if not isinstance(terms.get("programmes"), list) or not isinstance(terms.get("roles"), list):
        raise _Invalid("the credential lacks the certificate's programmes or roles")
    return subject, terms, status


def _whole(value: Any, highest: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= highest


def _issuer_code(payload: dict[str, Any]) -> str:
    iss = str(payload.get("iss", ""))
    code = iss.rsplit(":", 1)[-1]
    if len(code) != 2 or iss != issuer_uri(code):
        raise _Invalid(f"the issuer {iss!r} is not an administration of the ledger")
    issuer = payload.get("issuer")
    if not isinstance(issuer, dict) or issuer.get("id") != iss:
        raise _Invalid("the credential's issuer differs from its iss claim")
    return code


def _certificate_id(terms: dict[str, Any], status: dict[str, Any], code: str) -> bytes:
    raw = terms.get("id")
    if raw != status.get("certificateId"):
        raise _Invalid("the certificate id of the subject and of the status differ")
    try:
        certificate_id = bytes.fromhex(str(raw).removeprefix("0x"))
    except ValueError:
        raise _Invalid(f"the certificate id {raw!r} is not hex") from None
    if len(certificate_id) != 32 or certificate_id[:2] != code.encode("latin-1"):
        raise _Invalid(f"the certificate id {raw!r} is not a certificate of {code}")
    return certificate_id


def _check_event(
    index: Index,
    certificate: IndexedCertificate,
    payload: dict[str, Any],
    terms: dict[str, Any],
    status: dict[str, Any],
) -> None:
    number = status["event"]
    event = index.reader.certificate_event(certificate.id, number) if number >= 1 else None
    if event is None:
        raise _Invalid(f"the credential reflects event {number}, which certificate {certificate.number} never had")
    if status.get("head") != "0x" + event.head.hex():
        raise _Invalid(f"the history head of event {number} is not the one on the chain")
    expected = {
        "number": certificate.number,
        "programmes": programme_names(event.programmes),
        "roles": role_names(event.roles),
        "sme": bool(event.flags & 1),
        "validFrom": iso_instant(event.valid_from),
        "validUntil": iso_instant(event.valid_until) if event.valid_until else None,
    }
    presented = {
        "number": terms.get("number"),
        "programmes": terms.get("programmes"),
        "roles": terms.get("roles"),
        "sme": terms.get("sme"),
        "validFrom": payload.get("validFrom"),
        "validUntil": payload.get("validUntil"),
    }
    differing = [name for name in expected if expected[name] != presented[name]]
    if differing:
        raise _Invalid(
            f"the credential's {', '.join(differing)} differ from the certificate's terms after event {number}"
        )
    if payload["iat"] + CLOCK_SKEW_SECONDS < event.block_time:
        raise _Invalid(f"the credential claims to be issued before event {number} it reflects happened")


def _check_signer(index: Index, code: str, address: str, issued_at: int) -> SignerCheck:
    periods = index.reader.signer_periods(code, address)
    at_issuance = any(p.covers(issued_at) for p in periods)
    now = bool(periods) and periods[-1].removed_time is None
    removed = None if now or not periods else periods[-1].removed_time
    return SignerCheck(address, at_issuance, now, removed)


def _disclosed(subject: Any) -> dict[str, Any]:
    if not isinstance(subject, dict):
        return {}
    return {d.value: subject[d.claim] for d in Disclosable if d.claim in subject}
