"""The import checkpoint: an append-only JSON Lines journal of what an import sent and what landed.

File: ``<data_dir>/imports/<ADMIN>-<digest of the input's absolute path>.checkpoint.jsonl``.
Records (each line flushed and fsync'd before the import goes on)::

    {"type": "header", "version": 1, "administration": "CR", "source": "/abs/registry.csv",
     "chain_id": 31337, "contract": "0x…"}
    {"type": "begin", "batch": 3, "numbers": ["CR-OEA-000123", …]}        # before sending
    {"type": "landed", "batch": 3, "rows": [["CR-OEA-000123", "0x<document hash>"], …], "unsure": […]}

A batch with a ``begin`` but no ``landed`` record was in flight when the import stopped, and
``unsure`` lists rows whose transaction failed without a verdict (e.g. a receipt timeout): such
rows may or may not be on the chain, so the resumed import checks them on-chain before sending
anything. A checkpoint written for another chain or deployment is discarded. A torn last line
(a crash mid-write) is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

IMPORTS_DIR = "imports"
VERSION = 1


def checkpoint_path(data_dir: str | os.PathLike[str], administration: str, source: Path) -> Path:
    """Where the checkpoint of importing ``source`` for ``administration`` lives."""
    digest = hashlib.sha256(str(source.resolve()).encode("utf-8")).hexdigest()[:16]
    return Path(data_dir) / IMPORTS_DIR / f"{administration}-{digest}.checkpoint.jsonl"


@dataclass
class CheckpointState:
    """What a checkpoint says about earlier runs.

    Attributes:
        landed: certificate number → hex document hash of every row that landed.
        in_flight: numbers of batches begun but never recorded as landed.
        batches: number of batches begun so far (the next batch number).
    """

    landed: dict[str, str] = field(default_factory=dict)
    in_flight: set[str] = field(default_factory=set)
    batches: int = 0


class Checkpoint:
    """An open checkpoint journal (use as a context manager).

    Args:
        path: the journal file.
        header: the identity of this import (administration, source, chain id, contract).
    """

    def __init__(self, path: Path, header: dict[str, Any]) -> None:
        self.path = path
        self.header = {"type": "header", "version": VERSION, **header}
        self.state = CheckpointState()
        self.resumed = False
        self._handle: TextIO | None = None

    def open(self) -> CheckpointState:
        """Read earlier records (if they belong to this import) and open the journal for appending."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        records = _read_records(self.path)
        if records and records[0] == self.header:
            self.state = _replay(records[1:])
            self.resumed = True
            self._handle = self.path.open("a", encoding="utf-8")
        else:
            self._handle = self.path.open("w", encoding="utf-8")
            self._append(self.header)
        return self.state

    def begin(self, numbers: Sequence[str]) -> int:
        """Record that a batch of ``numbers`` is about to be sent; return its batch number."""
        batch = self.state.batches
        self.state.batches += 1
        self.state.in_flight.update(numbers)
        self._append({"type": "begin", "batch": batch, "numbers": list(numbers)})
        return batch

    def landed(self, batch: int, rows: Iterable[tuple[str, bytes]], unsure: Sequence[str] = ()) -> None:
        """Record the rows of ``batch`` that are on the chain (landed now or found there).

        ``unsure`` names rows whose fate is unknown (their transaction failed without a verdict);
        they stay in flight for the next run.
        """
        entries = [[number, "0x" + digest.hex()] for number, digest in rows]
        for number, digest in entries:
            self.state.landed[number] = digest
        record: dict[str, Any] = {"type": "landed", "batch": batch, "rows": entries}
        if unsure:
            record["unsure"] = list(unsure)
        self._append(record)

    def close(self) -> None:
        """Close the journal."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> Checkpoint:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _append(self, record: dict[str, Any]) -> None:
        if self._handle is None:
            raise RuntimeError("the checkpoint is not open")
        self._handle.write(json.dumps(record, separators=(",", ":")) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())


def _read_records(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    records = []
    for line in text.splitlines():
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            break  # a torn last line: everything before it is intact
        if isinstance(value, dict):
            records.append(value)
    return records


def _replay(records: list[dict[str, Any]]) -> CheckpointState:
    state = CheckpointState()
    begun: dict[int, list[str]] = {}
    unsure: set[str] = set()
    for record in records:
        batch = int(record.get("batch", -1))
        if record.get("type") == "begin":
            begun[batch] = [str(n) for n in record.get("numbers", [])]
            state.batches = max(state.batches, batch + 1)
        elif record.get("type") == "landed":
            for number, digest in record.get("rows", []):
                state.landed[str(number)] = str(digest)
            begun.pop(batch, None)
            unsure.update(str(n) for n in record.get("unsure", []))
    for numbers in [*begun.values(), unsure]:
        state.in_flight.update(n for n in numbers if n not in state.landed)
    return state
