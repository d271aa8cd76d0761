"""What happens to the demo certificates after issuance, and partners' acknowledgements.

The plan is a pure function of the seed and the documents, so a seed always yields the same
story. Applying it is idempotent: a certificate's on-chain event count says how many of its
planned steps already happened (step *k* is event *k + 1*; event 1 is the issuance), and an
acknowledgement is sent only when ``isAcknowledged`` says it is missing.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from ledger_client.demo.generator import amended_document, renewed_document
from ledger_client.demo.network import partners_of
from ledger_client.documents import CertificateDocument
from ledger_client.importer.rows import prepared
from ledger_client.importer.store import DocumentStore
from ledger_client.ledger import Ledger
from ledger_client.models import ReasonCode
from ledger_client.signers import Signer

SUSPEND_REASONS = (
    ReasonCode.INVESTIGATION,
    ReasonCode.NON_COMPLIANCE,
    ReasonCode.PERIODIC_REVIEW,
    ReasonCode.OPERATOR_REQUEST,
)
REVOKE_REASONS = (ReasonCode.CEASED_ACTIVITY, ReasonCode.NON_COMPLIANCE, ReasonCode.OPERATOR_REQUEST)
#: Probability that a partner acknowledged an issuance / a later event (the rest wait in its inbox).
ACK_ISSUANCE = 0.12
ACK_CHANGE = 0.6


@dataclass(frozen=True)
class Step:
    """One planned lifecycle event; ``document`` is the new document of an amendment or renewal."""

    action: str
    reason: ReasonCode = ReasonCode.NONE
    document: CertificateDocument | None = None


@dataclass(frozen=True)
class Acknowledgement:
    """A partner's acknowledgement of event ``sequence`` of a certificate."""

    certificate_id: bytes
    partner: str
    sequence: int


def _valid_for_a_while(document: CertificateDocument, today: date) -> bool:
    horizon = datetime.combine(today + timedelta(days=90), datetime.min.time(), tzinfo=UTC)
    return document.valid_until is None or document.valid_until > horizon


def plan_lifecycle(documents: Sequence[CertificateDocument], *, seed: int, today: date) -> dict[str, tuple[Step, ...]]:
    """Certificate number → its planned steps, for a handful of the ``documents``."""
    rng = random.Random(f"aeo-ledger-demo:{seed}:lifecycle")
    count = len(documents)
    durable = [d for d in documents if _valid_for_a_while(d, today)]
    expiring = [d for d in documents if not _valid_for_a_while(d, today) and d.valid_until is not None]
    expiring = [d for d in expiring if d.valid_until is not None and d.valid_until.date() >= today]
    rng.shuffle(durable)
    plan: dict[str, tuple[Step, ...]] = {}

    def take(steps: Callable[[CertificateDocument], tuple[Step, ...]], how_many: int) -> None:
        for _ in range(how_many):
            if not durable:
                return
            document = durable.pop()
            plan[document.certificate_number] = steps(document)

    def scaled(share: float) -> int:
        return max(1, round(count * share))

    take(lambda d: (Step("suspend", rng.choice(SUSPEND_REASONS)),), scaled(0.07))
    reinstated = (Step("suspend", ReasonCode.INVESTIGATION), Step("reinstate", ReasonCode.CORRECTIVE_ACTION_COMPLETED))
    take(lambda d: reinstated, scaled(0.015))
    revoked = (Step("suspend", ReasonCode.NON_COMPLIANCE), Step("revoke", ReasonCode.NON_COMPLIANCE))
    take(lambda d: revoked, scaled(0.01))
    take(lambda d: (Step("revoke", rng.choice(REVOKE_REASONS)),), scaled(0.02))
    take(lambda d: (Step("annul", ReasonCode.FRAUD),), 1)
    take(lambda d: (Step("amend", ReasonCode.CHANGE_OF_DATA, amended_document(d, seed)),), 1)
    if expiring:
        renewed = sorted(expiring, key=lambda d: d.certificate_number)[0]
        plan[renewed.certificate_number] = (Step("renew", ReasonCode.NONE, renewed_document(renewed, today)),)
    else:
        take(lambda d: (Step("renew", ReasonCode.NONE, renewed_document(d, today)),), 1)
    return plan


def apply_steps(
    ledger: Ledger, document: CertificateDocument, steps: Sequence[Step], signer: Signer, store: DocumentStore
) -> int:
    """Perform the steps of one certificate that have not happened yet; return how many were sent."""
    cid = document.certificate_id()
    count, _head = ledger.certificates.history_head(cid)
    issuer = ledger.with_signer(signer).certificates
    sent = 0
    for step in steps[max(count - 1, 0) :]:
        if step.action == "suspend":
            issuer.suspend(cid, step.reason)
        elif step.action == "reinstate":
            issuer.reinstate(cid, step.reason)
        elif step.action == "revoke":
            issuer.revoke(cid, step.reason)
        elif step.action == "annul":
            issuer.annul(cid, step.reason)
        elif step.action in ("amend", "renew"):
            assert step.document is not None
            row = prepared(0, step.document)
            if step.action == "amend":
                issuer.amend(cid, row.request, step.reason)
            else:
                issuer.renew(cid, row.request.valid_from, row.request.valid_until, row.document_hash)
        else:
            raise ValueError(f"unknown lifecycle action {step.action!r}")
        sent += 1
    for step in steps:
        if step.document is not None:
            store.write_document(step.document)
    return sent


def plan_acknowledgements(
    documents: Sequence[CertificateDocument], plan: Mapping[str, Sequence[Step]], *, seed: int
) -> list[Acknowledgement]:
    """Which partner acknowledges which event: a few issuances, most later events, never all."""
    rng = random.Random(f"aeo-ledger-demo:{seed}:acknowledgements")
    acknowledgements = []
    for document in sorted(documents, key=lambda d: (d.issuer, d.certificate_number)):
        events = 1 + len(plan.get(document.certificate_number, ()))
        cid = document.certificate_id()
        for sequence in range(1, events + 1):
            chance = ACK_ISSUANCE if sequence == 1 else ACK_CHANGE
            for partner in partners_of(document.issuer):
                if rng.random() < chance:
                    acknowledgements.append(Acknowledgement(cid, partner, sequence))
    return acknowledgements
