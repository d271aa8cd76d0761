"""How a write of an earlier contract version is sent to the current version (issue #14).

The migration (:mod:`ledger_client.migration`) replays every write of the old deployment on a new
deployment of the current version. A write of the same version is sent unchanged. A write of a
known earlier version (:data:`ledger_client.artifacts.PREVIOUS`) is decoded with that version's
ABI and re-encoded for the current ABI by its version's :class:`Translation`, which lists, function
by function, what the write becomes; a call of a function a translation does not list, or whose
arguments it cannot carry, raises :class:`TranslationError`, and :func:`plan_migration
<ledger_client.migration.plan_migration>` refuses the whole migration before anything is sent.

A new contract version adds, next to its predecessor's artifact in ``PREVIOUS``, an entry in
:data:`TRANSLATIONS` for it (and revisits the existing ones: each translates to the current ABI).

**c526977** (before consent and exchange keys). Every write keeps its function and arguments; the
current ABI only adds ``publishExchangeKey``, ``exchangeKey``, two errors and two events. The one
change of meaning is flag bit 1 of ``issue``, ``issueBatch`` and ``amend``: c526977 refused every
flag but bit 0 (SME), the current version reads bit 1 as "consent withheld". A certificate issued
before consent existed was exchanged under the MRAs of its time, so it is carried with consent
*given* (bit 1 clear): its recognition stays what it was (withheld, no partner would recognise it).
The translation checks the flags are 0 or 1, so no carried write withholds consent. The current
version's events for these writes are c526977's (``CertificateConsentChanged`` is emitted only when
bit 1 changes, never in this replay) and it hashes the same fields into each history head, so
every certificate and MRA head of the new deployment equals the old one.

**f1f0e5d** (the version of 2026-12-02). The current ABI, events, errors and storage; only
``issueBatch``'s code differs (it now writes its return data in place). Every write is sent
unchanged, flags included.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode as abi_decode

from ledger_client.codec import FunctionAbi, LedgerCodec
from ledger_client.errors import LedgerError

#: The arguments of an old call (as decoded with the old ABI) → the current function's arguments.
Rewrite = Callable[[tuple[Any, ...]], tuple[Any, ...]]


class TranslationError(LedgerError):
    """A write of an earlier version that the current version cannot be sent as the same write."""


@dataclass(frozen=True)
class Translation:
    """How the writes of one earlier version become calls of the current version (same name)."""

    label: str
    rewrites: Mapping[str, Rewrite]


def _same(args: tuple[Any, ...]) -> tuple[Any, ...]:
    return args


#: Flag bit 0 (SME) is the only flag c526977 accepted.
_C526977_FLAGS = 1


def _c526977_flags(flags: int) -> None:
    if flags & ~_C526977_FLAGS:
        raise TranslationError(
            f"flags {flags:#04x} were never valid in c526977 (bit 0, SME, only): the current version would read "
            "bit 1 as consent withheld"
        )


def _c526977_issue(args: tuple[Any, ...]) -> tuple[Any, ...]:
    _c526977_flags(int(args[0][3]))
    return args


def _c526977_issue_batch(args: tuple[Any, ...]) -> tuple[Any, ...]:
    for item in args[0]:
        _c526977_flags(int(item[3]))
    return args


def _c526977_amend(args: tuple[Any, ...]) -> tuple[Any, ...]:
    _c526977_flags(int(args[3]))
    return args


_C526977_UNCHANGED = (
    "registerAdministration",
    "freezeAdministration",
    "unfreezeAdministration",
    "recoverAdministration",
    "addSigner",
    "removeSigner",
    "suspend",
    "reinstate",
    "revoke",
    "annul",
    "renew",
    "proposeMra",
    "acceptMra",
    "suspendMra",
    "resumeMra",
    "terminateMra",
    "acknowledge",
)

#: Every write of f1f0e5d: c526977's and the four it added or changed, all as they are now.
_F1F0E5D_UNCHANGED = (*_C526977_UNCHANGED, "issue", "issueBatch", "amend", "publishExchangeKey")

#: ``(contract, sourcesSha256)`` of each known earlier version → its translation to the current ABI.
TRANSLATIONS: dict[tuple[str, str], Translation] = {
    ("AeoLedger", "14fbed086ad834a37d9173da1b30dcbc4fe6901a23e1639ac2331b1d09acdaed"): Translation(
        "c526977",
        {
            **dict.fromkeys(_C526977_UNCHANGED, _same),
            "issue": _c526977_issue,
            "issueBatch": _c526977_issue_batch,
            "amend": _c526977_amend,
        },
    ),
    ("AeoLedger", "172184625b1ced2cf645d8e616a5a045bc28c72f241c4f054e4f810910d865a3"): Translation(
        "f1f0e5d", dict.fromkeys(_F1F0E5D_UNCHANGED, _same)
    ),
}


def translation_for(contract: str, sources_sha256: str) -> Translation:
    """The translation of an earlier version; :class:`TranslationError` when there is none."""
    translation = TRANSLATIONS.get((contract, sources_sha256))
    if translation is None:
        known = ", ".join(t.label for (name, _), t in TRANSLATIONS.items() if name == contract) or "none"
        raise TranslationError(
            f"no translation from {contract} version {sources_sha256[:12]} to the current version "
            f"(versions with one: {known}): it cannot be migrated by this client"
        )
    return translation


def translate(old: LedgerCodec, new: LedgerCodec, translation: Translation, data: bytes) -> bytes:
    """The current version's calldata for ``data``, a write of the version ``old`` decodes."""
    by_selector: dict[bytes, FunctionAbi] = {f.selector: f for f in old.functions.values()}
    function = by_selector.get(bytes(data[:4]))
    if function is None:
        raise TranslationError(f"selector 0x{bytes(data[:4]).hex()} is no function of {translation.label}")
    rewrite = translation.rewrites.get(function.name)
    target = new.functions.get(function.name)
    if rewrite is None or target is None:
        raise TranslationError(f"{translation.label}'s {function.name} has no translation to the current version")
    args = tuple(abi_decode(list(function.inputs), bytes(data[4:])))
    return target.encode(rewrite(args))
