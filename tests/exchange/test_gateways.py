"""Gateways' APIs (CR issues, PE fetches, MX is no partner of CR) in one process over one embedded ledger:
each publishes its exchange key and URL on-chain at start; the envelope route, its problem+json refusals,
the fetch through HTTP, ``GET /v1/operators``, consent withdrawn by an amendment, the console's search."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.config import ApiSettings
from api.exchange import ExchangeService
from api.main import create_app
from api.runtime import Runtime
from api.signers import SignerRegistry
from api.tokens import Role
from ledger_client.certificates import CertificateRequest
from ledger_client.documents import CertificateDocument
from ledger_client.exchange import EnvelopeFetcher, EnvelopeInbox, EnvelopeRequest
from ledger_client.ledger import Ledger
from ledger_client.signers import Signer
from tests.console.conftest import csrf_of
from tests.exchange.support import document


@dataclass
class Gateways:
    ledger: Ledger
    apps: dict[str, FastAPI]
    clients: dict[str, TestClient]
    tokens: dict[str, str]
    runtimes: dict[str, Runtime]
    signers: dict[str, Signer]

    def exchange(self, code: str) -> ExchangeService:
        service: ExchangeService = self.apps[code].state.exchange
        return service

    def get(self, code: str, path: str, who: str, **params: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        response: httpx.Response = self.clients[code].get(path, params=params, headers=headers)
        return response


@pytest.fixture
def gateways(tmp_path: Path) -> Iterator[Gateways]:
    ledger = Ledger.embedded()
    dev = ledger.dev_signers()
    codes = {"CR": dev[1], "PE": dev[2], "MX": dev[3]}
    for code, signer in codes.items():
        ledger.administrations.register(code, code, signer.address)
    mra = ledger.with_signer(dev[1]).mras.propose(["CR", "PE"], 0xF, 0x1FF, 0, "0x" + "22" * 32)
    ledger.with_signer(dev[2]).mras.accept(mra.mra_id)
    apps: dict[str, FastAPI] = {}

    def client(url: str) -> httpx.Client:
        return TestClient(apps[url.removeprefix("http://")[:2].upper()], raise_server_exceptions=False)

    runtimes, clients, tokens = {}, {}, {}
    for code, signer in codes.items():
        state = tmp_path / code
        settings = ApiSettings(
            state_dir=state,
            administration=code,
            index_poll_seconds=0.05,
            exchange_poll_seconds=3600,
            exchange_url=f"http://{code.lower()}.gateway",  # published on-chain at start
        )
        registry = SignerRegistry(state / "keystores", only=code)
        registry.register(code, signer)
        runtime = Runtime.assemble(settings, ledger, registry, owner="tests")
        runtime.start()
        runtimes[code] = runtime
        _, tokens[f"{code} reader"] = runtime.tokens.create(Role.READER, code, label="reader")
        apps[code] = create_app(runtime=runtime)  # the chain's directory and consent, through the index
    entered = []
    for code, app in apps.items():
        c = TestClient(app, raise_server_exceptions=False)
        c.__enter__()
        entered.append(c)
        clients[code] = c
        service: ExchangeService = app.state.exchange
        service.fetcher._new_client = client
    try:
        yield Gateways(ledger, apps, clients, tokens, runtimes, codes)
    finally:
        for c in entered:
            c.__exit__(None, None, None)
        for runtime in runtimes.values():
            runtime.close()
        ledger.close()


def test_the_partner_fetches_over_http_and_finds_the_trader(gateways: Gateways) -> None:
    cr, pe = gateways.exchange("CR"), gateways.exchange("PE")
    doc = document(tax_id="3-101-555001", eori="CR3101555001000")
    cr.maker._documents.write_document(doc)
    gateways.ledger.with_signer(gateways.signers["CR"]).certificates.issue(doc)
    for runtime in gateways.runtimes.values():
        runtime.index.sync()
    cr.make()  # the worker may have made it already, woken by the index
    assert cr.outbox.count("PE") == 1
    (report,) = pe.fetch()  # the worker, woken by the index, may have fetched it already
    assert (report.issuer, report.error) == ("CR", None)
    assert pe.inbox.document(doc.certificate_id()) is not None
    answer = gateways.get("PE", "/v1/operators", "PE reader", id="CR-3101555001")
    assert answer.status_code == 200, answer.text
    (found,) = answer.json()["certificates"]
    assert found["certificate_id"] == "0x" + doc.certificate_id().hex()
    assert (found["matched"], found["recognised"], found["status"]) == ("tin", True, "ACTIVE")
    assert found["mra_id"] == 1
    before = gateways.get("PE", "/v1/operators", "PE reader", id="3101555001", at="2020-01-01T00:00:00Z").json()
    assert [(c["status"], c["recognised"]) for c in before["certificates"]] == [("NONE", False)]
    assert gateways.get("MX", "/v1/operators", "MX reader", id="3101555001").json()["certificates"] == []
    refused = gateways.get("PE", "/v1/operators", "MX reader", id="3101555001")
    assert refused.status_code == 401  # MX's token is unknown at PE's gateway


def test_refusals_are_problem_json_with_a_reason(gateways: Gateways) -> None:
    domain = gateways.exchange("CR").authority._domain
    request = EnvelopeRequest.new("MX", "CR", 0, 10)
    headers = request.sign(gateways.signers["MX"], domain)
    answer = gateways.clients["CR"].get("/v1/exchange/envelopes", params={"after": 0, "limit": 10}, headers=headers)
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["reason"] == "not-a-party"
    assert answer.json()["type"] == "urn:aeo-ledger:problem:exchange-refused"
    unsigned = gateways.clients["CR"].get("/v1/exchange/envelopes")
    assert unsigned.status_code == 403
    assert unsigned.json()["reason"] == "bad-signature"
    request = EnvelopeRequest.new("PE", "CR", 0, 10)
    headers = request.sign(gateways.signers["PE"], domain)
    params = {"after": 0, "limit": 10}
    assert gateways.clients["CR"].get("/v1/exchange/envelopes", params=params, headers=headers).status_code == 200
    again = gateways.clients["CR"].get("/v1/exchange/envelopes", params=params, headers=headers)
    assert (again.status_code, again.json()["reason"]) == (403, "replayed")
    assert [r.reason for r in gateways.exchange("CR").outbox.refusals()] == ["replayed", "bad-signature", "not-a-party"]


def test_the_console_has_the_same_search_in_english_and_spanish(gateways: Gateways) -> None:
    cr, pe = gateways.exchange("CR"), gateways.exchange("PE")
    doc = document(tax_id="3-101-555002")
    cr.maker._documents.write_document(doc)
    gateways.ledger.with_signer(gateways.signers["CR"]).certificates.issue(doc)
    for runtime in gateways.runtimes.values():
        runtime.index.sync()
    cr.make()
    pe.fetch()
    for language, heading, verdict in (
        ("en", "Is this trader an AEO we recognise?", "Yes"),
        ("es", "¿Es este operador un OEA que reconocemos?", "Sí"),
    ):
        browser = TestClient(gateways.apps["PE"], raise_server_exceptions=False, follow_redirects=False)
        browser.headers["Accept-Language"] = language
        login = browser.get("/login")
        csrf = csrf_of(login.text)
        signed = browser.post("/login", data={"csrf_token": csrf, "token": gateways.tokens["PE reader"], "next": "/"})
        assert signed.status_code == 303, signed.text
        page = browser.get("/operators", params={"id": "3101555002"})
        assert page.status_code == 200, page.text
        assert heading in page.text
        assert doc.certificate_number in page.text
        assert doc.operator.legal_name in page.text
        assert f"✓ {verdict}" in page.text
        assert 'href="/operators"' in browser.get("/").text
        unknown = browser.get("/operators", params={"id": "NOBODY-1"})
        assert doc.certificate_number not in unknown.text


@dataclass(frozen=True)
class Withheld:
    """A document's terms with the operator's consent withheld."""

    document: CertificateDocument

    def to_request(self) -> CertificateRequest:
        return replace(self.document.to_request(), consent=False)


def test_consent_withdrawn_on_chain_ends_envelopes_and_recognition(gateways: Gateways) -> None:
    cr, pe = gateways.exchange("CR"), gateways.exchange("PE")
    assert gateways.ledger.administrations.exchange_key("PE") is not None  # published at start
    doc = document(tax_id="3-101-555003")
    cr.maker._documents.write_document(doc)
    issuer = gateways.ledger.with_signer(gateways.signers["CR"])
    issuer.certificates.issue(doc)
    for runtime in gateways.runtimes.values():
        runtime.index.sync()
    cr.make()
    pe.fetch()
    (before,) = gateways.get("PE", "/v1/operators", "PE reader", id="3101555003").json()["certificates"]
    assert before["recognised"] is True
    cid = doc.certificate_id()
    withheld = issuer.certificates.amend(cid, Withheld(doc))
    for runtime in gateways.runtimes.values():
        runtime.await_block(withheld.block_number)
    assert cr.make() == 0  # no envelope for the amendment
    assert [e.sequence for e in cr.outbox.envelopes_of(cid)] == [1]
    (found,) = gateways.get("PE", "/v1/operators", "PE reader", id="3101555003").json()["certificates"]
    assert found["recognised"] is False
    now = gateways.runtimes["PE"].index.reader.latest_time()
    for code in ("PE", "CR"):
        assert gateways.runtimes[code].index.recognition_at(cid, "PE", now).recognised is False
    assert gateways.ledger.recognition.now(cid, "PE").recognised is False
    domain = cr.authority._domain
    headers = EnvelopeRequest.new("PE", "CR", 0, 100).sign(gateways.signers["PE"], domain)
    page = gateways.clients["CR"].get("/v1/exchange/envelopes", params={"after": 0, "limit": 100}, headers=headers)
    assert [e for e in page.json()["envelopes"] if e["certificate_id"] == "0x" + cid.hex()] == []


def test_the_fetcher_keeps_one_client_per_partner_and_replaces_it_after_a_transport_error(gateways: Gateways) -> None:
    gateways.exchange("PE").stop()  # no worker beside the test: a fetcher of its own over the same stores
    used = gateways.exchange("PE").fetcher
    inbox = EnvelopeInbox(used._inbox.path)
    fetcher = EnvelopeFetcher("PE", used._index, inbox, used._keys, used._directory, used._signer, used._domain)
    made: list[str] = []
    working = used._new_client  # the fixture's: a test client of the partner's app

    def counting(url: str) -> httpx.Client:
        made.append(url)
        return working(url)

    fetcher._new_client = counting
    for _ in range(3):
        (report,) = fetcher.fetch_all()
        assert report.error is None
    assert made == ["http://cr.gateway"]  # one client, kept across the rounds

    def unreachable(url: str) -> httpx.Client:
        made.append(url)

        def refuse(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("connection refused", request=request)

        return httpx.Client(base_url=url, transport=httpx.MockTransport(refuse))

    fetcher._clients.clear()  # as if the partner's URL had just been published: a client is made for it
    fetcher._new_client = unreachable
    (failed,) = fetcher.fetch_all()
    assert failed.error is not None
    assert "connection refused" in failed.error
    fetcher._new_client = counting
    (report,) = fetcher.fetch_all()  # the broken client was dropped: a new one is made
    assert report.error is None
    assert made == ["http://cr.gateway"] * 3
    fetcher.close()  # the gateway stops: no fetch makes a client after this
    (stopped,) = fetcher.fetch_all()
    assert stopped.error is not None
    assert "stopping" in stopped.error
    assert made == ["http://cr.gateway"] * 3
    inbox.close()


def test_exchange_rounds_woken_by_the_index_are_at_least_the_round_gap_apart(gateways: Gateways) -> None:
    service = gateways.exchange("PE")
    service.stop()
    service._round_gap = 0.3
    service._stop.clear()
    rounds: list[float] = []
    service.make = lambda: rounds.append(time.monotonic()) or 0  # type: ignore[method-assign]
    service.fetch = lambda: []  # type: ignore[method-assign]
    service.start()
    try:
        deadline = time.monotonic() + 1.6
        while time.monotonic() < deadline:  # a block every 20 ms
            service._index_moved(0)
            time.sleep(0.02)
    finally:
        service.stop()
    assert len(rounds) >= 3  # woken: rounds run while the blocks keep coming
    gaps = [later - earlier for earlier, later in itertools.pairwise(rounds)]
    assert min(gaps) >= 0.3 - 1e-3, gaps  # instead of one a block (80 wakes)
