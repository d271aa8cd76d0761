"""What the demo seeded (:class:`DemoSeed`) and its marker file ``<data_dir>/demo-seed.json``.

The marker is written twice: with ``"state": "in_progress"`` and the seeding parameters before
the first transaction (so an interrupted seeding resumes with the same seed and anchor date),
and with ``"state": "complete"`` and the full summary at the end.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

MARKER_NAME = "demo-seed.json"
MARKER_VERSION = 1


@dataclass(frozen=True)
class DemoAdministration:
    """A seeded administration and where its signer is kept."""

    code: str
    name: str
    address: str
    keystore: str
    password_file: str


@dataclass(frozen=True)
class DemoMra:
    """A seeded MRA."""

    name: str
    mra_id: int
    parties: tuple[str, ...]
    programmes: int
    roles: int


@dataclass(frozen=True)
class DemoCertificate:
    """A seeded certificate as planned (its state after the seeding)."""

    issuer: str
    number: str
    certificate_id: str
    status: str
    programmes: int
    roles: int
    sme: bool
    valid_until: int
    events: int


@dataclass(frozen=True)
class DemoSeed:
    """The seeded demo network.

    Attributes:
        seed: the seed of every random choice.
        today: the anchor date of the certificates' validity.
        contract: the ledger contract the seeding wrote to.
        administrations: CL, CO, CR, MX, PE with their signer addresses and keystores.
        mras: the Pacific Alliance MRA and the CR-MX and CR-PE MRAs.
        certificates: every certificate with its planned final status.
        counts: totals (certificates, active, suspended, revoked, annulled, amended, renewed,
            reinstated, expired, sme, open_ended, acknowledgements, per issuer ``issued_<CODE>``).
        already_seeded: True when this call found the data directory seeded and changed nothing.
    """

    seed: int
    today: date
    contract: str
    administrations: tuple[DemoAdministration, ...]
    mras: tuple[DemoMra, ...]
    certificates: tuple[DemoCertificate, ...]
    counts: dict[str, int] = field(default_factory=dict)
    already_seeded: bool = False

    def mra_id(self, name: str) -> int:
        """The id of the MRA called ``name`` (``"Pacific Alliance"``, ``"CR-MX"``, ``"CR-PE"``)."""
        for mra in self.mras:
            if mra.name == name:
                return mra.mra_id
        raise KeyError(f"no demo MRA {name!r}; known: {', '.join(m.name for m in self.mras)}")

    def to_json(self) -> dict[str, Any]:
        """The marker's ``summary`` object."""
        data = asdict(self)
        data["today"] = self.today.isoformat()
        data.pop("already_seeded")
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DemoSeed:
        """Inverse of :meth:`to_json`."""
        return cls(
            seed=int(data["seed"]),
            today=date.fromisoformat(data["today"]),
            contract=str(data["contract"]),
            administrations=tuple(DemoAdministration(**a) for a in data["administrations"]),
            mras=tuple(DemoMra(**{**m, "parties": tuple(m["parties"])}) for m in data["mras"]),
            certificates=tuple(DemoCertificate(**c) for c in data["certificates"]),
            counts={str(k): int(v) for k, v in data["counts"].items()},
        )

    def seeded_again(self) -> DemoSeed:
        """This summary flagged as found (nothing was seeded by this call)."""
        return replace(self, already_seeded=True)


@dataclass(frozen=True)
class Marker:
    """The marker file's content."""

    state: str
    seed: int
    today: date
    certificates: int
    contract: str
    summary: DemoSeed | None = None


def marker_path(data_dir: str | os.PathLike[str]) -> Path:
    """``<data_dir>/demo-seed.json``."""
    return Path(data_dir) / MARKER_NAME


def read_marker(data_dir: str | os.PathLike[str]) -> Marker | None:
    """The marker, or None when absent or unreadable (then the chain decides what is missing)."""
    try:
        data = json.loads(marker_path(data_dir).read_text(encoding="utf-8"))
        summary = data.get("summary")
        return Marker(
            state=str(data["state"]),
            seed=int(data["seed"]),
            today=date.fromisoformat(data["today"]),
            certificates=int(data["certificates"]),
            contract=str(data["contract"]),
            summary=None if summary is None else DemoSeed.from_json(summary),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_marker(data_dir: str | os.PathLike[str], marker: Marker) -> Path:
    """Write the marker atomically."""
    target = marker_path(data_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {
        "version": MARKER_VERSION,
        "state": marker.state,
        "seed": marker.seed,
        "today": marker.today.isoformat(),
        "certificates": marker.certificates,
        "contract": marker.contract,
        "summary": None if marker.summary is None else marker.summary.to_json(),
    }
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".demo-seed-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, ensure_ascii=False)
    os.chmod(temporary, 0o644)  # nothing secret: readable like the rest of the data directory
    os.replace(temporary, target)
    return target
