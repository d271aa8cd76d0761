"""AdministrationRegistry: governance, registration, freezing, signer management and key recovery.

Every function, every event with its arguments, and every custom error with its arguments.
"""

from __future__ import annotations

import pytest
from eth_tester.exceptions import TransactionFailed

from ledger_client.artifacts import load_artifact
from tests.contracts.helpers import (
    ADMINISTRATIONS,
    ZERO_ADDRESS,
    Deployment,
    Terms,
    code,
    decode_error,
    revert_data,
)
from tests.support.artifacts import harness_artifact

# --- deployment and getters -------------------------------------------------------------------


def test_constructor_rejects_zero_governance(d: Deployment) -> None:
    artifact = harness_artifact("AeoLedgerHarness")
    factory = d.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    data = factory.constructor(ZERO_ADDRESS).data_in_transaction
    with pytest.raises(TransactionFailed) as info:
        d.w3.eth.call({"from": d.governance, "data": data, "gas": 8_000_000})
    assert decode_error(d.errors, revert_data(info.value)) == ("ZeroGovernance", ())


def test_production_contract_deploys_with_same_governance_rules(d: Deployment) -> None:
    artifact = load_artifact("AeoLedger")
    factory = d.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    tx_hash = factory.constructor(d.stranger).transact({"from": d.stranger, "gas": 8_000_000})
    receipt = d.w3.eth.get_transaction_receipt(tx_hash)
    assert receipt["status"] == 1
    ledger = d.w3.eth.contract(address=receipt["contractAddress"], abi=artifact.abi)
    assert ledger.functions.governance().call() == d.stranger
    assert ledger.functions.administrationCodes().call() == []
    assert "setTime" not in {e.get("name") for e in artifact.abi}


def test_governance_and_constants(d: Deployment) -> None:
    assert d.functions.governance().call() == d.governance
    assert d.functions.MAX_SIGNERS().call() == 8
    assert d.functions.MAX_PARTIES().call() == 16
    assert d.functions.MAX_LIVE_MRAS_PER_PAIR().call() == 8
    assert d.functions.FLAG_SME().call() == 1


def test_seeded_administrations(d: Deployment) -> None:
    assert d.functions.administrationCodes().call() == [code(c) for c in ADMINISTRATIONS]
    for admin, name in ADMINISTRATIONS.items():
        assert d.functions.administration(code(admin)).call() == [True, False, name, [d.signer(admin)]]
        assert d.functions.administrationOf(d.signer(admin)).call() == code(admin)


def test_unknown_administration_and_non_signer_read_as_empty(d: Deployment) -> None:
    assert d.functions.administration(code("XX")).call() == [False, False, "", []]
    assert d.functions.administrationOf(d.stranger).call() == b"\x00\x00"
    assert d.functions.administrationOf(d.governance).call() == b"\x00\x00"


# --- registerAdministration ------------------------------------------------------------------


def test_register_administration(d: Deployment) -> None:
    signer = d.new_account()
    receipt = d.send(d.functions.registerAdministration(code("AR"), "Argentina", signer), d.governance)
    d.assert_events(receipt, d.event("AdministrationRegistered", code="AR", name="Argentina", signer=signer))
    assert d.functions.administration(code("AR")).call() == [True, False, "Argentina", [signer]]
    assert d.functions.administrationOf(signer).call() == code("AR")
    assert d.functions.administrationCodes().call()[-1] == code("AR")
    # The new administration can write at once.
    d.send(d.functions.issue(Terms().input("AR-1")), signer)


@pytest.mark.parametrize("admin_code", ["AA", "ZZ", "BR"])
def test_register_accepts_every_alpha2_code(d: Deployment, admin_code: str) -> None:
    d.send(d.functions.registerAdministration(code(admin_code), "Somewhere", d.new_account()), d.governance)
    assert d.functions.administration(code(admin_code)).call()[0] is True


@pytest.mark.parametrize("length", [1, 64])
def test_register_name_length_bounds(d: Deployment, length: int) -> None:
    d.send(d.functions.registerAdministration(code("AR"), "x" * length, d.new_account()), d.governance)
    assert d.functions.administration(code("AR")).call()[2] == "x" * length


def test_register_name_is_measured_in_utf8_bytes(d: Deployment) -> None:
    d.send(d.functions.registerAdministration(code("AR"), "É" * 32, d.new_account()), d.governance)
    d.expect_revert(
        d.functions.registerAdministration(code("BR"), "É" * 33, d.new_account()),
        d.governance,
        "InvalidAdministrationName",
        66,
    )


@pytest.mark.parametrize("caller", ["signer", "stranger"])
def test_register_requires_governance(d: Deployment, caller: str) -> None:
    account = d.signer("CR") if caller == "signer" else d.stranger
    d.expect_revert(
        d.functions.registerAdministration(code("AR"), "Argentina", d.new_account()),
        account,
        "NotGovernance",
        account,
    )


@pytest.mark.parametrize("raw", [b"cr", b"Cr", b"C1", b"\x00\x00", b"A\x00", b"@A", b"A[", b"\xc3\x89"])
def test_register_rejects_invalid_code(d: Deployment, raw: bytes) -> None:
    d.expect_revert(
        d.functions.registerAdministration(raw, "Nowhere", d.new_account()),
        d.governance,
        "InvalidAdministrationCode",
        raw,
    )


@pytest.mark.parametrize("name", ["", "x" * 65])
def test_register_rejects_invalid_name(d: Deployment, name: str) -> None:
    d.expect_revert(
        d.functions.registerAdministration(code("AR"), name, d.new_account()),
        d.governance,
        "InvalidAdministrationName",
        len(name),
    )


def test_register_rejects_registered_code(d: Deployment) -> None:
    d.expect_revert(
        d.functions.registerAdministration(code("CR"), "Costa Rica", d.new_account()),
        d.governance,
        "AdministrationAlreadyRegistered",
        "CR",
    )


def test_register_rejects_zero_signer(d: Deployment) -> None:
    d.expect_revert(
        d.functions.registerAdministration(code("AR"), "Argentina", ZERO_ADDRESS), d.governance, "ZeroSigner"
    )


def test_register_rejects_signer_of_another_administration(d: Deployment) -> None:
    d.expect_revert(
        d.functions.registerAdministration(code("AR"), "Argentina", d.signer("PE")),
        d.governance,
        "SignerAlreadyRegistered",
        d.signer("PE"),
        "PE",
    )


# --- freeze / unfreeze -------------------------------------------------------------------------


def test_freeze_and_unfreeze(d: Deployment) -> None:
    second = d.new_account()
    d.send(d.functions.addSigner(second), d.signer("CR"))
    receipt = d.send(d.functions.freezeAdministration(code("CR")), d.governance)
    d.assert_events(receipt, d.event("AdministrationFrozen", code="CR"))
    assert d.functions.administration(code("CR")).call()[1] is True
    # Every signer of the frozen administration is blocked; the other administrations are not.
    for signer in (d.signer("CR"), second):
        d.expect_revert(d.functions.issue(Terms().input("CR-F")), signer, "AdministrationIsFrozen", "CR")
    d.send(d.functions.issue(Terms().input("PE-1")), d.signer("PE"))
    # Signers stay registered while frozen.
    assert d.functions.administrationOf(second).call() == code("CR")

    receipt = d.send(d.functions.unfreezeAdministration(code("CR")), d.governance)
    d.assert_events(receipt, d.event("AdministrationUnfrozen", code="CR"))
    assert d.functions.administration(code("CR")).call()[1] is False
    for number, signer in (("CR-1", d.signer("CR")), ("CR-2", second)):
        d.send(d.functions.issue(Terms().input(number)), signer)


def test_freeze_rejects_frozen_and_unknown(d: Deployment) -> None:
    d.send(d.functions.freezeAdministration(code("MX")), d.governance)
    d.expect_revert(d.functions.freezeAdministration(code("MX")), d.governance, "AdministrationIsFrozen", "MX")
    d.expect_revert(d.functions.freezeAdministration(code("XX")), d.governance, "UnknownAdministration", "XX")


def test_unfreeze_rejects_unfrozen_and_unknown(d: Deployment) -> None:
    d.expect_revert(d.functions.unfreezeAdministration(code("MX")), d.governance, "AdministrationNotFrozen", "MX")
    d.expect_revert(d.functions.unfreezeAdministration(code("XX")), d.governance, "UnknownAdministration", "XX")


@pytest.mark.parametrize("function", ["freezeAdministration", "unfreezeAdministration"])
def test_freeze_functions_require_governance(d: Deployment, function: str) -> None:
    for account in (d.signer("MX"), d.signer("CR"), d.stranger):
        d.expect_revert(getattr(d.functions, function)(code("MX")), account, "NotGovernance", account)


def test_frozen_administration_keeps_its_data_readable(d: Deployment) -> None:
    cert = d.issue("CR", "CR-1")
    d.send(d.functions.freezeAdministration(code("CR")), d.governance)
    assert d.functions.certificate(cert).call()[0] == 1
    assert d.functions.administration(code("CR")).call() == [True, True, "Costa Rica", [d.signer("CR")]]


# --- addSigner / removeSigner --------------------------------------------------------------------


def test_add_signer(d: Deployment) -> None:
    new = d.new_account()
    receipt = d.send(d.functions.addSigner(new), d.signer("CR"))
    d.assert_events(receipt, d.event("SignerAdded", code="CR", signer=new, by=d.signer("CR")))
    assert d.functions.administration(code("CR")).call()[3] == [d.signer("CR"), new]
    assert d.functions.administrationOf(new).call() == code("CR")
    # The new signer acts for the administration, including managing signers.
    third = d.new_account()
    receipt = d.send(d.functions.addSigner(third), new)
    d.assert_events(receipt, d.event("SignerAdded", code="CR", signer=third, by=new))
    d.send(d.functions.issue(Terms().input("CR-1")), third)


def test_add_signer_errors(d: Deployment) -> None:
    cr = d.signer("CR")
    d.expect_revert(d.functions.addSigner(d.new_account()), d.stranger, "NotASigner", d.stranger)
    d.expect_revert(d.functions.addSigner(d.new_account()), d.governance, "NotASigner", d.governance)
    d.expect_revert(d.functions.addSigner(ZERO_ADDRESS), cr, "ZeroSigner")
    d.expect_revert(d.functions.addSigner(cr), cr, "SignerAlreadyRegistered", cr, "CR")
    d.expect_revert(d.functions.addSigner(d.signer("PE")), cr, "SignerAlreadyRegistered", d.signer("PE"), "PE")
    d.send(d.functions.freezeAdministration(code("CR")), d.governance)
    d.expect_revert(d.functions.addSigner(d.new_account()), cr, "AdministrationIsFrozen", "CR")


def test_max_signers(d: Deployment) -> None:
    cr = d.signer("CR")
    added = [d.new_account() for _ in range(7)]
    for account in added:
        d.send(d.functions.addSigner(account), cr)
    assert d.functions.administration(code("CR")).call()[3] == [cr, *added]
    d.expect_revert(d.functions.addSigner(d.new_account()), cr, "TooManySigners", "CR", 8, send=True)
    # Removing one makes room again.
    d.send(d.functions.removeSigner(added[0]), cr)
    d.send(d.functions.addSigner(d.new_account()), cr)
    assert len(d.functions.administration(code("CR")).call()[3]) == 8


def test_remove_signer(d: Deployment) -> None:
    cr = d.signer("CR")
    second, third = d.new_account(), d.new_account()
    d.send(d.functions.addSigner(second), cr)
    d.send(d.functions.addSigner(third), cr)
    receipt = d.send(d.functions.removeSigner(second), cr)
    d.assert_events(receipt, d.event("SignerRemoved", code="CR", signer=second, by=cr))
    assert set(d.functions.administration(code("CR")).call()[3]) == {cr, third}
    assert d.functions.administrationOf(second).call() == b"\x00\x00"
    d.expect_revert(d.functions.issue(Terms().input("CR-1")), second, "NotASigner", second)
    # A removed account is free again: another administration may take it.
    d.send(d.functions.addSigner(second), d.signer("PE"))
    assert d.functions.administrationOf(second).call() == code("PE")


def test_signer_may_remove_itself(d: Deployment) -> None:
    cr = d.signer("CR")
    second = d.new_account()
    d.send(d.functions.addSigner(second), cr)
    receipt = d.send(d.functions.removeSigner(cr), cr)
    d.assert_events(receipt, d.event("SignerRemoved", code="CR", signer=cr, by=cr))
    assert d.functions.administration(code("CR")).call()[3] == [second]
    d.expect_revert(d.functions.addSigner(d.new_account()), cr, "NotASigner", cr)


def test_remove_signer_errors(d: Deployment) -> None:
    cr = d.signer("CR")
    d.expect_revert(d.functions.removeSigner(cr), cr, "LastSigner", cr, "CR", send=True)
    d.expect_revert(d.functions.removeSigner(d.signer("PE")), cr, "SignerNotFound", d.signer("PE"), "CR")
    d.expect_revert(d.functions.removeSigner(d.stranger), cr, "SignerNotFound", d.stranger, "CR")
    d.expect_revert(d.functions.removeSigner(ZERO_ADDRESS), cr, "SignerNotFound", ZERO_ADDRESS, "CR")
    d.expect_revert(d.functions.removeSigner(cr), d.stranger, "NotASigner", d.stranger)
    second = d.new_account()
    d.send(d.functions.addSigner(second), cr)
    d.send(d.functions.removeSigner(second), cr)
    d.expect_revert(d.functions.removeSigner(second), cr, "SignerNotFound", second, "CR")
    d.send(d.functions.freezeAdministration(code("CR")), d.governance)
    d.expect_revert(d.functions.removeSigner(cr), cr, "AdministrationIsFrozen", "CR")


def test_last_signer_after_removals(d: Deployment) -> None:
    cr = d.signer("CR")
    others = [d.new_account() for _ in range(3)]
    for account in others:
        d.send(d.functions.addSigner(account), cr)
    for account in [cr, *others[:2]]:
        d.send(d.functions.removeSigner(account), others[2])
    assert d.functions.administration(code("CR")).call()[3] == [others[2]]
    d.expect_revert(d.functions.removeSigner(others[2]), others[2], "LastSigner", others[2], "CR")


# --- recoverAdministration ------------------------------------------------------------------------


def test_recover_administration_flow(d: Deployment) -> None:
    cr = d.signer("CR")
    second = d.new_account()
    d.send(d.functions.addSigner(second), cr)
    cert = d.issue("CR", "CR-1")
    d.send(d.functions.freezeAdministration(code("CR")), d.governance)

    new = d.new_account()
    receipt = d.send(d.functions.recoverAdministration(code("CR"), new), d.governance)
    removed = [e for e in d.events(receipt) if e[0] == "SignerRemoved"]
    assert sorted(removed, key=lambda e: e[1]["signer"]) == sorted(
        [d.event("SignerRemoved", code="CR", signer=s, by=d.governance) for s in (cr, second)],
        key=lambda e: e[1]["signer"],
    )
    assert d.events(receipt)[-1] == d.event("SignerAdded", code="CR", signer=new, by=d.governance)
    assert len(d.events(receipt)) == 3
    assert d.functions.administration(code("CR")).call() == [True, True, "Costa Rica", [new]]
    for old in (cr, second):
        assert d.functions.administrationOf(old).call() == b"\x00\x00"

    # Still frozen after recovery, including the new signer.
    d.expect_revert(d.functions.suspend(cert, 1), new, "AdministrationIsFrozen", "CR")
    d.send(d.functions.unfreezeAdministration(code("CR")), d.governance)
    # The new key controls the administration and its certificates; the old keys are gone.
    d.send(d.functions.suspend(cert, 1), new)
    for old in (cr, second):
        d.expect_revert(d.functions.reinstate(cert, 0), old, "NotASigner", old)
    # An old key may be registered again later (e.g. for another administration).
    d.send(d.functions.addSigner(cr), d.signer("PE"))


def test_recover_administration_errors(d: Deployment) -> None:
    new = d.new_account()
    d.expect_revert(d.functions.recoverAdministration(code("CR"), new), d.governance, "AdministrationNotFrozen", "CR")
    d.expect_revert(d.functions.recoverAdministration(code("XX"), new), d.governance, "UnknownAdministration", "XX")
    d.send(d.functions.freezeAdministration(code("CR")), d.governance)
    for account in (d.signer("CR"), d.signer("PE"), d.stranger):
        d.expect_revert(d.functions.recoverAdministration(code("CR"), new), account, "NotGovernance", account)
    d.expect_revert(d.functions.recoverAdministration(code("CR"), ZERO_ADDRESS), d.governance, "ZeroSigner")
    d.expect_revert(
        d.functions.recoverAdministration(code("CR"), d.signer("PE")),
        d.governance,
        "SignerAlreadyRegistered",
        d.signer("PE"),
        "PE",
    )
    # The compromised key itself cannot be re-installed by recovery.
    d.expect_revert(
        d.functions.recoverAdministration(code("CR"), d.signer("CR")),
        d.governance,
        "SignerAlreadyRegistered",
        d.signer("CR"),
        "CR",
    )


def test_recover_from_eight_signers(d: Deployment) -> None:
    cr = d.signer("CR")
    for _ in range(7):
        d.send(d.functions.addSigner(d.new_account()), cr)
    d.send(d.functions.freezeAdministration(code("CR")), d.governance)
    new = d.new_account()
    receipt = d.send(d.functions.recoverAdministration(code("CR"), new), d.governance)
    assert [e[0] for e in d.events(receipt)] == ["SignerRemoved"] * 8 + ["SignerAdded"]
    d.send(d.functions.unfreezeAdministration(code("CR")), d.governance)
    # The recovered administration can grow back to the maximum.
    for _ in range(7):
        d.send(d.functions.addSigner(d.new_account()), new)
    d.expect_revert(d.functions.addSigner(d.new_account()), new, "TooManySigners", "CR", 8)
