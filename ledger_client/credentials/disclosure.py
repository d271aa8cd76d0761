"""A credential's parts, and a presentation of it that discloses only what the operator chooses.

An SD-JWT is ``<issuer-signed JWT>~<disclosure>~…~`` (the last part, a key-binding JWT, is empty:
these credentials are not bound to a holder key). Each disclosure is the base64url JSON array
``[salt, claim name, value]``; the JWT holds only its SHA-256 digest, so a withheld claim leaves
nothing readable behind. :func:`present` drops disclosures with the ``sd-jwt`` package's holder.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sd_jwt.holder import SDJWTHolder

from ledger_client.credentials.keys import b64url, b64url_decode
from ledger_client.credentials.vocabulary import MAX_CREDENTIAL_LENGTH, Disclosable
from ledger_client.errors import LedgerValueError


class CredentialFormatError(LedgerValueError):
    """The text is not an SD-JWT credential of this ledger's form."""


@dataclass(frozen=True)
class Disclosure:
    """One disclosure as presented: its text, digest, claim name and value."""

    text: str
    digest: str
    claim: str
    value: Any


@dataclass(frozen=True)
class CredentialParts:
    """A credential split into its JWT (header, payload as sent), disclosures and key-binding part."""

    jwt: str
    header: dict[str, Any]
    payload: dict[str, Any]
    disclosures: tuple[Disclosure, ...]
    key_binding: str


def normalise(text: str) -> str:
    """The credential without surrounding whitespace (a pasted or scanned text); a text with no
    ``~`` gets the trailing one an SD-JWT without disclosures has."""
    cleaned = "".join(text.split())
    if cleaned and "~" not in cleaned:
        cleaned += "~"
    return cleaned


def _json_part(part: str, what: str) -> Any:
    try:
        return json.loads(b64url_decode(part))
    except (ValueError, UnicodeDecodeError):
        raise CredentialFormatError(f"the {what} is not base64url-encoded JSON") from None


def parse(text: str) -> CredentialParts:
    """Split and decode ``text`` without verifying anything; :class:`CredentialFormatError` when malformed."""
    if len(text) > MAX_CREDENTIAL_LENGTH:
        raise CredentialFormatError(f"a credential has at most {MAX_CREDENTIAL_LENGTH} characters, got {len(text)}")
    cleaned = normalise(text)
    if not cleaned:
        raise CredentialFormatError("the credential is empty")
    jwt, *disclosure_texts, key_binding = cleaned.split("~")
    pieces = jwt.split(".")
    if len(pieces) != 3:
        raise CredentialFormatError("the credential does not start with a compact JWS (header.payload.signature)")
    header, payload = _json_part(pieces[0], "JWS header"), _json_part(pieces[1], "JWS payload")
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise CredentialFormatError("the JWS header and payload must be JSON objects")
    disclosures = []
    for position, item in enumerate(disclosure_texts, start=1):
        decoded = _json_part(item, f"disclosure #{position}")
        if not (isinstance(decoded, list) and len(decoded) == 3 and isinstance(decoded[1], str)):
            raise CredentialFormatError(f"disclosure #{position} is not a [salt, claim name, value] array")
        digest = b64url(hashlib.sha256(item.encode("ascii")).digest())
        disclosures.append(Disclosure(item, digest, decoded[1], decoded[2]))
    return CredentialParts(jwt, header, payload, tuple(disclosures), key_binding)


def disclosed_names(text: str) -> tuple[Disclosable, ...]:
    """The disclosable claims ``text`` carries (parsed, not verified)."""
    found = (Disclosable.of_claim(d.claim) for d in parse(text).disclosures)
    return tuple(d for d in found if d is not None)


def present(text: str, disclose: Iterable[Disclosable | str]) -> str:
    """``text`` with only the disclosures of ``disclose`` (the others are removed, not just hidden).

    Raises:
        CredentialFormatError: ``text`` is not a credential, or ``disclose`` names an unknown claim.
    """
    try:
        chosen = {Disclosable(d).claim: True for d in disclose}
    except ValueError as exc:
        known = ", ".join(d.value for d in Disclosable)
        raise CredentialFormatError(f"{exc}; the disclosable claims are {known}") from None
    parse(text)  # a clear error before the holder sees it
    holder = SDJWTHolder(normalise(text))
    holder.create_presentation({"credentialSubject": chosen})
    return str(holder.sd_jwt_presentation)
