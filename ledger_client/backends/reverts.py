"""Revert data as the backends report it: JSON-RPC error objects and eth-tester's messages.

Each backend decodes its own failures with one of these (:meth:`RpcBackend.revert_data`,
:meth:`InMemoryBackend.revert_data`); no eth-tester import is needed to parse its message.
"""

from __future__ import annotations

import ast


def rpc_revert_data(exc: BaseException) -> bytes | None:
    """The revert data a web3 exception carries from a JSON-RPC error (``data``), if any."""
    data = getattr(exc, "data", None)
    if isinstance(data, dict):
        data = data.get("data")
    if isinstance(data, bytes):
        return data
    if isinstance(data, str) and data.startswith("0x"):
        try:
            return bytes.fromhex(data[2:])
        except ValueError:
            return None
    response = getattr(exc, "rpc_response", None)
    if isinstance(response, dict):
        error = response.get("error")
        if isinstance(error, dict) and isinstance(error.get("data"), str) and error["data"].startswith("0x"):
            return bytes.fromhex(error["data"][2:])
    return None


_TESTER_REVERT_PREFIX = "execution reverted:"


def tester_revert_bytes(message: str) -> bytes | None:
    """The revert data in eth-tester's message, ``"execution reverted: " + repr(data)``.

    py-evm's ``Revert(data)`` is stringified to the repr of its bytes and web3's eth-tester
    provider prefixes it; nothing structured survives. The whole remainder after the prefix must
    be one bytes literal (``b'…'`` or ``b"…"``, whichever quote Python chose): a quote or a
    ``b'`` inside the data (bytes 0x8b 0x27 print as ``\\x8b'``) cannot be mistaken for its start.
    """
    head, found, rest = message.partition(_TESTER_REVERT_PREFIX)
    token = rest.strip() if found else head.strip()
    if not token.startswith(("b'", 'b"')):
        return None
    try:
        value = ast.literal_eval(token)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, bytes) else None


def revert_data(exc: BaseException) -> bytes | None:
    """The revert data of a failure of the in-memory chain: a JSON-RPC-style ``data``, else its message."""
    data = rpc_revert_data(exc)
    if data is not None:
        return data
    return tester_revert_bytes(str(exc.args[0]) if exc.args else "")
