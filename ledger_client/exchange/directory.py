"""Who can receive envelopes, and where: each administration's published exchange key and gateway URL,
and the operator's consent per certificate. Both come from the chain (through the index)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ExchangeEndpoint:
    """An administration's published exchange key (X25519) and gateway URL, at its ``version``."""

    administration: str
    public_key: bytes
    url: str
    version: int


class ExchangeDirectory(Protocol):
    """The current exchange endpoint of each administration."""

    def endpoint(self, code: str) -> ExchangeEndpoint | None:
        """``code``'s current endpoint, or ``None`` when it published none."""


class ConsentRegistry(Protocol):
    """The operator's consent to the exchange of its data with MRA partners."""

    def consented(self, certificate_id: bytes) -> bool:
        """Whether the certificate's operator consents now."""
