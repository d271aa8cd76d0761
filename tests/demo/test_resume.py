"""An interrupted seeding resumes without duplicating anything; generation is deterministic."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledger_client.demo import derive_signer, read_marker, seed_demo
from ledger_client.demo import seed as seed_module
from ledger_client.demo.generator import generate_documents
from ledger_client.demo.history import rewind_new_chain
from ledger_client.ledger import Ledger
from tests.demo.conftest import TEST_KDF_ITERATIONS


def _count_logs(ledger: Ledger, event: str) -> int:
    topic = ledger.context.codec.topic(event)
    return len(ledger.chain.get_logs(ledger.deployment.address, [topic], ledger.deployment.deployment_block))


@pytest.mark.slow  # seeds the demo twice (about 13 s)
def test_interrupted_seeding_resumes_without_duplicates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Crash(Exception):
        pass

    run = seed_module._Seeding.run
    acknowledging = []

    def crash_in_the_acknowledgements(self: seed_module._Seeding, kind: str, *args: Any) -> None:
        run(self, kind, *args)
        acknowledging.append(kind == "acknowledge")
        if sum(acknowledging) == 3:
            raise Crash

    rewind_new_chain(tmp_path)
    with Ledger.embedded(data_dir=tmp_path) as ledger:
        monkeypatch.setattr(seed_module._Seeding, "run", crash_in_the_acknowledgements)
        with pytest.raises(Crash):
            seed_demo(ledger, tmp_path, certificates=30, seed=7, kdf_iterations=TEST_KDF_ITERATIONS)
        marker = read_marker(tmp_path)
        assert marker is not None
        assert marker.state == "in_progress"
        assert marker.certificates == 30
        assert _count_logs(ledger, "CertificateEventAcknowledged") > 0
        monkeypatch.undo()
    with Ledger.embedded(data_dir=tmp_path) as ledger:  # the process restarted
        demo = seed_demo(ledger, tmp_path, certificates=999, seed=123, kdf_iterations=TEST_KDF_ITERATIONS)
        assert not demo.already_seeded
        assert demo.seed == 7
        assert demo.counts["certificates"] == 30
        assert ledger.mras.count() == 3
        assert _count_logs(ledger, "CertificateIssued") == 30
        assert _count_logs(ledger, "CertificateEventAcknowledged") == demo.counts["acknowledgements"]
        for certificate in demo.certificates:
            assert ledger.certificates.get(certificate.certificate_id).event_count == certificate.events
        block = ledger.chain.block_number()
        assert seed_demo(ledger, tmp_path).already_seeded
        assert ledger.chain.block_number() == block


def test_generation_is_deterministic() -> None:
    day = date(2025, 6, 30)
    first = generate_documents(120, seed=5, today=day)
    second = generate_documents(120, seed=5, today=day)
    other = generate_documents(120, seed=6, today=day)
    hashes = [d.document_hash() for docs in first.values() for d in docs]
    assert hashes == [d.document_hash() for docs in second.values() for d in docs]
    assert hashes != [d.document_hash() for docs in other.values() for d in docs]
    assert sum(len(docs) for docs in first.values()) == 120
    numbers = [d.certificate_number for docs in first.values() for d in docs]
    assert len(set(numbers)) == len(numbers)
    assert derive_signer(5, "CR").address == derive_signer(5, "CR").address != derive_signer(5, "PE").address
