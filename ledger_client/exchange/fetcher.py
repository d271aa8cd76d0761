"""The partner's side: fetch envelopes from each MRA partner's gateway, open them, check them against the
chain and keep the documents.

For each issuer this administration shares a non-terminated MRA with, the :class:`EnvelopeFetcher` asks the
issuer's gateway (the URL the issuer published on-chain) for the envelopes after its cursor, each request
signed by this gateway's signer key (:mod:`~ledger_client.exchange.requests`). Each envelope is

1. matched with the certificate event it names in this gateway's own index (an event the index has not
   seen yet stops the page there: the next fetch resumes from it);
2. opened with the private key of the public key it was sealed to, the associated data rebuilt from the
   chain's document hash of that event (an altered envelope, or one bound to another event, does not open);
3. checked: keccak of the opened document is that hash, and the document is that certificate's.

What passes is kept with its trader identifiers; what fails is logged and kept in the rejection log.
"""

from __future__ import annotations

import functools
import json
import logging
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from eth_utils.crypto import keccak

from ledger_client.errors import LedgerValueError
from ledger_client.exchange.directory import ExchangeDirectory
from ledger_client.exchange.errors import EnvelopeRejectedError, ExchangeKeyError, ExchangePeerError
from ledger_client.exchange.inbox import Accepted, EnvelopeInbox, Rejection
from ledger_client.exchange.keyring import KeyRing
from ledger_client.exchange.maker import DOCUMENT_ACTIONS
from ledger_client.exchange.outbox import Envelope
from ledger_client.exchange.requests import Domain, EnvelopeRequest
from ledger_client.exchange.sealing import associated_data, open_envelope
from ledger_client.exchange.traders import identifiers_of
from ledger_client.exchange.wire import envelope_of
from ledger_client.hashing import certificate_id
from ledger_client.index import Index
from ledger_client.signers import Signer

log = logging.getLogger("aeo_ledger.exchange")

ENVELOPES_PATH = "/v1/exchange/envelopes"


@dataclass
class FetchReport:
    """What one fetch from one issuer did."""

    issuer: str
    kept: int = 0
    rejected: int = 0
    pages: int = 0
    waiting_for_index: bool = False
    error: str | None = None
    reasons: list[str] = field(default_factory=list)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default verifying TLS context, built once: building one loads the CA bundle (profiled at
    about a quarter of a busy gateway's CPU when every fetch round made a new client)."""
    return httpx.create_ssl_context()


def _default_client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=30.0, verify=_tls_context())


class EnvelopeFetcher:
    """Fetches administration ``me``'s envelopes from its partners' gateways."""

    def __init__(  # noqa: PLR0913, PLR0917 - the gateway's exchange parts, built positionally by api/exchange.py and tests/exchange
        self,
        me: str,
        index: Index,
        inbox: EnvelopeInbox,
        keys: KeyRing,
        directory: ExchangeDirectory,
        signer: Signer,
        domain: Domain,
        *,
        client: Callable[[str], httpx.Client] | None = None,  # a client for a base URL (kept while it works)
        page_size: int = 500,
        max_pages: int = 100,
    ) -> None:
        self.me = me
        self._index = index
        self._inbox = inbox
        self._keys = keys
        self._directory = directory
        self._signer = signer
        self._domain = domain
        self._new_client = client or _default_client
        #: One client per partner URL, kept across rounds (its connections stay open: a new TCP connection
        #: a round was a tenth of a busy gateway's CPU); dropped after a transport error, closed by close().
        self._clients: dict[str, httpx.Client] = {}
        self._clients_lock = threading.Lock()
        self._closed = False
        self._page_size = page_size
        self._max_pages = max_pages

    def issuers(self) -> list[str]:
        """The administrations ``me`` shares a non-terminated MRA with."""
        return sorted(self._index.reader.partner_links(self.me))

    def fetch_all(self) -> list[FetchReport]:
        """Fetch from every partner (one failing gateway does not stop the others)."""
        return [self.fetch(issuer) for issuer in self.issuers()]

    def fetch(self, issuer: str) -> FetchReport:
        """Fetch, open, check and keep ``issuer``'s envelopes for ``me`` (bounded by ``max_pages``)."""
        report = FetchReport(issuer)
        endpoint = self._directory.endpoint(issuer)
        if endpoint is None:
            report.error = f"{issuer} published no exchange endpoint on the chain"
            return report
        try:
            client = self._client(endpoint.url)
            for _ in range(self._max_pages):
                more = self._page(client, issuer, report)
                report.pages += 1
                if not more or report.waiting_for_index:
                    break
        except (httpx.HTTPError, ExchangePeerError, RuntimeError) as exc:
            if self._closed:  # closed while fetching (httpx: RuntimeError on a closed client), or after
                report.error = f"fetching from {issuer}'s gateway stopped: the gateway is stopping"
                return report
            if isinstance(exc, RuntimeError):
                raise
            if isinstance(exc, httpx.TransportError):
                self._drop_client(endpoint.url, client)
            report.error = f"fetching from {issuer}'s gateway at {endpoint.url} failed: {exc}"
            log.warning("%s", report.error)
            self._inbox.note_error(issuer, report.error)
        return report

    def close(self) -> None:
        """Close the kept clients (the gateway stops); a fetch still running ends with an error
        report, and none starts after this."""
        with self._clients_lock:
            self._closed = True
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()

    def _client(self, url: str) -> httpx.Client:
        with self._clients_lock:
            if self._closed:
                raise ExchangePeerError("the gateway is stopping: no more fetches")
            client = self._clients.get(url)
            if client is None:
                client = self._clients[url] = self._new_client(url)
            return client

    def _drop_client(self, url: str, client: httpx.Client) -> None:
        with self._clients_lock:
            if self._clients.get(url) is client:
                del self._clients[url]
        client.close()

    def _page(self, client: httpx.Client, issuer: str, report: FetchReport) -> bool:
        after = self._inbox.cursor(issuer)
        request = EnvelopeRequest.new(self.me, issuer, after, self._page_size)
        response = client.get(
            ENVELOPES_PATH,
            params={"after": after, "limit": self._page_size},
            headers=request.sign(self._signer, self._domain),
        )
        if response.status_code != 200:
            detail = response.text[:500]
            raise ExchangePeerError(f"{issuer}'s gateway answered {response.status_code}: {detail}")
        try:
            body = response.json()
            items = [envelope_of(item) for item in body["envelopes"]]
            next_after, more = int(body["next_after"]), bool(body["more"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ExchangePeerError(f"{issuer}'s gateway sent no envelope page: {exc!r}") from None
        accepted: list[Accepted] = []
        rejected: list[Rejection] = []
        through = after
        for envelope in items:
            verdict = self.open(issuer, envelope)
            if verdict is None:
                report.waiting_for_index = True
                break
            if isinstance(verdict, Accepted):
                accepted.append(verdict)
            else:
                rejected.append(verdict)
                report.reasons.append(verdict.reason)
                log.warning("envelope %d from %s rejected: %s", envelope.id, issuer, verdict.reason)
            through = envelope.id
        else:
            through = max(through, next_after)
        self._inbox.keep(issuer, accepted, rejected, through)
        report.kept += len(accepted)
        report.rejected += len(rejected)
        return more

    def open(self, issuer: str, envelope: Envelope) -> Accepted | Rejection | None:
        """Open and check one envelope of ``issuer``; ``None`` when the index has not seen its event yet."""
        cid = envelope.certificate_id

        def reject(reason: str) -> Rejection:
            return Rejection(issuer, envelope.id, cid, reason)

        if cid[:2] != issuer.encode():
            return reject(f"certificate 0x{cid.hex()} is not {issuer}'s")
        rows = self._index.reader.execute(
            "SELECT action, document_hash FROM certificate_events WHERE id = ? AND sequence = ?",
            (cid, envelope.sequence),
        )
        if not rows:
            return None
        action, chain_hash = int(rows[0][0]), bytes(rows[0][1])
        if action not in DOCUMENT_ACTIONS:
            return reject(f"event {envelope.sequence} of 0x{cid.hex()} carries no document")
        try:
            private = self._keys.private_key(envelope.recipient_key)
            document = open_envelope(
                private, envelope.enc, envelope.ciphertext, associated_data(cid, envelope.sequence, chain_hash)
            )
        except (ExchangeKeyError, EnvelopeRejectedError) as exc:
            return reject(str(exc))
        if bytes(keccak(document)) != chain_hash:
            return reject("the opened document's hash is not the one the chain committed")
        # The document is the one the chain committed (its hash): read the fields the lookup needs.
        try:
            parsed = json.loads(document)
            number, operator = str(parsed["certificate_number"]), parsed["operator"]
            legal_name, tax_id, eori = str(operator["legal_name"]), str(operator["tax_id"]), operator.get("eori")
            same = certificate_id(str(parsed["issuer"]), number) == cid
        except (ValueError, KeyError, TypeError, LedgerValueError) as exc:
            return reject(f"the opened document is not a certificate document: {exc!r}")
        if not same:
            return reject("the opened document is another certificate's")
        identifiers = identifiers_of(issuer, tax_id, None if eori is None else str(eori))
        return Accepted(cid, issuer, envelope.sequence, chain_hash, document, number, legal_name, tuple(identifiers))
