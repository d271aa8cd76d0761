"""What can go wrong with the consortium's multisig governance (one base, typed subclasses)."""

from __future__ import annotations

from ledger_client.errors import AccessDeniedError, ConfigurationError, ConflictError, LedgerValueError


class SafeArtifactsError(ConfigurationError):
    """The Safe contracts' published artifacts (npm ``@safe-global/safe-contracts``) are missing or not pinned."""


class NotASafeError(ConfigurationError):
    """The ledger's governance address is not a Safe of the pinned version (an EOA, or another contract)."""


class ProposalFileError(LedgerValueError):
    """A proposal file cannot be read, or its fields do not hash to the safeTxHash it carries."""


class WrongChainError(ConfigurationError):
    """The proposal was prepared for another chain, Safe or ledger than the one connected."""


class NotAnOwnerError(AccessDeniedError):
    """A signature is not by a current owner of the Safe (or does not match the owner it claims)."""


class NotEnoughSignaturesError(LedgerValueError):
    """The proposal carries fewer valid owners' signatures than the Safe's threshold."""


class StaleNonceError(ConflictError):
    """The proposal's Safe nonce is no longer (or not yet) the Safe's: it was executed, or another went first."""
