"""The signer's secp256k1 public key as a JWK (RFC 7517/8812) and as an Ethereum address."""

from __future__ import annotations

import base64
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from ledger_client.errors import LedgerValueError


class CredentialKeyError(LedgerValueError):
    """The key named by a credential is not a secp256k1 public JWK."""


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515)."""
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def b64url_decode(text: str) -> bytes:
    """Inverse of :func:`b64url` (:class:`ValueError` when not base64url)."""
    if not isinstance(text, str) or any(c in text for c in "+/="):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_jwk(public_key: bytes) -> dict[str, str]:
    """The JWK of a 64-byte ``x || y`` secp256k1 public key."""
    if len(public_key) != 64:
        raise CredentialKeyError(f"a secp256k1 public key has 64 bytes (x || y), got {len(public_key)}")
    return {"kty": "EC", "crv": "secp256k1", "x": b64url(public_key[:32]), "y": b64url(public_key[32:])}


def jwk_public_key(jwk: Any) -> bytes:
    """The 64-byte ``x || y`` of a public secp256k1 JWK; :class:`CredentialKeyError` otherwise."""
    if not isinstance(jwk, dict):
        raise CredentialKeyError("the header's jwk is not a JSON object")
    if jwk.get("kty") != "EC" or jwk.get("crv") != "secp256k1":
        raise CredentialKeyError("the header's jwk is not a secp256k1 EC key (kty EC, crv secp256k1)")
    if "d" in jwk:
        raise CredentialKeyError("the header's jwk carries a private key")
    try:
        x, y = b64url_decode(jwk["x"]), b64url_decode(jwk["y"])
    except (KeyError, ValueError, TypeError):
        raise CredentialKeyError("the header's jwk lacks valid x and y coordinates") from None
    if len(x) != 32 or len(y) != 32:
        raise CredentialKeyError("the header's jwk coordinates are not 32 bytes each")
    return x + y


def address_of(public_key: bytes) -> str:
    """The checksummed Ethereum address of a 64-byte public key (keccak-256, last 20 bytes)."""
    return str(to_checksum_address(keccak(public_key)[12:]))
