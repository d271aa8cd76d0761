"""Signed envelope requests: EIP-712 typed data over who asks, whom, for what page, when, with a nonce.

A partner's gateway signs each envelope request with its administration's signer key; the issuer's
gateway recovers the address and asks the chain (its index of the signer sets) whose signer it is
now. The domain names the ledger deployment (chain id + contract address), so a signature made for
one ledger is worthless on another. Headers carry the fields beside the query string::

    X-AEO-Requester: PE
    X-AEO-Timestamp: 1767312000          (Unix seconds; refused outside ±window of the issuer's clock)
    X-AEO-Nonce: 0x<32 bytes hex>        (refused when seen before: replays)
    X-AEO-Signature: 0x<65 bytes hex>
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data

from ledger_client.exchange.errors import ExchangeRefusedError
from ledger_client.signers import Signer

DOMAIN_NAME = "aeo-ledger envelope exchange"
DOMAIN_VERSION = "1"
TYPES: dict[str, list[dict[str, str]]] = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    "EnvelopeRequest": [
        {"name": "requester", "type": "string"},
        {"name": "issuer", "type": "string"},
        {"name": "after", "type": "uint64"},
        {"name": "limit", "type": "uint32"},
        {"name": "timestamp", "type": "uint64"},
        {"name": "nonce", "type": "bytes32"},
    ],
}
REQUESTER, TIMESTAMP, NONCE, SIGNATURE = "X-AEO-Requester", "X-AEO-Timestamp", "X-AEO-Nonce", "X-AEO-Signature"


@dataclass(frozen=True)
class Domain:
    """The EIP-712 domain of one ledger deployment."""

    chain_id: int
    contract: str

    def as_dict(self) -> dict[str, Any]:
        """The ``domain`` member of the typed data."""
        return {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": self.chain_id,
            "verifyingContract": self.contract,
        }


@dataclass(frozen=True)
class EnvelopeRequest:
    """One page request: ``requester`` asks ``issuer`` for its envelopes after row ``after``."""

    requester: str
    issuer: str
    after: int
    limit: int
    timestamp: int
    nonce: bytes

    @classmethod
    def new(cls, requester: str, issuer: str, after: int, limit: int) -> EnvelopeRequest:
        """A request stamped now with a fresh random nonce."""
        return cls(requester, issuer, after, limit, int(time.time()), os.urandom(32))

    def typed_data(self, domain: Domain) -> dict[str, Any]:
        """The EIP-712 full message."""
        return {
            "types": TYPES,
            "primaryType": "EnvelopeRequest",
            "domain": domain.as_dict(),
            "message": {
                "requester": self.requester,
                "issuer": self.issuer,
                "after": self.after,
                "limit": self.limit,
                "timestamp": self.timestamp,
                "nonce": self.nonce,
            },
        }

    def sign(self, signer: Signer, domain: Domain) -> dict[str, str]:
        """The request's headers, signed by ``signer``."""
        signature = signer.sign_typed_data(self.typed_data(domain))
        return {
            REQUESTER: self.requester,
            TIMESTAMP: str(self.timestamp),
            NONCE: "0x" + self.nonce.hex(),
            SIGNATURE: "0x" + signature.hex(),
        }

    def signer_address(self, domain: Domain, signature: bytes) -> str:
        """The address that signed this request (:class:`ExchangeRefusedError` for a malformed signature)."""
        try:
            return str(
                Account.recover_message(encode_typed_data(full_message=self.typed_data(domain)), signature=signature)
            )
        except Exception as exc:  # eth-keys raises several types for a malformed signature
            raise ExchangeRefusedError("bad-signature", f"the request's signature does not verify: {exc}") from None


def parse_headers(headers: Mapping[str, str], issuer: str, after: int, limit: int) -> tuple[EnvelopeRequest, bytes]:
    """The request and signature carried by ``headers`` (:class:`ExchangeRefusedError` when absent or malformed)."""
    missing = [name for name in (REQUESTER, TIMESTAMP, NONCE, SIGNATURE) if not headers.get(name)]
    if missing:
        raise ExchangeRefusedError("bad-signature", f"an envelope request carries {', '.join(missing)}: missing")
    requester = headers[REQUESTER].strip().upper()
    try:
        timestamp = int(headers[TIMESTAMP])
        nonce = _hex(headers[NONCE], 32)
        signature = _hex(headers[SIGNATURE], 65)
    except ValueError as exc:
        raise ExchangeRefusedError("bad-signature", f"malformed envelope request header: {exc}") from None
    if len(requester) != 2 or not requester.isalpha() or not 0 <= timestamp < 2**64:
        raise ExchangeRefusedError("bad-signature", f"malformed {REQUESTER} or {TIMESTAMP} header")
    return EnvelopeRequest(requester, issuer, after, limit, timestamp, nonce), signature


def _hex(value: str, length: int) -> bytes:
    text = value.strip()
    raw = bytes.fromhex(text[2:] if text[:2].lower() == "0x" else text)
    if len(raw) != length:
        raise ValueError(f"expected {length} bytes, got {len(raw)}")
    return raw
