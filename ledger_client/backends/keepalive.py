"""A lean HTTP transport for web3's :class:`~web3.HTTPProvider`: one kept-alive ``http.client``
connection per thread.

web3 posts every JSON-RPC call through a ``requests`` session, which for each call merges the
environment's proxy and ``.netrc`` settings (file-system look-ups), prepares the request through
its hooks and adapters, and keeps at most 10 pooled connections (a gateway's dozens of request
threads then open and drop connections). Measured on the development machine against the
durable node: 0.85 ms of CPU per call through ``requests``, 0.17 ms through a kept-alive
``http.client`` connection; a gateway makes tens of calls per write (pre-flight, nonce, send,
receipt, the index's polls). :class:`KeepAliveSession` is what ``HTTPProvider(session=…)`` is
given for plain ``http://`` URLs that no proxy or ``.netrc`` entry covers (:func:`keepalive_session`;
``https://`` and the rest keep ``requests``).

It behaves as the ``requests`` session did for web3: the same exception types (so web3's retry
of idempotent methods on HTTP errors and timeouts is unchanged, and the backend's guard still sees
an :class:`OSError`), ``raise_for_status`` on 4xx/5xx, the request's timeout. A request is never
sent twice: a connection the server closed while it was idle is noticed before the request goes
out (as urllib3 does) and replaced; a failure after that raises.
"""

from __future__ import annotations

import http.client
import select
import socket
import threading
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.utils import get_environ_proxies, get_netrc_auth

#: ``requests``' default when a call gives no timeout.
DEFAULT_TIMEOUT = 30.0


class KeepAliveResponse:
    """What web3's session manager reads of a response: ``content`` and ``raise_for_status``."""

    def __init__(self, url: str, status: int, reason: str, content: bytes) -> None:
        self.url = url
        self.status_code = status
        self.reason = reason
        self.content = content

    def raise_for_status(self) -> None:
        """:class:`requests.HTTPError` on a 4xx or 5xx status, as ``requests`` raises it."""
        if 400 <= self.status_code < 600:
            kind = "Client" if self.status_code < 500 else "Server"
            raise requests.HTTPError(f"{self.status_code} {kind} Error: {self.reason} for url: {self.url}")

    def __enter__(self) -> KeepAliveResponse:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None


class KeepAliveSession:
    """POSTs to one ``http://host:port`` over a kept-alive connection per thread (thread-safe).

    Args:
        url: the endpoint (``http://`` only).
    """

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"KeepAliveSession serves plain http:// URLs, not {url!r}")
        self._url = url
        self._host = parts.hostname
        self._port = parts.port or 80
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[http.client.HTTPConnection] = []

    def post(
        self,
        url: str,
        data: bytes | str | None = None,
        *,
        headers: dict[str, str] | None = None,
        timeout: float | tuple[float, float] | None = None,
        **_ignored: Any,
    ) -> KeepAliveResponse:
        """POST ``data``; the response read whole. Raises ``requests``' exception types."""
        connect_timeout, read_timeout = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        body = data.encode() if isinstance(data, str) else (data or b"")
        connection = self._connection(connect_timeout if connect_timeout is not None else DEFAULT_TIMEOUT)
        if connection.sock is None:
            try:
                connection.connect()
            except TimeoutError as exc:
                connection.close()
                raise requests.ConnectTimeout(f"{self._url}: {exc}") from exc
            except OSError as exc:
                connection.close()
                raise requests.ConnectionError(f"{self._url}: {type(exc).__name__}: {exc}") from exc
        try:
            assert connection.sock is not None
            connection.sock.settimeout(read_timeout if read_timeout is not None else DEFAULT_TIMEOUT)
            connection.request("POST", self._path, body=body, headers=headers or {})
            answer = connection.getresponse()
            content = answer.read()
        except TimeoutError as exc:
            connection.close()
            raise requests.ReadTimeout(f"{self._url}: {exc}") from exc
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            raise requests.ConnectionError(f"{self._url}: {type(exc).__name__}: {exc}") from exc
        if answer.will_close:
            connection.close()
        return KeepAliveResponse(url, answer.status, answer.reason, content)

    def _connection(self, connect_timeout: float) -> http.client.HTTPConnection:
        """This thread's connection; a new one when the server closed it while it was idle."""
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = http.client.HTTPConnection(self._host, self._port, timeout=connect_timeout)
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        elif connection.sock is not None and _dropped(connection.sock):
            connection.close()  # the next request opens a new one: nothing was sent on this
        connection.timeout = connect_timeout
        return connection

    def close(self) -> None:
        """Close every thread's connection (they reopen if used again)."""
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()

    def __enter__(self) -> KeepAliveSession:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def _dropped(sock: socket.socket) -> bool:
    """Whether an idle kept-alive socket was closed by the server (readable: EOF or an error)."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def keepalive_session(url: str) -> KeepAliveSession | None:
    """The lean session for ``url``, or None where ``requests`` must stay (``https://``, a proxy or a
    ``.netrc`` entry for it, credentials in the URL)."""
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.username or parts.password:
        return None
    if get_environ_proxies(url) or get_netrc_auth(url):
        return None
    return KeepAliveSession(url)


__all__ = ["DEFAULT_TIMEOUT", "KeepAliveResponse", "KeepAliveSession", "keepalive_session"]
