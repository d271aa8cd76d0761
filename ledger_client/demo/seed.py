"""``seed_demo``: the realistic demo network on a ledger, seeded once per data directory.

Order of work (every step skips what the chain already holds, so an interrupted seeding
resumes where it stopped): marker ``in_progress`` → administration keys (keystores) → funding
→ administrations → MRAs → certificates and their documents → lifecycle events →
acknowledgements → marker ``complete``. A data directory whose marker says ``complete`` and whose
chain holds the network is left untouched.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from ledger_client.demo.catalogue import CODES, PROFILES
from ledger_client.demo.generator import generate_documents
from ledger_client.demo.keys import KDF_ITERATIONS, ensure_signer, fund, keystore_files
from ledger_client.demo.lifecycle import (
    Step,
    apply_acknowledgements,
    apply_steps,
    plan_acknowledgements,
    plan_lifecycle,
)
from ledger_client.demo.network import MRA_PLANS, DemoError, ensure_mra, register_administrations
from ledger_client.demo.summary import (
    DemoAdministration,
    DemoCertificate,
    DemoMra,
    DemoSeed,
    Marker,
    read_marker,
    write_marker,
)
from ledger_client.documents import CertificateDocument
from ledger_client.importer.onchain import issued_documents
from ledger_client.importer.rows import prepared
from ledger_client.importer.store import DocumentStore
from ledger_client.ledger import Ledger
from ledger_client.models import CertificateStatus
from ledger_client.signers import Signer

DEFAULT_SEED = 20240815
DEFAULT_CERTIFICATES = 200
_STATUS_AFTER = {
    "suspend": CertificateStatus.SUSPENDED,
    "reinstate": CertificateStatus.ACTIVE,
    "revoke": CertificateStatus.REVOKED,
    "annul": CertificateStatus.ANNULLED,
}

Log = Callable[[str], None]


def _quiet(_message: str) -> None:
    """Default log sink: say nothing."""


def seed_demo(
    ledger: Ledger,
    data_dir: str | os.PathLike[str],
    *,
    certificates: int = DEFAULT_CERTIFICATES,
    seed: int = DEFAULT_SEED,
    today: date | None = None,
    kdf_iterations: int | None = KDF_ITERATIONS,
    log: Log | None = None,
) -> DemoSeed:
    """Seed the demo network once; on a seeded data directory return its summary and change nothing.

    Args:
        ledger: the ledger acting as consortium governance (on the embedded chain: development
            account 0, the deployer), which also funds the administrations' accounts.
        data_dir: the data directory: keystores, documents and the ``demo-seed.json`` marker go there.
        certificates: how many certificates to issue over the five administrations.
        seed: the seed of every random choice (keys, operators, dates, lifecycle, acknowledgements).
        today: anchor date of the validity periods (default: the chain's current date).
        kdf_iterations: pbkdf2 rounds of new keystores (None: scrypt).
        log: receives one line per step (e.g. ``print`` to stderr from the CLI).

    An interrupted seeding resumes with the parameters recorded in the marker (seed, count,
    anchor date), whatever is passed now, so it completes the same network.
    """
    say = log or _quiet
    marker = read_marker(data_dir)
    contract = ledger.deployment.address
    if marker is not None and marker.contract == contract:
        if marker.state == "complete" and marker.summary is not None and _on_chain(ledger, marker.summary):
            say("the demo network is already seeded in this data directory")
            return marker.summary.seeded_again()
        seed, certificates, today = marker.seed, marker.certificates, marker.today
        say(f"resuming the demo seeding (seed {seed}, {certificates} certificates)")
    governance = _governance(ledger)
    today = today or datetime.fromtimestamp(ledger.now(), UTC).date()
    write_marker(data_dir, Marker("in_progress", seed, today, certificates, contract))

    signers = {code: ensure_signer(data_dir, code, seed, kdf_iterations) for code in CODES}
    for code in CODES:
        fund(ledger, governance, signers[code].address)
    added = register_administrations(ledger.with_signer(governance), signers)
    say(f"administrations: {', '.join(CODES)} ({len(added)} registered now)")
    mra_ids = {plan.name: ensure_mra(ledger, plan, signers) for plan in MRA_PLANS}
    say("MRAs in force: " + ", ".join(f"{name} (#{mra_id})" for name, mra_id in mra_ids.items()))

    documents = generate_documents(certificates, seed=seed, today=today)
    everything = [d for issued in documents.values() for d in issued]
    store = DocumentStore(data_dir)
    issued_now = _issue(ledger, documents, signers, store)
    say(f"certificates: {len(everything)} ({issued_now} issued now), documents in {store.directory}")
    plan = plan_lifecycle(everything, seed=seed, today=today)
    by_number = {d.certificate_number: d for d in everything}
    changed = sum(
        apply_steps(ledger, by_number[number], steps, signers[by_number[number].issuer], store)
        for number, steps in sorted(plan.items())
    )
    acknowledgements = plan_acknowledgements(everything, plan, seed=seed)
    acknowledged = apply_acknowledgements(ledger, acknowledgements, signers)
    say(f"lifecycle events: {changed} sent now; acknowledgements: {acknowledged} sent now")

    summary = DemoSeed(
        seed=seed,
        today=today,
        contract=contract,
        administrations=_administrations(data_dir, signers),
        mras=tuple(DemoMra(p.name, mra_ids[p.name], p.parties, p.programmes, p.roles) for p in MRA_PLANS),
        certificates=_certificates(everything, plan),
        counts={},
    )
    summary.counts.update(_counts(summary, plan, len(acknowledgements), ledger.now()))
    write_marker(data_dir, Marker("complete", seed, today, certificates, contract, summary))
    return summary


def _governance(ledger: Ledger) -> Signer:
    signer = ledger.signer
    governance = ledger.administrations.governance()
    if signer is None or signer.address != governance:
        raise DemoError(
            f"seed_demo needs the governance signer {governance} (the deployer on the embedded chain); "
            f"the ledger acts as {signer.address if signer else 'nobody'}"
        )
    return signer


def _on_chain(ledger: Ledger, summary: DemoSeed) -> bool:
    """Whether the chain holds what the marker says was seeded (administrations, MRAs, certificates)."""
    if not {a.code for a in summary.administrations} <= set(ledger.administrations.codes()):
        return False
    if ledger.mras.count() < max((m.mra_id for m in summary.mras), default=0):
        return False
    return not summary.certificates or ledger.certificates.exists(summary.certificates[-1].certificate_id)


def _issue(
    ledger: Ledger,
    documents: Mapping[str, Sequence[CertificateDocument]],
    signers: Mapping[str, Signer],
    store: DocumentStore,
) -> int:
    """Issue the certificates the chain lacks (one batch per issuer); store every document."""
    issued = 0
    for code, batch in documents.items():
        rows = [prepared(0, document) for document in batch]
        on_chain = issued_documents(ledger, [row.certificate_id for row in rows])
        clash = [r.number for r in rows if on_chain.get(r.certificate_id, r.document_hash) != r.document_hash]
        if clash:
            raise DemoError(f"{code} certificates {', '.join(clash[:5])} exist with other documents on this chain")
        missing = [row for row in rows if row.certificate_id not in on_chain]
        if missing:
            results = ledger.with_signer(signers[code]).certificates.issue_many([row.request for row in missing])
            pairs = zip(missing, results, strict=True)
            failed = [f"{row.number}: {result.error}" for row, result in pairs if not result.ok]
            if failed:
                raise DemoError(f"issuing the {code} demo certificates failed: {'; '.join(failed[:5])}")
            issued += len(missing)
        for row in rows:
            store.write(row.certificate_id, row.canonical_json)
    return issued


def _administrations(data_dir: str | os.PathLike[str], signers: Mapping[str, Signer]) -> tuple[DemoAdministration, ...]:
    result = []
    for code in CODES:
        files = keystore_files(data_dir, code)
        result.append(
            DemoAdministration(
                code, PROFILES[code].name, signers[code].address, str(Path(files.keystore)), str(files.password)
            )
        )
    return tuple(result)


def _certificates(
    documents: Sequence[CertificateDocument], plan: Mapping[str, Sequence[Step]]
) -> tuple[DemoCertificate, ...]:
    result = []
    for original in sorted(documents, key=lambda d: (d.issuer, d.certificate_number)):
        steps = plan.get(original.certificate_number, ())
        status = CertificateStatus.ACTIVE
        current = original
        for step in steps:
            status = _STATUS_AFTER.get(step.action, status)
            current = step.document or current
        result.append(
            DemoCertificate(
                issuer=current.issuer,
                number=current.certificate_number,
                certificate_id="0x" + current.certificate_id().hex(),
                status=status.name,
                programmes=current.programme_mask,
                roles=current.role_mask,
                sme=current.sme,
                valid_until=current.valid_until_ts,
                events=1 + len(steps),
            )
        )
    return tuple(result)


def _counts(summary: DemoSeed, plan: Mapping[str, Sequence[Step]], acknowledgements: int, now: int) -> dict[str, int]:
    certificates = summary.certificates
    expired = [c for c in certificates if c.valid_until and c.valid_until < now]
    counts = {
        "certificates": len(certificates),
        "active": sum(c.status == "ACTIVE" and c not in expired for c in certificates),
        "expired": len(expired),
        "suspended": sum(c.status == "SUSPENDED" for c in certificates),
        "revoked": sum(c.status == "REVOKED" for c in certificates),
        "annulled": sum(c.status == "ANNULLED" for c in certificates),
        "lifecycle_events": sum(c.events - 1 for c in certificates),
        **{
            name: sum(any(step.action == action for step in steps) for steps in plan.values())
            for name, action in (("amended", "amend"), ("renewed", "renew"), ("reinstated", "reinstate"))
        },
        "sme": sum(c.sme for c in certificates),
        "open_ended": sum(c.valid_until == 0 for c in certificates),
        "acknowledgements": acknowledgements,
        "mras": len(summary.mras),
        "administrations": len(summary.administrations),
    }
    for code in CODES:
        counts[f"issued_{code}"] = sum(c.issuer == code for c in certificates)
    return counts
