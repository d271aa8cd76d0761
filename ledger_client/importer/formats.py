"""Reading a national AEO registry export: CSV, a JSON array, or JSON Lines.

Every record becomes a :class:`SourceRow` carrying the 1-based line of the file where it
starts, so each problem can be reported against the line a registry clerk sees in an editor.

CSV: UTF-8 (a byte-order mark is tolerated), comma-separated, first line a header naming the
columns of :data:`COLUMNS` (case-insensitive, in any order); blank lines are skipped.
JSON: either one array of objects (``.json``) or one object per line (``.jsonl``/``.ndjson``);
keys are the same column names. JSON values may be native (``true``, ``null``, lists of role
names) or the same strings as in CSV.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger_client.errors import LedgerValueError

#: Columns that every record must have (a non-empty value is checked per row).
REQUIRED_COLUMNS: tuple[str, ...] = (
    "certificate_number",
    "operator_name",
    "tax_id",
    "address",
    "city",
    "roles",
    "programmes",
    "sme",
    "valid_from",
    "issuing_office",
)
#: Columns that may be absent or empty.
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "valid_until",
    "eori",
    "postal_code",
    "region",
    "country",
    "issuer",
    "consent",
)
COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
_JSON_LINES_SUFFIXES = frozenset({".jsonl", ".ndjson"})


class ImportFormatError(LedgerValueError):
    """The input file as a whole cannot be read (unknown format, bad header, not JSON)."""


@dataclass(frozen=True)
class SourceRow:
    """One record of the input: where it starts and its values by column name."""

    line: int
    values: Mapping[str, Any]


def detect_format(path: Path) -> str:
    """``"csv"``, ``"json"`` or ``"jsonl"`` from the file name's suffix."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix == ".json":
        return "json"
    if suffix in _JSON_LINES_SUFFIXES:
        return "jsonl"
    raise ImportFormatError(
        f"cannot tell the format of {path.name!r} from its suffix; use .csv, .json, .jsonl or .ndjson"
    )


def read_rows(path: str | os.PathLike[str], file_format: str | None = None) -> list[SourceRow]:
    """Every record of the file at ``path`` (format from the suffix unless ``file_format`` is given)."""
    source = Path(path)
    kind = file_format or detect_format(source)
    try:
        text = source.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ImportFormatError(f"cannot read {source}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ImportFormatError(
            f"{source} is not UTF-8 text (byte {exc.start}): export the registry as UTF-8"
        ) from None
    if kind == "csv":
        return list(_csv_rows(text))
    if kind == "json":
        return list(_json_array_rows(text))
    if kind == "jsonl":
        return list(_json_lines_rows(text))
    raise ImportFormatError(f"unknown input format {kind!r}; allowed: csv, json, jsonl")


def write_records(path: str | os.PathLike[str], records: Sequence[Mapping[str, Any]]) -> Path:
    """Write ``records`` in the import format chosen by the suffix of ``path`` (tests, benchmarks, exports)."""
    target = Path(path)
    kind = detect_format(target)
    if kind == "csv":
        columns = [c for c in COLUMNS if any(c in record for record in records)]
        with target.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(records)
    elif kind == "json":
        target.write_text(json.dumps(list(records), ensure_ascii=False, indent=1), encoding="utf-8")
    else:
        target.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return target


def check_columns(names: list[str], where: str) -> None:
    """Raise :class:`ImportFormatError` for unknown, repeated or missing columns."""
    unknown = [n for n in names if n not in COLUMNS]
    repeated = sorted({n for n in names if names.count(n) > 1})
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    problems = []
    if unknown:
        problems.append(f"unknown column(s) {', '.join(repr(n) for n in unknown)}")
    if repeated:
        problems.append(f"repeated column(s) {', '.join(repeated)}")
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
    if problems:
        raise ImportFormatError(f"{where}: {'; '.join(problems)}. Columns: {', '.join(COLUMNS)}")


def _normalise(name: str) -> str:
    return name.strip().lower()


def _csv_rows(text: str) -> Iterator[SourceRow]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ImportFormatError(f"line {start}: malformed CSV ({exc})") from None
        if not record or all(not cell.strip() for cell in record):
            continue
        if header is None:
            header = [_normalise(cell) for cell in record]
            check_columns(header, f"CSV header (line {start})")
            continue
        values: dict[str, Any] = dict(zip(header, record, strict=False))
        if len(record) != len(header):
            values["__width__"] = f"has {len(record)} fields, the header has {len(header)}"
        yield SourceRow(start, values)
    if header is None:
        raise ImportFormatError("the CSV file is empty: expected a header line and one line per certificate")


def _json_object(value: Any, line: int) -> SourceRow:
    if not isinstance(value, dict):
        return SourceRow(line, {"__shape__": f"expected a JSON object, got {type(value).__name__}"})
    return SourceRow(line, {_normalise(str(k)): v for k, v in value.items()})


def _json_array_rows(text: str) -> Iterator[SourceRow]:
    """Decode ``[obj, obj, …]`` element by element to know the line where each one starts."""
    decoder = json.JSONDecoder()
    position = _skip_space(text, 0)
    if position >= len(text) or text[position] != "[":
        raise ImportFormatError("a .json input must be one array of objects ([{...}, {...}]); use .jsonl for lines")
    line, counted = 1, 0
    position = _skip_space(text, position + 1)
    if position < len(text) and text[position] == "]":
        return
    while True:
        line += text.count("\n", counted, position)
        counted = position
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise ImportFormatError(f"line {exc.lineno}: invalid JSON ({exc.msg})") from None
        yield _json_object(value, line)
        position = _skip_space(text, end)
        if position < len(text) and text[position] == ",":
            position = _skip_space(text, position + 1)
            continue
        if position < len(text) and text[position] == "]":
            if _skip_space(text, position + 1) != len(text):
                raise ImportFormatError("unexpected text after the closing ']' of the JSON array")
            return
        line += text.count("\n", counted, position)
        raise ImportFormatError(f"line {line}: expected ',' or ']' after an array element")


def _json_lines_rows(text: str) -> Iterator[SourceRow]:
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            yield SourceRow(number, {"__shape__": f"invalid JSON ({exc.msg} at column {exc.colno})"})
            continue
        yield _json_object(value, number)


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position
