"""Two gateways' apps in one process over an in-memory embedded chain, for the envelope figures of
``benchmarks/network.py``: CR issues, PE (its MRA partner) fetches through CR's envelope route."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from api.config import ApiSettings
from api.exchange import ExchangeService
from api.main import create_app
from api.runtime import Runtime
from api.signers import SignerRegistry
from api.tokens import Role
from ledger_client.documents import CertificateDocument
from ledger_client.exchange import ExchangeEndpoint
from ledger_client.exchange.inbox import Accepted
from ledger_client.importer.store import DocumentStore
from ledger_client.ledger import Ledger

_RUN = uuid.uuid4().hex[:6].upper()


@dataclass
class _Directory:
    endpoints: dict[str, ExchangeEndpoint]

    def endpoint(self, code: str) -> ExchangeEndpoint | None:
        return self.endpoints.get(code)


class _EveryoneConsents:
    def consented(self, certificate_id: bytes) -> bool:
        return True


def _document(n: int) -> CertificateDocument:
    return CertificateDocument.parse(
        {
            "certificate_number": f"CR-{_RUN}-{n:06d}",
            "issuer": "CR",
            "issuing_office": "Aduana Central",
            "operator": {
                "legal_name": f"Exportadora {n} S.A.",
                "tax_id": f"3-101-{n:06d}",
                "address": {"street": "Calle 1", "city": "San José", "country": "CR"},
            },
            "roles": ["EXPORTER"],
            "programmes": ["SECURITY"],
            "sme": False,
            "valid_from": "2024-01-01T00:00:00Z",
        }
    )


@dataclass
class TwoGateways:
    """CR's and PE's gateway apps, their exchanges and clients."""

    ledger: Ledger
    runtimes: dict[str, Runtime]
    clients: dict[str, TestClient]
    token: str

    @property
    def cr(self) -> ExchangeService:
        service: ExchangeService = self.clients["CR"].app.state.exchange  # type: ignore[attr-defined]
        return service

    @property
    def pe(self) -> ExchangeService:
        service: ExchangeService = self.clients["PE"].app.state.exchange  # type: ignore[attr-defined]
        return service

    @classmethod
    @contextmanager
    def open(cls, root: str | os.PathLike[str]) -> Iterator[TwoGateways]:
        """Register CR and PE, an MRA in force between them, and start both gateways (workers idle)."""
        ledger = Ledger.embedded()
        dev = ledger.dev_signers()
        signers = {"CR": dev[1], "PE": dev[2]}
        for code, signer in signers.items():
            ledger.administrations.register(code, code, signer.address)
        mra = ledger.with_signer(dev[1]).mras.propose(["CR", "PE"], 0xF, 0x1FF, 0, "0x" + "22" * 32)
        ledger.with_signer(dev[2]).mras.accept(mra.mra_id)
        directory = _Directory({})
        consent = _EveryoneConsents()
        apps = {}
        runtimes: dict[str, Runtime] = {}
        token = ""
        for code, signer in signers.items():
            state = Path(root) / code
            settings = ApiSettings(state_dir=state, administration=code, exchange_poll_seconds=86_400, access_log=False)
            registry = SignerRegistry(state / "keystores", only=code)
            registry.register(code, signer)
            runtime = Runtime.assemble(settings, ledger, registry, owner="bench")
            runtime.start()
            runtimes[code] = runtime
            if code == "PE":
                _, token = runtime.tokens.create(Role.READER, "PE", label="bench")
            apps[code] = create_app(runtime=runtime, exchange_sources=lambda _r: (directory, consent))
        clients = {code: TestClient(app) for code, app in apps.items()}
        for client in clients.values():
            client.__enter__()
        pair = cls(ledger, runtimes, clients, token)
        for code in signers:
            service = pair.cr if code == "CR" else pair.pe
            directory.endpoints[code] = ExchangeEndpoint(code, service.keys.ensure(), f"http://{code.lower()}", 1)
            service.runtime.index.remove_listener(service._index_moved)
        pair.pe.fetcher._new_client = lambda url: TestClient(apps["CR"])
        pair.pe.fetcher._page_size = 1000
        try:
            yield pair
        finally:
            for client in clients.values():
                client.__exit__(None, None, None)
            for runtime in runtimes.values():
                runtime.close()
            ledger.close()

    def issue(self, count: int) -> list[CertificateDocument]:
        """Issue ``count`` certificates at CR with their documents in CR's store; every index catches up."""
        documents = [_document(n) for n in range(count)]
        store = DocumentStore(self.runtimes["CR"].settings.state_directory())
        for document in documents:
            store.write_document(document)
        cr = self.ledger.with_signer(self.runtimes["CR"].signers.signer_for("CR"))
        for start in range(0, count, 500):
            cr.certificates.issue_many(documents[start : start + 500])
        for runtime in self.runtimes.values():
            runtime.index.sync()
        return documents

    def pad_operators(self, count: int) -> None:
        """Add ``count`` synthetic received documents (certificates the chain does not hold) to PE's inbox."""
        pad = b"{}"
        for start in range(0, count, 5000):
            batch = [
                Accepted(
                    b"ZZ" + (start + i).to_bytes(30, "big"),
                    "ZZ",
                    1,
                    b"\x00" * 32,
                    pad,
                    f"ZZ-{start + i}",
                    "Synthetic",
                    (("tax_id", f"ZZ{start + i:09d}"),),
                )
                for i in range(min(5000, count - start))
            ]
            self.pe.inbox.keep("ZZ", batch, [], 0)

    def lookups(self, documents: list[CertificateDocument], count: int, *, through_http: bool) -> list[float]:
        """Latencies (ms) of ``count`` lookups at PE's gateway of issued traders: its lookup, or the route."""
        client = self.clients["PE"]
        headers = {"Authorization": f"Bearer {self.token}"}
        latencies = []
        for i in range(count):
            trader = documents[(i * 7919) % len(documents)].operator.tax_id
            started = time.perf_counter()
            if through_http:
                answer = client.get("/v1/operators", params={"id": trader}, headers=headers)
                found = len(answer.json()["certificates"]) if answer.status_code == 200 else -1
            else:
                found = len(self.pe.lookup.find(trader).certificates)
            latencies.append((time.perf_counter() - started) * 1000)
            if found != 1:
                raise SystemExit(f"the lookup of {trader} found {found} certificates, not 1")
        return latencies


__all__ = ["TwoGateways", "httpx"]
