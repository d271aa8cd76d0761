"""Errors of the consortium network kit (all in the :class:`~ledger_client.errors.LedgerError` hierarchy)."""

from __future__ import annotations

from ledger_client.errors import ConflictError, LedgerValueError


class KitOptionError(LedgerValueError):
    """An option of ``consortium init`` is out of range or does not fit the contracts."""


class TooFewValidatorsError(KitOptionError):
    """QBFT needs at least four validators to tolerate one faulty or offline node."""


class UnknownAdministrationCodeError(KitOptionError):
    """A validator code is well-formed but is not an ISO 3166-1 alpha-2 country code."""


class DuplicateValidatorError(KitOptionError):
    """The same administration was listed twice among the validators."""


class KitExistsError(ConflictError, FileExistsError):
    """The output directory is not empty and ``--force`` was not given."""
