"""Run the API with uvicorn: :func:`serve` (what ``aeo-ledger serve`` calls)."""

from __future__ import annotations

import gc
import logging
from types import FrameType

import uvicorn

from api.config import DEFAULT_STATE_DIR, ApiSettings
from api.logs import logging_config
from api.main import create_app
from api.runtime import Runtime
from api.stopping import Stopping

log = logging.getLogger(__name__)


def effective_settings(settings: ApiSettings | None = None) -> ApiSettings:
    """``settings`` (default: from the environment), with ``data_dir`` defaulted to ``./aeo-data``
    when neither an RPC URL nor a data directory is configured (never an in-memory chain)."""
    chosen = settings or ApiSettings()
    if chosen.rpc_url is None and chosen.data_dir is None:
        chosen = chosen.model_copy(update={"data_dir": DEFAULT_STATE_DIR})
    return chosen


def serve(settings: ApiSettings | None = None, *, runtime: Runtime | None = None) -> None:
    """Serve the API on ``settings.host:settings.port`` (default 127.0.0.1:8000) until interrupted.

    The chain is the embedded durable node in ``settings.data_dir`` (default ``./aeo-data``), or
    the node at ``settings.rpc_url``. Pass an open ``runtime`` to serve it instead (the demo
    seeds through one and then serves it; the caller closes it afterwards). The runtime is
    opened before the server starts, so an unusable data directory or an unreachable node is
    one clear :class:`~ledger_client.errors.LedgerError`, not a server start-up traceback.
    """
    chosen = effective_settings(settings if runtime is None else runtime.settings)
    chosen.apply_environment()
    owned = runtime is None
    opened = Runtime.open(chosen) if runtime is None else runtime
    try:
        app = create_app(chosen, runtime=opened)
        config = uvicorn.Config(
            app,
            host=chosen.host,
            port=chosen.port,
            log_level=chosen.log_level,
            log_config=logging_config(chosen.log_format, chosen.log_level),
            access_log=False,  # the access log is api.access's (request id, principal, duration)
            proxy_headers=False,
            server_header=False,
            # A request still running this long after Ctrl-C is cancelled (streams end sooner: see below).
            timeout_graceful_shutdown=chosen.shutdown_grace_seconds,
        )
        log.info("aeo-ledger API on http://%s:%d (docs at /docs)", chosen.host, chosen.port)
        # Objects alive now (chain, index, app) live as long as the process: move them out of the
        # garbage collector's generations so full collections stay short under load (tail latency).
        gc.collect()
        gc.freeze()
        StoppingServer(config, opened.stopping).run()
    finally:
        if owned:
            opened.close()


class StoppingServer(uvicorn.Server):
    """uvicorn's server, which also sets ``stopping`` the moment a shutdown signal arrives, so that
    open Server-Sent Events streams end and the shutdown is not held up by their connections."""

    def __init__(self, config: uvicorn.Config, stopping: Stopping) -> None:
        super().__init__(config)
        self.stopping = stopping

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.stopping.set()
        super().handle_exit(sig, frame)
