"""Which partners an issuer's certificate goes to: parties to a non-terminated MRA (every party
accepted, not terminated; a suspended MRA still counts) whose scope overlaps the certificate's
programmes and roles — the scope rule of recognition."""

from __future__ import annotations

from collections.abc import Mapping

from ledger_client.index import Index
from ledger_client.index.results import MraScope

#: A partner's scopes with one issuer (from :meth:`Index.partner_scopes`).
Scopes = Mapping[str, tuple[MraScope, ...]]


def scopes_of(index: Index, issuer: str) -> Scopes:
    """Per partner of ``issuer``: the scopes of the non-terminated MRAs joining them."""
    return index.reader.partner_scopes(issuer)


def granting_mra(scopes: tuple[MraScope, ...], programmes: int, roles: int) -> int | None:
    """The first MRA of ``scopes`` covering a certificate with these programmes and roles, or ``None``."""
    for scope in scopes:
        if scope.programmes & programmes and scope.roles & roles:
            return scope.mra_id
    return None


def coverage_key(scopes: tuple[MraScope, ...]) -> str:
    """A canonical description of the scopes (a change means: reconsider every certificate)."""
    return ";".join(f"{s.mra_id}:{s.programmes:x}:{s.roles:x}" for s in sorted(scopes, key=lambda s: s.mra_id))
