"""Read queries over the index, on a reader's own connection (WAL: readers never block the writer).

Recognition at a time T follows the on-chain view ``recognition`` (contracts/Recognition.sol and
``MraRegistry._recognisedProgrammes``) evaluated on the state recorded at T: the certificate is
Active at T and within its validity at T, the recogniser is not the issuer, and for each MRA
joining both whose status at T is Active with ``effectiveFrom <= T`` and whose roles overlap the
certificate's, the programmes overlap is recognised. The granting MRA reported is the lowest id
(the chain reports the first of its live list, the same unless several MRAs grant).

"At T" means: after every event in blocks with timestamp ``<= T``.
"""

from __future__ import annotations

import heapq
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ledger_client.index.results import (
    CertificateEventRow,
    CertificateStateAt,
    FeedEntry,
    FeedPage,
    IndexedAdministration,
    IndexedCertificate,
    IndexedExchangeKey,
    IndexedMra,
    IssuerEvent,
    MraEventRow,
    MraScope,
    Page,
    SignerPeriod,
    decode_cursor,
    encode_cursor,
)
from ledger_client.index.schema import PROGRAMME_TAG, ROLE_TAG, connect
from ledger_client.models import (
    CertificateAction,
    CertificateStatus,
    MraAction,
    MraStatus,
    Recognition,
    consents,
)

MAX_PAGE = 1_000

# Each column list names its result's fields in order (SQLite gives BLOBs as bytes).
_CHAIN_COLUMNS = "block_number, block_time, log_index, tx_hash, sender"
_TERMS_COLUMNS = "status, programmes, roles, flags, valid_from, valid_until"
_CERT_COLUMNS = f"{_TERMS_COLUMNS}, id, issuer, number, document_hash, event_count, head, issued_block, issued_time"
_EVENT_COLUMNS = f"{_CHAIN_COLUMNS}, {_TERMS_COLUMNS}, id, sequence, action, document_hash, reason_code, head"
_PREFIXED_EVENT_COLUMNS = ", ".join("e." + c.strip() for c in _EVENT_COLUMNS.split(","))
_MRA_EVENT_COLUMNS = f"{_CHAIN_COLUMNS}, mra_id, sequence, action, actor, status, reason_code, head"


def certificate_id_bytes(certificate_id: bytes | str) -> bytes:
    """A certificate id given as 32 bytes or ``0x``-hex."""
    if isinstance(certificate_id, str):
        return bytes.fromhex(certificate_id.removeprefix("0x"))
    return bytes(certificate_id)


def _limit(limit: int) -> int:
    return max(1, min(int(limit), MAX_PAGE))


def _certificate(row: Sequence[Any]) -> IndexedCertificate:
    return IndexedCertificate(CertificateStatus(row[0]), *row[1:])


def _event(row: Sequence[Any]) -> CertificateEventRow:
    values = list(row)
    values[5], values[13] = CertificateStatus(values[5]), CertificateAction(values[13])
    return CertificateEventRow(*values)


def _mra_event(row: Sequence[Any]) -> MraEventRow:
    values = list(row)
    values[7], values[9] = MraAction(values[7]), MraStatus(values[9])
    return MraEventRow(*values)


class Reader:
    """Queries on one read connection. Not shared between threads (the :class:`Index` keeps one per thread)."""

    def __init__(self, path: str | Path) -> None:
        self._conn = connect(path, readonly=True)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def cursor_block(self) -> int:
        """The last block fully indexed."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'cursor'").fetchone()
        return int(row[0]) if row else -1

    def latest_time(self) -> int:
        """Timestamp of the last indexed block (0 when none)."""
        row = self._conn.execute("SELECT timestamp FROM blocks ORDER BY number DESC LIMIT 1").fetchone()
        return int(row[0]) if row else 0

    # --- administrations -------------------------------------------------------------------

    def administration(self, code: str) -> IndexedAdministration | None:
        """One administration, or ``None``."""
        row = self._conn.execute(
            "SELECT code, name, frozen, registered_block FROM administrations WHERE code = ?", (code,)
        ).fetchone()
        if row is None:
            return None
        signers = tuple(
            r[0] for r in self._conn.execute("SELECT address FROM signers WHERE code = ? ORDER BY added_pos", (code,))
        )
        return IndexedAdministration(row[0], row[1], bool(row[2]), signers, row[3])

    def signer_periods(self, code: str, address: str) -> list[SignerPeriod]:
        """The spans during which ``address`` was a signer of ``code``, oldest first (case-insensitive address)."""
        rows = self._conn.execute(
            "SELECT kind, block_number, block_time FROM administration_events"
            " WHERE code = ? AND lower(signer) = ? AND kind IN ('registered', 'signer_added', 'signer_removed')"
            " ORDER BY pos",
            (code, address.lower()),
        ).fetchall()
        periods: list[SignerPeriod] = []
        opened: tuple[int, int] | None = None
        for kind, block_number, block_time in rows:
            if kind == "signer_removed":
                if opened is not None:
                    periods.append(SignerPeriod(code, address, *opened, block_number, block_time))
                    opened = None
            elif opened is None:
                opened = (block_number, block_time)
        if opened is not None:
            periods.append(SignerPeriod(code, address, *opened, None, None))
        return periods

    def exchange_key(self, code: str, at: int | None = None) -> IndexedExchangeKey | None:
        """``code``'s current exchange key and gateway URL (``None``: none published), or the one
        in force at Unix time ``at`` (the last published at or before it)."""
        where, args = ("code = ?", [code]) if at is None else ("code = ? AND block_time <= ?", [code, at])
        row = self._conn.execute(
            f"SELECT {_EXCHANGE_KEY_COLUMNS} FROM exchange_keys WHERE {where} ORDER BY version DESC LIMIT 1", args
        ).fetchone()
        return None if row is None else _exchange_key(row)

    def exchange_key_history(self, code: str) -> list[IndexedExchangeKey]:
        """Every publication of ``code``'s exchange key and gateway URL, oldest (version 1) first."""
        rows = self._conn.execute(
            f"SELECT {_EXCHANGE_KEY_COLUMNS} FROM exchange_keys WHERE code = ? ORDER BY version", (code,)
        ).fetchall()
        return [_exchange_key(r) for r in rows]

    def administrations(self) -> list[IndexedAdministration]:
        """Every administration, in registration order."""
        codes = [r[0] for r in self._conn.execute("SELECT code FROM administrations ORDER BY registered_block, code")]
        return [a for a in (self.administration(c) for c in codes) if a is not None]

    # --- certificates ----------------------------------------------------------------------

    def certificate(self, certificate_id: bytes | str) -> IndexedCertificate | None:
        """A certificate's current state, or ``None`` when not indexed."""
        row = self._conn.execute(
            f"SELECT {_CERT_COLUMNS} FROM certificates WHERE id = ?", (certificate_id_bytes(certificate_id),)
        ).fetchone()
        return None if row is None else _certificate(row)

    def history(
        self, certificate_id: bytes | str, cursor: str | None = None, limit: int = 100
    ) -> Page[CertificateEventRow]:
        """A certificate's events in order, paged."""
        cid = certificate_id_bytes(certificate_id)
        after = int(decode_cursor(cursor, "history")[0]) if cursor else 0
        size = _limit(limit)
        rows = self._conn.execute(
            f"SELECT {_EVENT_COLUMNS} FROM certificate_events WHERE id = ? AND sequence > ? ORDER BY sequence LIMIT ?",
            (cid, after, size + 1),
        ).fetchall()
        items = tuple(_event(r) for r in rows[:size])
        following = encode_cursor("history", items[-1].sequence) if len(rows) > size else None
        return Page(items, following)

    def certificate_event(self, certificate_id: bytes | str, sequence: int) -> CertificateEventRow | None:
        """Event number ``sequence`` (1 = issuance) of a certificate, or ``None`` when not indexed."""
        row = self._conn.execute(
            f"SELECT {_EVENT_COLUMNS} FROM certificate_events WHERE id = ? AND sequence = ?",
            (certificate_id_bytes(certificate_id), sequence),
        ).fetchone()
        return None if row is None else _event(row)

    def certificates(
        self,
        *,
        issuer: str | None = None,
        status: CertificateStatus | None = None,
        programme: int | None = None,
        role: int | None = None,
        sme: bool | None = None,
        cursor: str | None = None,
        limit: int = 100,
    ) -> Page[IndexedCertificate]:
        """Certificates matching every given filter, ordered by id, paged.

        ``programme`` and ``role`` are single bits (e.g. ``Programme.SECURITY``): certificates whose
        mask includes the bit match.
        """
        where: list[str] = []
        params: list[Any] = []
        source = "certificates c"
        tag = _tag(programme, PROGRAMME_TAG) if programme is not None else None
        role_tag = _tag(role, ROLE_TAG) if role is not None else None
        if tag is not None:
            source = "certificate_tags t JOIN certificates c ON c.id = t.id"
            where.append("t.tag = ?")
            params.append(tag)
        if role_tag is not None:
            where.append("c.id IN (SELECT id FROM certificate_tags WHERE tag = ?)")
            params.append(role_tag)
        if issuer is not None:
            where.append("c.issuer = ?")
            params.append(issuer)
        if status is not None:
            where.append("c.status = ?")
            params.append(int(status))
        if sme is not None:
            where.append("c.flags & 1 = ?")
            params.append(int(sme))
        key = "t.id" if tag is not None else "c.id"
        if cursor:
            where.append(f"{key} > ?")
            params.append(bytes.fromhex(decode_cursor(cursor, "certificates")[0]))
        size = _limit(limit)
        columns = ", ".join(f"c.{c.strip()}" for c in _CERT_COLUMNS.split(","))
        sql = f"SELECT {columns} FROM {source}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {key} LIMIT ?"
        rows = self._conn.execute(sql, (*params, size + 1)).fetchall()
        items = tuple(_certificate(r) for r in rows[:size])
        following = encode_cursor("certificates", items[-1].id.hex()) if len(rows) > size else None
        return Page(items, following)

    def status_at(self, certificate_id: bytes | str, at: int) -> CertificateStateAt:
        """The certificate's recorded state after its last event in a block with timestamp ``<= at``."""
        cid = certificate_id_bytes(certificate_id)
        row = self._conn.execute(
            "SELECT sequence, status, programmes, roles, flags, valid_from, valid_until FROM certificate_events"
            " WHERE id = ? AND block_time <= ? ORDER BY sequence DESC LIMIT 1",
            (cid, at),
        ).fetchone()
        annulled = self._conn.execute(
            "SELECT 1 FROM certificates WHERE id = ? AND status = ?", (cid, int(CertificateStatus.ANNULLED))
        ).fetchone()
        if row is None:
            return CertificateStateAt(CertificateStatus.NONE, 0, 0, 0, 0, 0, cid, at, 0, annulled is not None)
        status = CertificateStatus(row[1])
        annulled_later = annulled is not None and status != CertificateStatus.ANNULLED
        return CertificateStateAt(status, row[2], row[3], row[4], row[5], row[6], cid, at, row[0], annulled_later)

    def recognition_at(self, certificate_id: bytes | str, recognizer: str, at: int) -> Recognition:
        """Whether ``recognizer`` recognised the certificate at time ``at`` (the on-chain rule, at T)."""
        state = self.status_at(certificate_id, at)
        cid = state.certificate_id
        issuer = cid[:2].decode("latin-1")
        refused = Recognition(cid, recognizer, False, 0, 0)
        if not state.valid or recognizer == issuer or not consents(state.flags):
            return refused
        low, high = sorted((issuer, recognizer))
        rows = self._conn.execute(
            "SELECT m.id, m.programmes, m.roles, m.effective_from,"
            " (SELECT e.status FROM mra_events e WHERE e.mra_id = m.id AND e.block_time <= ?"
            "  ORDER BY e.sequence DESC LIMIT 1)"
            " FROM mra_pairs p JOIN mras m ON m.id = p.mra_id WHERE p.low = ? AND p.high = ? ORDER BY m.id",
            (at, low, high),
        ).fetchall()
        programmes = granting = 0
        for mra_id, mra_programmes, mra_roles, effective_from, status_at in rows:
            if status_at != MraStatus.ACTIVE or effective_from > at or mra_roles & state.roles == 0:
                continue
            overlap = mra_programmes & state.programmes
            if overlap:
                programmes |= overlap
                granting = granting or mra_id
        if not programmes:
            return refused
        return Recognition(cid, recognizer, True, programmes, granting)

    # --- MRAs --------------------------------------------------------------------------------

    def mra(self, mra_id: int) -> IndexedMra | None:
        """One MRA, or ``None``."""
        row = self._conn.execute(
            "SELECT id, status, proposer, programmes, roles, effective_from, document_hash, terms_hash,"
            " accepted_count, event_count, head, live_pos, terminated_pos FROM mras WHERE id = ?",
            (mra_id,),
        ).fetchone()
        if row is None:
            return None
        parties = self._conn.execute(
            "SELECT code, accepted_pos FROM mra_parties WHERE mra_id = ? ORDER BY ordinal", (mra_id,)
        ).fetchall()
        return IndexedMra(
            row[0],
            MraStatus(row[1]),
            row[2],
            tuple(p[0] for p in parties),
            tuple(p[0] for p in parties if p[1] is not None),
            row[3],
            row[4],
            row[5],
            bytes(row[6]),
            bytes(row[7]),
            row[8],
            row[9],
            bytes(row[10]),
            None if row[11] is None else row[11] >> 20,
            None if row[12] is None else row[12] >> 20,
        )

    def mras_of(self, code: str) -> list[IndexedMra]:
        """Every MRA ``code`` is party to, in proposal order."""
        ids = [
            r[0] for r in self._conn.execute("SELECT mra_id FROM mra_parties WHERE code = ? ORDER BY mra_id", (code,))
        ]
        return [m for m in (self.mra(i) for i in ids) if m is not None]

    def mra_history(self, mra_id: int) -> list[MraEventRow]:
        """An MRA's events in order."""
        rows = self._conn.execute(
            f"SELECT {_MRA_EVENT_COLUMNS} FROM mra_events WHERE mra_id = ? ORDER BY sequence", (mra_id,)
        ).fetchall()
        return [_mra_event(r) for r in rows]

    # --- partners ------------------------------------------------------------------------------

    def partner_links(self, partner: str) -> dict[str, int]:
        """Issuers with which ``partner`` has a live MRA (every party accepted, not terminated).

        Maps each issuer to the ``pos`` at which the earliest of those MRAs became live.
        """
        rows = self._conn.execute(
            "SELECT other.code, MIN(m.live_pos) FROM mra_parties me"
            " JOIN mras m ON m.id = me.mra_id"
            " JOIN mra_parties other ON other.mra_id = me.mra_id AND other.code != me.code"
            " WHERE me.code = ? AND m.status IN (?, ?) GROUP BY other.code",
            (partner, int(MraStatus.ACTIVE), int(MraStatus.SUSPENDED)),
        ).fetchall()
        return {str(code): int(pos) for code, pos in rows}

    def partner_scopes(self, partner: str) -> dict[str, tuple[MraScope, ...]]:
        """The scopes of the live MRAs (every party accepted, not terminated) joining ``partner``
        with each issuer, by issuer."""
        rows = self._conn.execute(
            "SELECT other.code, m.id, m.programmes, m.roles, m.live_pos FROM mra_parties me"
            " JOIN mras m ON m.id = me.mra_id"
            " JOIN mra_parties other ON other.mra_id = me.mra_id AND other.code != me.code"
            " WHERE me.code = ? AND m.status IN (?, ?) ORDER BY other.code, m.id",
            (partner, int(MraStatus.ACTIVE), int(MraStatus.SUSPENDED)),
        ).fetchall()
        scopes: dict[str, list[MraScope]] = {}
        for issuer, mra_id, programmes, roles, live_pos in rows:
            scopes.setdefault(str(issuer), []).append(MraScope(int(mra_id), programmes, roles, int(live_pos)))
        return {issuer: tuple(found) for issuer, found in scopes.items()}

    def inbox(self, partner: str, cursor: str | None = None, limit: int = 100) -> Page[CertificateEventRow]:
        """Certificate events ``partner`` still has to act on, oldest first.

        Precisely: events ``partner`` has not acknowledged, of certificates whose issuer shares a
        live MRA with ``partner`` now, recorded after that MRA became live, where the MRA's scope
        overlaps the certificate's (some programme and some role in common: the scope rule of
        recognition) in the state the event left it in or in the state before it (an amendment
        that takes a certificate out of the scope is still acted on). Events of certificates no
        such MRA covers are not the partner's business. (After termination the chain refuses
        acknowledgements, so those events leave the inbox.)
        """
        after = int(decode_cursor(cursor, "inbox")[0]) if cursor else -1
        size = _limit(limit)
        streams = []
        for issuer, scopes in sorted(self.partner_scopes(partner).items()):
            clauses: list[str] = []
            params: list[Any] = [issuer, after, partner]
            for scope in scopes:
                clauses.append(
                    "(e.pos > ? AND ((e.programmes & ? != 0 AND e.roles & ? != 0)"
                    " OR (p.programmes & ? != 0 AND p.roles & ? != 0)))"
                )
                params += [scope.live_pos, scope.programmes, scope.roles, scope.programmes, scope.roles]
            sql = (
                f"SELECT e.pos, {_PREFIXED_EVENT_COLUMNS} FROM certificate_events e"
                " LEFT JOIN certificate_events p ON p.id = e.id AND p.sequence = e.sequence - 1"
                " WHERE e.issuer = ? AND e.pos > ? AND NOT EXISTS (SELECT 1 FROM acknowledgements a"
                "  WHERE a.id = e.id AND a.partner = ? AND a.sequence = e.sequence)"
                f" AND ({' OR '.join(clauses)}) ORDER BY e.pos LIMIT ?"
            )
            streams.append(self._conn.execute(sql, (*params, size + 1)).fetchall())
        merged = list(heapq.merge(*streams, key=lambda r: int(r[0])))[: size + 1]
        items = tuple(_event(r[1:]) for r in merged[:size])
        following = encode_cursor("inbox", int(merged[size - 1][0])) if len(merged) > size else None
        return Page(items, following)

    def feed(self, partner: str, cursor: str | None = None, limit: int = 100) -> FeedPage:
        """Every certificate event of the issuers ``partner`` has a live MRA with, since ``cursor``.

        The whole history of those issuers (a partner synchronising its national system needs the
        certificates issued before the MRA too), each with its acknowledgement by ``partner``.
        The page's ``next_cursor`` is always set (see :class:`FeedPage`): a poller that reached the
        end resumes from it.
        """
        after = int(decode_cursor(cursor, "feed")[0]) if cursor else -1
        size = _limit(limit)
        streams = []
        for issuer in sorted(self.partner_links(partner)):
            sql = (
                f"SELECT e.pos, {_PREFIXED_EVENT_COLUMNS}, a.block_number"
                " FROM certificate_events e LEFT JOIN acknowledgements a"
                " ON a.id = e.id AND a.partner = ? AND a.sequence = e.sequence"
                " WHERE e.issuer = ? AND e.pos > ? ORDER BY e.pos LIMIT ?"
            )
            streams.append(self._conn.execute(sql, (partner, issuer, after, size + 1)).fetchall())
        merged = list(heapq.merge(*streams, key=lambda r: int(r[0])))[: size + 1]
        entries = tuple(FeedEntry(_event(r[1:-1]), r[-1] is not None, r[-1]) for r in merged[:size])
        last = int(merged[len(entries) - 1][0]) if entries else after
        return FeedPage(entries, encode_cursor("feed", last), len(merged) > size)

    def recent_events(self, issuer: str, limit: int = 20) -> list[IssuerEvent]:
        """The latest events of ``issuer``'s certificates, newest first, each with the partners that
        acknowledged it (the issuer's view of whether MRA partners applied its changes)."""
        rows = self._conn.execute(
            f"SELECT {_EVENT_COLUMNS} FROM certificate_events WHERE issuer = ? ORDER BY pos DESC LIMIT ?",
            (issuer, _limit(limit)),
        ).fetchall()
        events = [_event(r) for r in rows]
        acknowledged: dict[tuple[bytes, int], list[str]] = {}
        for event in events:
            for (partner,) in self._conn.execute(
                "SELECT partner FROM acknowledgements WHERE id = ? AND sequence = ? ORDER BY partner",
                (event.certificate_id, event.sequence),
            ):
                acknowledged.setdefault((event.certificate_id, event.sequence), []).append(str(partner))
        return [IssuerEvent(e, tuple(acknowledged.get((e.certificate_id, e.sequence), ()))) for e in events]

    # --- raw helpers for KPIs and audits ------------------------------------------------------------

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read-only SQL query (for reports; the connection is ``query_only``)."""
        return list(self._conn.execute(sql, tuple(params)).fetchall())

    @property
    def connection(self) -> sqlite3.Connection:
        """The underlying read-only connection."""
        return self._conn


def _tag(bit: int, base: int) -> int:
    value = int(bit)
    if value <= 0 or value & (value - 1):
        from ledger_client.errors import LedgerValueError

        raise LedgerValueError(f"filter must be a single programme or role bit, got {value:#x}")
    return base | (value.bit_length() - 1)


_EXCHANGE_KEY_COLUMNS = "code, version, public_key, gateway_url, block_number, block_time, tx_hash, sender"


def _exchange_key(row: Sequence[Any]) -> IndexedExchangeKey:
    return IndexedExchangeKey(
        str(row[0]), int(row[1]), bytes(row[2]), str(row[3]), int(row[4]), int(row[5]), bytes(row[6]), row[7]
    )
