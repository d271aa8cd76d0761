"""Writes of the read model: applying decoded events, the cursor, and rewinding after a reorg.

Everything a batch of blocks changes — its events, the block headers and the cursor — commits
in one SQLite transaction, so a crash leaves the index at a block boundary it can resume from.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from itertools import combinations
from typing import Any

from ledger_client.errors import IndexConfigurationError
from ledger_client.events import (
    AdministrationFrozenChanged,
    AdministrationRegistered,
    CertificateAmended,
    CertificateConsentChanged,
    CertificateEvent,
    CertificateEventAcknowledged,
    CertificateIssued,
    CertificateRenewed,
    CertificateStatusChanged,
    EventRecord,
    ExchangeKeyPublished,
    LogPosition,
    MraAccepted,
    MraProposed,
    MraStatusChanged,
    SignerChanged,
    Terms,
)
from ledger_client.hashing import mra_terms_hash
from ledger_client.index.kpi_months import KpiMonths, KpiState
from ledger_client.index.schema import PROGRAMME_TAG, ROLE_TAG, SCHEMA_VERSION, create_schema
from ledger_client.index.sources import BlockHeader
from ledger_client.models import CertificateAction, CertificateStatus, MraAction, MraStatus

ZERO32 = b"\x00" * 32

_STATUS_AFTER = {
    CertificateAction.SUSPENDED: CertificateStatus.SUSPENDED,
    CertificateAction.REINSTATED: CertificateStatus.ACTIVE,
    CertificateAction.REVOKED: CertificateStatus.REVOKED,
    CertificateAction.ANNULLED: CertificateStatus.ANNULLED,
}

_CERT_EVENT_INSERT = (
    "INSERT INTO certificate_events (id, sequence, issuer, pos, action, status, programmes, roles, flags,"
    " valid_from, valid_until, document_hash, reason_code, head, block_number, block_time, log_index, tx_hash,"
    " sender) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)


def first_pos_of_block(block: int) -> int:
    """The smallest ``pos`` of any event in ``block``."""
    return block << 20


def tags_of(programmes: int, roles: int) -> list[int]:
    """The programme and role tags of a certificate (one per set bit)."""
    tags = [PROGRAMME_TAG | bit for bit in range(8) if programmes >> bit & 1]
    tags += [ROLE_TAG | bit for bit in range(16) if roles >> bit & 1]
    return tags


def _kpi_state(status: CertificateStatus, terms: Terms) -> KpiState:
    """What the KPI month aggregates see of a certificate's state."""
    return int(status), terms.programmes, terms.valid_until


class Store:
    """The single writer of an index database."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        create_schema(conn)
        self._kpi_months = KpiMonths(conn)
        if not self._kpi_months.maintained():  # a database written before the table existed
            with self.transaction():
                self._kpi_months.rebuild()
        self._handlers: dict[type, Callable[[Any, LogPosition], None]] = {
            AdministrationRegistered: self._administration_registered,
            AdministrationFrozenChanged: self._administration_frozen,
            SignerChanged: self._signer_changed,
            ExchangeKeyPublished: self._exchange_key_published,
            CertificateConsentChanged: self._consent_changed,
            CertificateIssued: self._certificate_issued,
            CertificateStatusChanged: self._certificate_status,
            CertificateAmended: self._certificate_amended,
            CertificateRenewed: self._certificate_renewed,
            MraProposed: self._mra_proposed,
            MraAccepted: self._mra_accepted,
            MraStatusChanged: self._mra_status,
            CertificateEventAcknowledged: self._acknowledged,
        }

    # --- meta and cursor -------------------------------------------------------------------

    def bind(self, address: str, start_block: int, chain_id: int | None) -> None:
        """Record (first run) or check (later runs) which deployment this database follows."""
        expected = {
            "schema_version": str(SCHEMA_VERSION),
            "address": address.lower(),
            "start_block": str(start_block),
        }
        if chain_id is not None:
            expected["chain_id"] = str(chain_id)
        stored = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
        for key, value in expected.items():
            if key in stored and stored[key] != value:
                raise IndexConfigurationError(
                    f"index database has {key}={stored[key]!r} but this index follows {key}={value!r}; "
                    "use another file or delete it (the index is rebuilt from the chain)"
                )
        with self.transaction():
            for key, value in expected.items():
                self._conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (key, value))
            self._conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('cursor', ?)", (str(start_block - 1),))

    def bind_start_hash(self, start_block: int, start_hash: bytes | None) -> bytes | None:
        """Record (or check) the deployment block's hash; return the recorded one.

        A database built from a chain whose deployment block had another hash (the chain was reset
        and the ledger redeployed at the same block) is emptied: its rows describe a chain that is
        gone.
        """
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'start_hash'").fetchone()
        stored = None if row is None else bytes.fromhex(str(row[0]))
        if start_hash is None or stored == start_hash:
            return stored
        if stored is not None:
            self.rewind(start_block - 1)
        with self.transaction():
            self._conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('start_hash', ?)", (start_hash.hex(),))
        return start_hash

    def cursor(self) -> int:
        """The last block whose events are all in the index."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'cursor'").fetchone()
        return int(row[0]) if row else -1

    def stored_hash(self, number: int) -> bytes | None:
        """The hash recorded for block ``number`` (``None`` when not recorded)."""
        row = self._conn.execute("SELECT hash FROM blocks WHERE number = ?", (number,)).fetchone()
        return None if row is None else bytes(row[0])

    def stored_blocks_desc(self, below_or_at: int) -> list[int]:
        """Recorded block numbers at or below ``below_or_at``, newest first."""
        rows = self._conn.execute(
            "SELECT number FROM blocks WHERE number <= ? ORDER BY number DESC", (below_or_at,)
        ).fetchall()
        return [int(r[0]) for r in rows]

    def transaction(self) -> _Transaction:
        """``with store.transaction(): ...`` — BEGIN IMMEDIATE / COMMIT, ROLLBACK on error."""
        return _Transaction(self._conn)

    # --- forward ---------------------------------------------------------------------------

    def commit_blocks(
        self, records: Sequence[EventRecord], headers: Iterable[BlockHeader], cursor: BlockHeader
    ) -> None:
        """Apply the events of some blocks, record their headers and move the cursor, atomically."""
        self._kpi_months.reset()
        with self.transaction():
            execute = self._conn.execute
            for header in (*headers, cursor):
                execute(
                    "INSERT OR REPLACE INTO blocks (number, hash, parent_hash, timestamp) VALUES (?,?,?,?)",
                    (header.number, header.hash, header.parent_hash, header.timestamp),
                )
            handlers = self._handlers
            for record in records:
                handlers[type(record.event)](record.event, record.position)
            self._kpi_months.flush()
            execute("UPDATE meta SET value = ? WHERE key = 'cursor'", (str(cursor.number),))

    def _administration_registered(self, e: AdministrationRegistered, p: LogPosition) -> None:
        execute = self._conn.execute
        execute(
            "INSERT OR REPLACE INTO administrations (code, name, frozen, registered_block, registered_time)"
            " VALUES (?, ?, 0, ?, ?)",
            (e.code, e.name, p.block_number, p.block_time),
        )
        execute("INSERT OR IGNORE INTO signers (code, address, added_pos) VALUES (?,?,?)", (e.code, e.signer, p.pos))
        self._administration_event(e.code, "registered", p, name=e.name, signer=e.signer)

    def _administration_frozen(self, e: AdministrationFrozenChanged, p: LogPosition) -> None:
        self._conn.execute("UPDATE administrations SET frozen = ? WHERE code = ?", (int(e.frozen), e.code))
        self._administration_event(e.code, "frozen" if e.frozen else "unfrozen", p)

    def _signer_changed(self, e: SignerChanged, p: LogPosition) -> None:
        if e.added:
            self._conn.execute(
                "INSERT OR IGNORE INTO signers (code, address, added_pos) VALUES (?,?,?)", (e.code, e.signer, p.pos)
            )
        else:
            self._conn.execute("DELETE FROM signers WHERE code = ? AND address = ?", (e.code, e.signer))
        kind = "signer_added" if e.added else "signer_removed"
        self._administration_event(e.code, kind, p, signer=e.signer, actor=e.by)

    def _exchange_key_published(self, e: ExchangeKeyPublished, p: LogPosition) -> None:
        # One row per publication: the current key is the highest version, the rest its history;
        # a rewind deletes the rows above the fork and leaves the right current one.
        self._conn.execute(
            "INSERT OR REPLACE INTO exchange_keys (code, version, pos, public_key, gateway_url, block_number,"
            " block_time, tx_hash, sender) VALUES (?,?,?,?,?,?,?,?,?)",
            (e.code, e.version, p.pos, e.public_key, e.gateway_url, p.block_number, p.block_time, p.tx_hash, p.sender),
        )

    def _consent_changed(self, e: CertificateConsentChanged, p: LogPosition) -> None:
        """Nothing to store: the amendment just before it carries the new flags (consent bit)."""

    def _administration_event(
        self,
        code: str,
        kind: str,
        p: LogPosition,
        *,
        name: str | None = None,
        signer: str | None = None,
        actor: str | None = None,
    ) -> None:
        self._conn.execute(
            "INSERT INTO administration_events (pos, code, kind, name, signer, actor, block_number, block_time,"
            " tx_hash, sender) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (p.pos, code, kind, name, signer, actor, p.block_number, p.block_time, p.tx_hash, p.sender),
        )

    def _certificate_issued(self, e: CertificateIssued, p: LogPosition) -> None:
        execute = self._conn.execute
        execute(
            "INSERT INTO certificates (id, issuer, number, status, programmes, roles, flags, valid_from, valid_until,"
            " document_hash, event_count, head, issued_block, issued_time, updated_pos)"
            " VALUES (?,?,?,1,?,?,?,?,?,?,1,?,?,?,?)",
            (
                e.certificate_id,
                e.issuer,
                e.number,
                *e.terms,
                e.document_hash,
                e.head,
                p.block_number,
                p.block_time,
                p.pos,
            ),
        )
        terms = e.terms
        self._conn.executemany(
            "INSERT INTO certificate_tags (tag, id) VALUES (?, ?)",
            [(tag, e.certificate_id) for tag in tags_of(terms.programmes, terms.roles)],
        )
        self._certificate_event(
            e,
            p,
            status=CertificateStatus.ACTIVE,
            terms=terms,
            document_hash=e.document_hash,
            reason_code=0,
            before=None,
        )

    def _current(self, certificate_id: bytes) -> tuple[CertificateStatus, Terms]:
        """The certificate's stored status and terms (its state before the event being applied)."""
        row = self._conn.execute(
            "SELECT status, programmes, roles, flags, valid_from, valid_until FROM certificates WHERE id = ?",
            (certificate_id,),
        ).fetchone()
        if row is None:
            raise IndexConfigurationError(
                f"event for unknown certificate 0x{certificate_id.hex()}: the index started after its issue"
            )
        return CertificateStatus(int(row[0])), Terms(int(row[1]), int(row[2]), int(row[3]), int(row[4]), int(row[5]))

    def _certificate_status(self, e: CertificateStatusChanged, p: LogPosition) -> None:
        before, terms = self._current(e.certificate_id)
        status = _STATUS_AFTER[e.action]
        self._conn.execute(
            "UPDATE certificates SET status = ?, event_count = ?, head = ?, updated_pos = ? WHERE id = ?",
            (int(status), e.sequence, e.head, p.pos, e.certificate_id),
        )
        self._certificate_event(
            e,
            p,
            status=status,
            terms=terms,
            document_hash=ZERO32,
            reason_code=e.reason_code,
            before=_kpi_state(before, terms),
        )

    def _certificate_amended(self, e: CertificateAmended, p: LogPosition) -> None:
        status, previous = self._current(e.certificate_id)
        self._conn.execute(
            "UPDATE certificates SET programmes = ?, roles = ?, flags = ?, valid_from = ?, valid_until = ?,"
            " document_hash = ?, event_count = ?, head = ?, updated_pos = ? WHERE id = ?",
            (*e.terms, e.document_hash, e.sequence, e.head, p.pos, e.certificate_id),
        )
        terms = e.terms
        self._retag(e.certificate_id, terms.programmes, terms.roles)
        self._certificate_event(
            e,
            p,
            status=status,
            terms=terms,
            document_hash=e.document_hash,
            reason_code=e.reason_code,
            before=_kpi_state(status, previous),
        )

    def _certificate_renewed(self, e: CertificateRenewed, p: LogPosition) -> None:
        status, previous = self._current(e.certificate_id)
        terms = previous.renewed(e.valid_from, e.valid_until)
        self._conn.execute(
            "UPDATE certificates SET valid_from = ?, valid_until = ?, document_hash = ?, event_count = ?, head = ?,"
            " updated_pos = ? WHERE id = ?",
            (e.valid_from, e.valid_until, e.document_hash, e.sequence, e.head, p.pos, e.certificate_id),
        )
        self._certificate_event(
            e,
            p,
            status=status,
            terms=terms,
            document_hash=e.document_hash,
            reason_code=0,
            before=_kpi_state(status, previous),
        )

    def _retag(self, certificate_id: bytes, programmes: int, roles: int) -> None:
        self._conn.execute("DELETE FROM certificate_tags WHERE id = ?", (certificate_id,))
        self._conn.executemany(
            "INSERT INTO certificate_tags (tag, id) VALUES (?, ?)",
            [(tag, certificate_id) for tag in tags_of(programmes, roles)],
        )

    def _certificate_event(
        self,
        e: CertificateEvent,
        p: LogPosition,
        *,
        status: CertificateStatus,
        terms: Terms,
        document_hash: bytes,
        reason_code: int,
        before: KpiState | None,
    ) -> None:
        """The ``certificate_events`` row of ``e`` (its id, issuer, sequence, action and head), with
        the state after it and the event's document and reason (zero where the event has none);
        ``before``: the certificate's state before it (None: issuance), for the KPI month aggregates."""
        certificate_id, sequence, issuer, action = e.certificate_id, e.sequence, e.issuer, e.action
        self._conn.execute(
            _CERT_EVENT_INSERT,
            (
                certificate_id,
                sequence,
                issuer,
                p.pos,
                int(action),
                int(status),
                *terms,
                document_hash,
                reason_code,
                e.head,
                *_event_log_columns(p),
            ),
        )
        self._kpi_months.applied(issuer, int(action), p.block_time, before=before, after=_kpi_state(status, terms))

    def _mra_proposed(self, e: MraProposed, p: LogPosition) -> None:
        execute = self._conn.execute
        terms = mra_terms_hash(e.programmes, e.roles, e.effective_from, e.document_hash, e.parties)
        execute(
            "INSERT INTO mras (id, proposer, programmes, roles, effective_from, document_hash, terms_hash, status,"
            " accepted_count, party_count, event_count, head, proposed_pos) VALUES (?,?,?,?,?,?,?,?,1,?,1,?,?)",
            (
                e.mra_id,
                e.proposer,
                e.programmes,
                e.roles,
                e.effective_from,
                e.document_hash,
                terms,
                int(MraStatus.PROPOSED),
                len(e.parties),
                e.head,
                p.pos,
            ),
        )
        self._conn.executemany(
            "INSERT INTO mra_parties (mra_id, code, ordinal, accepted_pos) VALUES (?,?,?,?)",
            [(e.mra_id, code, i, p.pos if code == e.proposer else None) for i, code in enumerate(e.parties)],
        )
        self._conn.executemany(
            "INSERT OR IGNORE INTO mra_pairs (low, high, mra_id) VALUES (?,?,?)",
            [(*sorted(pair), e.mra_id) for pair in combinations(e.parties, 2)],
        )
        self._mra_event(
            e.mra_id,
            1,
            p,
            action=MraAction.PROPOSED,
            actor=e.proposer,
            status=MraStatus.PROPOSED,
            reason_code=0,
            head=e.head,
        )

    def _mra_accepted(self, e: MraAccepted, p: LogPosition) -> None:
        execute = self._conn.execute
        execute("UPDATE mra_parties SET accepted_pos = ? WHERE mra_id = ? AND code = ?", (p.pos, e.mra_id, e.party))
        live = p.pos if e.status == MraStatus.ACTIVE else None
        execute(
            "UPDATE mras SET accepted_count = accepted_count + 1, status = ?, event_count = ?, head = ?,"
            " live_pos = COALESCE(live_pos, ?) WHERE id = ?",
            (int(e.status), e.sequence, e.head, live, e.mra_id),
        )
        self._mra_event(
            e.mra_id,
            e.sequence,
            p,
            action=MraAction.ACCEPTED,
            actor=e.party,
            status=e.status,
            reason_code=0,
            head=e.head,
        )

    def _mra_status(self, e: MraStatusChanged, p: LogPosition) -> None:
        terminated = p.pos if e.action == MraAction.TERMINATED else None
        self._conn.execute(
            "UPDATE mras SET status = ?, event_count = ?, head = ?, terminated_pos = COALESCE(terminated_pos, ?)"
            " WHERE id = ?",
            (int(e.status), e.sequence, e.head, terminated, e.mra_id),
        )
        self._mra_event(
            e.mra_id,
            e.sequence,
            p,
            action=e.action,
            actor=e.party,
            status=e.status,
            reason_code=e.reason_code,
            head=e.head,
        )

    def _mra_event(
        self,
        mra_id: int,
        sequence: int,
        p: LogPosition,
        *,
        action: MraAction,
        actor: str,
        status: MraStatus,
        reason_code: int,
        head: bytes,
    ) -> None:
        self._conn.execute(
            "INSERT INTO mra_events (mra_id, sequence, pos, action, actor, status, reason_code, head, block_number,"
            " block_time, log_index, tx_hash, sender) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                mra_id,
                sequence,
                p.pos,
                int(action),
                actor,
                int(status),
                reason_code,
                head,
                *_event_log_columns(p),
            ),
        )

    def _acknowledged(self, e: CertificateEventAcknowledged, p: LogPosition) -> None:
        self._conn.execute(
            "INSERT INTO acknowledgements (id, partner, sequence, issuer, pos, block_number, block_time, tx_hash,"
            " sender) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                e.certificate_id,
                e.partner,
                e.sequence,
                e.issuer,
                p.pos,
                p.block_number,
                p.block_time,
                p.tx_hash,
                p.sender,
            ),
        )

    # --- rewind ----------------------------------------------------------------------------

    def rewind(self, fork_block: int) -> None:
        """Remove everything above ``fork_block`` and rebuild the state it changed, atomically."""
        first = first_pos_of_block(fork_block + 1)
        with self.transaction():
            execute = self._conn.execute
            certificates = [
                bytes(r[0]) for r in execute("SELECT DISTINCT id FROM certificate_events WHERE pos >= ?", (first,))
            ]
            mras = [int(r[0]) for r in execute("SELECT DISTINCT mra_id FROM mra_events WHERE pos >= ?", (first,))]
            codes = [
                str(r[0]) for r in execute("SELECT DISTINCT code FROM administration_events WHERE pos >= ?", (first,))
            ]
            self._kpi_months.rewinding(first)
            execute("DELETE FROM certificate_events WHERE pos >= ?", (first,))
            execute("DELETE FROM mra_events WHERE pos >= ?", (first,))
            execute("DELETE FROM administration_events WHERE pos >= ?", (first,))
            execute("DELETE FROM acknowledgements WHERE pos >= ?", (first,))
            execute("DELETE FROM exchange_keys WHERE pos >= ?", (first,))
            execute("DELETE FROM blocks WHERE number > ?", (fork_block,))
            for certificate_id in certificates:
                self._rebuild_certificate(certificate_id)
            for mra_id in mras:
                self._rebuild_mra(mra_id, first)
            for code in codes:
                self._rebuild_administration(code)
            execute("UPDATE meta SET value = ? WHERE key = 'cursor'", (str(fork_block),))

    def _rebuild_certificate(self, certificate_id: bytes) -> None:
        execute = self._conn.execute
        last = execute(
            "SELECT sequence, status, programmes, roles, flags, valid_from, valid_until, head, pos"
            " FROM certificate_events WHERE id = ? ORDER BY sequence DESC LIMIT 1",
            (certificate_id,),
        ).fetchone()
        if last is None:
            execute("DELETE FROM certificates WHERE id = ?", (certificate_id,))
            execute("DELETE FROM certificate_tags WHERE id = ?", (certificate_id,))
            return
        document = execute(
            "SELECT document_hash FROM certificate_events WHERE id = ? AND document_hash != ?"
            " ORDER BY sequence DESC LIMIT 1",
            (certificate_id, ZERO32),
        ).fetchone()
        sequence, status, programmes, roles, flags, valid_from, valid_until, head, pos = last
        execute(
            "UPDATE certificates SET status = ?, programmes = ?, roles = ?, flags = ?, valid_from = ?, valid_until = ?,"
            " document_hash = ?, event_count = ?, head = ?, updated_pos = ? WHERE id = ?",
            (
                status,
                programmes,
                roles,
                flags,
                valid_from,
                valid_until,
                document[0],
                sequence,
                head,
                pos,
                certificate_id,
            ),
        )
        self._retag(certificate_id, int(programmes), int(roles))

    def _rebuild_mra(self, mra_id: int, first: int) -> None:
        execute = self._conn.execute
        rows = execute(
            "SELECT sequence, action, status, head, pos FROM mra_events WHERE mra_id = ? ORDER BY sequence", (mra_id,)
        ).fetchall()
        if not rows:
            for table, column in (("mras", "id"), ("mra_parties", "mra_id"), ("mra_pairs", "mra_id")):
                execute(f"DELETE FROM {table} WHERE {column} = ?", (mra_id,))
            return
        live = next((int(r[4]) for r in rows if r[2] == MraStatus.ACTIVE), None)
        terminated = next((int(r[4]) for r in rows if r[1] == MraAction.TERMINATED), None)
        accepted = 1 + sum(1 for r in rows if r[1] == MraAction.ACCEPTED)
        sequence, _, status, head, _ = rows[-1]
        execute("UPDATE mra_parties SET accepted_pos = NULL WHERE mra_id = ? AND accepted_pos >= ?", (mra_id, first))
        execute(
            "UPDATE mras SET status = ?, accepted_count = ?, event_count = ?, head = ?, live_pos = ?,"
            " terminated_pos = ? WHERE id = ?",
            (status, accepted, sequence, head, live, terminated, mra_id),
        )

    def _rebuild_administration(self, code: str) -> None:
        execute = self._conn.execute
        rows = execute(
            "SELECT kind, name, signer, pos, block_number, block_time FROM administration_events WHERE code = ?"
            " ORDER BY pos",
            (code,),
        ).fetchall()
        execute("DELETE FROM signers WHERE code = ?", (code,))
        execute("DELETE FROM administrations WHERE code = ?", (code,))
        for kind, name, signer, pos, block_number, block_time in rows:
            if kind == "registered":
                execute(
                    "INSERT OR REPLACE INTO administrations (code, name, frozen, registered_block, registered_time)"
                    " VALUES (?, ?, 0, ?, ?)",
                    (code, name, block_number, block_time),
                )
            if kind in ("registered", "signer_added"):
                execute("INSERT OR IGNORE INTO signers (code, address, added_pos) VALUES (?,?,?)", (code, signer, pos))
            elif kind == "signer_removed":
                execute("DELETE FROM signers WHERE code = ? AND address = ?", (code, signer))
            elif kind in ("frozen", "unfrozen"):
                execute("UPDATE administrations SET frozen = ? WHERE code = ?", (int(kind == "frozen"), code))


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT on an autocommit connection; ROLLBACK when the body raises."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self._conn.execute("COMMIT")
        else:
            self._conn.execute("ROLLBACK")


def _event_log_columns(p: LogPosition) -> tuple[int, int, int, bytes, str | None]:
    """The ``block_number, block_time, log_index, tx_hash, sender`` columns of an event row logged at ``p``."""
    return (p.block_number, p.block_time, p.log_index, p.tx_hash, p.sender)
