"""Fixtures: embedded eth-tester chain → web3 → dev accounts → deployed ledger (once per session).

Every test runs inside an eth-tester snapshot that is reverted afterwards; nonce managers and
cached administration codes are reset with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from ledger_client.certificates import CertificateRequest
from ledger_client.ledger import Ledger
from ledger_client.models import Programme, Role
from ledger_client.signers import Signer

DOC = b"\x11" * 32
VALID_FROM = 1_700_000_000


@pytest.fixture(scope="session")
def base_ledger() -> Iterator[Ledger]:
    """The ledger deployed once, with CR, PE and MX registered (dev accounts 1, 2, 3)."""
    ledger = Ledger.embedded()
    signers = ledger.dev_signers()
    for code, name, signer in (
        ("CR", "Costa Rica", signers[1]),
        ("PE", "Peru", signers[2]),
        ("MX", "Mexico", signers[3]),
    ):
        ledger.administrations.register(code, name, signer.address)
    yield ledger
    ledger.close()


@pytest.fixture(autouse=True)
def _isolate(request: pytest.FixtureRequest) -> Iterator[None]:
    if "base_ledger" not in request.fixturenames:
        yield
        return
    ledger: Ledger = request.getfixturevalue("base_ledger")
    snapshot = ledger.chain.snapshot()
    yield
    ledger.chain.revert(snapshot)
    ledger.context.sender.nonces.invalidate_all()
    ledger.context.forget_codes()


@pytest.fixture
def ledger(base_ledger: Ledger) -> Ledger:
    """The governance client."""
    return base_ledger


@pytest.fixture
def signers(base_ledger: Ledger) -> list[Signer]:
    """The development accounts (0 governance, 1 CR, 2 PE, 3 MX, 4.. free)."""
    return base_ledger.dev_signers()


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
