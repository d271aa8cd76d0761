"""The exchange's directory and consent as the chain states them, read from the index.

- :class:`IndexDirectory`: each administration's current exchange key and gateway URL, from its
  latest ``ExchangeKeyPublished`` event (``publishExchangeKey``; the version counts rotations).
- :class:`IndexConsent`: the operator's consent, certificate flag bit 1 clear
  (:data:`~ledger_client.models.FLAG_CONSENT_WITHHELD`), set at issue and changed by amendments.
"""

from __future__ import annotations

from ledger_client.exchange.directory import ExchangeEndpoint
from ledger_client.index import Index
from ledger_client.models import consents


class IndexDirectory:
    """The published exchange endpoints, as the index follows them on the chain."""

    def __init__(self, index: Index) -> None:
        self._index = index

    def endpoint(self, code: str) -> ExchangeEndpoint | None:
        """``code``'s current exchange key and gateway URL, or ``None`` before its first publication."""
        published = self._index.reader.exchange_key(code)
        if published is None:
            return None
        return ExchangeEndpoint(code, published.public_key, published.gateway_url, published.version)


class IndexConsent:
    """The operators' consent, as the index follows the certificates' flags on the chain."""

    def __init__(self, index: Index) -> None:
        self._index = index

    def consented(self, certificate_id: bytes) -> bool:
        """Whether the certificate exists and its operator consents now."""
        certificate = self._index.certificate(certificate_id)
        return certificate is not None and consents(certificate.flags)
