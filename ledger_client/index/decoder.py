"""Blocks of raw logs → typed events with their positions (:mod:`ledger_client.events` decodes each log)."""

from __future__ import annotations

from collections.abc import Iterable

from ledger_client.events import EventRecord, LogPosition, event_decoders
from ledger_client.index.sources import BlockLogs


def decode_blocks(blocks: Iterable[BlockLogs]) -> list[EventRecord]:
    """Every ledger event of the blocks, in chain order, with positions (logs of other events skipped)."""
    decoders = event_decoders()
    records: list[EventRecord] = []
    append = records.append
    for block in blocks:
        header = block.header
        senders = block.senders
        for log in block.logs:
            topics = log.topics
            entry = decoders.get(topics[0]) if topics else None
            if entry is None:
                continue
            abi, build = entry
            position = LogPosition(
                header.number,
                header.hash,
                header.timestamp,
                log.tx_hash,
                log.tx_index,
                log.log_index,
                senders.get(log.tx_hash),
            )
            append(EventRecord(position, build(abi.decode(topics, log.data))))
    return records
