"""How many of an administration's certificates each MRA it is party to recognises now."""

from __future__ import annotations

from dataclasses import dataclass

from ledger_client.index.queries import Reader
from ledger_client.models import FLAG_CONSENT_WITHHELD, CertificateStatus, MraStatus


@dataclass(frozen=True)
class MraCoverage:
    """One MRA's recognitions of ``issuer``'s certificates at ``at``.

    ``certificates`` counts the issuer's certificates valid at ``at`` whose roles and programmes
    overlap the MRA's scope; each of the ``partners`` recognises them through this MRA while it is in force.
    """

    mra_id: int
    issuer: str
    partners: tuple[str, ...]
    in_force: bool
    certificates: int

    @property
    def recognitions(self) -> int:
        """(certificate, partner) pairs recognised through this MRA (0 when not in force)."""
        return self.certificates * len(self.partners) if self.in_force else 0


def mra_coverage(reader: Reader, issuer: str, at: int | None = None) -> list[MraCoverage]:
    """Per MRA of ``issuer`` (by id): the certificates it recognises at ``at`` (default: the last block)."""
    moment = reader.latest_time() if at is None else at
    groups = reader.execute(
        "SELECT programmes, roles, COUNT(*) FROM certificates WHERE issuer = ? AND status = ?"
        " AND flags & ? = 0 AND valid_from <= ? AND (valid_until = 0 OR valid_until >= ?)"
        " GROUP BY programmes, roles",
        (issuer, int(CertificateStatus.ACTIVE), FLAG_CONSENT_WITHHELD, moment, moment),
    )
    result = []
    for mra in reader.mras_of(issuer):
        in_force = mra.status is MraStatus.ACTIVE and mra.effective_from <= moment
        covered = sum(
            int(count) for programmes, roles, count in groups if programmes & mra.programmes and roles & mra.roles
        )
        partners = tuple(p for p in mra.parties if p != issuer)
        result.append(MraCoverage(mra.id, issuer, partners, in_force, covered))
    return result
