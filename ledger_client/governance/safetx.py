"""Safe transactions (Safe 1.4.1): the EIP-712 ``SafeTx``, its hash, owners' signatures.

An owner signs the EIP-712 typed data of a :class:`SafeTx` (domain: chain id and the Safe's address)
with its own key; ``execTransaction`` takes the signatures sorted by owner address, each
``r ‖ s ‖ v`` with v = 27 or 28 (an ECDSA signature of the safeTxHash).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import encode as abi_encode
from eth_keys.datatypes import Signature
from eth_keys.exceptions import BadSignature
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from ledger_client.governance.errors import NotAnOwnerError
from ledger_client.signers import Signer

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
CALL = 0
SIGNATURE_BYTES = 65

DOMAIN_TYPE = [{"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}]
SAFE_TX_TYPE = [
    {"name": "to", "type": "address"},
    {"name": "value", "type": "uint256"},
    {"name": "data", "type": "bytes"},
    {"name": "operation", "type": "uint8"},
    {"name": "safeTxGas", "type": "uint256"},
    {"name": "baseGas", "type": "uint256"},
    {"name": "gasPrice", "type": "uint256"},
    {"name": "gasToken", "type": "address"},
    {"name": "refundReceiver", "type": "address"},
    {"name": "nonce", "type": "uint256"},
]
DOMAIN_TYPEHASH = keccak(text="EIP712Domain(uint256 chainId,address verifyingContract)")
SAFE_TX_TYPEHASH = keccak(
    text="SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 baseGas,"
    "uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)"
)


@dataclass(frozen=True)
class SafeTx:
    """One Safe transaction: a call of ``to`` with ``data`` at Safe nonce ``nonce``; no refund (the executor pays)."""

    chain_id: int
    safe: str
    to: str
    data: bytes
    nonce: int
    value: int = 0
    operation: int = CALL
    safe_tx_gas: int = 0
    base_gas: int = 0
    gas_price: int = 0
    gas_token: str = ZERO_ADDRESS
    refund_receiver: str = ZERO_ADDRESS

    def domain_separator(self) -> bytes:
        """The Safe's EIP-712 domain separator (what ``domainSeparator()`` returns on chain)."""
        return keccak(
            abi_encode(
                ["bytes32", "uint256", "address"], [DOMAIN_TYPEHASH, self.chain_id, to_checksum_address(self.safe)]
            )
        )

    def struct_hash(self) -> bytes:
        """``hashStruct(SafeTx)``."""
        values = [SAFE_TX_TYPEHASH, *self._fields(keccak(self.data)), self.nonce]
        types = ["bytes32", "address", "uint256", "bytes32", "uint8", "uint256", "uint256", "uint256", "address"]
        return keccak(abi_encode([*types, "address", "uint256"], values))

    def safe_tx_hash(self) -> bytes:
        """The safeTxHash owners sign (what ``getTransactionHash(…)`` returns on chain)."""
        return keccak(b"\x19\x01" + self.domain_separator() + self.struct_hash())

    def typed_data(self) -> dict[str, Any]:
        """The EIP-712 typed data of this transaction (what a wallet shows an owner before signing)."""
        return {
            "types": {"EIP712Domain": DOMAIN_TYPE, "SafeTx": SAFE_TX_TYPE},
            "primaryType": "SafeTx",
            "domain": {"chainId": self.chain_id, "verifyingContract": to_checksum_address(self.safe)},
            "message": {
                "to": to_checksum_address(self.to),
                "value": self.value,
                "data": self.data,
                "operation": self.operation,
                "safeTxGas": self.safe_tx_gas,
                "baseGas": self.base_gas,
                "gasPrice": self.gas_price,
                "gasToken": to_checksum_address(self.gas_token),
                "refundReceiver": to_checksum_address(self.refund_receiver),
                "nonce": self.nonce,
            },
        }

    def exec_arguments(self, signatures: bytes) -> list[Any]:
        """The arguments of ``execTransaction`` with the packed ``signatures``."""
        return [*self._fields(self.data), signatures]

    def _fields(self, data: bytes) -> list[Any]:
        """The transaction's fields but the nonce, in the contract's order, with ``data`` as given
        (the hash of the calldata for ``hashStruct``, the calldata for ``execTransaction``)."""
        return [
            to_checksum_address(self.to),
            self.value,
            data,
            self.operation,
            self.safe_tx_gas,
            self.base_gas,
            self.gas_price,
            to_checksum_address(self.gas_token),
            to_checksum_address(self.refund_receiver),
        ]


def sign(transaction: SafeTx, signer: Signer) -> bytes:
    """``signer``'s EIP-712 signature of ``transaction`` (65 bytes, v = 27 or 28), checked by recovery."""
    signature = signer.sign_typed_data(transaction.typed_data())
    if recover(transaction.safe_tx_hash(), signature) != signer.address:
        raise AssertionError("the EIP-712 signature does not recover to its signer")  # pragma: no cover
    return signature


def recover(safe_tx_hash: bytes, signature: bytes) -> str:
    """The address whose key made ``signature`` of ``safe_tx_hash``; :class:`NotAnOwnerError` when it is malformed."""
    if len(signature) != SIGNATURE_BYTES or signature[64] not in (27, 28):
        raise NotAnOwnerError(f"a signature must be 65 bytes r ‖ s ‖ v with v 27 or 28, got {len(signature)} bytes")
    r, s, v = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big"), signature[64] - 27
    try:
        public = Signature(vrs=(v, r, s)).recover_public_key_from_msg_hash(safe_tx_hash)
    except (BadSignature, ValueError) as exc:
        raise NotAnOwnerError(f"a signature does not recover to any key: {exc}") from exc
    return str(public.to_checksum_address())


def pack(signatures: Mapping[str, bytes]) -> bytes:
    """The ``signatures`` argument of ``execTransaction``: owner -> signature, sorted by owner address."""
    ordered = sorted(signatures.items(), key=lambda item: int(item[0], 16))
    return b"".join(signature for _owner, signature in ordered)
