"""Fixtures: one in-memory embedded ledger + index + API app for the whole session.

Administrations CR, PE, MX and CL are registered (development accounts 1..4); CR and PE have a
bilateral MRA in force. Tests isolate themselves with unique certificate numbers rather than
snapshots (the index follows the chain), so the suite stays fast.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.config import ApiSettings
from api.main import create_app
from api.runtime import Runtime
from api.signers import SignerRegistry
from api.tokens import Role
from ledger_client.ledger import Ledger

DOC = "0x" + "11" * 32
VALID_FROM = "2024-01-01T00:00:00Z"
ADMINS = {"CR": "Costa Rica", "PE": "Peru", "MX": "Mexico", "CL": "Chile"}


@dataclass
class Env:
    """The running API and what the tests need to drive it."""

    client: TestClient
    runtime: Runtime
    tokens: dict[str, str]
    token_ids: dict[str, int]
    mra_id: int

    def headers(self, who: str, **extra: str) -> dict[str, str]:
        """Authorization headers of token ``who`` (e.g. ``"cr_writer"``)."""
        return {"Authorization": f"Bearer {self.tokens[who]}", **extra}

    def get(self, path: str, who: str = "auditor", **kwargs: Any) -> Any:
        """GET as ``who``."""
        return self.client.get(path, headers=self.headers(who), **kwargs)

    def post(self, path: str, who: str, json: Any = None, **headers: str) -> Any:
        """POST as ``who``."""
        return self.client.post(path, headers=self.headers(who, **headers), json=json)


_counter = itertools.count(1)
_RUN = uuid.uuid4().hex[:6].upper()


def unique_number(prefix: str = "AEO") -> str:
    """A certificate number no other test uses."""
    return f"{prefix}-{_RUN}-{next(_counter):05d}"


def issue_body(number: str | None = None, **overrides: Any) -> dict[str, Any]:
    """A valid issue request."""
    body: dict[str, Any] = {
        "number": number or unique_number(),
        "programmes": ["SECURITY", "SIMPLIFICATIONS"],
        "roles": ["IMPORTER", "EXPORTER"],
        "sme": True,
        "valid_from": VALID_FROM,
        "valid_until": None,
        "document_hash": DOC,
    }
    body.update(overrides)
    return body


@pytest.fixture(scope="session")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    """The session's API over an in-memory embedded ledger."""
    with open_env(tmp_path_factory.mktemp("api-state"), Ledger.embedded()) as opened:
        yield opened


@contextmanager
def open_env(state: Path, ledger: Ledger) -> Iterator[Env]:
    """The API over ``ledger`` (its stores in ``state``) with the administrations, MRA and tokens above."""
    settings = ApiSettings(state_dir=state, index_wait_seconds=20, sse_poll_seconds=0.05, index_poll_seconds=0.05)
    dev = ledger.dev_signers()
    registry = SignerRegistry(state / "keystores", governance=dev[0])
    for i, (code, name) in enumerate(ADMINS.items(), start=1):
        ledger.administrations.register(code, name, dev[i].address)
        registry.register(code, dev[i])
    cr, pe = ledger.with_signer(dev[1]), ledger.with_signer(dev[2])
    mra = cr.mras.propose(["CR", "PE"], 3, 0x1FF, 0, "0x" + "22" * 32)
    pe.mras.accept(mra.mra_id)
    runtime = Runtime.assemble(settings, ledger, registry, owner="tests")
    runtime.start()
    tokens: dict[str, str] = {}
    ids: dict[str, int] = {}
    for name, role, admin in (
        ("cr_writer", Role.WRITER, "CR"),
        ("cr_reader", Role.READER, "CR"),
        ("pe_writer", Role.WRITER, "PE"),
        ("pe_reader", Role.READER, "PE"),
        ("cr_agency", Role.AGENCY, "CR"),
        ("pe_agency", Role.AGENCY, "PE"),
        ("mx_writer", Role.WRITER, "MX"),
        ("cl_writer", Role.WRITER, "CL"),
        ("auditor", Role.AUDITOR, None),
        ("governance", Role.GOVERNANCE, None),
        ("revoked", Role.WRITER, "CR"),
    ):
        record, secret = runtime.tokens.create(role, admin, label=name)
        tokens[name], ids[name] = secret, record.id
    runtime.tokens.revoke(ids["revoked"])
    app = create_app(runtime=runtime)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Env(client, runtime, tokens, ids, mra.mra_id)
    runtime.close()


@pytest.fixture
def issued(env: Env) -> Callable[..., dict[str, Any]]:
    """Issue a certificate through the API (as ``who``) and return the response body."""

    def issue(who: str = "cr_writer", **overrides: Any) -> dict[str, Any]:
        response = env.post("/v1/certificates", who, issue_body(**overrides))
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    return issue
