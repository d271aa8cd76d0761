"""What a gateway pushes to its administration's national system, read from the index.

Two kinds of events, in chain order (``pos = block << 20 | log index``):

- **partner certificate events** (``certificate.issued``, ``certificate.suspended`` …): the events of
  certificates issued by the administrations it has a live MRA with — exactly what its feed
  (:meth:`~ledger_client.index.Index.feed`) shows;
- **acknowledgements of its own events** (``acknowledgement.recorded``): a partner confirmed on-chain
  that it applied one of the administration's certificate events.

Event ids are stable and mean the same thing everywhere: ``ce_<certificate id hex>_<sequence>`` and
``ack_<certificate id hex>_<sequence>_<partner>`` (a receiver dedupes deliveries on them).
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger_client.index import FeedEntry, Index
from ledger_client.index.results import encode_cursor
from ledger_client.models import CertificateAction

ACKNOWLEDGEMENT_TYPE = "acknowledgement.recorded"
#: Every event type, in a stable order (``certificate.<action>`` for each certificate action).
EVENT_TYPES: tuple[str, ...] = (
    *(f"certificate.{a.name.lower()}" for a in CertificateAction if a is not CertificateAction.NONE),
    ACKNOWLEDGEMENT_TYPE,
)

_ACK_COLUMNS = "id, partner, sequence, issuer, pos, block_number, block_time, tx_hash, sender"


@dataclass(frozen=True)
class PartnerEvent:
    """A partner's certificate event as the administration's feed shows it."""

    entry: FeedEntry

    @property
    def id(self) -> str:
        """``ce_<certificate id>_<sequence>``."""
        return f"ce_{self.entry.event.certificate_id.hex()}_{self.entry.event.sequence}"

    @property
    def type(self) -> str:
        """``certificate.<action>``."""
        return f"certificate.{self.entry.event.action.name.lower()}"

    @property
    def pos(self) -> int:
        """Chain position."""
        return self.entry.event.pos

    @property
    def occurred_at(self) -> int:
        """Block timestamp."""
        return self.entry.event.block_time


@dataclass(frozen=True)
class AcknowledgementEvent:
    """A partner acknowledged event ``sequence`` of one of the administration's certificates."""

    certificate_id: bytes
    partner: str
    sequence: int
    issuer: str
    pos: int
    block_number: int
    block_time: int
    tx_hash: bytes
    sender: str | None

    @property
    def id(self) -> str:
        """``ack_<certificate id>_<sequence>_<partner>``."""
        return f"ack_{self.certificate_id.hex()}_{self.sequence}_{self.partner}"

    @property
    def type(self) -> str:
        """``acknowledgement.recorded``."""
        return ACKNOWLEDGEMENT_TYPE

    @property
    def occurred_at(self) -> int:
        """Block timestamp."""
        return self.block_time


WebhookEvent = PartnerEvent | AcknowledgementEvent


def collect(index: Index, administration: str, after_pos: int, limit: int = 500) -> tuple[list[WebhookEvent], int]:
    """Up to ``limit`` events for ``administration`` after chain position ``after_pos``, in chain order,
    and the position scanned through (pass it as the next ``after_pos``).

    Only blocks the index had fully committed when the call started are read, so the two queries
    agree even while the follower commits: nothing below the returned position is ever skipped.
    """
    upto = tail_pos(index)
    if upto <= after_pos:
        return [], after_pos
    feed = index.feed(administration, encode_cursor("feed", after_pos), limit)
    found: list[WebhookEvent] = [PartnerEvent(e) for e in feed.items if e.event.pos <= upto]
    rows = index.reader.execute(
        f"SELECT {_ACK_COLUMNS} FROM acknowledgements WHERE issuer = ? AND pos > ? AND pos <= ? ORDER BY pos LIMIT ?",
        (administration, after_pos, upto, limit),
    )
    found += [AcknowledgementEvent(bytes(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], bytes(r[7]), r[8]) for r in rows]
    events = sorted(found, key=lambda e: e.pos)[:limit]
    return events, (events[-1].pos if len(events) == limit else upto)


def tail_pos(index: Index) -> int:
    """The chain position after every event indexed so far (a new endpoint starts here)."""
    return (index.block_number + 1 << 20) - 1 if index.block_number >= 0 else -1


def first_pos_at(index: Index, timestamp: int) -> int | None:
    """The first chain position of the first indexed block with a timestamp ``>= timestamp``."""
    rows = index.reader.execute("SELECT MIN(number) FROM blocks WHERE timestamp >= ?", (timestamp,))
    number = rows[0][0] if rows else None
    return None if number is None else int(number) << 20
