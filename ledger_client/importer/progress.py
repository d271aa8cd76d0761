"""Import progress: a snapshot dataclass and a plain-text progress bar for stderr.

The importer calls ``progress(ImportProgress)`` after reading the file and after every batch.
:class:`TextProgress` redraws one line in place on a terminal (``\\r``) and prints a line per
10 % when the stream is a file or pipe (CI logs stay readable). No third-party dependency.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO


@dataclass(frozen=True)
class ImportProgress:
    """Where an import stands.

    Attributes:
        total: records in the file.
        processed: records decided so far (landed, skipped or failed).
        landed: certificates issued by this run.
        skipped: records already on the chain with the same document (earlier runs).
        errors: records rejected (validation or on-chain conflict).
        elapsed_s: seconds since the import started.
    """

    total: int
    processed: int
    landed: int
    skipped: int
    errors: int
    elapsed_s: float

    @property
    def rate(self) -> float:
        """Records decided per second so far."""
        return self.processed / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def done(self) -> bool:
        """Every record is decided."""
        return self.processed >= self.total


ProgressCallback = Callable[[ImportProgress], None]


class TextProgress:
    """A progress bar drawn on ``stream`` (stderr by default).

    Args:
        stream: where to draw.
        width: characters of the bar.
        label: text before the bar.
    """

    def __init__(self, stream: TextIO | None = None, *, width: int = 30, label: str = "import") -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.label = label
        self._interactive = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_decile = -1
        self._open_line = False

    def render(self, state: ImportProgress) -> str:
        """The progress line for ``state`` (without line ending)."""
        fraction = state.processed / state.total if state.total else 1.0
        filled = int(fraction * self.width)
        bar = "#" * filled + "." * (self.width - filled)
        return (
            f"{self.label} [{bar}] {state.processed}/{state.total} {fraction:4.0%}  "
            f"landed {state.landed}  skipped {state.skipped}  errors {state.errors}  {state.rate:,.0f} rows/s"
        )

    def __call__(self, state: ImportProgress) -> None:
        line = self.render(state)
        if self._interactive:
            self.stream.write("\r" + line)
            self._open_line = True
            if state.done:
                self.stream.write("\n")
                self._open_line = False
        else:
            decile = int(10 * state.processed / state.total) if state.total else 10
            if decile != self._last_decile or state.done:
                self._last_decile = decile
                self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End an unfinished in-place line (e.g. after an interruption)."""
        if self._open_line:
            self.stream.write("\n")
            self.stream.flush()
            self._open_line = False
