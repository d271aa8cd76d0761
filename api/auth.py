"""Bearer-token authentication and the authorisation policy.

Who may do what:

==============  =====================================================================
role            may
==============  =====================================================================
writer          everything a reader may; write its administration's certificates,
                signers, acknowledgements and the MRAs it is party to
reader          read the shared registers (administrations, certificates, MRAs,
                recognition, document verification) and its own administration's feed,
                inbox, KPIs and certificate audits
auditor         read everything, run every verification
governance      read everything; register, freeze and unfreeze administrations
agency          another government agency of an administration (e.g. its sanitary
                authority): read what a reader of that administration reads, never write
                (no write check admits it); each of its requests is recorded in the
                administration's agency-read log (:mod:`api.agency_reads`)
==============  =====================================================================

Each check runs before anything is sent to the chain (which enforces the same rules anyway).
"""

from __future__ import annotations

from dataclasses import dataclass

from api.errors import ProblemError
from api.tokens import Role, TokenRecord, TokenStore

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="aeo-ledger"'}


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: its token, role and administration (None for governance)."""

    token_id: int
    role: Role
    administration: str | None
    label: str = ""

    @classmethod
    def of(cls, record: TokenRecord) -> Principal:
        """The principal of a token record."""
        return cls(record.id, record.role, record.administration, record.label)

    @property
    def sees_everything(self) -> bool:
        """Auditors and governance read every administration's data."""
        return self.role in (Role.AUDITOR, Role.GOVERNANCE)

    @property
    def reads_are_logged(self) -> bool:
        """Agency tokens' requests go to their administration's agency-read log."""
        return self.role is Role.AGENCY and self.administration is not None

    def describe(self) -> str:
        """``"reader token 3 of CR"`` (for error messages; never the secret)."""
        owner = f" of {self.administration}" if self.administration else ""
        return f"{self.role.value} token {self.token_id}{owner}"


def bearer_secret(authorization: str | None) -> str | None:
    """The secret of an ``Authorization: Bearer <secret>`` header, or None."""
    if not authorization:
        return None
    scheme, _, secret = authorization.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def authenticate(tokens: TokenStore, authorization: str | None) -> Principal:
    """The principal of the request's bearer token; 401 problem when missing, unknown or revoked."""
    secret = bearer_secret(authorization)
    if secret is None:
        raise ProblemError(
            401, "unauthorized", "Unauthorized", "send an API token: 'Authorization: Bearer aeo_…'", headers=_CHALLENGE
        )
    record = tokens.authenticate(secret)
    if record is None:
        raise ProblemError(
            401, "unauthorized", "Unauthorized", "the API token is unknown or revoked", headers=_CHALLENGE
        )
    if not tokens.admits(record):
        principal = Principal.of(record)
        raise forbidden(
            f"this gateway serves administration {tokens.administration} only, not a {principal.describe()}"
        )
    return Principal.of(record)


def forbidden(detail: str) -> ProblemError:
    """A 403 problem."""
    return ProblemError(403, "forbidden", "Forbidden", detail)


def require_role(principal: Principal, *roles: Role) -> None:
    """403 unless the principal has one of ``roles``."""
    if principal.role not in roles:
        allowed = ", ".join(r.value for r in roles)
        raise forbidden(f"a {principal.describe()} may not do this; allowed roles: {allowed}")


def require_writer_for(principal: Principal, code: str, what: str = "write for") -> None:
    """403 unless the principal is a writer of administration ``code``."""
    require_role(principal, Role.WRITER)
    if principal.administration != code:
        raise forbidden(f"a {principal.describe()} may not {what} administration {code}")


def writer_administration(principal: Principal) -> str:
    """The administration a writer token acts for (403 for any other role)."""
    require_role(principal, Role.WRITER)
    assert principal.administration is not None
    return principal.administration


def require_visible(principal: Principal, code: str) -> None:
    """403 unless the principal may read administration ``code``'s own data (feed, inbox, KPIs …)."""
    if not principal.sees_everything and principal.administration != code:
        raise forbidden(f"a {principal.describe()} may not read administration {code}'s data")


def require_party(principal: Principal, parties: tuple[str, ...] | list[str], mra_id: int | None = None) -> str:
    """The writer's administration, 403 unless it is one of the MRA's ``parties``."""
    code = writer_administration(principal)
    if code not in parties:
        subject = f"MRA {mra_id}" if mra_id is not None else "this MRA"
        raise forbidden(f"administration {code} is not a party to {subject} (parties: {', '.join(parties)})")
    return code
