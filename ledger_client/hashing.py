"""Identifiers and history heads, computed exactly as the contracts compute them.

- certificate id: ``bytes32(issuer) | keccak256(abi.encode(issuer, number)) >> 16``
- certificate state word: ``status | programmes << 8 | roles << 16 | flags << 32 | validFrom << 40 | validUntil << 72``
- certificate head: ``bytes16(keccak256(abi.encode(prev, id, seq, action, state, documentHash, reasonCode)))``
- MRA terms hash: ``keccak256(abi.encode(programmes, roles, effectiveFrom, documentHash, parties))``
- MRA head: ``keccak256(abi.encode(prev, mraId, seq, action, actor, status, termsHash, reasonCode))``
"""

from __future__ import annotations

from collections.abc import Sequence

from eth_abi.abi import encode
from eth_utils.crypto import keccak

ZERO_HEAD16 = b"\x00" * 16
ZERO_HEAD32 = b"\x00" * 32


def code_bytes(code: str) -> bytes:
    """ISO alpha-2 code as the contract's ``bytes2``."""
    return code.encode("ascii")


def number_bytes(number: str) -> bytes:
    """National certificate number as the contract's ``bytes32`` (ASCII, left-aligned, zero-padded)."""
    raw = number.encode("ascii")
    return raw.ljust(32, b"\x00")


def number_text(raw: bytes) -> str:
    """Inverse of :func:`number_bytes`."""
    return raw.rstrip(b"\x00").decode("ascii")


def certificate_id(issuer: str, number: str) -> bytes:
    """The id of certificate ``number`` issued by ``issuer`` (first two bytes = issuer code)."""
    issuer_raw = code_bytes(issuer)
    if len(issuer_raw) != 2:
        raise ValueError(f"an issuer code has 2 bytes, got {issuer!r}")
    number_raw = number_bytes(number)
    if len(number_raw) != 32:
        raise ValueError(f"a certificate number has at most 32 bytes, got {len(number.encode('ascii'))}")
    # abi.encode(bytes2, bytes32): the code left-aligned in its word, then the number's word.
    digest = keccak(issuer_raw.ljust(32, b"\x00") + number_raw)
    return issuer_raw + digest[:30]


def issuer_of(certificate_id_: bytes) -> str:
    """The issuing administration's code, read from the id's first two bytes."""
    return certificate_id_[:2].decode("ascii")


def pack_state(  # noqa: PLR0917 - the state word's fields in the contract's bit order
    status: int, programmes: int, roles: int, flags: int, valid_from: int, valid_until: int
) -> int:
    """The certificate state word (bits 0..103 of the storage slot)."""
    return status | programmes << 8 | roles << 16 | flags << 32 | valid_from << 40 | valid_until << 72


def certificate_head(  # noqa: PLR0917 - the inputs in the contract's abi.encode order
    previous: bytes,
    certificate_id_: bytes,
    sequence: int,
    action: int,
    state: int,
    document_hash: bytes = ZERO_HEAD32,
    reason_code: int = 0,
) -> bytes:
    """The next 16-byte history head of a certificate."""
    payload = encode(
        ["bytes16", "bytes32", "uint24", "uint8", "uint256", "bytes32", "uint16"],
        [previous, certificate_id_, sequence, action, state, document_hash, reason_code],
    )
    return keccak(payload)[:16]


def mra_terms_hash(
    programmes: int, roles: int, effective_from: int, document_hash: bytes, parties: Sequence[str]
) -> bytes:
    """The hash of an MRA's fixed terms, an input of every MRA head."""
    payload = encode(
        ["uint8", "uint16", "uint32", "bytes32", "bytes2[]"],
        [programmes, roles, effective_from, document_hash, [code_bytes(p) for p in parties]],
    )
    return keccak(payload)


def mra_head(  # noqa: PLR0917 - the inputs in the contract's abi.encode order
    previous: bytes,
    mra_id: int,
    sequence: int,
    action: int,
    actor: str,
    status: int,
    terms_hash: bytes,
    reason_code: int = 0,
) -> bytes:
    """The next 32-byte history head of an MRA."""
    payload = encode(
        ["bytes32", "uint64", "uint24", "uint8", "bytes2", "uint8", "bytes32", "uint16"],
        [previous, mra_id, sequence, action, code_bytes(actor), status, terms_hash, reason_code],
    )
    return keccak(payload)
