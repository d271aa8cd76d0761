"""Security: the authorisation matrix end to end (API and chain), signer rotation, frozen administrations.

- Every write endpoint x every principal (writers, readers and agencies of CR, PE and MX, the auditor,
  governance, no token, a revoked token): the allowed ones get past authorisation and succeed;
  the others get a 401/403 problem *before anything is sent* (the chain's block number stays put).
- The same cross-administration writes, signed with the wrong administration's key and sent raw to
  the chain, are mined and revert with the named custom error; the state is unchanged.
- Signer rotation (through the keystore file, as in production): add the new key, swap the keystore,
  remove the old key; the old key's writes revert ``NotASigner``; the history stays verifiable.
- A frozen administration: every write refused (API 403 and chain ``AdministrationIsFrozen``); its
  history stays readable and verifiable.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from api.signers import SignerRegistry
from ledger_client import errors
from ledger_client.codec import encode_issue
from ledger_client.errors import ContractRevert
from ledger_client.ledger import Ledger
from ledger_client.models import MraStatus, ReasonCode
from ledger_client.signers import Signer
from tests.hardening.support import KEYSTORE_PASSWORD, ApiEnv, api_env, assert_problem, issue_body

ADMINS = ("CR", "PE", "MX")
PRINCIPALS = (
    *(f"{c.lower()}_{r}" for c in ADMINS for r in ("writer", "reader", "agency")),
    "auditor",
    "governance",
    "anonymous",
    "revoked",
)
_numbers = itertools.count(1)


def _number(prefix: str = "AZ") -> str:
    return f"{prefix}-{next(_numbers):05d}"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    """CR, PE, MX registered; CR-PE MRA in force; MX has no MRA with anyone."""
    with api_env(tmp_path_factory.mktemp("authz"), ADMINS) as environment:
        record, secret = environment.runtime.tokens.create("writer", "CR", label="revoked")
        environment.runtime.tokens.revoke(record.id)
        environment.tokens["revoked"] = secret
        yield environment


# --------------------------------------------------------------------------------------------- fixtures on chain


def _cr_certificate(env: ApiEnv, *, suspended: bool = False) -> str:
    cr = env.as_admin("CR")
    result = cr.certificates.issue(_request(_number("CRC")))
    if suspended:
        cr.certificates.suspend(result.certificate_id, ReasonCode.INVESTIGATION)
    env.wait_index()
    return "0x" + result.certificate_id.hex()


def _request(number: str) -> Any:
    from api.schemas.certificates import IssueCertificateRequest

    return IssueCertificateRequest.model_validate(issue_body(number)).to_request(number)


def _cr_pe_mra(env: ApiEnv, state: str) -> int:
    """A CR-PE MRA in ``state`` (proposed, active or suspended); live ones are reused (at most 8 per pair)."""
    wanted = {"proposed": MraStatus.PROPOSED, "active": MraStatus.ACTIVE, "suspended": MraStatus.SUSPENDED}[state]
    if wanted is not MraStatus.PROPOSED:
        for mra in env.ledger.mras.of("CR"):
            if set(mra.parties) == {"CR", "PE"} and mra.status is wanted:
                return mra.id
    cr, pe = env.as_admin("CR"), env.as_admin("PE")
    mra_id = cr.mras.propose(["CR", "PE"], 1, 1, 0, "0x" + "33" * 32).mra_id
    if state in ("active", "suspended"):
        pe.mras.accept(mra_id)
    if state == "suspended":
        cr.mras.suspend(mra_id, ReasonCode.OTHER)
    env.wait_index()
    return mra_id


def _pe_event(env: ApiEnv) -> dict[str, Any]:
    """A PE certificate event CR may acknowledge (CR and PE share an MRA)."""
    result = env.as_admin("PE").certificates.issue(_request(_number("PEC")))
    env.wait_index()
    return {"certificate_id": "0x" + result.certificate_id.hex(), "sequence": 1}


# --------------------------------------------------------------------------------------------- the matrix


@dataclass(frozen=True)
class Write:
    """One write endpoint: how to build a fresh call (path, body) and who may make it."""

    name: str
    method: str
    call: Callable[[ApiEnv], tuple[str, Any]]
    allowed: frozenset[str]
    conflict: frozenset[str] = frozenset()  # authorised, but the state refuses it (409)


CR_WRITER = frozenset({"cr_writer"})
ANY_WRITER = frozenset({"cr_writer", "pe_writer", "mx_writer"})
GOVERNANCE = frozenset({"governance"})
CR_PE_WRITERS = frozenset({"cr_writer", "pe_writer"})
_codes = (f"{a}{b}" for a in "QRSTUVWY" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _register(env: ApiEnv) -> tuple[str, Any]:
    return "/v1/administrations", {"code": next(_codes), "name": "Test", "signer": Signer.create().address}


def _freeze_target(env: ApiEnv) -> tuple[str, Any]:
    code = next(_codes)
    env.ledger.administrations.register(code, "Freeze target", Signer.create().address)
    env.wait_index()
    return f"/v1/administrations/{code}/freeze", None


def _unfreeze_target(env: ApiEnv) -> tuple[str, Any]:
    code = next(_codes)
    env.ledger.administrations.register(code, "Unfreeze target", Signer.create().address)
    env.ledger.administrations.freeze(code)
    env.wait_index()
    return f"/v1/administrations/{code}/unfreeze", None


def _remove_signer(env: ApiEnv) -> tuple[str, Any]:
    """A removable extra CR signer (reused while refused calls leave it in place: at most 8 signers)."""
    signers = env.ledger.administrations.get("CR").signers
    extra = next((s for s in signers if s in _EXTRA_SIGNERS), None)
    if extra is None:
        extra = Signer.create().address
        _EXTRA_SIGNERS.add(extra)
        env.as_admin("CR").administrations.add_signer(extra)
        env.wait_index()
    return f"/v1/administrations/CR/signers/{extra}", None


_EXTRA_SIGNERS: set[str] = set()


TERMS = {k: v for k, v in issue_body("x").items() if k != "number"}
WRITES = [
    Write("register administration", "POST", _register, GOVERNANCE),
    Write("freeze", "POST", _freeze_target, GOVERNANCE),
    Write("unfreeze", "POST", _unfreeze_target, GOVERNANCE),
    Write(
        "add signer",
        "POST",
        lambda e: ("/v1/administrations/CR/signers", {"address": Signer.create().address}),
        CR_WRITER,
    ),
    Write("remove signer", "DELETE", _remove_signer, CR_WRITER),
    Write("issue", "POST", lambda e: ("/v1/certificates", issue_body(_number())), ANY_WRITER),
    Write(
        "batch issue",
        "POST",
        lambda e: ("/v1/certificates/batch", {"certificates": [issue_body(_number()), issue_body(_number())]}),
        ANY_WRITER,
    ),
    Write(
        "suspend",
        "POST",
        lambda e: (f"/v1/certificates/{_cr_certificate(e)}/suspend", {"reason": "INVESTIGATION"}),
        CR_WRITER,
    ),
    Write(
        "reinstate",
        "POST",
        lambda e: (f"/v1/certificates/{_cr_certificate(e, suspended=True)}/reinstate", {}),
        CR_WRITER,
    ),
    Write(
        "revoke", "POST", lambda e: (f"/v1/certificates/{_cr_certificate(e)}/revoke", {"reason": "FRAUD"}), CR_WRITER
    ),
    Write("annul", "POST", lambda e: (f"/v1/certificates/{_cr_certificate(e)}/annul", {"reason": "FRAUD"}), CR_WRITER),
    Write("amend", "POST", lambda e: (f"/v1/certificates/{_cr_certificate(e)}/amend", TERMS), CR_WRITER),
    Write(
        "renew",
        "POST",
        lambda e: (
            f"/v1/certificates/{_cr_certificate(e)}/renew",
            {"valid_from": "2025-01-01T00:00:00Z", "valid_until": None, "document_hash": "0x" + "55" * 32},
        ),
        CR_WRITER,
    ),
    Write(
        "propose MRA",
        "POST",
        lambda e: (
            "/v1/mras",
            {
                "parties": ["CR", "PE"],
                "programmes": ["SECURITY"],
                "roles": ["IMPORTER"],
                "effective_from": 0,
                "document_hash": "0x" + "44" * 32,
            },
        ),
        CR_PE_WRITERS,
    ),
    Write(
        "accept MRA",
        "POST",
        lambda e: (f"/v1/mras/{_cr_pe_mra(e, 'proposed')}/accept", None),
        frozenset({"pe_writer"}),
        conflict=frozenset({"cr_writer"}),  # the proposer accepted when proposing
    ),
    Write(
        "suspend MRA",
        "POST",
        lambda e: (f"/v1/mras/{_cr_pe_mra(e, 'active')}/suspend", {"reason": "OTHER"}),
        CR_PE_WRITERS,
    ),
    Write("resume MRA", "POST", lambda e: (f"/v1/mras/{_cr_pe_mra(e, 'suspended')}/resume", None), CR_PE_WRITERS),
    Write(
        "terminate MRA",
        "POST",
        lambda e: (f"/v1/mras/{_cr_pe_mra(e, 'active')}/terminate", {"reason": "OTHER"}),
        CR_PE_WRITERS,
    ),
    Write("acknowledge", "POST", lambda e: ("/v1/acknowledgements", _pe_event(e)), frozenset({"cr_writer"})),
]


def _headers(env: ApiEnv, who: str) -> dict[str, str]:
    return {} if who == "anonymous" else env.headers(who)


def _send(env: ApiEnv, method: str, path: str, body: Any, who: str) -> Any:
    return env.client.request(method, path, json=body, headers=_headers(env, who))


@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.name)
def test_authorisation_matrix(env: ApiEnv, write: Write) -> None:
    for who in PRINCIPALS:
        path, body = write.call(env)
        before = env.ledger.chain.block_number()
        response = _send(env, write.method, path, body, who)
        if who in write.allowed:
            assert response.status_code in (200, 201), (write.name, who, response.text)
            continue
        if who in write.conflict:
            assert assert_problem(response, 409)["error"] == "MraAlreadyAccepted", (write.name, who)
            continue
        expected = 401 if who in ("anonymous", "revoked") else 403
        problem = assert_problem(response, expected)
        assert problem["type"].endswith("unauthorized" if expected == 401 else "forbidden"), problem
        assert env.ledger.chain.block_number() == before, f"{write.name} by {who} sent a transaction"


# --------------------------------------------------------------------------------------------- the chain layer


def _raw_revert(ledger: Ledger, signer: Signer, function: str, *args: Any) -> ContractRevert:
    """Sign ``function(*args)`` with ``signer``, send it raw (no pre-flight), and name the revert.

    ``issue`` takes the 224-byte encoded ``CertificateInput`` as its one argument."""
    ctx = ledger.context
    data = encode_issue(args[0]) if function == "issue" else ctx.codec.encode(function, *args)
    fees = ctx.sender.fees.current()
    nonce = ledger.chain.transaction_count(signer.address)
    raw = signer.sign_transaction(
        {
            "chainId": ledger.chain.chain_id,
            "nonce": nonce,
            "gas": 500_000,
            "value": 0,
            "data": data,
            "to": ctx.address,
            **fees.transaction_fields(),
        }
    )
    receipt = ledger.chain.wait_for_receipt(ledger.chain.send_raw(raw))
    assert receipt.status == 0, f"{function} by {signer.address} did not revert"
    ctx.sender.nonces.for_address(signer.address).invalidate()
    failure = ledger.chain.failure_of(receipt, ctx.address, data, signer.address)
    assert isinstance(failure, ContractRevert), failure
    return failure


def test_cross_administration_writes_revert_on_chain_with_the_named_error(env: ApiEnv) -> None:
    pe_key, mx_key, cr_key = (env.runtime.signers.signer_for(c) for c in ("PE", "MX", "CR"))
    ledger = env.ledger
    active = bytes.fromhex(_cr_certificate(env)[2:])
    suspended = bytes.fromhex(_cr_certificate(env, suspended=True)[2:])
    before = ledger.certificates.get(active)
    doc = b"\x55" * 32
    cases: list[tuple[Signer, str, tuple[Any, ...], type[ContractRevert]]] = [
        (pe_key, "suspend", (active, 1), errors.NotIssuer),
        (pe_key, "reinstate", (suspended, 0), errors.NotIssuer),
        (pe_key, "revoke", (active, 1), errors.NotIssuer),
        (pe_key, "annul", (active, 1), errors.NotIssuer),
        (pe_key, "amend", (active, 1, 1, 0, 1_700_000_000, 0, doc, 4), errors.NotIssuer),
        (pe_key, "renew", (active, 1_700_000_000, 0, doc), errors.NotIssuer),
        (mx_key, "acceptMra", (_cr_pe_mra(env, "proposed"),), errors.NotMraParty),
        (mx_key, "suspendMra", (_cr_pe_mra(env, "active"), 1), errors.NotMraParty),
        (mx_key, "resumeMra", (_cr_pe_mra(env, "suspended"),), errors.NotMraParty),
        (mx_key, "terminateMra", (_cr_pe_mra(env, "active"), 1), errors.NotMraParty),
        (mx_key, "proposeMra", ([b"CR", b"PE"], 1, 1, 0, doc), errors.ProposerNotParty),
        (mx_key, "acknowledge", (active, 1), errors.NotAPartner),
        (pe_key, "removeSigner", (cr_key.address,), errors.SignerNotFound),
        (cr_key, "registerAdministration", (b"ZQ", "Rogue", Signer.create().address), errors.NotGovernance),
        (cr_key, "freezeAdministration", (b"PE",), errors.NotGovernance),
        (cr_key, "unfreezeAdministration", (b"PE",), errors.NotGovernance),
    ]
    for signer, function, args, expected in cases:
        failure = _raw_revert(ledger, signer, function, *args)
        assert isinstance(failure, expected), (function, failure)
        assert failure.name == expected.__name__
    # an unregistered key cannot issue at all
    stranger = env.dev[15]
    issue = _request(_number("STR")).encode()
    failure = _raw_revert(ledger, stranger, "issue", issue)
    assert isinstance(failure, errors.NotASigner)
    assert ledger.certificates.get(active) == before, "a reverted write changed the certificate"


# --------------------------------------------------------------------------------------------- rotation


def test_signer_rotation_through_the_keystore(tmp_path: Path) -> None:
    with api_env(tmp_path, ("CR", "PE"), keystore_admins=("CR",)) as env:
        old, new = env.dev[1], env.dev[12]
        registry = env.runtime.signers
        assert isinstance(registry, SignerRegistry)
        assert registry.directory is not None
        w = env.headers("cr_writer")

        first = env.client.post("/v1/certificates", json=issue_body("ROT-OLD"), headers=w)
        assert first.status_code == 201, first.text
        cid = first.json()["certificate"]["id"]

        added = env.client.post("/v1/administrations/CR/signers", json={"address": new.address}, headers=w)
        assert added.status_code == 201, added.text
        assert set(added.json()["administration"]["signers"]) == {old.address, new.address}
        registry.save("CR", new, KEYSTORE_PASSWORD)  # the administration swaps its keystore file
        removed = env.client.delete(f"/v1/administrations/CR/signers/{old.address}", headers=w)
        assert removed.status_code == 200, removed.text
        assert removed.json()["administration"]["signers"] == [new.address]

        # the old key is refused by the chain; the API writes with the new one
        failure = _raw_revert(env.ledger, old, "suspend", bytes.fromhex(cid[2:]), 1)
        assert isinstance(failure, errors.NotASigner)
        suspended = env.client.post(f"/v1/certificates/{cid}/suspend", json={"reason": "INVESTIGATION"}, headers=w)
        assert suspended.status_code == 201, suspended.text

        # the history (one event per key) stays verifiable
        history = env.client.get(f"/v1/certificates/{cid}/history", headers=env.headers("auditor")).json()["items"]
        assert [(e["action"], e["signer"]) for e in history] == [("ISSUED", old.address), ("SUSPENDED", new.address)]
        audit = env.client.get(f"/v1/certificates/{cid}/audit", headers=env.headers("auditor"))
        assert audit.status_code == 200, audit.text
        assert audit.json()["ok"] is True
        assert env.ledger.administrations.get("CR").signers == (new.address,)


# --------------------------------------------------------------------------------------------- frozen


def test_frozen_administration_cannot_write_but_its_history_stays_verifiable(tmp_path: Path) -> None:
    with api_env(tmp_path, ("CR", "PE")) as env:
        w = env.headers("cr_writer")
        cid = env.client.post("/v1/certificates", json=issue_body("FRZ-1"), headers=w).json()["certificate"]["id"]
        mra = _cr_pe_mra(env, "active")
        pe_event = _pe_event(env)
        frozen = env.client.post("/v1/administrations/CR/freeze", headers=env.headers("governance"))
        assert frozen.status_code == 201, frozen.text
        assert frozen.json()["administration"]["frozen"] is True

        before = env.ledger.chain.block_number()
        attempts = [
            ("POST", "/v1/certificates", issue_body("FRZ-2")),
            ("POST", "/v1/certificates/batch", {"certificates": [issue_body("FRZ-3")]}),
            ("POST", f"/v1/certificates/{cid}/suspend", {"reason": "INVESTIGATION"}),
            ("POST", f"/v1/certificates/{cid}/revoke", {"reason": "FRAUD"}),
            ("POST", f"/v1/certificates/{cid}/annul", {"reason": "FRAUD"}),
            ("POST", f"/v1/certificates/{cid}/amend", TERMS),
            ("POST", "/v1/administrations/CR/signers", {"address": Signer.create().address}),
            ("POST", f"/v1/mras/{mra}/suspend", {"reason": "OTHER"}),
            ("POST", f"/v1/mras/{mra}/terminate", {"reason": "OTHER"}),
            ("POST", "/v1/acknowledgements", pe_event),
        ]
        for method, path, body in attempts:
            response = env.client.request(method, path, json=body, headers=w)
            assert_problem(response, 403)
        assert env.ledger.chain.block_number() == before, "a frozen administration's write was sent"

        # on the chain, the frozen key's writes revert with AdministrationIsFrozen
        cr_key = env.runtime.signers.signer_for("CR")
        raw_id = bytes.fromhex(cid[2:])
        for function, args in (
            ("suspend", (raw_id, 1)),
            ("issue", (_request("FRZ-4").encode(),)),
            ("terminateMra", (mra, 1)),
            ("acknowledge", (bytes.fromhex(pe_event["certificate_id"][2:]), 1)),
        ):
            failure = _raw_revert(env.ledger, cr_key, function, *args)
            assert isinstance(failure, errors.AdministrationIsFrozen), (function, failure)

        # the history stays readable and verifiable, by anyone who could read it before
        for who in ("cr_reader", "pe_writer", "auditor"):
            got = env.client.get(f"/v1/certificates/{cid}", headers=env.headers(who))
            assert got.status_code == 200, got.text
            assert got.json()["status"] == "ACTIVE"
        audit = env.client.get(f"/v1/certificates/{cid}/audit", headers=env.headers("auditor"))
        assert audit.json()["ok"] is True, audit.text
        assert env.client.get("/v1/administrations/CR", headers=env.headers("pe_reader")).json()["frozen"] is True

        # unfrozen, it writes again
        assert env.client.post("/v1/administrations/CR/unfreeze", headers=env.headers("governance")).status_code == 201
        again = env.client.post(f"/v1/certificates/{cid}/suspend", json={"reason": "INVESTIGATION"}, headers=w)
        assert again.status_code == 201, again.text
