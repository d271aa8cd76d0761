"""The issuer's side of a fetch: is this envelope request authorised by the chain, and what may it read?

A request is served only when, in this order:

1. it is addressed to this issuer and its timestamp is within ``window_seconds`` of this gateway's clock;
2. its EIP-712 signature recovers to an address the index lists *now* as a signer of the requesting
   administration (a removed signer, or a signer of another administration, is refused by name);
3. its nonce was never used (a replay is refused; nonces are kept until their timestamp expires);
4. a non-terminated MRA joins the requester and this issuer.

Each envelope of the page is then served only if its certificate is still covered by such an MRA, its
operator still consents and it is sealed to the requester's current published key. Every refusal is
logged (the ``aeo_ledger.exchange`` logger) and kept in the outbox's refusal log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ledger_client.exchange.coverage import granting_mra, scopes_of
from ledger_client.exchange.directory import ConsentRegistry, ExchangeDirectory
from ledger_client.exchange.errors import ExchangeRefusedError
from ledger_client.exchange.outbox import Envelope, EnvelopeOutbox, Refusal
from ledger_client.exchange.requests import REQUESTER, Domain, EnvelopeRequest, parse_headers
from ledger_client.index import Index
from ledger_client.models import CertificateStatus

log = logging.getLogger("aeo_ledger.exchange")

_LIVE = (CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED)


@dataclass(frozen=True)
class EnvelopePage:
    """What an authorised request receives."""

    requester: str
    signer: str
    envelopes: list[Envelope]
    next_after: int
    more: bool


class EnvelopeAuthority:
    """Checks envelope requests addressed to ``issuer`` and answers them from its outbox."""

    def __init__(  # noqa: PLR0917 - the gateway's exchange parts, built positionally by api/exchange.py and tests/exchange
        self,
        issuer: str,
        index: Index,
        outbox: EnvelopeOutbox,
        directory: ExchangeDirectory,
        consent: ConsentRegistry,
        domain: Domain,
        *,
        window_seconds: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer
        self._index = index
        self._outbox = outbox
        self._directory = directory
        self._consent = consent
        self._domain = domain
        self._window = window_seconds
        self._clock = clock

    def serve_headers(self, headers: Mapping[str, str], after: int, limit: int) -> EnvelopePage:
        """The page asked for by an HTTP request's headers and query (a malformed request is refused and logged)."""
        try:
            request, signature = parse_headers(headers, self.issuer, after, limit)
        except ExchangeRefusedError as refused:
            claimed = headers.get(REQUESTER)
            log.warning("envelope request refused (%s): requester=%s: %s", refused.reason, claimed, refused)
            self._outbox.log_refusal(Refusal(self._clock(), claimed, None, refused.reason, str(refused)))
            raise
        return self.serve(request, signature)

    def serve(self, request: EnvelopeRequest, signature: bytes) -> EnvelopePage:
        """The page ``request`` asks for (:class:`ExchangeRefusedError`, logged, when it is not authorised)."""
        address: str | None = None
        try:
            address = request.signer_address(self._domain, signature)
            self._authorise(request, address)
        except ExchangeRefusedError as refused:
            self._refuse(request, address, refused)
            raise
        return self._page(request, address)

    def _authorise(self, request: EnvelopeRequest, address: str) -> None:
        if request.issuer != self.issuer:
            raise ExchangeRefusedError(
                "wrong-issuer", f"the request was signed for {request.issuer}'s gateway; this is {self.issuer}'s"
            )
        now = self._clock()
        if abs(now - request.timestamp) > self._window:
            raise ExchangeRefusedError(
                "stale-timestamp",
                f"the request's timestamp {request.timestamp} is more than {self._window:.0f} s from this gateway's "
                f"clock ({int(now)}): sign each request when it is sent",
            )
        owner = self._signer_owner(address)
        if owner is None:
            raise ExchangeRefusedError(
                "not-a-signer", f"{address} is not a current signer of any administration on the chain (removed?)"
            )
        if owner != request.requester:
            raise ExchangeRefusedError(
                "another-administrations-key",
                f"the request claims to come from {request.requester} but is signed by {address}, a signer of {owner}",
            )
        if not self._outbox.use_nonce(request.nonce, request.requester, request.timestamp + self._window):
            raise ExchangeRefusedError("replayed", "this request (its nonce) was already served: a replay")
        if not scopes_of(self._index, self.issuer).get(request.requester):
            raise ExchangeRefusedError(
                "not-a-party", f"no non-terminated MRA joins {request.requester} and {self.issuer} on the chain"
            )

    def _signer_owner(self, address: str) -> str | None:
        rows = self._index.reader.execute("SELECT code FROM signers WHERE address = ?", (address,))
        if not rows:
            rows = self._index.reader.execute("SELECT code FROM signers WHERE lower(address) = ?", (address.lower(),))
        return str(rows[0][0]) if rows else None

    def _page(self, request: EnvelopeRequest, address: str) -> EnvelopePage:
        endpoint = self._directory.endpoint(request.requester)
        if endpoint is None:
            return EnvelopePage(request.requester, address, [], request.after, False)
        envelopes, more = self._outbox.page(request.requester, endpoint.public_key, request.after, request.limit)
        scopes = scopes_of(self._index, self.issuer).get(request.requester, ())
        served = []
        for envelope in envelopes:
            certificate = self._index.certificate(envelope.certificate_id)
            if (
                certificate is not None
                and certificate.status in _LIVE
                and granting_mra(scopes, certificate.programmes, certificate.roles) is not None
                and self._consent.consented(envelope.certificate_id)
            ):
                served.append(envelope)
        following = envelopes[-1].id if envelopes else request.after
        return EnvelopePage(request.requester, address, served, following, more)

    def _refuse(self, request: EnvelopeRequest, address: str | None, refused: ExchangeRefusedError) -> None:
        log.warning(
            "envelope request refused (%s): requester=%s signer=%s: %s",
            refused.reason,
            request.requester,
            address,
            refused,
        )
        self._outbox.log_refusal(Refusal(self._clock(), request.requester, address, refused.reason, str(refused)))
