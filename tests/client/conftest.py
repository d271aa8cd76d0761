"""Fixtures: a chain backend → dev accounts → deployed ledger (see :mod:`tests.support.backends`).

The backend is the in-memory eth-tester chain unless a module parametrises ``backend``
(``pytestmark = BEHAVIOUR_SUITE``: the behaviour suite runs on the in-memory chain, the durable
node over JSON-RPC and anvil). Every test runs inside a snapshot reverted afterwards (nonce
managers and cached administration codes reset with it), or, on a node without snapshots, on a
ledger deployed for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from ledger_client.certificates import CertificateRequest
from ledger_client.ledger import Ledger
from ledger_client.models import Programme, Role
from ledger_client.signers import Signer
from tests.conftest import AnvilFactory
from tests.support.backends import ChainUnderTest, open_chain_under_test

DOC = b"\x11" * 32
VALID_FROM = 1_700_000_000


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    """The chain backend under test: ``memory`` unless a module is marked ``BEHAVIOUR_SUITE``."""
    return str(getattr(request, "param", "memory"))


@pytest.fixture(scope="session")
def chain_under_test(
    backend: str, tmp_path_factory: pytest.TempPathFactory, anvil_factory: AnvilFactory
) -> Iterator[ChainUnderTest]:
    """The backend's chain, once per session and backend."""
    with open_chain_under_test(backend, tmp_path_factory.mktemp(f"chain-{backend}"), anvil_factory) as opened:
        yield opened


@pytest.fixture
def base_ledger(chain_under_test: ChainUnderTest) -> Iterator[Ledger]:
    """The ledger with CR, PE and MX registered (dev accounts 1, 2, 3), as each test found it:
    inside a snapshot reverted afterwards where the backend has snapshots, else freshly deployed."""
    with chain_under_test.isolated() as ledger:
        yield ledger


@pytest.fixture
def ledger(base_ledger: Ledger) -> Ledger:
    """The governance client."""
    return base_ledger


@pytest.fixture
def signers(chain_under_test: ChainUnderTest) -> list[Signer]:
    """The development accounts (0 governance, 1 CR, 2 PE, 3 MX, 4.. free)."""
    return list(chain_under_test.signers)


@pytest.fixture
def cr(base_ledger: Ledger, signers: list[Signer]) -> Ledger:
    """Costa Rica's client."""
    return base_ledger.with_signer(signers[1])


@pytest.fixture
def pe(base_ledger: Ledger, signers: list[Signer]) -> Ledger:
    """Peru's client."""
    return base_ledger.with_signer(signers[2])


@pytest.fixture
def mx(base_ledger: Ledger, signers: list[Signer]) -> Ledger:
    """Mexico's client."""
    return base_ledger.with_signer(signers[3])


def make_request(number: str = "CR-AEO-0001", **overrides: object) -> CertificateRequest:
    """A valid certificate request."""
    values: dict[str, object] = {
        "number": number,
        "programmes": int(Programme.SECURITY | Programme.SIMPLIFICATIONS),
        "roles": int(Role.IMPORTER | Role.EXPORTER),
        "sme": True,
        "valid_from": VALID_FROM,
        "valid_until": 0,
        "document_hash": DOC,
    }
    values.update(overrides)
    return CertificateRequest(**values)  # type: ignore[arg-type]


@pytest.fixture
def new_request() -> Callable[..., CertificateRequest]:
    """Factory of valid certificate requests (keyword overrides)."""
    return make_request
