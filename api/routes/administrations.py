"""``/v1/administrations``: the registry of customs administrations, their signers and KPIs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.concurrency import run_in_threadpool

from api.auth import require_role, require_visible, require_writer_for
from api.deps import IndexDep, PrincipalDep, RuntimeDep, write_route
from api.routes.params import AfterRowQuery, CodePath, LimitQuery
from api.schemas.administrations import (
    AdministrationOut,
    AdministrationWritten,
    AgencyReadOut,
    AgencyReadsPage,
    ExchangeKeyOut,
    ExchangeKeyRequest,
    RegisterAdministrationRequest,
    SignerRequest,
)
from api.schemas.common import At
from api.schemas.partners import KpisOut
from api.schemas.problems import problem_responses
from api.schemas.transactions import write_responses
from api.tokens import Role
from api.writes import administration_written, as_administration, as_governance
from ledger_client.errors import AdministrationNotFoundError, NotFoundError

router = APIRouter(prefix="/v1/administrations", tags=["administrations"])

_WRITE = write_responses(401, 403, 404, 409, 422, 503)


def _known(index: IndexDep, code: str) -> None:
    if index.administration(code) is None:
        known = ", ".join(a.code for a in index.administrations()) or "none registered yet"
        raise AdministrationNotFoundError(f"unknown administration {code!r}; known: {known}")


@router.get("", response_model=list[AdministrationOut], responses=problem_responses(401))
async def list_administrations(index: IndexDep, _principal: PrincipalDep) -> list[AdministrationOut]:
    """Every registered administration, in registration order."""
    return [AdministrationOut.of(a, index.exchange_key(a.code)) for a in index.administrations()]


@router.get("/{code}", response_model=AdministrationOut, responses=problem_responses(401, 404))
async def get_administration(code: CodePath, index: IndexDep, _principal: PrincipalDep) -> AdministrationOut:
    """One administration: name, frozen flag, signer accounts, and its current exchange key and
    gateway URL with their version."""
    row = index.administration(code)
    if row is None:
        _known(index, code)
    assert row is not None
    return AdministrationOut.of(row, index.exchange_key(code))


@router.get("/{code}/exchange-keys", response_model=list[ExchangeKeyOut], responses=problem_responses(401, 404))
async def exchange_key_history(code: CodePath, index: IndexDep, _principal: PrincipalDep) -> list[ExchangeKeyOut]:
    """Every publication of the administration's exchange key and gateway URL, version 1 first."""
    _known(index, code)
    return [ExchangeKeyOut.of(k) for k in index.exchange_key_history(code)]


@router.get("/{code}/kpis", response_model=KpisOut, responses=problem_responses(401, 403, 404))
async def administration_kpis(
    code: CodePath,
    index: IndexDep,
    principal: PrincipalDep,
    at: Annotated[
        At | None, Query(description="moment deciding expiry and where the history ends; default: last indexed block")
    ] = None,
    months: Annotated[
        int | None, Query(ge=1, le=1200, description="only the last this many months of `monthly` (default: all)")
    ] = None,
) -> KpisOut:
    """Certificates by status, programme, role and SME flag, SME share and partners' acknowledgement
    latency per partner and per programme, the certificates in force whose operator withholds
    consent (no MRA partner recognises them; in all and per programme), and the history per month;
    ``units`` names the unit of every figure."""
    require_visible(principal, code)
    _known(index, code)
    return KpisOut.of(await run_in_threadpool(index.kpis, code, at, months))


@router.get("/{code}/agency-reads", response_model=AgencyReadsPage, responses=problem_responses(401, 403, 404))
async def agency_reads(
    code: CodePath,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    after: AfterRowQuery = 0,
    limit: LimitQuery = 100,
) -> AgencyReadsPage:
    """What the administration's agency tokens (other government agencies) read: every request
    they made, oldest first (its writers and auditors)."""
    require_role(principal, Role.WRITER, Role.AUDITOR)
    require_visible(principal, code)
    _known(runtime.index, code)
    reads = await run_in_threadpool(runtime.agency_reads.list, code, after, limit)
    items = [AgencyReadOut.of(r) for r in reads]
    return AgencyReadsPage(items=items, next_after=items[-1].id if len(items) == limit else None)


@write_route(router, "", AdministrationWritten, _WRITE)
def register_administration(
    body: RegisterAdministrationRequest, runtime: RuntimeDep, principal: PrincipalDep
) -> AdministrationWritten:
    """Register an administration with its first signer (governance tokens)."""
    require_role(principal, Role.GOVERNANCE)
    result = as_governance(runtime).administrations.register(body.code, body.name, body.signer)
    return administration_written(runtime, result)


@write_route(router, "/{code}/freeze", AdministrationWritten, _WRITE)
def freeze_administration(code: CodePath, runtime: RuntimeDep, principal: PrincipalDep) -> AdministrationWritten:
    """Freeze an administration whose keys are compromised: all its writes are refused (governance)."""
    require_role(principal, Role.GOVERNANCE)
    return administration_written(runtime, as_governance(runtime).administrations.freeze(code))


@write_route(router, "/{code}/unfreeze", AdministrationWritten, _WRITE)
def unfreeze_administration(code: CodePath, runtime: RuntimeDep, principal: PrincipalDep) -> AdministrationWritten:
    """Unfreeze an administration (governance)."""
    require_role(principal, Role.GOVERNANCE)
    return administration_written(runtime, as_governance(runtime).administrations.unfreeze(code))


@write_route(router, "/{code}/signers", AdministrationWritten, _WRITE)
def add_signer(
    code: CodePath, body: SignerRequest, runtime: RuntimeDep, principal: PrincipalDep
) -> AdministrationWritten:
    """Add a signer account to the administration (its writer tokens; key rotation step 1)."""
    require_writer_for(principal, code, "manage the signers of")
    return administration_written(runtime, as_administration(runtime, code).administrations.add_signer(body.address))


@write_route(router, "/{code}/exchange-key", AdministrationWritten, _WRITE)
def publish_exchange_key(
    code: CodePath, body: ExchangeKeyRequest, runtime: RuntimeDep, principal: PrincipalDep
) -> AdministrationWritten:
    """Publish (or rotate) the administration's exchange key and gateway URL on-chain (its writer
    tokens): partners seal its envelopes to this key and fetch theirs from this URL."""
    require_writer_for(principal, code, "publish the exchange key of")
    ledger = as_administration(runtime, code)
    return administration_written(
        runtime, ledger.administrations.publish_exchange_key(body.public_key, body.gateway_url)
    )


@router.delete(
    "/{code}/signers/{address}",
    response_model=AdministrationWritten,
    responses=_WRITE,
)
def remove_signer(
    code: CodePath,
    address: Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{40}$", description="the signer account to remove")],
    runtime: RuntimeDep,
    principal: PrincipalDep,
) -> AdministrationWritten:
    """Remove a signer account from the administration (its writer tokens; key rotation step 2)."""
    require_writer_for(principal, code, "manage the signers of")
    if int(address, 16) == 0:  # never anyone's signer: as for any other account that is not one
        raise NotFoundError(f"{address} is not a signer of {code}")
    return administration_written(runtime, as_administration(runtime, code).administrations.remove_signer(address))
