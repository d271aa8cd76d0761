"""The outcome of an import: what landed, what was already there, what failed and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ImportedRow:
    """A record that is on the chain: landed by this run, or found there from an earlier one."""

    line: int
    number: str
    certificate_id: bytes
    tx_hash: str | None = None
    block_number: int | None = None


@dataclass(frozen=True)
class RowError:
    """A rejected record: its line in the file, its certificate number (if readable) and why.

    ``kind`` is ``"validation"`` (the record itself is wrong), ``"duplicate"`` (the number appears
    earlier in the file) or ``"conflict"`` (the chain refused it, e.g. CertificateAlreadyIssued).
    """

    line: int
    number: str | None
    kind: str
    reason: str

    def __str__(self) -> str:
        number = f" {self.number}" if self.number else ""
        return f"line {self.line}{number}: {self.reason}"


@dataclass
class ImportReport:
    """Everything an import did (the CLI prints :meth:`summary` and the errors).

    Attributes:
        administration: the issuing administration.
        source: the input file.
        total: records read.
        landed: records issued by this run.
        skipped: records already on the chain with the same document (not sent again).
        errors: rejected records, by line.
        batches: batches sent by this run.
        elapsed_s: wall time of the run.
        checkpoint: the checkpoint journal.
        resumed: an earlier run of the same import was found in the checkpoint.
    """

    administration: str
    source: Path
    total: int = 0
    landed: list[ImportedRow] = field(default_factory=list)
    skipped: list[ImportedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    batches: int = 0
    elapsed_s: float = 0.0
    checkpoint: Path | None = None
    resumed: bool = False

    @property
    def ok(self) -> bool:
        """No record was rejected."""
        return not self.errors

    @property
    def certificates_per_s(self) -> float:
        """Certificates landed per second of this run."""
        return len(self.landed) / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def summary(self) -> str:
        """One line for humans."""
        return (
            f"{self.administration} import of {self.source.name}: {self.total} rows, {len(self.landed)} landed, "
            f"{len(self.skipped)} already on the ledger, {len(self.errors)} rejected "
            f"({self.batches} batches, {self.elapsed_s:.1f} s)"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (errors listed in full, landed/skipped as counts)."""
        return {
            "administration": self.administration,
            "source": str(self.source),
            "total": self.total,
            "landed": len(self.landed),
            "skipped": len(self.skipped),
            "errors": [{"line": e.line, "number": e.number, "kind": e.kind, "reason": e.reason} for e in self.errors],
            "batches": self.batches,
            "elapsed_s": round(self.elapsed_s, 3),
            "checkpoint": None if self.checkpoint is None else str(self.checkpoint),
            "resumed": self.resumed,
        }
