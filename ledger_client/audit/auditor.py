"""The :class:`Auditor`: histories re-read from the chain, checked against on-chain heads; the index
checked against the chain; history reports.

Events are read from a :class:`~ledger_client.index.sources.LogSource` filtered by topic (the
certificate id or MRA id), never from the index; heads, counts and records come from
``eth_call`` at the same block the logs were read up to.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from web3 import Web3

from ledger_client.audit.chains import audit_certificate_events, audit_mra_events
from ledger_client.audit.findings import Finding, FindingKind, HistoryAudit, IndexVerification, RowMismatch
from ledger_client.audit.report import HistoryReport, build_entries
from ledger_client.codec import LedgerCodec, ledger_codec
from ledger_client.errors import AuditError
from ledger_client.events import CERTIFICATE_EVENTS, MRA_EVENTS, EventRecord, topic_of, topics_of
from ledger_client.hashing import ZERO_HEAD16, ZERO_HEAD32, certificate_head, mra_head, pack_state
from ledger_client.index.decoder import decode_blocks
from ledger_client.index.queries import Reader, certificate_id_bytes
from ledger_client.index.sources import LogSource, source_for


def _hex(value: Any) -> str:
    return "0x" + bytes(value).hex() if isinstance(value, bytes | bytearray) else str(value)


class Auditor:
    """Audits one AeoLedger deployment.

    Args:
        w3: web3 connected to the chain (used for ``eth_call``).
        address: the AeoLedger address.
        start_block: its deployment block (logs are read from there).
        source: where logs are read; default: the best source for ``w3``.
        codec: the deployment's ABI for ``eth_call`` (default: the current version's; an earlier
            version's from :func:`~ledger_client.codec.version_codec`). Its events decode with the
            current decoders: every known earlier version's events are the current ones (tests/migration).
    """

    def __init__(
        self,
        w3: Web3,
        address: str,
        *,
        start_block: int,
        source: LogSource | None = None,
        codec: LedgerCodec | None = None,
    ) -> None:
        self._w3 = w3
        self._address = Web3.to_checksum_address(address)
        self._codec = codec or ledger_codec()
        self._start_block = start_block
        self._source = source if source is not None else source_for(w3, address)

    # --- reading the chain -----------------------------------------------------------------------

    def _events(self, names: Sequence[str], key: bytes, to_block: int) -> list[EventRecord]:
        topics = [topics_of(names), [key]]
        return decode_blocks(self._source.read(self._start_block, to_block, topics))

    def _call(self, fn: str, *args: Any, block: int) -> Any:
        """``eth_call`` of ``fn(*args)`` at ``block``: its one output, or the tuple of its outputs."""
        try:
            output = self._w3.eth.call({"to": self._address, "data": self._codec.encode(fn, *args)}, block)
            values = self._codec.decode(fn, bytes(output))
        except Exception as exc:
            raise AuditError(f"eth_call {fn} at block {block} failed: {exc}") from exc
        return values[0] if len(values) == 1 else values

    def certificate_events(self, certificate_id: bytes | str, to_block: int | None = None) -> list[EventRecord]:
        """A certificate's events read from the chain (in the order the source returns them)."""
        block = self._source.head() if to_block is None else to_block
        return self._events(CERTIFICATE_EVENTS, certificate_id_bytes(certificate_id), block)

    # --- histories ---------------------------------------------------------------------------------

    def audit_certificate(self, certificate_id: bytes | str) -> HistoryAudit:
        """Re-read a certificate's events, recompute its head and compare with ``historyHead(id)``."""
        cid = certificate_id_bytes(certificate_id)
        block = self._source.head()
        count, head = self._call("historyHead", cid, block=block)
        if count == 0:
            raise AuditError(f"no certificate 0x{cid.hex()} on chain at block {block}")
        records = self._events(CERTIFICATE_EVENTS, cid, block)
        findings, recomputed = audit_certificate_events(cid, records, int(count))
        if recomputed != bytes(head):
            findings.append(_head_mismatch(recomputed, bytes(head)))
        return HistoryAudit(
            "certificate", "0x" + cid.hex(), block, int(count), bytes(head), recomputed, len(records), tuple(findings)
        )

    def audit_mra(self, mra_id: int) -> HistoryAudit:
        """Re-read an MRA's events, recompute its head and compare with ``mra(id).head``."""
        block = self._source.head()
        record = self._call("mra", mra_id, block=block)
        status, count, head, terms_hash = record[0], int(record[6]), bytes(record[8]), bytes(record[9])
        if status == 0:
            raise AuditError(f"no MRA {mra_id} on chain at block {block}")
        records = self._events(MRA_EVENTS, mra_id.to_bytes(32, "big"), block)
        findings, recomputed = audit_mra_events(mra_id, records, count, terms_hash)
        if recomputed != head:
            findings.append(_head_mismatch(recomputed, head))
        return HistoryAudit("mra", str(mra_id), block, count, head, recomputed, len(records), tuple(findings))

    def history_report(self, certificate_id: bytes | str) -> HistoryReport:
        """A certificate's history from the chain: per event tx hash, block, time, signer and change."""
        audit = self.audit_certificate(certificate_id)
        cid = certificate_id_bytes(certificate_id)
        records = self._events(CERTIFICATE_EVENTS, cid, audit.block_number)
        flagged = {f.sequence for f in audit.findings if f.sequence is not None}
        verified = {s for s in range(1, audit.onchain_event_count + 1) if s not in flagged}
        return HistoryReport(
            certificate_id="0x" + cid.hex(),
            issuer=cid[:2].decode("latin-1"),
            block_number=audit.block_number,
            onchain_head="0x" + audit.onchain_head.hex(),
            verified=audit.ok,
            entries=build_entries(records, verified),
        )

    # --- the index ---------------------------------------------------------------------------------

    def verify_index(
        self, reader: Reader, *, sample: int | None = None, seed: int | None = None, check_missing: bool = True
    ) -> IndexVerification:
        """Compare index rows with the chain at the index's block.

        Certificates: all, or a random ``sample``; each one's current row against ``certificate(id)``
        and its indexed history re-hashed against the on-chain head (a tampered history row shows up).
        MRAs and administrations: all. With ``check_missing`` (and no sample), certificates issued on
        chain but absent from the index are reported too.
        """
        block = reader.cursor_block()
        mismatches: list[RowMismatch] = []
        ids = [bytes(r[0]) for r in reader.execute("SELECT id FROM certificates ORDER BY id")]
        if sample is not None and sample < len(ids):
            ids = random.Random(seed).sample(ids, sample)
        for cid in ids:
            mismatches += self._verify_certificate(reader, cid, block)
        if sample is None and check_missing:
            issued = self._source.read(self._start_block, block, [[topic_of("CertificateIssued")]])
            indexed = set(ids)
            for record in decode_blocks(issued):
                cid = record.event.certificate_id  # type: ignore[union-attr]
                if cid not in indexed:
                    mismatches.append(RowMismatch("certificates", _hex(cid), "row", "absent", "issued on chain"))
        mra_count = int(self._call("mraCount", block=block))
        for mra_id in range(1, mra_count + 1):
            mismatches += self._verify_mra(reader, mra_id, block)
        codes = [bytes(c).decode("latin-1") for c in self._call("administrationCodes", block=block)]
        for code in codes:
            mismatches += self._verify_administration(reader, code, block)
        return IndexVerification(block, len(ids), mra_count, len(codes), tuple(mismatches))

    def _verify_certificate(self, reader: Reader, cid: bytes, block: int) -> list[RowMismatch]:
        key = _hex(cid)
        chain = self._call("certificate", cid, block=block)
        row = reader.execute(
            "SELECT status, programmes, roles, flags, valid_from, valid_until, event_count, head FROM certificates"
            " WHERE id = ?",
            (cid,),
        )[0]
        names = ("status", "programmes", "roles", "flags", "valid_from", "valid_until", "event_count", "head")
        out = [
            RowMismatch("certificates", key, name, _hex(mine), _hex(theirs))
            for name, mine, theirs in zip(names, row, chain, strict=True)
            if (bytes(mine) if isinstance(mine, bytes) else mine)
            != (bytes(theirs) if isinstance(theirs, bytes) else theirs)
        ]
        history = reader.execute(
            "SELECT sequence, action, status, programmes, roles, flags, valid_from, valid_until, document_hash,"
            " reason_code, head FROM certificate_events WHERE id = ? ORDER BY sequence",
            (cid,),
        )
        head = ZERO_HEAD16
        for expected, (seq, action, status, prog, roles, flags, vf, vu, doc, reason, stored) in enumerate(history, 1):
            row_key = f"{key}#{seq}"
            if seq != expected:
                out.append(RowMismatch("certificate_events", row_key, "sequence", str(seq), str(expected)))
            head = certificate_head(
                head, cid, seq, action, pack_state(status, prog, roles, flags, vf, vu), bytes(doc), reason
            )
            if head != bytes(stored):
                out.append(RowMismatch("certificate_events", row_key, "head", _hex(stored), _hex(head)))
                head = bytes(stored)
        if head != bytes(chain[7]) or len(history) != int(chain[6]):
            out.append(
                RowMismatch(
                    "certificate_events",
                    key,
                    "history",
                    f"{len(history)} events, head {_hex(head)}",
                    f"{chain[6]} events, head {_hex(chain[7])}",
                )
            )
        return out

    def _verify_mra(self, reader: Reader, mra_id: int, block: int) -> list[RowMismatch]:
        key = str(mra_id)
        chain = self._call("mra", mra_id, block=block)
        mra = reader.mra(mra_id)
        if mra is None:
            return [RowMismatch("mras", key, "row", "absent", "on chain")]
        mine = (
            int(mra.status),
            mra.proposer,
            mra.programmes,
            mra.roles,
            mra.effective_from,
            mra.accepted_count,
            mra.event_count,
            mra.document_hash,
            mra.head,
            mra.terms_hash,
            list(mra.parties),
        )
        theirs = (
            chain[0],
            bytes(chain[1]).decode("latin-1"),
            chain[2],
            chain[3],
            chain[4],
            chain[5],
            chain[6],
            bytes(chain[7]),
            bytes(chain[8]),
            bytes(chain[9]),
            [bytes(p).decode("latin-1") for p in chain[10]],
        )
        names = (
            "status",
            "proposer",
            "programmes",
            "roles",
            "effective_from",
            "accepted_count",
            "event_count",
            "document_hash",
            "head",
            "terms_hash",
            "parties",
        )
        out = [
            RowMismatch("mras", key, n, _hex(a), _hex(b)) for n, a, b in zip(names, mine, theirs, strict=True) if a != b
        ]
        head = ZERO_HEAD32
        for event in reader.mra_history(mra_id):
            head = mra_head(
                head,
                mra_id,
                event.sequence,
                int(event.action),
                event.actor,
                int(event.status),
                mra.terms_hash,
                event.reason_code,
            )
            if head != event.head:
                out.append(RowMismatch("mra_events", f"{key}#{event.sequence}", "head", _hex(event.head), _hex(head)))
                head = event.head
        return out

    def _verify_administration(self, reader: Reader, code: str, block: int) -> list[RowMismatch]:
        _registered, frozen, name, signers = self._call("administration", code.encode("latin-1"), block=block)
        mine = reader.administration(code)
        if mine is None:
            return [RowMismatch("administrations", code, "row", "absent", "registered on chain")]
        out = []
        if mine.frozen != frozen:
            out.append(RowMismatch("administrations", code, "frozen", str(mine.frozen), str(frozen)))
        if mine.name != name:
            out.append(RowMismatch("administrations", code, "name", mine.name, name))
        if sorted(mine.signers) != sorted(Web3.to_checksum_address(s) for s in signers):
            out.append(
                RowMismatch("signers", code, "signers", ",".join(sorted(mine.signers)), ",".join(sorted(signers)))
            )
        return out + self._verify_exchange_key(reader, code, block)

    def _verify_exchange_key(self, reader: Reader, code: str, block: int) -> list[RowMismatch]:
        """The index's current exchange key, URL and version against ``exchangeKey(code)`` at ``block``."""
        public_key, url, version = self._call("exchangeKey", code.encode("latin-1"), block=block)
        mine = reader.exchange_key(code)
        theirs = (int(version), bytes(public_key).hex(), str(url)) if version else None
        indexed = (mine.version, mine.public_key.hex(), mine.gateway_url) if mine is not None else None
        if indexed == theirs:
            return []
        return [RowMismatch("exchange_keys", code, "exchange key (version, key, URL)", str(indexed), str(theirs))]


def _head_mismatch(recomputed: bytes, onchain: bytes) -> Finding:
    return Finding(
        FindingKind.HEAD_MISMATCH,
        None,
        f"head recomputed from the events 0x{recomputed.hex()} != on-chain head 0x{onchain.hex()}",
    )
