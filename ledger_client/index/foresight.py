"""What the index knows about a write before it is sent: the contract's refusals it can foresee.

Each rule mirrors a ``revert`` of the contracts (contracts/*.sol) on the indexed state: unknown
certificates, MRAs, administrations and signers (404), transitions from the wrong status, things
already done (409), a sender that is no signer or whose administration is frozen (403). A rule
only raises a doubt: the write is then pre-flighted with ``eth_call`` (see
:mod:`ledger_client.foresight`), so a rule can never refuse what the chain would accept, and an
index a few blocks behind costs one call. Writes no rule doubts go out unchecked as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ledger_client.hashing import certificate_id
from ledger_client.index.core import Index
from ledger_client.index.queries import Reader
from ledger_client.models import CertificateStatus, MraStatus

#: ``AdministrationRegistry.MAX_SIGNERS`` and ``MraRegistry.MAX_LIVE_MRAS_PER_PAIR``.
MAX_SIGNERS = 8
MAX_LIVE_MRAS_PER_PAIR = 8

_CLOSED = (int(CertificateStatus.REVOKED), int(CertificateStatus.ANNULLED))
Rule = Callable[[Reader, str, Sequence[Any]], str | None]


def _code(raw: bytes | str) -> str:
    return raw if isinstance(raw, str) else bytes(raw).decode("ascii", "replace")


def _writer(reader: Reader, sender: str) -> tuple[str | None, str | None]:
    """The sender's administration, and a doubt when it may not write (no signer, frozen)."""
    rows = reader.execute(
        "SELECT s.code, a.frozen FROM signers s JOIN administrations a ON a.code = s.code"
        " WHERE lower(s.address) = lower(?)",
        (sender,),
    )
    if not rows:
        return None, f"{sender} is not a signer of any administration"
    code, frozen = str(rows[0][0]), bool(rows[0][1])
    return code, (f"administration {code} is frozen" if frozen else None)


def _certificate(reader: Reader, sender: str, cid: bytes, allowed: Sequence[int], what: str) -> str | None:
    code, doubt = _writer(reader, sender)
    if doubt is not None:
        return doubt
    issuer = bytes(cid[:2]).decode("ascii", "replace")
    if issuer != code:
        return f"certificate 0x{bytes(cid).hex()} is {issuer}'s, not {code}'s"
    rows = reader.execute("SELECT status FROM certificates WHERE id = ?", (bytes(cid),))
    if not rows:
        return f"no certificate 0x{bytes(cid).hex()}"
    status = int(rows[0][0])
    if status not in allowed:
        return f"certificate 0x{bytes(cid).hex()} is {CertificateStatus(status).name}: cannot {what}"
    return None


def _status_rule(allowed: Sequence[CertificateStatus], what: str) -> Rule:
    codes = tuple(int(s) for s in allowed)
    return lambda reader, sender, args: _certificate(reader, sender, bytes(args[0]), codes, what)


def _open_rule(what: str) -> Rule:
    codes = tuple(int(s) for s in CertificateStatus if int(s) not in _CLOSED and s != CertificateStatus.NONE)
    return lambda reader, sender, args: _certificate(reader, sender, bytes(args[0]), codes, what)


def _issued(reader: Reader, sender: str, numbers: Sequence[str]) -> str | None:
    code, doubt = _writer(reader, sender)
    if doubt is not None or code is None:
        return doubt
    ids = []
    for number in numbers:
        try:
            ids.append(certificate_id(code, number))
        except ValueError:
            return f"certificate number {number!r} cannot be encoded"
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        found = reader.execute(f"SELECT id FROM certificates WHERE id IN ({marks}) LIMIT 1", chunk)
        if found:
            return f"certificate 0x{bytes(found[0][0]).hex()} is already issued"
    return None


def _issue(reader: Reader, sender: str, args: Sequence[Any]) -> str | None:
    return _issued(reader, sender, [str(args[0])])


def _issue_batch(reader: Reader, sender: str, args: Sequence[Any]) -> str | None:
    return _issued(reader, sender, [str(n) for n in args[0]])


def _acknowledge(reader: Reader, sender: str, args: Sequence[Any]) -> str | None:
    partner, doubt = _writer(reader, sender)
    if doubt is not None or partner is None:
        return doubt
    cid, sequence = bytes(args[0]), int(args[1])
    rows = reader.execute("SELECT event_count FROM certificates WHERE id = ?", (cid,))
    if not rows:
        return f"no certificate 0x{cid.hex()}"
    issuer = cid[:2].decode("ascii", "replace")
    if issuer == partner or issuer not in reader.partner_links(partner):
        return f"{partner} has no live MRA with {issuer}"
    if not 1 <= sequence <= int(rows[0][0]):
        return f"certificate 0x{cid.hex()} has no event {sequence}"
    if reader.execute(
        "SELECT 1 FROM acknowledgements WHERE id = ? AND partner = ? AND sequence = ?", (cid, partner, sequence)
    ):
        return f"{partner} already acknowledged event {sequence} of 0x{cid.hex()}"
    return None


def _mra_rule(allowed: Sequence[MraStatus], what: str, *, accepting: bool = False) -> Rule:
    codes = tuple(int(s) for s in allowed)

    def rule(reader: Reader, sender: str, args: Sequence[Any]) -> str | None:
        code, doubt = _writer(reader, sender)
        if doubt is not None:
            return doubt
        mra_id = int(args[0])
        rows = reader.execute("SELECT status FROM mras WHERE id = ?", (mra_id,))
        if not rows:
            return f"no MRA {mra_id}"
        party = reader.execute("SELECT accepted_pos FROM mra_parties WHERE mra_id = ? AND code = ?", (mra_id, code))
        if not party:
            return f"{code} is not a party to MRA {mra_id}"
        status = int(rows[0][0])
        if status not in codes:
            return f"MRA {mra_id} is {MraStatus(status).name}: cannot {what}"
        if accepting and party[0][0] is not None:
            return f"{code} already accepted MRA {mra_id}"
        return None

    return rule


def _propose(reader: Reader, sender: str, args: Sequence[Any]) -> str | None:
    _, doubt = _writer(reader, sender)
    if doubt is not None:
        return doubt
    parties = sorted({_code(p) for p in args[0]})
    known = {str(r[0]) for r in reader.execute("SELECT code FROM administrations")}
    unknown = [p for p in parties if p not in known]
    if unknown:
        return f"unknown administration {unknown[0]}"
    for i, low in enumerate(parties):
        for high in parties[i + 1 :]:
            (count,) = reader.execute(
                "SELECT COUNT(*) FROM mra_pairs p JOIN mras m ON m.id = p.mra_id"
                " WHERE p.low = ? AND p.high = ? AND m.status IN (?, ?)",
                (low, high, int(MraStatus.ACTIVE), int(MraStatus.SUSPENDED)),
            )[0]
            if int(count) >= MAX_LIVE_MRAS_PER_PAIR:
                return f"{low} and {high} already have {count} live MRAs"
    return None


def _administration(reader: Reader, code: str) -> tuple[bool, bool]:
    """(registered, frozen)."""
    rows = reader.execute("SELECT frozen FROM administrations WHERE code = ?", (code,))
    return (bool(rows), bool(rows and rows[0][0]))


def _signer_code(reader: Reader, address: str) -> str | None:
    rows = reader.execute("SELECT code FROM signers WHERE lower(address) = lower(?)", (address,))
    return str(rows[0][0]) if rows else None


def _register(reader: Reader, sender: str, args: Sequence[Any]) -> str | None:
    code = _code(args[0])
    if _administration(reader, code)[0]:
        return f"administration {code} is already registered"
    holder = _signer_code(reader, str(args[2]))
    return None if holder is None else f"{args[2]} is already a signer of {holder}"


def _freeze(reader: Reader, sender: str, args: Sequence[Any]) -> str | None:
    code = _code(args[0])
    registered, frozen = _administration(reader, code)
    if not registered:
        return f"no administration {code}"
    return f"administration {code} is already frozen" if frozen else None


def _unfrozen_doubt(reader: Reader, code: str) -> str | None:
    registered, frozen = _administration(reader, code)
    if not registered:
        return f"no administration {code}"
    return None if frozen else f"administration {code} is not frozen"


def _unfreeze(reader: Reader, sender: str, args: Sequence[Any]) -> str | None:
    return _unfrozen_doubt(reader, _code(args[0]))


def _recover(reader: Reader, sender: str, args: Sequence[Any]) -> str | None:
    doubt = _unfrozen_doubt(reader, _code(args[0]))
    holder = _signer_code(reader, str(args[1]))
    return doubt or (None if holder is None else f"{args[1]} is already a signer of {holder}")


def _add_signer(reader: Reader, sender: str, args: Sequence[Any]) -> str | None:
    code, doubt = _writer(reader, sender)
    if doubt is not None:
        return doubt
    holder = _signer_code(reader, str(args[0]))
    if holder is not None:
        return f"{args[0]} is already a signer of {holder}"
    (count,) = reader.execute("SELECT COUNT(*) FROM signers WHERE code = ?", (code,))[0]
    return f"{code} already has {count} signers" if int(count) >= MAX_SIGNERS else None


def _remove_signer(reader: Reader, sender: str, args: Sequence[Any]) -> str | None:
    code, doubt = _writer(reader, sender)
    if doubt is not None:
        return doubt
    if _signer_code(reader, str(args[0])) != code:
        return f"{args[0]} is not a signer of {code}"
    (count,) = reader.execute("SELECT COUNT(*) FROM signers WHERE code = ?", (code,))[0]
    return f"{args[0]} is {code}'s last signer" if int(count) <= 1 else None


def _publish_exchange_key(reader: Reader, sender: str, args: Sequence[Any]) -> str | None:
    """Any signer of a registered, unfrozen administration (the key and URL are validated before)."""
    return _writer(reader, sender)[1]


_ACTIVE, _SUSPENDED = CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED
#: The rule of every contract write by function name.
RULES: dict[str, Rule] = {
    "issue": _issue,
    "issueBatch": _issue_batch,
    "suspend": _status_rule((_ACTIVE,), "suspend"),
    "reinstate": _status_rule((_SUSPENDED,), "reinstate"),
    "revoke": _open_rule("revoke"),
    "annul": _open_rule("annul"),
    "amend": _open_rule("amend"),
    "renew": _open_rule("renew"),
    "acknowledge": _acknowledge,
    "proposeMra": _propose,
    "acceptMra": _mra_rule((MraStatus.PROPOSED,), "accept", accepting=True),
    "suspendMra": _mra_rule((MraStatus.ACTIVE,), "suspend"),
    "resumeMra": _mra_rule((MraStatus.SUSPENDED,), "resume"),
    "terminateMra": _mra_rule((MraStatus.PROPOSED, MraStatus.ACTIVE, MraStatus.SUSPENDED), "terminate"),
    "registerAdministration": _register,
    "freezeAdministration": _freeze,
    "unfreezeAdministration": _unfreeze,
    "recoverAdministration": _recover,
    "addSigner": _add_signer,
    "removeSigner": _remove_signer,
    "publishExchangeKey": _publish_exchange_key,
}


class IndexForesight:
    """A :class:`~ledger_client.foresight.Foresight` answered from an index (this thread's reader)."""

    def __init__(self, index: Index) -> None:
        self._index = index

    def doubt(self, function: str, sender: str, args: Sequence[Any]) -> str | None:
        """Why the index expects ``function(*args)`` from ``sender`` to revert (None: no reason known)."""
        rule = RULES.get(function)
        return None if rule is None else rule(self._index.reader, sender, args)
