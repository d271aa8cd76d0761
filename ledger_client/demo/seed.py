"""``seed_demo``: the realistic demo network on a ledger, seeded once per data directory.

Order of work (every step skips what the chain already holds, so an interrupted seeding
resumes where it stopped): marker ``in_progress`` → administration keys (keystores) → then, in
the order of their times (:mod:`ledger_client.demo.history`): funding and administrations, MRA
proposals and acceptances, certificates and their documents, lifecycle events and
acknowledgements → the clock follows the wall clock again → marker ``complete``. A data
directory whose marker says ``complete`` and whose chain holds the network is left untouched.
Transactions of one moment are pipelined (:class:`~ledger_client.demo.pipeline.Pipeline`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from ledger_client.certificates import GAS_TRANSITION
from ledger_client.demo.catalogue import CODES, PROFILES
from ledger_client.demo.generator import generate_documents
from ledger_client.demo.history import HOUR, HistoryClock, Schedule, plan_schedule
from ledger_client.demo.keys import KDF_ITERATIONS, ensure_signer, fund, keystore_files
from ledger_client.demo.lifecycle import (
    Acknowledgement,
    Step,
    apply_steps,
    plan_acknowledgements,
    plan_lifecycle,
)
from ledger_client.demo.network import MRA_PLANS, DemoError, accept_mra, propose_mra, register_administrations
from ledger_client.demo.pipeline import Pipeline
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
from ledger_client.recognition import GAS_ACKNOWLEDGE
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
    settable_clock: bool | None = None,
) -> DemoSeed:
    """Seed the demo network once; on a seeded data directory return its summary and change nothing.

    Args:
        ledger: the ledger acting as consortium governance (on the embedded chain: development
            account 0, the deployer), which also funds the administrations' accounts.
        data_dir: the data directory: keystores, documents and the ``demo-seed.json`` marker go there.
        certificates: how many certificates to issue over the five administrations.
        seed: the seed of every random choice (keys, operators, dates, lifecycle, acknowledgements).
        today: anchor date of the validity periods and end of the history (default: today, UTC).
        kdf_iterations: pbkdf2 rounds of new keystores (None: scrypt).
        log: receives one line per step (e.g. ``print`` to stderr from the CLI).
        settable_clock: whether the node's clock may be set back to write the history (default:
            only the in-process embedded node's; True for an ``aeo-ledger node`` over JSON-RPC).

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
    today = today or datetime.now(UTC).date()
    write_marker(data_dir, Marker("in_progress", seed, today, certificates, contract))

    signers = {code: ensure_signer(data_dir, code, seed, kdf_iterations) for code in CODES}
    documents = generate_documents(certificates, seed=seed, today=today)
    everything = [d for issued in documents.values() for d in issued]
    plan = plan_lifecycle(everything, seed=seed, today=today)
    planned_acks = plan_acknowledgements(everything, plan, seed=seed)
    start = ledger.chain.block(ledger.deployment.deployment_block).timestamp
    schedule = plan_schedule(start, today, everything, plan, planned_acks, seed=seed)
    clock = HistoryClock(ledger, schedule, settable=settable_clock)
    acknowledgements = planned_acks
    if clock.enabled:  # the acknowledgements due after the history's end still wait in the inboxes
        acknowledgements = [a for a in planned_acks if _ack_key(a) in schedule.acknowledgements]
        first = datetime.fromtimestamp(schedule.start, UTC).date()
        say(f"writing the history from {first.isoformat()} to {today.isoformat()}")
    seeding = _Seeding(
        ledger, governance, signers, DocumentStore(data_dir), {d.certificate_number: d for d in everything}
    )
    for moment, kind, items in _groups(schedule, everything, plan, acknowledgements, backdated=clock.enabled):
        clock.at(moment)
        seeding.run(kind, items, plan)
    clock.finish()
    say(f"administrations: {', '.join(CODES)} ({seeding.registered} registered now)")
    say("MRAs in force: " + ", ".join(f"{name} (#{mra_id})" for name, mra_id in seeding.mra_ids.items()))
    say(f"certificates: {len(everything)} ({seeding.issued} issued now), documents in {seeding.store.directory}")
    say(f"lifecycle events: {seeding.changed} sent now; acknowledgements: {seeding.acknowledged} sent now")
    mra_ids = {plan_.name: seeding.mra_id(plan_.name) for plan_ in MRA_PLANS}

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


def _ack_key(ack: Acknowledgement) -> tuple[bytes, str, int]:
    return (ack.certificate_id, ack.partner, ack.sequence)


#: Kinds of seeding work, in the order they run when they fall in the same hour.
_KINDS = ("administrations", "propose", "accept", "issue", "step", "acknowledge")


def _groups(
    schedule: Schedule,
    documents: Sequence[CertificateDocument],
    plan: Mapping[str, Sequence[Step]],
    acknowledgements: Sequence[Acknowledgement],
    *,
    backdated: bool,
) -> list[tuple[int, str, list[object]]]:
    """The seeding's work as (time, kind, items), in order: with a history, one group per kind and
    hour (its items sent together at the group's first time); without, one group per kind."""
    work: list[tuple[int, str, object]] = [(min(schedule.administrations.values()), "administrations", None)]
    for mra in MRA_PLANS:
        proposed, accepted = schedule.mras[mra.name]
        work.append((proposed, "propose", mra.name))
        work += [(moment, "accept", (mra.name, party)) for party, moment in zip(mra.parties, accepted, strict=True)]
    work += [(schedule.issuance[d.certificate_number], "issue", d) for d in documents]
    for number, steps in plan.items():
        work += [(moment, "step", (number, index)) for index, moment in enumerate(schedule.steps[number][: len(steps)])]
    work += [(schedule.acknowledgements.get(_ack_key(a), schedule.end), "acknowledge", a) for a in acknowledgements]
    groups: dict[tuple[int, int, int], tuple[int, str, list[object]]] = {}
    for moment, kind, item in sorted(work, key=lambda w: (w[0], _KINDS.index(w[1]))):
        # an acceptance needs the proposal's id, and the acknowledgements an MRA in force: never together
        alone = moment if backdated and kind in ("propose", "accept") else 0
        key = (moment // HOUR if backdated else 0, _KINDS.index(kind), alone)
        group = groups.setdefault(key, (moment, kind, []))
        group[2].append(item)
    return [groups[key] for key in sorted(groups)]


class _Seeding:
    """Runs each group of seeding work, skipping what the chain already holds."""

    def __init__(
        self,
        ledger: Ledger,
        governance: Signer,
        signers: Mapping[str, Signer],
        store: DocumentStore,
        documents: Mapping[str, CertificateDocument],
    ) -> None:
        self.ledger, self.governance, self.signers, self.store = ledger, governance, signers, store
        self.documents = documents
        self.mra_ids: dict[str, int] = {}
        self.registered = self.issued = self.changed = self.acknowledged = 0

    def mra_id(self, name: str) -> int:
        if name not in self.mra_ids:
            plan = next(p for p in MRA_PLANS if p.name == name)
            self.mra_ids[name] = propose_mra(self.ledger, plan, self.signers)
        return self.mra_ids[name]

    def run(self, kind: str, items: Sequence[object], plan: Mapping[str, Sequence[Step]]) -> None:
        ledger = self.ledger
        if kind == "administrations":
            for code in CODES:
                fund(ledger, self.governance, self.signers[code].address)
            self.registered += len(register_administrations(ledger.with_signer(self.governance), self.signers))
        elif kind == "propose":
            for name in items:
                assert isinstance(name, str)
                self.mra_id(name)
        elif kind == "accept":
            for item in items:
                assert isinstance(item, tuple)
                name, party = item
                accept_mra(ledger, self.mra_id(str(name)), str(party), self.signers)
        elif kind == "issue":
            by_issuer: dict[str, list[CertificateDocument]] = {}
            for document in items:
                assert isinstance(document, CertificateDocument)
                by_issuer.setdefault(document.issuer, []).append(document)
            self.issued += _issue(ledger, by_issuer, self.signers, self.store)
        elif kind == "step":
            self._steps([item for item in items if isinstance(item, tuple)], plan)
        else:
            pipeline = Pipeline(ledger)
            for ack in items:
                assert isinstance(ack, Acknowledgement)
                if not ledger.recognition.is_acknowledged(ack.certificate_id, ack.partner, ack.sequence):
                    pipeline.send(
                        self.signers[ack.partner], "acknowledge", ack.certificate_id, ack.sequence, gas=GAS_ACKNOWLEDGE
                    )
            self.acknowledged += pipeline.settle()

    def _steps(self, items: Sequence[tuple[str, int]], plan: Mapping[str, Sequence[Step]]) -> None:
        """Status changes pipelined (in order per certificate); amendments and renewals after them."""
        pipeline = Pipeline(self.ledger)
        later: list[tuple[str, int]] = []
        for number, index in items:
            document = self.documents[number]
            count, _head = self.ledger.certificates.history_head(document.certificate_id())
            if count - 1 > index:
                continue  # happened in an earlier run
            step = plan[number][index]
            if step.action in _STATUS_AFTER:
                signer = self.signers[document.issuer]
                pipeline.send(signer, step.action, document.certificate_id(), int(step.reason), gas=GAS_TRANSITION)
            else:
                later.append((number, index))
        self.changed += pipeline.settle()
        for number, index in later:
            document = self.documents[number]
            steps = plan[number][: index + 1]
            self.changed += apply_steps(self.ledger, document, steps, self.signers[document.issuer], self.store)


def _governance(ledger: Ledger) -> Signer:
    """The signer that funds the administrations and registers them: governance itself, or any funded
    key once a multisig governance (a contract: ``network up``'s Safe) registered every demo administration."""
    signer = ledger.signer
    governance = ledger.administrations.governance()
    by_multisig = bool(ledger.chain.get_code(governance)) and set(CODES) <= set(ledger.administrations.codes())
    if signer is None or (signer.address != governance and not by_multisig):
        raise DemoError(
            f"seed_demo needs the governance signer {governance} (the deployer on the embedded chain), or the "
            f"administrations registered by that governance first; the ledger acts as "
            f"{signer.address if signer else 'nobody'}"
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
