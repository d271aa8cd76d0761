"""The issuer's side: seal each certificate's current document to each partner whose MRA covers it.

The :class:`EnvelopeMaker` is fed by the index, like the webhook feeder. Each :meth:`~EnvelopeMaker.scan`

1. reads the issuer's new document-carrying events (issued, amended, renewed) after its cursor, up to
   the blocks the index has fully committed, and seals the document of each to every covered partner;
2. for every partner whose published key or covering MRAs changed since the last scan (a new MRA, a
   new party, a wider scope, a key rotation) seals the current document of every certificate it now
   covers (backfill and re-encryption); a terminated MRA covers nothing, so it gets nothing new.

Only Active or Suspended certificates whose operator consents are sealed, each with the document of its
latest document-carrying event, read from the gateway's document store and checked against the hash
that event committed (a missing or different file is skipped and logged; the next scan tries again).
Envelopes, the cursor and the recipients' state commit in one transaction: a scan interrupted anywhere
is done again, and an envelope already made is never made twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from eth_utils.crypto import keccak

from ledger_client.exchange.coverage import Scopes, coverage_key, granting_mra, scopes_of
from ledger_client.exchange.directory import ConsentRegistry, ExchangeDirectory
from ledger_client.exchange.outbox import EnvelopeOutbox, NewEnvelope
from ledger_client.exchange.sealing import associated_data, seal
from ledger_client.importer.store import DocumentStore
from ledger_client.index import Index
from ledger_client.models import CertificateAction, CertificateStatus

log = logging.getLogger(__name__)

DOCUMENT_ACTIONS = (int(CertificateAction.ISSUED), int(CertificateAction.AMENDED), int(CertificateAction.RENEWED))
_LIVE = (int(CertificateStatus.ACTIVE), int(CertificateStatus.SUSPENDED))


@dataclass(frozen=True)
class _Current:
    """A certificate's current terms and its latest document-carrying event."""

    certificate_id: bytes
    programmes: int
    roles: int
    sequence: int
    document_hash: bytes


@dataclass(frozen=True)
class ScanReport:
    """What a scan did."""

    made: int
    skipped: int
    through: int


class EnvelopeMaker:
    """Makes the envelopes of administration ``issuer``'s certificates (thread-safe: scans are serialised)."""

    def __init__(  # noqa: PLR0917 - the gateway's exchange parts, built positionally by api/exchange.py and tests/exchange
        self,
        issuer: str,
        index: Index,
        documents: DocumentStore,
        outbox: EnvelopeOutbox,
        directory: ExchangeDirectory,
        consent: ConsentRegistry,
        *,
        batch: int = 2000,
    ) -> None:
        self.issuer = issuer
        self._index = index
        self._documents = documents
        self._outbox = outbox
        self._directory = directory
        self._consent = consent
        self._batch = batch
        self._lock = threading.Lock()

    def scan(self) -> ScanReport:
        """One bounded step (see the module docstring); call again while ``through`` moves."""
        with self._lock:
            return self._scan()

    def _scan(self) -> ScanReport:
        upto = _tail_pos(self._index)
        scopes = scopes_of(self._index, self.issuer)
        keys: dict[str, bytes] = {}
        for partner in scopes:
            endpoint = self._directory.endpoint(partner)
            if endpoint is not None:
                keys[partner] = endpoint.public_key
        state = {p: (keys[p], coverage_key(scopes[p])) for p in keys}
        previous = self._outbox.recipients()
        changed = sorted(p for p in state if previous.get(p) != state[p])
        made: list[NewEnvelope] = []
        skipped = 0
        documents: dict[bytes, bytes | None] = {}
        for partner in changed:
            done = self._outbox.existing(partner, keys[partner])
            for current in self._current_certificates():
                if (current.certificate_id, current.sequence) in done:
                    continue
                if granting_mra(scopes[partner], current.programmes, current.roles) is None:
                    continue
                sealed = self._seal(current, partner, keys[partner], documents)
                skipped += sealed is None
                made += [sealed] if sealed is not None else []
        cursor = self._outbox.cursor()
        events = self._index.reader.execute(
            "SELECT e.pos, e.id FROM certificate_events e WHERE e.issuer = ? AND e.pos > ? AND e.pos <= ?"
            f" AND e.action IN ({','.join('?' * len(DOCUMENT_ACTIONS))}) ORDER BY e.pos LIMIT ?",
            (self.issuer, cursor, upto, *DOCUMENT_ACTIONS, self._batch),
        )
        through = upto if len(events) < self._batch else int(events[-1][0])
        unchanged = {p: k for p, k in keys.items() if p not in changed}
        for current in self._currents_of(bytes(r[1]) for r in events):
            for partner, key in unchanged.items():
                if granting_mra(scopes[partner], current.programmes, current.roles) is None:
                    continue
                sealed = self._seal(current, partner, key, documents)
                skipped += sealed is None
                made += [sealed] if sealed is not None else []
        added = self._outbox.commit(made, cursor=max(through, cursor), recipients=state)
        return ScanReport(added, skipped, max(through, cursor))

    def run_until_idle(self, max_steps: int = 1000) -> int:
        """Scan until the cursor stops moving; return the envelopes made."""
        total = 0
        for _ in range(max_steps):
            before = self._outbox.cursor()
            report = self.scan()
            total += report.made
            if report.through == before:
                break
        return total

    def _seal(
        self, current: _Current, partner: str, key: bytes, documents: dict[bytes, bytes | None]
    ) -> NewEnvelope | None:
        if current.certificate_id not in documents:
            documents[current.certificate_id] = self._document(current)
        document = documents[current.certificate_id]
        if document is None:
            return None
        aad = associated_data(current.certificate_id, current.sequence, current.document_hash)
        enc, ciphertext = seal(key, document, aad)
        return NewEnvelope(
            current.certificate_id, current.sequence, partner, key, current.document_hash, enc, ciphertext
        )

    def _document(self, current: _Current) -> bytes | None:
        try:
            document = self._documents.read_bytes(current.certificate_id)
        except FileNotFoundError:
            log.warning("no document of certificate 0x%s in the store: no envelope yet", current.certificate_id.hex())
            return None
        if bytes(keccak(document)) != current.document_hash:
            log.warning(
                "the stored document of certificate 0x%s is not the one event %d committed: no envelope yet",
                current.certificate_id.hex(),
                current.sequence,
            )
            return None
        return document

    def _current_certificates(self) -> list[_Current]:
        rows = self._index.reader.execute(
            "SELECT id FROM certificates WHERE issuer = ? AND status IN (?, ?) ORDER BY id", (self.issuer, *_LIVE)
        )
        return self._currents_of(bytes(r[0]) for r in rows)

    def _currents_of(self, ids: Iterable[bytes]) -> list[_Current]:
        found: list[_Current] = []
        for cid in dict.fromkeys(ids):
            row = self._index.reader.execute(
                "SELECT c.programmes, c.roles, c.status, e.sequence, e.document_hash FROM certificates c"
                " JOIN certificate_events e ON e.id = c.id WHERE c.id = ?"
                f" AND e.action IN ({','.join('?' * len(DOCUMENT_ACTIONS))}) ORDER BY e.sequence DESC LIMIT 1",
                (cid, *DOCUMENT_ACTIONS),
            )
            if not row or row[0][2] not in _LIVE or not self._consent.consented(cid):
                continue
            found.append(_Current(cid, int(row[0][0]), int(row[0][1]), int(row[0][3]), bytes(row[0][4])))
        return found


def _tail_pos(index: Index) -> int:
    """The chain position after every event of the blocks the index fully committed."""
    return (index.block_number + 1 << 20) - 1 if index.block_number >= 0 else -1


__all__ = ["EnvelopeMaker", "ScanReport", "Scopes"]
