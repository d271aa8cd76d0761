"""The SQLite schema of the read model, and connections configured for it (WAL, one writer).

Every event row carries ``pos = block_number << 20 | log_index``: one integer that orders events
on the chain, serves as feed cursor and makes rewinding a reorg a range delete.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA_VERSION = 1

#: Tag of a certificate's programme bit ``b`` (``PROGRAMME_TAG | b``) and role bit (``ROLE_TAG | b``).
PROGRAMME_TAG = 0x100
ROLE_TAG = 0x200

DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS blocks (
    number INTEGER PRIMARY KEY, hash BLOB NOT NULL, parent_hash BLOB NOT NULL, timestamp INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS administrations (
    code TEXT PRIMARY KEY, name TEXT NOT NULL, frozen INTEGER NOT NULL,
    registered_block INTEGER NOT NULL, registered_time INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS signers (
    code TEXT NOT NULL, address TEXT NOT NULL, added_pos INTEGER NOT NULL, PRIMARY KEY (code, address)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS administration_events (
    pos INTEGER PRIMARY KEY, code TEXT NOT NULL, kind TEXT NOT NULL, name TEXT, signer TEXT, actor TEXT,
    block_number INTEGER NOT NULL, block_time INTEGER NOT NULL, tx_hash BLOB NOT NULL, sender TEXT
);
CREATE INDEX IF NOT EXISTS administration_events_code ON administration_events (code, pos);
CREATE TABLE IF NOT EXISTS exchange_keys (
    code TEXT NOT NULL, version INTEGER NOT NULL, pos INTEGER NOT NULL, public_key BLOB NOT NULL,
    gateway_url TEXT NOT NULL, block_number INTEGER NOT NULL, block_time INTEGER NOT NULL,
    tx_hash BLOB NOT NULL, sender TEXT,
    PRIMARY KEY (code, version)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS exchange_keys_pos ON exchange_keys (pos);

CREATE TABLE IF NOT EXISTS certificates (
    id BLOB PRIMARY KEY, issuer TEXT NOT NULL, number TEXT NOT NULL, status INTEGER NOT NULL,
    programmes INTEGER NOT NULL, roles INTEGER NOT NULL, flags INTEGER NOT NULL,
    valid_from INTEGER NOT NULL, valid_until INTEGER NOT NULL, document_hash BLOB NOT NULL,
    event_count INTEGER NOT NULL, head BLOB NOT NULL, issued_block INTEGER NOT NULL,
    issued_time INTEGER NOT NULL, updated_pos INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS certificates_issuer ON certificates (issuer, status, id);
CREATE INDEX IF NOT EXISTS certificates_kpis ON certificates (issuer, status, programmes, roles, flags, valid_until);
CREATE INDEX IF NOT EXISTS certificates_status ON certificates (status, id);
CREATE INDEX IF NOT EXISTS certificates_flags ON certificates (flags, id);
CREATE TABLE IF NOT EXISTS certificate_tags (
    tag INTEGER NOT NULL, id BLOB NOT NULL, PRIMARY KEY (tag, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS certificate_events (
    id BLOB NOT NULL, sequence INTEGER NOT NULL, issuer TEXT NOT NULL, pos INTEGER NOT NULL,
    action INTEGER NOT NULL, status INTEGER NOT NULL, programmes INTEGER NOT NULL, roles INTEGER NOT NULL,
    flags INTEGER NOT NULL, valid_from INTEGER NOT NULL, valid_until INTEGER NOT NULL,
    document_hash BLOB NOT NULL, reason_code INTEGER NOT NULL, head BLOB NOT NULL,
    block_number INTEGER NOT NULL, block_time INTEGER NOT NULL, log_index INTEGER NOT NULL,
    tx_hash BLOB NOT NULL, sender TEXT,
    PRIMARY KEY (id, sequence)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS certificate_events_pos ON certificate_events (pos);
CREATE INDEX IF NOT EXISTS certificate_events_issuer ON certificate_events (issuer, pos);

CREATE TABLE IF NOT EXISTS mras (
    id INTEGER PRIMARY KEY, proposer TEXT NOT NULL, programmes INTEGER NOT NULL, roles INTEGER NOT NULL,
    effective_from INTEGER NOT NULL, document_hash BLOB NOT NULL, terms_hash BLOB NOT NULL,
    status INTEGER NOT NULL, accepted_count INTEGER NOT NULL, party_count INTEGER NOT NULL,
    event_count INTEGER NOT NULL, head BLOB NOT NULL, proposed_pos INTEGER NOT NULL,
    live_pos INTEGER, terminated_pos INTEGER
);
CREATE TABLE IF NOT EXISTS mra_parties (
    mra_id INTEGER NOT NULL, code TEXT NOT NULL, ordinal INTEGER NOT NULL, accepted_pos INTEGER,
    PRIMARY KEY (mra_id, code)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS mra_parties_code ON mra_parties (code, mra_id);
CREATE TABLE IF NOT EXISTS mra_pairs (
    low TEXT NOT NULL, high TEXT NOT NULL, mra_id INTEGER NOT NULL, PRIMARY KEY (low, high, mra_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS mra_events (
    mra_id INTEGER NOT NULL, sequence INTEGER NOT NULL, pos INTEGER NOT NULL, action INTEGER NOT NULL,
    actor TEXT NOT NULL, status INTEGER NOT NULL, reason_code INTEGER NOT NULL, head BLOB NOT NULL,
    block_number INTEGER NOT NULL, block_time INTEGER NOT NULL, log_index INTEGER NOT NULL,
    tx_hash BLOB NOT NULL, sender TEXT,
    PRIMARY KEY (mra_id, sequence)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS mra_events_pos ON mra_events (pos);

CREATE TABLE IF NOT EXISTS acknowledgements (
    id BLOB NOT NULL, partner TEXT NOT NULL, sequence INTEGER NOT NULL, issuer TEXT NOT NULL,
    pos INTEGER NOT NULL, block_number INTEGER NOT NULL, block_time INTEGER NOT NULL,
    tx_hash BLOB NOT NULL, sender TEXT,
    PRIMARY KEY (id, partner, sequence)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS acknowledgements_pos ON acknowledgements (pos);
CREATE INDEX IF NOT EXISTS acknowledgements_issuer ON acknowledgements (issuer, partner);

CREATE TABLE IF NOT EXISTS kpi_months (
    issuer TEXT NOT NULL, month INTEGER NOT NULL, scope INTEGER NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
    count INTEGER NOT NULL, PRIMARY KEY (issuer, month, scope, kind, name)
) WITHOUT ROWID;
"""


def connect(path: str | Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection to the index database in WAL mode.

    The writer (the follower) creates the schema; readers open their own connections, which
    never block it, one per thread (``check_same_thread`` stays on for them).
    """
    target = Path(path)
    if readonly:
        conn = sqlite3.connect(f"{target.resolve().as_uri()}?mode=ro", uri=True, timeout=30.0)
        conn.execute("PRAGMA query_only = ON")
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        # The follower guards its writer connection with a lock: sync() may run in the caller's
        # thread or in the background thread, never both at once.
        conn = sqlite3.connect(target, timeout=30.0, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA cache_size = -65536")
    conn.execute("PRAGMA temp_store = MEMORY")
    return conn


def create_schema(conn: sqlite3.Connection) -> None:
    """Create the tables and indexes if missing (idempotent)."""
    conn.executescript(DDL)
