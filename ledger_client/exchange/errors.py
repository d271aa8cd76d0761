"""Errors of the envelope exchange (all :class:`~ledger_client.errors.LedgerError`)."""

from __future__ import annotations

from ledger_client.errors import AccessDeniedError, ConfigurationError, LedgerError, LedgerValueError


class ExchangeError(LedgerError):
    """Base of the envelope exchange's errors."""


class ExchangeRefusedError(ExchangeError, AccessDeniedError):
    """An envelope request the chain does not authorise (403): its ``reason`` is a stable slug.

    Reasons: ``bad-signature``, ``stale-timestamp``, ``replayed``, ``not-a-signer`` (the key is no
    current signer of any administration), ``another-administrations-key``, ``not-a-party`` (no
    non-terminated MRA joins the requester and this issuer), ``wrong-issuer``.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


class EnvelopeRejectedError(ExchangeError, LedgerValueError):
    """An envelope that does not open, or whose document does not match the chain (tampered or wrong key)."""


class ExchangeKeyError(ExchangeError, ConfigurationError):
    """The gateway's exchange key file is missing, unreadable or not private."""


class ExchangePeerError(ExchangeError):
    """A partner's gateway could not be reached, or answered something other than envelopes."""
