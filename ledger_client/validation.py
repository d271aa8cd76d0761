"""Input validation before anything is sent.

Every check raises a :class:`~ledger_client.errors.LedgerValueError` subclass whose message says
what is wrong and what is allowed. The rules mirror the contracts' (so a validated input never
reverts for its shape) and the domain models' masks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from eth_utils.address import is_address, to_checksum_address

from ledger_client.errors import (
    InvalidAddressError,
    InvalidBatchError,
    InvalidCertificateNumberError,
    InvalidCodeError,
    InvalidDatesError,
    InvalidExchangeKeyError,
    InvalidHashError,
    InvalidNameError,
    InvalidPartiesError,
    InvalidReasonCodeError,
    InvalidScopeError,
    InvalidSequenceError,
    UnregisteredAdministrationError,
)
from ledger_client.models import (
    FLAG_CONSENT_WITHHELD,
    FLAG_SME,
    MAX_TIMESTAMP,
    PROGRAMME_MASK,
    ROLE_MASK,
    Programme,
    Role,
)

MAX_NAME_BYTES = 64
#: Longest gateway URL the contract accepts (``MAX_GATEWAY_URL_LENGTH``).
MAX_GATEWAY_URL_BYTES = 256
MAX_PARTIES = 16
MAX_SEQUENCE = 2**24 - 1
MAX_MRA_ID = 2**64 - 1
ZERO32 = b"\x00" * 32


def _names(flag_type: type[Programme] | type[Role], mask: int) -> str:
    return ", ".join(f"{m.name}={int(m)}" for m in flag_type if int(m) & mask)


def code(value: object, field: str = "administration code") -> str:
    """An ISO 3166-1 alpha-2 code: two upper-case ASCII letters, e.g. ``"CR"``."""
    if isinstance(value, bytes):
        try:
            value = value.decode("ascii")
        except UnicodeDecodeError:
            raise InvalidCodeError(
                f"{field} {value!r} is not ASCII; expected two upper-case letters like 'CR'"
            ) from None
    if not isinstance(value, str) or len(value) != 2 or not all("A" <= c <= "Z" for c in value):
        raise InvalidCodeError(
            f"{field} {value!r} is not an ISO 3166-1 alpha-2 code; expected two upper-case ASCII letters like 'CR'"
        )
    return value


def known_code(value: object, known: Sequence[str], field: str = "administration") -> str:
    """A well-formed code that is registered (``known``)."""
    checked = code(value, f"{field} code")
    if checked not in known:
        listing = ", ".join(known) if known else "none registered yet"
        raise UnregisteredAdministrationError(f"unknown {field} {checked!r}; known: {listing}")
    return checked


def programmes(value: int | Iterable[Programme | str]) -> int:
    """A non-empty mask of defined AEO programmes (bits of ``models.Programme``)."""
    return _scope(value, Programme, PROGRAMME_MASK, "programme")


def roles(value: int | Iterable[Role | str]) -> int:
    """A non-empty mask of defined operator roles (bits of ``models.Role``)."""
    return _scope(value, Role, ROLE_MASK, "role")


def _scope(value: object, flag_type: type[Programme] | type[Role], defined: int, kind: str) -> int:
    mask = _mask(value, flag_type, kind)
    if mask <= 0 or mask & ~defined:
        raise InvalidScopeError(
            f"{kind}s mask {mask} is invalid; it must set at least one of the defined bits "
            f"({_names(flag_type, defined)}) and no other"
        )
    return mask


def _mask(value: object, flag_type: type[Programme] | type[Role], kind: str) -> int:
    if isinstance(value, bool):
        raise InvalidScopeError(f"{kind}s must be a bitmask or a list of {kind} names, not a bool")
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidScopeError(f"{kind}s must be a bitmask or a list of {kind} names, got {value!r}")
    mask = 0
    for item in value:
        if isinstance(item, flag_type):
            mask |= int(item)
        elif isinstance(item, str) and item.upper() in flag_type.__members__:
            mask |= int(flag_type[item.upper()])
        else:
            allowed = ", ".join(flag_type.__members__)
            raise InvalidScopeError(f"unknown {kind} {item!r}; allowed: {allowed}")
    return mask


def flags(sme: bool) -> int:
    """The certificate flags word from the SME flag."""
    if not isinstance(sme, bool):
        raise InvalidScopeError(f"sme must be true or false, got {sme!r}")
    return FLAG_SME if sme else 0


def flags_word(sme: bool, consent: bool) -> int:
    """The certificate flags word from the SME flag and the operator's consent."""
    if not isinstance(consent, bool):
        raise InvalidScopeError(f"consent must be true or false, got {consent!r}")
    return flags(sme) | (0 if consent else FLAG_CONSENT_WITHHELD)


def exchange_public_key(value: bytes | str) -> bytes:
    """An X25519 public key: 32 bytes (or 0x + 64 hex digits), not all zero."""
    raw: bytes
    if isinstance(value, str):
        try:
            raw = bytes.fromhex(value.removeprefix("0x"))
        except ValueError:
            raise InvalidExchangeKeyError(
                f"exchange public key {value!r} is not hex; expected 32 bytes as 0x + 64 hex digits"
            ) from None
    elif isinstance(value, bytes | bytearray):
        raw = bytes(value)
    else:
        raise InvalidExchangeKeyError(
            f"exchange public key must be bytes or a 0x-hex string, got {type(value).__name__}"
        )
    if len(raw) != 32:
        raise InvalidExchangeKeyError(f"exchange public key has {len(raw)} bytes; an X25519 key has exactly 32")
    if raw == ZERO32:
        raise InvalidExchangeKeyError("exchange public key is zero; give the gateway's X25519 public key")
    return raw


def gateway_url(value: str) -> str:
    """A gateway's base URL: ``http://`` or ``https://`` with a host, 1..256 bytes, no spaces."""
    if not isinstance(value, str):
        raise InvalidExchangeKeyError(f"gateway URL must be text, got {type(value).__name__}")
    size = len(value.encode("utf-8"))
    if not 0 < size <= MAX_GATEWAY_URL_BYTES:
        raise InvalidExchangeKeyError(f"gateway URL is {size} bytes; allowed: 1..{MAX_GATEWAY_URL_BYTES}")
    scheme, _, rest = value.partition("://")
    printable = all("!" <= c <= "~" for c in value)  # ASCII without spaces: an IDN in its xn-- form
    if scheme not in ("http", "https") or not rest or rest.startswith("/") or not printable:
        raise InvalidExchangeKeyError(
            f"gateway URL {value!r} is not an http(s) URL of printable ASCII without spaces;"
            " expected e.g. https://gateway.customs.example"
        )
    return value


def timestamp(value: int | datetime, field: str) -> int:
    """Unix seconds within uint32 (a timezone-aware datetime is converted)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidDatesError(f"{field} {value.isoformat()} has no time zone; give an aware datetime (UTC)")
        value = int(value.timestamp())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TIMESTAMP:
        raise InvalidDatesError(f"{field} {value!r} is out of range; allowed: Unix seconds 0..{MAX_TIMESTAMP}")
    return value


def validity(valid_from: int | datetime, valid_until: int | datetime | None) -> tuple[int, int]:
    """``(validFrom, validUntil)``: validUntil is 0/None (open-ended) or later than validFrom."""
    start = timestamp(valid_from, "valid_from")
    end = 0 if valid_until is None else timestamp(valid_until, "valid_until")
    if end != 0 and end <= start:
        raise InvalidDatesError(
            f"valid_until {end} is not after valid_from {start}; give a later date, or 0/None for open-ended"
        )
    return start, end


def hash32(value: bytes | str, field: str = "hash", *, nonzero: bool = True) -> bytes:
    """32 bytes, given as bytes or ``0x``-hex; non-zero unless ``nonzero`` is False."""
    raw: bytes
    if isinstance(value, str):
        try:
            raw = bytes.fromhex(value.removeprefix("0x"))
        except ValueError:
            raise InvalidHashError(f"{field} {value!r} is not hex; expected 32 bytes as 0x + 64 hex digits") from None
    elif isinstance(value, bytes | bytearray):
        raw = bytes(value)
    else:
        raise InvalidHashError(f"{field} must be 32 bytes or a 0x-hex string, got {type(value).__name__}")
    if len(raw) != 32:
        raise InvalidHashError(f"{field} has {len(raw)} bytes; expected exactly 32")
    if nonzero and raw == ZERO32:
        raise InvalidHashError(f"{field} is zero; expected the keccak-256 of the document")
    return raw


def certificate_id(value: bytes | str) -> bytes:
    """A certificate id: 32 bytes whose first two are the issuer's alpha-2 code."""
    raw = hash32(value, "certificate id")
    try:
        code(raw[:2])
    except InvalidCodeError:
        raise InvalidHashError(
            f"certificate id 0x{raw.hex()} does not start with an issuer code; ids are derived from "
            "(issuer, number), see Ledger.certificate_id"
        ) from None
    return raw


def certificate_number(value: object) -> str:
    """A national certificate number: 1..32 bytes of printable ASCII (space to tilde)."""
    if not isinstance(value, str):
        raise InvalidCertificateNumberError(f"certificate number must be text, got {type(value).__name__}")
    if not value or len(value) > 32 or not all(" " <= ch <= "~" for ch in value):
        raise InvalidCertificateNumberError(
            f"certificate number {value!r} is invalid; allowed: 1 to 32 printable ASCII characters"
        )
    if value != value.strip():
        raise InvalidCertificateNumberError(f"certificate number {value!r} has leading or trailing spaces")
    return value


def reason_code(value: int, *, required: bool) -> int:
    """A uint16 reason code (``models.ReasonCode``); non-zero when ``required``."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0xFFFF:
        raise InvalidReasonCodeError(f"reason code {value!r} is out of range; allowed: 0..65535 (see ReasonCode)")
    if required and value == 0:
        raise InvalidReasonCodeError("a reason code is required for this action; give a non-zero ReasonCode")
    return int(value)


def address(value: str, field: str = "address") -> str:
    """A non-zero account address (checksummed on return)."""
    if not isinstance(value, str) or not is_address(value):
        raise InvalidAddressError(f"{field} {value!r} is not an address; expected 0x + 40 hex digits")
    checked = to_checksum_address(value)
    if int(checked, 16) == 0:
        raise InvalidAddressError(f"{field} is the zero address")
    return checked


def administration_name(value: str) -> str:
    """A display name of 1..64 bytes of UTF-8."""
    if not isinstance(value, str):
        raise InvalidNameError(f"administration name must be text, got {type(value).__name__}")
    size = len(value.encode("utf-8"))
    if not value.strip() or size > MAX_NAME_BYTES:
        raise InvalidNameError(f"administration name is {size} bytes; allowed: 1..{MAX_NAME_BYTES} bytes of UTF-8")
    return value


def parties(values: Sequence[str], proposer: str | None, known: Sequence[str]) -> list[str]:
    """MRA parties: 2..16 distinct registered codes, including the proposer."""
    if isinstance(values, str) or len(values) < 2 or len(values) > MAX_PARTIES:
        count = 1 if isinstance(values, str) else len(values)
        raise InvalidPartiesError(f"an MRA has 2..{MAX_PARTIES} parties; got {count}")
    checked = [known_code(v, known, "party") for v in values]
    duplicates = sorted({c for c in checked if checked.count(c) > 1})
    if duplicates:
        raise InvalidPartiesError(f"parties listed twice: {', '.join(duplicates)}; list each administration once")
    if proposer is not None and proposer not in checked:
        raise InvalidPartiesError(f"the proposer {proposer!r} must be one of the parties {', '.join(checked)}")
    return checked


def sequence(value: int) -> int:
    """A certificate event number: 1..2**24-1."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SEQUENCE:
        raise InvalidSequenceError(f"event sequence {value!r} is out of range; events are numbered 1..{MAX_SEQUENCE}")
    return value


def mra_id(value: int) -> int:
    """An MRA id: 1..2**64-1."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_MRA_ID:
        raise InvalidSequenceError(f"MRA id {value!r} is out of range; MRA ids run from 1")
    return value


def batch(count: int, maximum: int) -> int:
    """A batch of 1..``maximum`` items."""
    if count < 1 or count > maximum:
        raise InvalidBatchError(f"a batch holds 1..{maximum} certificates; got {count}")
    return count
