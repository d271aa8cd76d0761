"""Issue #14: a deployment of the earlier version c526977 (before consent and exchange keys) is
opened read-only with its own artifact and migrated to the current version; an unknown version and
an untranslatable write are refused before anything is sent; so is the version f1f0e5d (the current
ABI, whose writes are all carried unchanged). In-memory chain, a few writes."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from ledger_client.artifacts import PREVIOUS, artifact_version, load_artifact
from ledger_client.audit import Auditor
from ledger_client.certificates import CertificateRequest
from ledger_client.chain import Chain
from ledger_client.codec import ledger_codec, version_codec
from ledger_client.deployment import deploy
from ledger_client.errors import ConfigurationError
from ledger_client.governance import Action, Proposal, SafeTx, execute, prepare
from ledger_client.ledger import Ledger
from ledger_client.migration import MigrationError, migrate, plan_migration
from ledger_client.models import ReasonCode
from ledger_client.settings import Settings
from ledger_client.signers import Signer
from ledger_client.translation import TRANSLATIONS, Translation, TranslationError, translate
from tests.client.test_documents import document
from tests.support.previous import deploy_previous

OLD_SOURCES = "14fbed086ad834a37d9173da1b30dcbc4fe6901a23e1639ac2331b1d09acdaed"


@dataclass(frozen=True)
class Old:
    """The c526977 deployment as the current client opens it, its one certificate and the keys."""

    ledger: Ledger
    cid: bytes
    keys: dict[str, Signer]


@pytest.fixture
def old() -> Iterator[Old]:
    chain = Chain.in_memory()
    writer = deploy_previous(chain, "c526977", Settings())
    signers = chain.dev_signers()
    writer.administrations.register("CR", "Costa Rica", signers[1].address)
    writer.administrations.register("PE", "Peru", signers[2].address)
    cr, pe = writer.with_signer(signers[1]), writer.with_signer(signers[2])
    cid = cr.certificates.issue(document()).certificate_id  # sme: flags 1
    mra = cr.mras.propose(["CR", "PE"], 1, 3, writer.now() - 60, b"\x01" * 32).mra_id
    pe.mras.accept(mra)
    pe.recognition.acknowledge(cid, 1)
    cr.certificates.suspend(cid, ReasonCode.OTHER)
    cr.certificates.reinstate(cid, ReasonCode.OTHER)
    reader = Ledger.attach(chain, writer.deployment)
    yield Old(reader, bytes(cid), {s.address: s for s in signers[:3]})
    chain.close()


def test_an_earlier_version_is_read_with_its_artifact_and_refuses_writes(old: Old) -> None:
    ledger = old.ledger
    assert ledger.deployment.sources_sha256 == OLD_SOURCES != load_artifact().sources_sha256
    assert ledger.context.codec is version_codec("AeoLedger", OLD_SOURCES) is not ledger_codec()
    assert "exchangeKey" not in ledger.context.codec.functions
    assert ledger.certificates.get(old.cid).sme
    assert ledger.administrations.exchange_key("CR") is None  # the version has none
    assert ledger.recognition.now(old.cid, "PE").recognised
    assert ledger.recognition.is_acknowledged(old.cid, "PE", 1)
    verified = ledger.verify_document(document())  # the history replayed from its events
    assert (verified.exists, verified.history_intact, verified.matches, verified.terms_match) == (True,) * 4
    assert verified.event_count == 3
    auditor = Auditor(ledger.chain.w3, ledger.deployment.address, start_block=1, codec=ledger.context.codec)
    audit = auditor.audit_certificate(old.cid)
    assert audit.ok
    assert audit.onchain_event_count == 3
    assert auditor.audit_mra(1).ok
    cr = ledger.with_signer(old.keys[ledger.administrations.get("CR").signers[0]])
    refusal = r"runs AeoLedger version c526977 \(14fbed086ad8\), this client writes version current .* read-only"
    with pytest.raises(ConfigurationError, match=refusal):
        cr.certificates.revoke(old.cid, ReasonCode.OTHER)
    with pytest.raises(ConfigurationError, match=refusal):
        cr.administrations.publish_exchange_key(b"\x02" * 32, "https://cr.example")
    # governance through a Safe too: refused before the Safe is even looked up
    freeze = Action.of("freeze", code="CR")
    with pytest.raises(ConfigurationError, match=refusal):
        prepare(ledger, freeze)
    transaction = SafeTx(ledger.chain.chain_id, ledger.administrations.governance(), ledger.deployment.address,
                         freeze.calldata(), 0)  # fmt: skip
    proposal = Proposal(freeze, transaction, ledger.deployment.address, (), 1)
    with pytest.raises(ConfigurationError, match=refusal):
        execute(ledger, proposal, ledger.dev_signers()[0])


def test_an_unknown_version_is_refused_naming_the_known_ones(old: Old) -> None:
    unknown = dataclasses.replace(old.ledger.deployment, sources_sha256="ab" * 32)
    known = r"abababab.*which this client does not know.*c526977 \(14fbed086ad8\)"
    with pytest.raises(ConfigurationError, match=known):
        Ledger.attach(old.ledger.chain, unknown)


def test_c526977_migrates_with_consent_given_and_every_answer_unchanged(old: Old) -> None:
    ledger = old.ledger
    deployer = ledger.dev_signers()[0]
    manifest = deploy(ledger.context.sender, deployer, ledger.administrations.governance(), name="v2")
    new = Ledger.attach(ledger.chain, manifest, signer=deployer)

    record = migrate(ledger, new, old.keys)

    assert (record.old_sources_sha256, record.new_sources_sha256) == (OLD_SOURCES, load_artifact().sources_sha256)
    assert record.acknowledgements == 1
    carried = new.certificates.get(old.cid)
    assert carried == ledger.certificates.get(old.cid)
    assert carried.consent  # issued before consent existed: carried with consent given
    assert new.recognition.now(old.cid, "PE") == ledger.recognition.now(old.cid, "PE")
    assert new.recognition.now(old.cid, "PE").recognised
    assert record.heads["0x" + old.cid.hex()] == "0x" + ledger.certificates.history_head(old.cid)[1].hex()
    consent_topic = new.context.codec.topic("CertificateConsentChanged")
    assert not new.chain.get_logs(new.deployment.address, [consent_topic], manifest.deployment_block, "latest")
    with pytest.raises(MigrationError, match="the new deployment must run the current version"):
        migrate(new, ledger, old.keys)


def test_an_untranslatable_write_is_refused_before_anything_is_sent(old: Old, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = old.ledger
    head = ledger.chain.block_number()
    (translation,) = [t for (_, sources), t in TRANSLATIONS.items() if sources == OLD_SOURCES]
    partial = Translation("c526977", {k: v for k, v in translation.rewrites.items() if k != "acknowledge"})
    monkeypatch.setitem(TRANSLATIONS, ("AeoLedger", OLD_SOURCES), partial)
    with pytest.raises(MigrationError, match="cannot be sent to the current version, nothing is sent: c526977's "
                       "acknowledge has no translation"):  # fmt: skip
        plan_migration(ledger, old.keys)
    monkeypatch.delitem(TRANSLATIONS, ("AeoLedger", OLD_SOURCES))
    with pytest.raises(MigrationError, match="no translation from AeoLedger version 14fbed086ad8"):
        plan_migration(ledger, old.keys)
    assert ledger.chain.block_number() == head


def test_flags_c526977_never_accepted_are_not_translated() -> None:
    old_codec = version_codec("AeoLedger", OLD_SOURCES)
    translation = TRANSLATIONS[("AeoLedger", OLD_SOURCES)]
    item = (b"N" * 32, 1, 1, 2, 0, 0, b"\x01" * 32)
    for data in (old_codec.encode("issue", item), old_codec.encode("issueBatch", [item])):
        with pytest.raises(TranslationError, match="would read bit 1 as consent withheld"):
            translate(old_codec, ledger_codec(), translation, data)
    with pytest.raises(TranslationError, match="selector 0xdeadbeef is no function of c526977"):
        translate(old_codec, ledger_codec(), translation, bytes.fromhex("deadbeef"))
    valid = old_codec.encode("issue", (b"N" * 32, 1, 1, 1, 0, 0, b"\x01" * 32))
    assert translate(old_codec, ledger_codec(), translation, valid) == valid


def test_every_known_version_has_a_translation_of_each_write_and_the_current_events() -> None:
    current = ledger_codec()
    for contract, versions in PREVIOUS.items():
        for sources, version in versions.items():
            translation = TRANSLATIONS[(contract, sources)]
            assert translation.label == version.label
            codec = version_codec(contract, sources)
            artifact = artifact_version(contract, sources)
            assert artifact is not None
            writes = {
                item["name"]
                for item in artifact.abi
                if item["type"] == "function" and item["stateMutability"] not in ("view", "pure")
            }
            assert writes == set(translation.rewrites), version.label
            # the index, the audit and document verification decode every log with the current
            # decoders: each event of an earlier version must be the current event, unchanged
            for name, event in codec.events.items():
                assert current.events[name] == event, (version.label, name)


F1F0E5D_SOURCES = "172184625b1ced2cf645d8e616a5a045bc28c72f241c4f054e4f810910d865a3"


def test_f1f0e5d_opens_read_only_and_migrates_every_write_unchanged() -> None:
    """The version before issueBatch wrote its return data in place: the current ABI, so every
    write (consent withheld, a batch, an amendment, an exchange key) is carried as it is."""
    chain = Chain.in_memory()
    try:
        writer = deploy_previous(chain, "f1f0e5d", Settings())
        assert writer.deployment.sources_sha256 == F1F0E5D_SOURCES
        assert version_codec("AeoLedger", F1F0E5D_SOURCES).functions == ledger_codec().functions
        signers = chain.dev_signers()
        writer.administrations.register("CR", "Costa Rica", signers[1].address)
        writer.administrations.register("PE", "Peru", signers[2].address)
        cr, pe = writer.with_signer(signers[1]), writer.with_signer(signers[2])
        cr.administrations.publish_exchange_key(b"\x02" * 32, "https://cr.example")
        withheld = CertificateRequest("CR-WITHHELD", 1, 1, False, 1_700_000_000, None, "0x" + "ab" * 32, consent=False)
        ids = [r.certificate_id for r in cr.certificates.issue_many([document(), withheld])]
        mra = cr.mras.propose(["CR", "PE"], 1, 3, writer.now() - 60, b"\x01" * 32).mra_id
        pe.mras.accept(mra)
        pe.recognition.acknowledge(ids[0], 1)
        cr.certificates.amend(ids[0], document(roles=["EXPORTER"]), ReasonCode.OTHER)
        old = Ledger.attach(chain, writer.deployment)
        assert not old.recognition.now(ids[1], "PE").recognised  # consent withheld
        with pytest.raises(ConfigurationError, match=r"runs AeoLedger version f1f0e5d \(172184625b1c\).* read-only"):
            old.with_signer(signers[1]).certificates.suspend(ids[0], ReasonCode.OTHER)

        deployer = signers[0]
        manifest = deploy(old.context.sender, deployer, old.administrations.governance(), name="v2")
        new = Ledger.attach(chain, manifest, signer=deployer)
        record = migrate(old, new, {s.address: s for s in signers[:3]})  # verify_migration compares every answer

        assert record.old_sources_sha256 == F1F0E5D_SOURCES
        for cid in ids:
            assert new.certificates.get(cid) == old.certificates.get(cid)
            assert new.certificates.history_head(cid) == old.certificates.history_head(cid)
        assert not new.certificates.get(ids[1]).consent
        assert new.administrations.exchange_key("CR") == old.administrations.exchange_key("CR")
    finally:
        chain.close()
