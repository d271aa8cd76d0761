"""A running demo's node, found from its data directory: ``<data_dir>/node-rpc.json``.

A durable chain is opened by one process at a time (the data directory's lock), so while the demo
runs, ``aeo-ledger import`` and ``aeo-ledger audit`` cannot open its chain themselves. The demo
therefore serves its node over JSON-RPC on loopback and writes the URL here while it runs;
:func:`ledger_client.cli.common.open_ledger` finds it when the data directory is locked and
connects to that node instead.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

#: The file a running demo writes in its data directory (removed when it stops).
ANNOUNCEMENT = "node-rpc.json"


@contextlib.contextmanager
def announced(data_dir: Path, url: str) -> Iterator[Path]:
    """Publish ``url`` as this process's node in ``data_dir`` for as long as the block runs."""
    path = data_dir / ANNOUNCEMENT
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps({"url": url, "pid": os.getpid()}) + "\n")
    os.replace(temporary, path)
    try:
        yield path
    finally:
        if announced_url(data_dir) == url:
            path.unlink(missing_ok=True)


def announced_url(data_dir: Path) -> str | None:
    """The JSON-RPC URL of the live process serving ``data_dir``'s node, if one announced itself."""
    try:
        data = json.loads((data_dir / ANNOUNCEMENT).read_text())
        url, pid = str(data["url"]), int(data["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)  # still running? (signal 0 only checks)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, another user's
    return url
