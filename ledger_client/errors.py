"""The LedgerError hierarchy.

Every exception the library raises derives from :class:`LedgerError`; where a built-in fits,
the class also derives from it (``LedgerValueError`` is a ``ValueError``), so callers can catch
either. Custom errors reverted by the contracts surface as :class:`ContractRevert` subclasses
named after the Solidity error, with ``.name`` and the decoded ``.inputs``.

Four *categories* let an API map every error to a status code in one place:

==========================  =============================================  ==========
category                    meaning                                        HTTP
==========================  =============================================  ==========
:class:`LedgerValueError`   the input is malformed or out of range          422
:class:`NotFoundError`      a referenced administration/certificate/MRA     404
:class:`AccessDeniedError`  the signer may not do this (or is frozen)       403
:class:`ConflictError`      the current state forbids the transition        409
==========================  =============================================  ==========

Each revert class derives from exactly one category (see :data:`REVERT_CATEGORIES`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from eth_abi.abi import decode as abi_decode
from eth_utils.address import to_checksum_address

from ledger_client.models import CertificateStatus, MraStatus


class LedgerError(Exception):
    """Base of every error raised by aeo-ledger."""


class LedgerValueError(LedgerError, ValueError):
    """An input was rejected before anything was sent: it says what is wrong and what is allowed."""


class NotFoundError(LedgerError, LookupError):
    """A referenced administration, certificate, certificate event or MRA does not exist."""


class AccessDeniedError(LedgerError, PermissionError):
    """The signer is not allowed to do this (wrong role, wrong administration, or frozen)."""


class ConflictError(LedgerError):
    """The current on-chain state forbids the requested transition (e.g. already revoked)."""


class ConfigurationError(LedgerError, ValueError):
    """The settings, the deployment manifest or the node do not fit together."""


class ReadOnlyDeploymentError(ConfigurationError):
    """A write to a deployment of an earlier contract version, which this client only reads (it names
    both versions; ``aeo-ledger migrate`` carries the deployment to the current one)."""


class UnsupportedEvmError(ConfigurationError):
    """The node's EVM is older than the contracts need (Cancun): it says which features it lacks."""


class ChainUnavailableError(LedgerError, ConnectionError):
    """The chain node cannot be reached or did not answer in time."""


class ChainResetError(ChainUnavailableError):
    """The node no longer holds the deployment: its deployment block or its code is gone.

    The node was restarted empty, reset, or the URL now leads to another chain. Nothing is sent
    until the chain holds the deployment again (or the ledger is redeployed and the manifest
    replaced).
    """


class TransactionTimeoutError(LedgerError, TimeoutError):
    """A transaction was sent but no receipt arrived in time.

    ``tx_hash`` names the signed transaction when one was handed to the node: it may still land
    (the sender keeps it and re-sends it if a reorg drops it), so its outcome must be read later
    by its hash rather than assumed failed.
    """

    def __init__(self, message: str, *, tx_hash: bytes | None = None) -> None:
        super().__init__(message)
        self.tx_hash = tx_hash


class TransactionFailedError(LedgerError, RuntimeError):
    """A transaction failed without a decodable custom error (out of gas, panic, raw revert)."""


class TransactionRejectedError(TransactionFailedError):
    """The node refused the signed transaction (nonce, balance, fee or chain-id problem)."""


class GasLimitExceededError(TransactionFailedError):
    """A transaction needs more gas than one transaction may carry on this chain (the block gas
    limit, the node's per-transaction cap, EIP-7825's 2**24). Permanent: resending the same
    transaction cannot succeed; split the work (``issue_many`` splits its chunks itself)."""


# ---------------------------------------------------------------------------------------------
# Client-side validation errors (raised before anything is sent)


class InvalidCodeError(LedgerValueError):
    """An administration code is not two upper-case ASCII letters (ISO 3166-1 alpha-2)."""


class UnregisteredAdministrationError(LedgerValueError, NotFoundError):
    """An administration code is well-formed but not registered on the ledger (the API answers 404:
    the administration referred to does not exist)."""


class InvalidScopeError(LedgerValueError):
    """A programmes/roles/flags bitmask is empty or sets undefined bits."""


class InvalidDatesError(LedgerValueError):
    """A timestamp is outside uint32, or validUntil is not 0 and not after validFrom."""


class InvalidHashError(LedgerValueError):
    """A hash or id is not 32 bytes, or is zero where a value is required."""


class InvalidCertificateNumberError(LedgerValueError):
    """A national certificate number is not 1..32 bytes of printable ASCII."""


class InvalidBatchError(LedgerValueError):
    """A batch is empty or larger than allowed."""


class InvalidAddressError(LedgerValueError):
    """An account address is malformed or zero."""


class InvalidReasonCodeError(LedgerValueError):
    """A reason code is missing where required or outside uint16."""


class InvalidNameError(LedgerValueError):
    """An administration name is empty or longer than 64 bytes of UTF-8."""


class InvalidPartiesError(LedgerValueError):
    """The parties of an MRA are too few, too many, duplicated or omit the proposer."""


class InvalidExchangeKeyError(LedgerValueError):
    """An exchange public key is not 32 non-zero bytes, or a gateway URL is not an http(s) URL of 1..256 bytes."""


class InvalidSequenceError(LedgerValueError):
    """A certificate event sequence number is outside 1..2**24-1."""


class InvalidDocumentError(LedgerValueError):
    """An off-chain certificate document does not validate."""


class AdministrationNotFoundError(NotFoundError):
    """No administration is registered under this code (read side)."""


class CertificateNotFoundError(NotFoundError):
    """No certificate has this id (read side)."""


class TransactionNotFoundError(NotFoundError):
    """Neither the node nor this client knows the transaction, or it is not a transaction to the ledger."""


class MraNotFoundError(NotFoundError):
    """No MRA has this id (read side)."""


# ---------------------------------------------------------------------------------------------
# Contract reverts


class ContractRevert(LedgerError):
    """A contract call reverted with a custom error declared in the ABI.

    Attributes:
        name: the Solidity error name, e.g. ``"CertificateNotActive"``.
        inputs: the decoded arguments by parameter name (``bytes2`` codes as ``"CR"``, ids as
            ``0x``-hex, statuses as enums, addresses checksummed).
    """

    name: str = "ContractRevert"

    def __init__(self, name: str, inputs: dict[str, Any], message: str | None = None) -> None:
        self.name = name
        self.inputs = inputs
        rendered = ", ".join(f"{k}={_render(v)}" for k, v in inputs.items())
        super().__init__(message or f"{name}({rendered})")


def _render(value: Any) -> str:
    if isinstance(value, bytes):
        if len(value) == 2 and value.isalpha():
            return value.decode("ascii")
        return "0x" + value.hex()
    if isinstance(value, CertificateStatus | MraStatus):
        return value.name
    if isinstance(value, str):
        return value
    return repr(value)


class _Revert(ContractRevert):
    """Base of the revert classes, one per custom error of the ABI.

    Each class states its ``message`` (what the error means, in words); the exception reads
    ``Name(input=value, ...): message``.
    """

    message: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "message" not in cls.__dict__:
            raise TypeError(f"revert class {cls.__name__} states no message")

    def __init__(self, inputs: Mapping[str, Any] | None = None, name: str | None = None) -> None:
        values = dict(inputs or {})
        rendered = ", ".join(f"{k}={_render(v)}" for k, v in values.items())
        cls_name = name or type(self).__name__
        super().__init__(cls_name, values, f"{cls_name}({rendered}): {self.message}")


# --- access denied ---------------------------------------------------------------------------


class NotGovernance(_Revert, AccessDeniedError):
    """The caller is not the consortium governance address."""

    message = "The caller is not the consortium governance address"


class NotASigner(_Revert, AccessDeniedError):
    """The caller is not a signer of any registered administration."""

    message = "The caller is not a signer of any registered administration"


class NotIssuer(_Revert, AccessDeniedError):
    """Only signers of the issuing administration may change a certificate."""

    message = "Only signers of the issuing administration may change a certificate"


class NotMraParty(_Revert, AccessDeniedError):
    """The caller's administration is not a party to the MRA."""

    message = "The caller's administration is not a party to the MRA"


class NotAPartner(_Revert, AccessDeniedError):
    """The caller's administration has no live MRA with the certificate's issuer."""

    message = "The caller's administration has no live MRA with the certificate's issuer"


class AdministrationIsFrozen(_Revert, AccessDeniedError):
    """The administration is frozen and cannot write."""

    message = "The administration is frozen and cannot write"


# --- not found -------------------------------------------------------------------------------


class UnknownAdministration(_Revert, NotFoundError):
    """No administration is registered under this code."""

    message = "No administration is registered under this code"


class UnknownCertificate(_Revert, NotFoundError):
    """No certificate has this id."""

    message = "No certificate has this id"


class UnknownCertificateEvent(_Revert, NotFoundError):
    """The certificate has no event with this sequence number (events run from 1)."""

    message = "The certificate has no event with this sequence number (events run from 1)"


class UnknownMra(_Revert, NotFoundError):
    """No MRA has this id."""

    message = "No MRA has this id"


class SignerNotFound(_Revert, NotFoundError):
    """The account is not a signer of this administration."""

    message = "The account is not a signer of this administration"


# --- conflicts -------------------------------------------------------------------------------


class AdministrationAlreadyRegistered(_Revert, ConflictError):
    """An administration with this code is already registered."""

    message = "An administration with this code is already registered"


class AdministrationNotFrozen(_Revert, ConflictError):
    """The administration is not frozen."""

    message = "The administration is not frozen"


class SignerAlreadyRegistered(_Revert, ConflictError):
    """The account already signs for an administration (one account, one administration)."""

    message = "The account already signs for an administration (one account, one administration)"


class LastSigner(_Revert, ConflictError):
    """Removing this signer would leave the administration without any signer."""

    message = "Removing this signer would leave the administration without any signer"


class TooManySigners(_Revert, ConflictError):
    """The administration already has the maximum number of signers."""

    message = "The administration already has the maximum number of signers"


class CertificateAlreadyIssued(_Revert, ConflictError):
    """A certificate with this id (same issuer and number) already exists."""

    message = "A certificate with this id (same issuer and number) already exists"


class CertificateNotActive(_Revert, ConflictError):
    """The certificate must be Active for this action (suspend)."""

    message = "The certificate must be Active for this action (suspend)"


class CertificateNotSuspended(_Revert, ConflictError):
    """The certificate must be Suspended for this action (reinstate)."""

    message = "The certificate must be Suspended for this action (reinstate)"


class CertificateClosed(_Revert, ConflictError):
    """The certificate is Revoked or Annulled: no further change is possible."""

    message = "The certificate is Revoked or Annulled: no further change is possible"


class MraAlreadyAccepted(_Revert, ConflictError):
    """This party has already accepted the MRA."""

    message = "This party has already accepted the MRA"


class MraNotProposed(_Revert, ConflictError):
    """The MRA must be Proposed for this action (accept)."""

    message = "The MRA must be Proposed for this action (accept)"


class MraNotActive(_Revert, ConflictError):
    """The MRA must be Active for this action (suspend)."""

    message = "The MRA must be Active for this action (suspend)"


class MraNotSuspended(_Revert, ConflictError):
    """The MRA must be Suspended for this action (resume)."""

    message = "The MRA must be Suspended for this action (resume)"


class MraAlreadyTerminated(_Revert, ConflictError):
    """The MRA is already Terminated."""

    message = "The MRA is already Terminated"


class TooManyMrasBetween(_Revert, ConflictError):
    """Two administrations may have at most `max` live (accepted, not terminated) MRAs."""

    message = "Two administrations may have at most `max` live (accepted, not terminated) MRAs"


class AlreadyAcknowledged(_Revert, ConflictError):
    """The partner has already acknowledged this event."""

    message = "The partner has already acknowledged this event"


# --- invalid input (caught on-chain) ---------------------------------------------------------


class ZeroGovernance(_Revert, LedgerValueError):
    """The governance address given at deployment is zero."""

    message = "The governance address given at deployment is zero"


class InvalidAdministrationCode(_Revert, LedgerValueError):
    """The code is not two upper-case ASCII letters (ISO 3166-1 alpha-2)."""

    message = "The code is not two upper-case ASCII letters (ISO 3166-1 alpha-2)"


class InvalidAdministrationName(_Revert, LedgerValueError):
    """The administration name is empty or longer than 64 bytes."""

    message = "The administration name is empty or longer than 64 bytes"


class ZeroSigner(_Revert, LedgerValueError):
    """The zero address cannot be a signer."""

    message = "The zero address cannot be a signer"


class EmptyCertificateNumber(_Revert, LedgerValueError):
    """The certificate number is empty."""

    message = "The certificate number is empty"


class InvalidScope(_Revert, LedgerValueError):
    """Programmes and roles must each name at least one bit."""

    message = "Programmes and roles must each name at least one bit"


class UnknownFlags(_Revert, LedgerValueError):
    """Only flag bits 0 (SME) and 1 (consent withheld) are defined."""

    message = "Only flag bits 0 (SME) and 1 (consent withheld) are defined"


class ZeroExchangeKey(_Revert, LedgerValueError):
    """An exchange public key cannot be zero."""

    message = "An exchange public key cannot be zero"


class InvalidGatewayUrl(_Revert, LedgerValueError):
    """The gateway URL is empty or longer than `max` bytes."""

    message = "The gateway URL is empty or longer than `max` bytes"


class InvalidValidity(_Revert, LedgerValueError):
    """validUntil must be 0 (open-ended) or later than validFrom."""

    message = "validUntil must be 0 (open-ended) or later than validFrom"


class EmptyDocumentHash(_Revert, LedgerValueError):
    """The document hash is zero."""

    message = "The document hash is zero"


class MissingReasonCode(_Revert, LedgerValueError):
    """Suspension, revocation and annulment need a non-zero reason code."""

    message = "Suspension, revocation and annulment need a non-zero reason code"


class EmptyBatch(_Revert, LedgerValueError):
    """A batch must hold at least one certificate."""

    message = "A batch must hold at least one certificate"


class TooFewParties(_Revert, LedgerValueError):
    """An MRA needs at least two parties."""

    message = "An MRA needs at least two parties"


class TooManyParties(_Revert, LedgerValueError):
    """An MRA has at most `max` parties."""

    message = "An MRA has at most `max` parties"


class DuplicateParty(_Revert, LedgerValueError):
    """A party is listed twice."""

    message = "A party is listed twice"


class ProposerNotParty(_Revert, LedgerValueError):
    """The proposer must be one of the parties."""

    message = "The proposer must be one of the parties"


class InvalidMraScope(_Revert, LedgerValueError):
    """Programmes and roles of the scope must each name at least one bit."""

    message = "Programmes and roles of the scope must each name at least one bit"


class EmptyMraDocument(_Revert, LedgerValueError):
    """The agreement document hash is zero."""

    message = "The agreement document hash is zero"


class MissingMraReason(_Revert, LedgerValueError):
    """Suspension and termination need a non-zero reason code."""

    message = "Suspension and termination need a non-zero reason code"


_CATEGORIES: tuple[type[LedgerError], ...] = (
    LedgerValueError,
    NotFoundError,
    AccessDeniedError,
    ConflictError,
)


def _revert_classes() -> dict[str, type[_Revert]]:
    classes: dict[str, type[_Revert]] = {}
    for value in list(globals().values()):
        if isinstance(value, type) and issubclass(value, _Revert) and value is not _Revert:
            value.name = value.__name__
            classes[value.__name__] = value
    return classes


#: Every revert class by Solidity error name.
REVERT_CLASSES: dict[str, type[_Revert]] = _revert_classes()
#: The category of every revert class by Solidity error name.
REVERT_CATEGORIES: dict[str, type[LedgerError]] = {
    name: next(c for c in _CATEGORIES if issubclass(cls, c)) for name, cls in REVERT_CLASSES.items()
}

_ERROR_STRING = bytes.fromhex("08c379a0")  # Error(string)
_PANIC = bytes.fromhex("4e487b71")  # Panic(uint256)
_PANIC_CODES = {
    0x01: "assertion failed",
    0x11: "arithmetic overflow or underflow",
    0x12: "division by zero",
    0x21: "invalid enum value",
    0x22: "invalid storage byte array",
    0x31: "pop on an empty array",
    0x32: "array index out of bounds",
    0x41: "out of memory",
    0x51: "call to an uninitialised function",
}
_STATUS_ENUMS: dict[str, type[CertificateStatus] | type[MraStatus]] = {
    "CertificateNotActive": CertificateStatus,
    "CertificateNotSuspended": CertificateStatus,
    "CertificateClosed": CertificateStatus,
    "MraNotProposed": MraStatus,
    "MraNotActive": MraStatus,
    "MraNotSuspended": MraStatus,
}


def abi_error_names() -> frozenset[str]:
    """Names of every custom error in the contract's ABI."""
    from ledger_client.codec import ledger_codec

    return frozenset(ledger_codec().errors)


def _humanise(error: str, field: str, abi_type: str, value: Any) -> Any:
    if abi_type == "bytes2" and isinstance(value, bytes):
        try:
            text = value.decode("ascii")
        except UnicodeDecodeError:
            return "0x" + value.hex()
        return text if text.isprintable() and "\x00" not in text else "0x" + value.hex()
    if abi_type.startswith("bytes") and isinstance(value, bytes):
        return "0x" + value.hex()
    if abi_type == "address" and isinstance(value, str):
        return to_checksum_address(value)
    if field == "status" and error in _STATUS_ENUMS and isinstance(value, int):
        enum = _STATUS_ENUMS[error]
        try:
            return enum(value)
        except ValueError:
            return value
    return value


def decode_revert(data: bytes) -> LedgerError:
    """Turn revert data into the matching named exception (never raw hex for known errors).

    Custom errors of the ABI become their :class:`ContractRevert` subclass with decoded inputs;
    ``Error(string)`` and ``Panic(uint256)`` become :class:`TransactionFailedError` with a
    readable message; anything else a :class:`TransactionFailedError` naming the selector.
    """
    if len(data) < 4:
        return TransactionFailedError("the transaction reverted without a reason")
    selector, payload = bytes(data[:4]), bytes(data[4:])
    if selector == _ERROR_STRING:
        try:
            (reason,) = abi_decode(["string"], payload)
        except Exception:
            reason = "malformed Error(string) payload"
        return TransactionFailedError(f"the transaction reverted: {reason}")
    if selector == _PANIC:
        try:
            (code,) = abi_decode(["uint256"], payload)
        except Exception:
            code = -1
        meaning = _PANIC_CODES.get(code, "unknown panic")
        return TransactionFailedError(f"the contract panicked: {meaning} (code 0x{code:02x})")
    from ledger_client.codec import ledger_codec  # the codec loads the artifact, which imports this module

    error = ledger_codec().errors_by_selector.get(selector)
    if error is None:
        return TransactionFailedError(
            f"the transaction reverted with an error not in the ABI (selector 0x{selector.hex()})"
        )
    name = error.name
    try:
        values = error.decode(payload)
    except Exception:
        return TransactionFailedError(f"the transaction reverted with {name} but its arguments do not decode")
    inputs = {field: _humanise(name, field, t, v) for field, t, v in zip(error.names, error.types, values, strict=True)}
    cls = REVERT_CLASSES.get(name)
    if cls is None:
        return ContractRevert(name, inputs)
    return cls(inputs)


# --- Index and audit (ledger_client.index, ledger_client.audit) -------------------------------


class LedgerIndexError(LedgerError, RuntimeError):
    """An error of the SQLite read model (named so as not to shadow the built-in ``IndexError``)."""


class IndexConfigurationError(ConfigurationError):
    """The index database belongs to another contract, chain or schema version."""


class InvalidCursorError(LedgerValueError):
    """A pagination cursor is malformed or was issued by a different query."""


class IndexTimeoutError(LedgerError, TimeoutError):
    """The index did not reach the requested block in time."""


class LogSourceError(ChainUnavailableError):
    """A log source failed to answer, or the chain changed under a read (retry after a re-check)."""


class AuditError(LedgerError, RuntimeError):
    """An audit could not run (unknown certificate or MRA, chain not reachable)."""
