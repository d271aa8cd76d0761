"""An interrupted import resumes: what landed is skipped, never re-sent, never reported as failed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ledger_client.certificates import Certificates, Issuable
from ledger_client.errors import ChainUnavailableError, TransactionTimeoutError
from ledger_client.importer import DocumentStore, ImportAbortedError, run_import
from ledger_client.importer.preparation import CHUNK_ROWS
from ledger_client.ledger import Ledger
from ledger_client.results import BatchItemResult
from tests.importer.conftest import Records

Registry = Callable[[str, list[dict[str, Any]]], Path]


class Crash(BaseException):
    """The process dies (like a kill or Ctrl-C: not an Exception the importer could handle)."""


def _first(certificates: Sequence[Issuable]) -> str:
    """The number of a batch's first certificate: which batch a call carries (batches are issued in
    worker threads, up to three in flight, so calls are not counted but recognised)."""
    return certificates[0].to_request().number


class Spy:
    """Wraps ``Certificates.issue_many``: records the numbers sent, crashes on the batch starting with ``crash_at``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, crash_at: str | None = None, after: bool = True) -> None:
        self.sent: list[list[str]] = []
        original = Certificates.issue_many

        def issue_many(self_: Certificates, certificates: Sequence[Issuable], **kwargs: Any) -> list[BatchItemResult]:
            numbers = [c.to_request().number for c in certificates]
            self.sent.append(numbers)
            if crash_at == numbers[0] and not after:
                raise Crash
            results = original(self_, certificates, **kwargs)
            if crash_at == numbers[0] and after:
                raise Crash  # the batch landed, the checkpoint does not know yet
            return results

        monkeypatch.setattr(Certificates, "issue_many", issue_many)

    @property
    def numbers(self) -> list[str]:
        return [n for batch in self.sent for n in batch]


def _issued_logs(ledger: Ledger) -> int:
    topic = ledger.context.codec.topic("CertificateIssued")
    return len(ledger.chain.get_logs(ledger.deployment.address, [topic], ledger.deployment.deployment_block))


@pytest.mark.parametrize("after", [True, False], ids=["crash-after-landing", "crash-before-sending"])
def test_resume_after_a_crash_between_batches(
    cr: Ledger, data_dir: Path, records: Records, registry: Registry, monkeypatch: pytest.MonkeyPatch, after: bool
) -> None:
    rows = records(45)
    rows[20]["roles"] = "stowaway"  # one bad row, reported on every run
    path = registry("registry.csv", rows)
    with monkeypatch.context() as patch:
        Spy(patch, crash_at=rows[21]["certificate_number"], after=after)  # batch 3
        with pytest.raises(Crash):
            run_import(cr, "CR", path, data_dir=data_dir, batch_size=10)
    # batches 4 and 5 (10 + 4 rows) were in flight when batch 3 failed: they landed, unrecorded
    landed_before = 44 if after else 34
    assert _issued_logs(cr) == landed_before
    spy = Spy(monkeypatch)
    report = run_import(cr, "CR", path, data_dir=data_dir, batch_size=10)
    assert report.resumed
    assert len(report.skipped) == landed_before
    assert len(report.landed) == 44 - landed_before
    assert [(e.line, e.kind) for e in report.errors] == [(22, "validation")]
    assert not set(spy.numbers) & {r.number for r in report.skipped}, "a landed row was sent again"
    assert _issued_logs(cr) == 44
    assert len(list(DocumentStore(data_dir).directory.glob("*.json"))) == 44


def test_running_a_finished_import_again_sends_nothing(
    cr: Ledger, data_dir: Path, records: Records, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = registry("registry.csv", records(25))
    first = run_import(cr, "CR", path, data_dir=data_dir, batch_size=10)
    assert len(first.landed) == 25
    assert first.batches == 3
    block = cr.chain.block_number()
    spy = Spy(monkeypatch)
    again = run_import(cr, "CR", path, data_dir=data_dir, batch_size=10)
    assert (len(again.landed), len(again.skipped), again.errors, again.batches) == (0, 25, [], 0)
    assert spy.sent == []
    assert cr.chain.block_number() == block


def test_without_its_checkpoint_a_rerun_still_skips_what_landed(
    cr: Ledger, data_dir: Path, records: Records, registry: Registry
) -> None:
    rows = records(15)
    path = registry("registry.csv", rows)
    first = run_import(cr, "CR", path, data_dir=data_dir)
    assert first.checkpoint is not None
    first.checkpoint.unlink()
    for document in DocumentStore(data_dir).directory.glob("*.json"):
        document.unlink()
    rows.extend(records(20)[15:])  # the registry grew meanwhile
    path = registry("registry.csv", rows)
    block = cr.chain.block_number()
    again = run_import(cr, "CR", path, data_dir=data_dir)
    assert not again.resumed
    assert (len(again.skipped), len(again.landed), again.errors) == (15, 5, [])
    # Only the 5 new rows landed. On the durable embedded chain batches are sent without a
    # pre-flight, so the first attempt (15 existing + 5 new) reverts on-chain and the 5 new rows
    # are re-sent once the pre-flight has named the existing ones: at most one extra block.
    assert block + 1 <= cr.chain.block_number() <= block + 2
    assert len(list(DocumentStore(data_dir).directory.glob("*.json"))) == 20


def test_a_torn_checkpoint_line_is_ignored(cr: Ledger, data_dir: Path, records: Records, registry: Registry) -> None:
    path = registry("registry.csv", records(12))
    first = run_import(cr, "CR", path, data_dir=data_dir, batch_size=5)
    assert first.checkpoint is not None
    with first.checkpoint.open("a", encoding="utf-8") as handle:
        handle.write('{"type":"begin","batch":9,"numb')
    again = run_import(cr, "CR", path, data_dir=data_dir, batch_size=5)
    assert (len(again.skipped), len(again.landed), again.errors) == (12, 0, [])


def test_a_batch_without_a_verdict_aborts_and_is_checked_on_chain_when_resumed(
    cr: Ledger, data_dir: Path, records: Records, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = records(20)
    path = registry("registry.csv", rows)
    original = Certificates.issue_many

    def lost_receipts(self_: Certificates, certificates: Sequence[Issuable], **kwargs: Any) -> list[BatchItemResult]:
        results = original(self_, certificates, **kwargs)
        if _first(certificates) == rows[8]["certificate_number"]:  # batch 2 was mined, its receipts never came
            lost = TransactionTimeoutError("sent but not mined within 120 s")
            return [replace(r, tx_hash=None, block_number=None, error=lost) for r in results]
        return results

    with monkeypatch.context() as patch:
        patch.setattr(Certificates, "issue_many", lost_receipts)
        with pytest.raises(ImportAbortedError, match="TransactionTimeoutError") as info:
            run_import(cr, "CR", path, data_dir=data_dir, batch_size=8)
    assert len(info.value.report.landed) == 8
    assert not info.value.report.errors
    spy = Spy(monkeypatch)
    report = run_import(cr, "CR", path, data_dir=data_dir, batch_size=8)
    # batch 2 and batch 3 (in flight when batch 2 failed) are found on the chain, nothing is re-sent
    assert (len(report.skipped), len(report.landed), report.errors) == (20, 0, [])
    assert spy.numbers == []
    assert _issued_logs(cr) == 20


def test_the_chain_failing_mid_import_aborts_with_the_partial_report(
    cr: Ledger, data_dir: Path, records: Records, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = records(20)
    path = registry("registry.csv", rows)
    original = Certificates.issue_many

    def flaky(self_: Certificates, certificates: Sequence[Issuable], **kwargs: Any) -> list[BatchItemResult]:
        if _first(certificates) == rows[8]["certificate_number"]:  # batch 2
            raise ChainUnavailableError("eth_call: the node cannot be reached")
        return original(self_, certificates, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(Certificates, "issue_many", flaky)
        with pytest.raises(ImportAbortedError, match="run the same import again") as info:
            run_import(cr, "CR", path, data_dir=data_dir, batch_size=8)
    assert len(info.value.report.landed) == 8
    report = run_import(cr, "CR", path, data_dir=data_dir, batch_size=8)
    # batch 3 was in flight when batch 2 failed: it landed and is found on the chain
    assert (len(report.skipped), len(report.landed), report.errors) == (12, 8, [])


def test_an_abort_still_reports_every_bad_record_and_keeps_the_landed_documents(
    cr: Ledger, data_dir: Path, records: Records, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = records(CHUNK_ROWS + 30)
    rows[-3]["sme"] = "maybe"  # in the last chunk, which is not read before the abort
    path = registry("registry.csv", rows)
    original = Certificates.issue_many

    def flaky(self_: Certificates, certificates: Sequence[Issuable], **kwargs: Any) -> list[BatchItemResult]:
        if _first(certificates) == rows[10]["certificate_number"]:  # batch 2
            raise ChainUnavailableError("eth_call: the node cannot be reached")
        return original(self_, certificates, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(Certificates, "issue_many", flaky)
        with pytest.raises(ImportAbortedError) as info:
            run_import(cr, "CR", path, data_dir=data_dir, batch_size=10)
    report = info.value.report
    assert [(e.line, e.kind) for e in report.errors] == [(len(rows) - 1, "validation")]
    store = DocumentStore(data_dir)
    assert len(report.landed) == 10
    assert all(store.has(row.certificate_id) for row in report.landed)
    assert len(list(store.directory.glob("*.json"))) == 10
