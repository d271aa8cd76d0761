"""HPKE (RFC 9180) sealing of certificate documents: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
ChaCha20-Poly1305, base mode, by the maintained ``pyhpke`` package.

The associated data binds an envelope to one certificate event: ``certificate id (32 bytes) ‖
event number (uint32, big-endian) ‖ document hash (32 bytes)``. The recipient rebuilds it from the
chain (the document hash the event committed), so an envelope moved to another certificate or
event, or carrying another document, does not open.
"""

from __future__ import annotations

import os
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from pyhpke import AEADId, CipherSuite, KDFId, KEMId, KEMKeyInterface
from pyhpke.exceptions import PyHPKEError

from ledger_client.exchange.errors import EnvelopeRejectedError

SUITE = CipherSuite.new(KEMId.DHKEM_X25519_HKDF_SHA256, KDFId.HKDF_SHA256, AEADId.CHACHA20_POLY1305)
#: The HPKE ``info``: the application and version of the envelope format.
INFO = b"aeo-ledger/envelope/1"
#: Length of an X25519 public key (and of HPKE's ``enc`` for this KEM).
KEY_LENGTH = 32


def associated_data(certificate_id: bytes, sequence: int, document_hash: bytes) -> bytes:
    """``id ‖ uint32be(sequence) ‖ document hash``."""
    if len(certificate_id) != 32 or len(document_hash) != 32:
        raise ValueError("certificate id and document hash have 32 bytes each")
    return certificate_id + sequence.to_bytes(4, "big") + document_hash


def new_private_key() -> bytes:
    """A fresh X25519 private key: HPKE's DeriveKeyPair from 32 bytes of the OS's randomness."""
    return bytes(SUITE.kem.derive_key_pair(os.urandom(KEY_LENGTH)).private_key.to_private_bytes())


def public_key_of(private_key: bytes) -> bytes:
    """The X25519 public key of ``private_key``."""
    _private(private_key)  # checks the length
    return X25519PrivateKey.from_private_bytes(private_key).public_key().public_bytes_raw()


@lru_cache(maxsize=64)
def _private(private_key: bytes) -> KEMKeyInterface:
    if len(private_key) != KEY_LENGTH:
        raise ValueError(f"an X25519 private key has {KEY_LENGTH} bytes, got {len(private_key)}")
    key: KEMKeyInterface = SUITE.kem.deserialize_private_key(private_key)
    return key


@lru_cache(maxsize=256)
def _public(public_key: bytes) -> KEMKeyInterface:
    if len(public_key) != KEY_LENGTH:
        raise ValueError(f"an X25519 public key has {KEY_LENGTH} bytes, got {len(public_key)}")
    key: KEMKeyInterface = SUITE.kem.deserialize_public_key(public_key)
    return key


def seal(public_key: bytes, plaintext: bytes, aad: bytes) -> tuple[bytes, bytes]:
    """Encrypt ``plaintext`` to ``public_key``: ``(enc, ciphertext)``."""
    enc, context = SUITE.create_sender_context(_public(public_key), info=INFO)
    return bytes(enc), bytes(context.seal(plaintext, aad=aad))


def open_envelope(private_key: bytes, enc: bytes, ciphertext: bytes, aad: bytes) -> bytes:
    """Decrypt; :class:`EnvelopeRejectedError` when the envelope, its binding or the key is wrong."""
    key = _private(private_key)
    try:
        context = SUITE.create_recipient_context(enc, key, info=INFO)
        return bytes(context.open(ciphertext, aad=aad))
    except (PyHPKEError, ValueError) as exc:
        raise EnvelopeRejectedError(
            f"the envelope does not open ({exc.__class__.__name__}): altered, bound to another certificate event "
            "or document, or sealed to another key"
        ) from None
