"""What the node's EVM must support: the contracts are compiled for Cancun (solc ``evmVersion``).

A node on an older fork (berlin, london, shanghai …) accepts the deployment, then fails every
call that reaches an opcode it lacks (``NotActivated``). :func:`require_cancun` asks the node
first, with one ``eth_call`` of a few bytes of init code per feature, and names what is missing.
"""

from __future__ import annotations

from typing import Any

from ledger_client.chain import Chain
from ledger_client.errors import ChainUnavailableError, UnsupportedEvmError

#: The EVM version the contracts are compiled for.
REQUIRED_EVM = "cancun"
#: Init code that returns the 32-byte word 1 (MSTORE(0, 1); RETURN(0, 32)), run after each probe.
_RETURN_ONE = "600160005260206000f3"
#: (feature, where it comes from, init code that uses it).
PROBES: tuple[tuple[str, str, str], ...] = (
    ("PUSH0", "EIP-3855, Shanghai", "5f50"),
    ("TSTORE/TLOAD", "EIP-1153, Cancun", "600160005d60005c50"),
    ("MCOPY", "EIP-5656, Cancun", "6000600060005e"),
    ("BLOBBASEFEE", "EIP-7516, Cancun", "4a50"),
)
_ONE = (1).to_bytes(32, "big")


def _supports(chain: Chain, code: str) -> bool:
    request: dict[str, Any] = {"data": "0x" + code + _RETURN_ONE}
    try:
        result = chain.w3.eth.call(request)  # type: ignore[arg-type]
    except OSError as exc:
        raise ChainUnavailableError(f"eth_call: the node cannot be reached ({exc})") from exc
    except Exception:  # the node refused the opcode (NotActivated, invalid opcode, …)
        return False
    return bytes(result) == _ONE


def missing_features(chain: Chain) -> list[str]:
    """The Cancun-era features the node's EVM lacks (empty when it runs Cancun or later)."""
    return [f"{name} ({origin})" for name, origin, code in PROBES if not _supports(chain, code)]


def require_cancun(chain: Chain) -> None:
    """Raise :class:`UnsupportedEvmError` unless the node runs Cancun or later.

    The embedded chains are not probed: their fork is chosen by this package.
    """
    if chain.embedded:
        return
    missing = missing_features(chain)
    if missing:
        raise UnsupportedEvmError(
            f"the node (chain {chain.chain_id}) runs an EVM older than Cancun: it lacks {', '.join(missing)}. "
            "The AEO ledger contracts are compiled for Cancun: enable Cancun or later on the network "
            "(Besu/geth genesis cancunTime, anvil --hardfork cancun) before deploying or connecting"
        )
