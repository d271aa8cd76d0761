"""The LedgerError hierarchy.

Every exception the library raises derives from :class:`LedgerError`; where a built-in fits,
the class also derives from it (``LedgerValueError`` is a ``ValueError``), so callers can catch
either. Custom errors reverted by the contracts surface as :class:`ContractRevert` subclasses
named after the Solidity error, with ``.name`` and the decoded ``.inputs``.
"""

from __future__ import annotations

from typing import Any


class LedgerError(Exception):
    """Base of every error raised by aeo-ledger."""


class LedgerValueError(LedgerError, ValueError):
    """An input was rejected before anything was sent: it says what is wrong and what is allowed."""


class ConfigurationError(LedgerError, ValueError):
    """The settings, the deployment manifest or the node do not fit together."""


class ChainUnavailableError(LedgerError, ConnectionError):
    """The chain node cannot be reached or did not answer in time."""


class TransactionTimeoutError(LedgerError, TimeoutError):
    """A transaction was sent but no receipt arrived in time."""


class TransactionFailedError(LedgerError, RuntimeError):
    """A transaction failed without a decodable custom error (out of gas, panic, raw revert)."""


class ContractRevert(LedgerError):
    """A contract call reverted with a custom error declared in the ABI.

    Attributes:
        name: the Solidity error name, e.g. ``"CertificateNotActive"``.
        inputs: the decoded arguments by parameter name.
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
    return repr(value)
