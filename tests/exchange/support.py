"""Two gateways' exchange parts (issuer CR, partners PE and MX) over one in-memory embedded ledger.

The published directory and consent are test doubles here (the chain's are exercised by
``tests/network/test_exchange_network.py``); everything else is the library's real code.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ledger_client.documents import CertificateDocument
from ledger_client.exchange import (
    Domain,
    EnvelopeAuthority,
    EnvelopeFetcher,
    EnvelopeInbox,
    EnvelopeMaker,
    EnvelopeOutbox,
    ExchangeEndpoint,
    ExchangeRefusedError,
    KeyRing,
    OperatorLookup,
)
from ledger_client.exchange.requests import parse_headers
from ledger_client.exchange.wire import envelope_json
from ledger_client.importer.store import DocumentStore
from ledger_client.index import Index
from ledger_client.index.attach import open_index
from ledger_client.ledger import Ledger
from ledger_client.signers import Signer

_RUN = uuid.uuid4().hex[:6].upper()
_counter = itertools.count(1)


@dataclass
class Directory:
    """Endpoints by administration (what the chain publishes, in the library tests)."""

    endpoints: dict[str, ExchangeEndpoint] = field(default_factory=dict)

    def endpoint(self, code: str) -> ExchangeEndpoint | None:
        return self.endpoints.get(code)

    def publish(self, code: str, public_key: bytes) -> None:
        version = self.endpoints[code].version + 1 if code in self.endpoints else 1
        self.endpoints[code] = ExchangeEndpoint(code, public_key, f"http://{code.lower()}.gateway", version)


@dataclass
class Consent:
    """Consent withdrawn for some certificates (what the chain's flag says, in the library tests)."""

    withdrawn: set[bytes] = field(default_factory=set)

    def consented(self, certificate_id: bytes) -> bool:
        return certificate_id not in self.withdrawn


def document(
    issuer: str = "CR", tax_id: str | None = None, eori: str | None = None, **overrides: Any
) -> CertificateDocument:
    """A valid certificate document with a unique number and tax id."""
    n = next(_counter)
    data: dict[str, Any] = {
        "certificate_number": f"{issuer}-{_RUN}-{n:05d}",
        "issuer": issuer,
        "issuing_office": "Aduana Central",
        "operator": {
            "legal_name": f"Exportadora {n} S.A.",
            "tax_id": tax_id or f"3-101-{_RUN[:3]}{n:06d}",
            "eori": eori,
            "address": {"street": "Calle 1", "city": "San José", "country": issuer},
        },
        "roles": ["EXPORTER"],
        "programmes": ["SECURITY"],
        "sme": False,
        "valid_from": "2024-01-01T00:00:00Z",
    }
    data.update(overrides)
    return CertificateDocument.parse(data)


class Gateway:
    """One administration's exchange parts: keys, outbox, maker, authority, inbox, fetcher, lookup."""

    def __init__(self, code: str, state: Path, ledger: Ledger, signer: Signer, world: World) -> None:
        self.code = code
        self.state = state
        self.ledger = ledger.with_signer(signer)
        self.signer = signer
        self.index: Index = open_index(ledger, state / "index.sqlite")
        self.keys = KeyRing(state)
        self.documents = DocumentStore(state)
        self.outbox = EnvelopeOutbox(state / "envelopes.sqlite")
        self.inbox = EnvelopeInbox(state / "received-envelopes.sqlite")
        self.world = world
        self.online = True
        world.directory.publish(code, self.keys.ensure())
        self.maker = EnvelopeMaker(code, self.index, self.documents, self.outbox, world.directory, world.consent)
        self.authority = EnvelopeAuthority(code, self.index, self.outbox, world.directory, world.consent, world.domain)
        self.fetcher = EnvelopeFetcher(
            code, self.index, self.inbox, self.keys, world.directory, signer, world.domain, client=world.client
        )
        self.lookup = OperatorLookup(code, self.index, self.inbox)

    def sync(self) -> None:
        self.index.sync()

    def issue(self, doc: CertificateDocument) -> bytes:
        self.documents.write_document(doc)
        self.ledger.certificates.issue(doc)
        return doc.certificate_id()

    def serve(self, request: httpx.Request) -> httpx.Response:
        """The envelope route, as the API serves it (the API's own tests cover its HTTP details)."""
        if not self.online:
            raise httpx.ConnectError("gateway offline", request=request)
        self.sync()
        after, limit = int(request.url.params["after"]), int(request.url.params["limit"])
        try:
            query, signature = parse_headers(request.headers, self.code, after, limit)
            page = self.authority.serve(query, signature)
        except ExchangeRefusedError as exc:
            return httpx.Response(403, json={"reason": exc.reason, "detail": str(exc)})
        body = {
            "envelopes": [envelope_json(e) for e in page.envelopes],
            "next_after": page.next_after,
            "more": page.more,
        }
        return httpx.Response(200, json=body)

    def close(self) -> None:
        self.index.close()
        self.outbox.close()
        self.inbox.close()


class World:
    """The ledger, the directory and consent, and the gateways reachable by URL."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.directory = Directory()
        self.consent = Consent()
        self.domain = Domain(ledger.chain.chain_id, ledger.deployment.address)
        self.gateways: dict[str, Gateway] = {}

    def client(self, url: str) -> httpx.Client:
        code = url.removeprefix("http://")[:2].upper()
        return httpx.Client(base_url=url, transport=httpx.MockTransport(self.gateways[code].serve))

    def add(self, code: str, state: Path, signer: Signer) -> Gateway:
        gateway = Gateway(code, state, self.ledger, signer, self)
        self.gateways[code] = gateway
        return gateway

    def settle(self) -> Mapping[str, int]:
        """Every gateway syncs its index and makes its envelopes; return how many each made."""
        made = {}
        for gateway in self.gateways.values():
            gateway.sync()
        for code, gateway in self.gateways.items():
            made[code] = gateway.maker.run_until_idle()
        return made
