"""The process's one settings object: the library's :class:`~ledger_client.settings.Settings`
extended with what the API needs (same ``AEO_LEDGER_`` environment prefix).

Every file the API keeps lives in the *state directory*: ``data_dir`` when the chain is the
embedded durable node, else ``state_dir`` (default ``./aeo-data``)::

    <state>/index.sqlite          read model (can be deleted; rebuilt from the chain)
    <state>/tokens.sqlite         API tokens (hashed)
    <state>/idempotency.sqlite    Idempotency-Key replays
    <state>/webhooks.sqlite       webhook outbox: endpoints (with their secrets), deliveries, attempt log
    <state>/keystores/<CODE>.json administrations' encrypted signer keys (+ <CODE>.password)
    <state>/agency-reads.sqlite   the requests of agency tokens, per administration
    <state>/envelopes.sqlite      gateway mode: envelopes made for MRA partners, request nonces, refusals
    <state>/received-envelopes.sqlite  gateway mode: partners' documents received, trader identifiers
    <state>/exchange/keys/        gateway mode: the X25519 exchange keys (files of mode 0600)

With ``administration`` set (``AEO_LEDGER_ADMINISTRATION=CR``) the process is that administration's
*gateway* (:mod:`api.gateway`): its own key only, tokens of that administration (and auditors) only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from ledger_client.settings import Settings

DEFAULT_STATE_DIR = Path("aeo-data")
#: ``npm ci`` at the repository's root puts package.json's packages here.
REPOSITORY_NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"


class ApiSettings(Settings):
    """Settings of the API server (env prefix ``AEO_LEDGER_``, e.g. ``AEO_LEDGER_PORT=8080``)."""

    administration: str | None = Field(
        default=None,
        description="gateway mode: serve this one administration (ISO alpha-2) with its own key only",
    )
    host: str = Field(default="127.0.0.1", description="address uvicorn binds")
    port: int = Field(default=8000, ge=1, le=65535)
    state_dir: Path | None = Field(default=None, description="API state when not using data_dir (RPC mode)")
    index_path: Path | None = Field(default=None, description="SQLite read model; default <state>/index.sqlite")
    tokens_path: Path | None = Field(default=None, description="token store; default <state>/tokens.sqlite")
    idempotency_path: Path | None = Field(default=None, description="default <state>/idempotency.sqlite")
    keystores_dir: Path | None = Field(default=None, description="signer keystores; default <state>/keystores")
    index_poll_seconds: float = Field(default=0.2, gt=0, description="background index follow interval")
    worker_threads: int = Field(
        default=128,
        ge=8,
        le=1024,
        description="requests served at once (a write holds a thread until its block is sealed: on a chain "
        "whose blocks follow the clock, concurrent writers share a block only if they hold a thread each)",
    )
    index_wait_seconds: float = Field(default=30.0, gt=0, description="how long a write waits for the index")
    ready_max_lag_blocks: int = Field(default=5, ge=0, description="/ready fails when the index lags more")
    max_batch_size: int = Field(default=1000, ge=1, le=10_000, description="certificates per batch request")
    sse_poll_seconds: float = Field(default=0.5, gt=0, description="how often the SSE stream polls the index")
    shutdown_grace_seconds: int = Field(
        default=3, ge=1, le=60, description="on Ctrl-C, requests still running after this many seconds are cancelled"
    )
    console_session_idle_seconds: float = Field(default=1800, gt=0, description="console sign-out after idling")
    console_session_max_seconds: float = Field(default=8 * 3600, gt=0, description="console session lifetime")
    console_secure_cookie: bool = Field(default=False, description="mark the console cookie Secure (behind HTTPS)")
    console_node_modules: Path = Field(
        default=REPOSITORY_NODE_MODULES,
        description="the npm packages of package.json (installed by scripts/bootstrap.sh): the console serves "
        "the pinned jsQR from there; without it the credential page still verifies pasted and uploaded text",
    )
    credential_verify_rate: str = Field(
        default="30/minute",
        pattern=r"^\d+\s*(/|per)\s*\d*\s*(second|minute|hour|day)s?$",
        description="public credential verifications allowed per client address (API and console together)",
    )
    webhooks_path: Path | None = Field(default=None, description="webhook outbox; default <state>/webhooks.sqlite")
    agency_reads_path: Path | None = Field(
        default=None, description="agency tokens' read log; default <state>/agency-reads.sqlite"
    )
    webhook_delivery: bool = Field(default=True, description="run the webhook delivery worker in the API process")
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=120, description="per-request timeout")
    webhook_max_attempts: int = Field(default=8, ge=1, le=100, description="attempts before a delivery fails")
    webhook_backoff_seconds: float = Field(default=2.0, gt=0, description="nominal wait after a first failure")
    webhook_backoff_max_seconds: float = Field(default=3600.0, gt=0, description="longest wait between attempts")
    webhook_concurrency: int = Field(default=16, ge=1, le=256, description="deliveries in flight at once")
    webhook_endpoint_concurrency: int = Field(default=4, ge=1, le=256, description="in flight per endpoint")
    webhook_poll_seconds: float = Field(default=1.0, gt=0, description="longest sleep of the worker between cycles")
    webhook_secret_grace_seconds: float = Field(
        default=86_400.0, ge=0, description="how long a rotated-out secret still signs (default one day)"
    )
    webhook_replay_max: int = Field(default=10_000, ge=1, description="events one replay request queues at most")
    webhook_shutdown_seconds: float = Field(default=5.0, gt=0, description="bound on stopping the worker")
    webhook_retention_days: float = Field(
        default=30.0, gt=0, description="delivered webhooks (and their log) are purged after this long"
    )
    exchange_url: str | None = Field(
        default=None,
        description="gateway mode: this gateway's URL as partners reach it, published on-chain with its exchange key",
    )
    exchange_poll_seconds: float = Field(
        default=5.0, gt=0, description="how often the gateway fetches its envelopes from its MRA partners' gateways"
    )
    exchange_round_seconds: float = Field(
        default=0.5,
        ge=0,
        le=60,
        description="least time between two exchange rounds woken by the index: the envelopes of the blocks "
        "that land meanwhile travel in one request per partner instead of one a block",
    )
    exchange_window_seconds: float = Field(
        default=300.0, gt=0, le=3600, description="envelope requests signed further from this clock are refused"
    )
    log_level: str = Field(default="info")
    log_format: Literal["json", "text"] = Field(
        default="json", description="json: one JSON object a line (with the request id); text: plain lines"
    )
    access_log: bool = Field(
        default=True, description="one access-log line per request (api.access; never a token, never a query)"
    )

    @field_validator("administration")
    @classmethod
    def _administration_code(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        code = value.strip().upper()
        if len(code) != 2 or not code.isascii() or not code.isalpha():
            raise ValueError(f"AEO_LEDGER_ADMINISTRATION must be an ISO 3166-1 alpha-2 code, got {value!r}")
        return code

    def state_directory(self) -> Path:
        """Where the API's files live (``data_dir``, else ``state_dir``, else ``./aeo-data``)."""
        if self.rpc_url is None and self.data_dir is not None:
            return self.data_dir
        return self.state_dir or self.data_dir or DEFAULT_STATE_DIR

    def index_file(self) -> Path:
        """The SQLite read model."""
        return self.index_path or self.state_directory() / "index.sqlite"

    def tokens_file(self) -> Path:
        """The API token store (the CLI's ``aeo-ledger token …`` opens the same file)."""
        return self.tokens_path or self.state_directory() / "tokens.sqlite"

    def idempotency_file(self) -> Path:
        """The Idempotency-Key store."""
        return self.idempotency_path or self.state_directory() / "idempotency.sqlite"

    def webhooks_file(self) -> Path:
        """The webhook outbox."""
        return self.webhooks_path or self.state_directory() / "webhooks.sqlite"

    def agency_reads_file(self) -> Path:
        """The agency-read log."""
        return self.agency_reads_path or self.state_directory() / "agency-reads.sqlite"

    def envelopes_file(self) -> Path:
        """The envelopes this gateway made for its MRA partners."""
        return self.state_directory() / "envelopes.sqlite"

    def received_envelopes_file(self) -> Path:
        """The documents this gateway received from its MRA partners, and their trader identifiers."""
        return self.state_directory() / "received-envelopes.sqlite"

    def keystores_directory(self) -> Path:
        """Where each administration's signer keystore is read."""
        return self.keystores_dir or self.state_directory() / "keystores"
