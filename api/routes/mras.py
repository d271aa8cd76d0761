"""``/v1/mras``: Mutual Recognition Agreements among administrations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import require_party
from api.deps import IndexDep, PrincipalDep, RuntimeDep, write_route
from api.routes.params import MraIdPath
from api.runtime import Runtime
from api.schemas.common import Code, MraStatusName, programme_mask, role_mask
from api.schemas.mras import MraOut, MraReasonRequest, MraWritten, ProposeMraRequest
from api.schemas.problems import problem_responses
from api.schemas.transactions import write_responses
from api.writes import as_administration, indexed_mra, mra_written
from ledger_client.index import IndexedMra
from ledger_client.ledger import Ledger

router = APIRouter(prefix="/v1/mras", tags=["mras"])

_WRITE = write_responses(401, 403, 404, 409, 422, 503)


@router.get("", response_model=list[MraOut], responses=problem_responses(401, 422))
async def list_mras(
    index: IndexDep,
    _principal: PrincipalDep,
    party: Annotated[Code | None, Query(description="only MRAs this administration is party to")] = None,
    status_: Annotated[MraStatusName | None, Query(alias="status")] = None,
) -> list[MraOut]:
    """MRAs in proposal order, optionally of one party and in one status."""
    if party is not None:
        rows = index.mras_of(party)
    else:
        by_id: dict[int, IndexedMra] = {}
        for administration in index.administrations():
            by_id.update((m.id, m) for m in index.mras_of(administration.code))
        rows = [by_id[i] for i in sorted(by_id)]
    if status_ is not None:
        rows = [m for m in rows if m.status.name == status_.value]
    return [MraOut.of(m) for m in rows]


@router.get("/{mra_id}", response_model=MraOut, responses=problem_responses(401, 404))
async def get_mra(mra_id: MraIdPath, runtime: RuntimeDep, _principal: PrincipalDep) -> MraOut:
    """One MRA: parties, who accepted, scope, status and whether it is in force."""
    return MraOut.of(indexed_mra(runtime, mra_id))


@write_route(router, "", MraWritten, _WRITE)
def propose_mra(body: ProposeMraRequest, runtime: RuntimeDep, principal: PrincipalDep) -> MraWritten:
    """Propose an MRA; the token's administration must be one of the parties (writer tokens)."""
    code = require_party(principal, body.parties)
    result = as_administration(runtime, code).mras.propose(
        body.parties, programme_mask(body.programmes), role_mask(body.roles), body.effective_from, body.document_hash
    )
    return mra_written(runtime, result)


def _party_ledger(runtime: Runtime, principal: PrincipalDep, mra_id: int) -> Ledger:
    mra = indexed_mra(runtime, mra_id)
    return as_administration(runtime, require_party(principal, mra.parties, mra_id))


@write_route(router, "/{mra_id}/accept", MraWritten, _WRITE)
def accept_mra(mra_id: MraIdPath, runtime: RuntimeDep, principal: PrincipalDep) -> MraWritten:
    """Accept a proposed MRA as one of its parties (in force once every party accepted)."""
    return mra_written(runtime, _party_ledger(runtime, principal, mra_id).mras.accept(mra_id))


@write_route(router, "/{mra_id}/suspend", MraWritten, _WRITE)
def suspend_mra(mra_id: MraIdPath, body: MraReasonRequest, runtime: RuntimeDep, principal: PrincipalDep) -> MraWritten:
    """Suspend an Active MRA (any party)."""
    return mra_written(runtime, _party_ledger(runtime, principal, mra_id).mras.suspend(mra_id, body.reason))


@write_route(router, "/{mra_id}/resume", MraWritten, _WRITE)
def resume_mra(mra_id: MraIdPath, runtime: RuntimeDep, principal: PrincipalDep) -> MraWritten:
    """Resume a Suspended MRA (any party)."""
    return mra_written(runtime, _party_ledger(runtime, principal, mra_id).mras.resume(mra_id))


@write_route(router, "/{mra_id}/terminate", MraWritten, _WRITE)
def terminate_mra(
    mra_id: MraIdPath, body: MraReasonRequest, runtime: RuntimeDep, principal: PrincipalDep
) -> MraWritten:
    """Terminate an MRA (any party; final)."""
    return mra_written(runtime, _party_ledger(runtime, principal, mra_id).mras.terminate(mra_id, body.reason))
