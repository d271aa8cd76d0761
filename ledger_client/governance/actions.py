"""The governance writes of the ledger a Safe proposal can carry, as calldata of ``AeoLedger``.

``register`` (a new administration and its first signer), ``freeze`` (keys compromised: every write of
the administration reverts), ``unfreeze``, and ``recover`` (replace every signer of a frozen
administration with one new key; it stays frozen until ``unfreeze``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger_client import validation
from ledger_client.codec import ledger_codec
from ledger_client.errors import LedgerValueError

#: Action -> (the ledger function, the arguments it takes in order).
FUNCTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "register": ("registerAdministration(bytes2,string,address)", ("code", "name", "signer")),
    "freeze": ("freezeAdministration(bytes2)", ("code",)),
    "unfreeze": ("unfreezeAdministration(bytes2)", ("code",)),
    "recover": ("recoverAdministration(bytes2,address)", ("code", "signer")),
}


@dataclass(frozen=True)
class Action:
    """One governance write: its name and its arguments by name (strings, as in a proposal file)."""

    name: str
    arguments: dict[str, str]

    @classmethod
    def of(cls, action: str, /, **arguments: str | None) -> Action:
        """A validated action; :class:`LedgerValueError` names what is wrong."""
        if action not in FUNCTIONS:
            raise LedgerValueError(f"unknown governance action {action!r}; known: {', '.join(FUNCTIONS)}")
        wanted = FUNCTIONS[action][1]
        given = {k: v for k, v in arguments.items() if v is not None}
        missing = [a for a in wanted if a not in given]
        extra = sorted(set(given) - set(wanted))
        if missing or extra:
            raise LedgerValueError(
                f"governance action {action} takes {', '.join(wanted)}"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; unexpected {', '.join(extra)}" if extra else "")
            )
        checked = {"code": validation.code(given["code"])}
        if "name" in wanted:
            checked["name"] = validation.administration_name(str(given["name"]))
        if "signer" in wanted:
            checked["signer"] = validation.address(str(given["signer"]), "signer")
        return cls(action, checked)

    @property
    def function(self) -> str:
        """The ledger function's signature."""
        return FUNCTIONS[self.name][0]

    def calldata(self) -> bytes:
        """The call of the ledger this action makes (checked against the ledger's ABI)."""
        function = ledger_codec().functions.get(self.function.partition("(")[0])
        if function is None or function.signature != self.function:
            raise LedgerValueError(f"the ledger's ABI has no {self.function}")  # pragma: no cover
        values: list[object] = []
        for argument in FUNCTIONS[self.name][1]:
            value = self.arguments[argument]
            values.append(value.encode("ascii") if argument == "code" else value)
        return function.encode(values)

    def describe(self) -> str:
        """One line for people: ``freeze administration CR``."""
        code = self.arguments["code"]
        if self.name == "register":
            return f"register administration {code} ({self.arguments['name']}) with signer {self.arguments['signer']}"
        if self.name == "recover":
            return f"recover administration {code}: its only signer becomes {self.arguments['signer']}"
        return f"{self.name} administration {code}"
