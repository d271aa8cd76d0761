"""Where a network's files live (``DIR``, default ``./aeo-network``) and which ports it uses::

DIR/network.json                 the node's and gateways' URLs (written by ``network up``)
DIR/node/                        the node's durable chain (journal, snapshots)
DIR/node.pid, DIR/node.log       the node process
DIR/deployments/local.json       the deployment manifest
DIR/governance/keystores/        the Safe owners' governance keys, one per administration (<CODE>.json +
                                 .password), or with --governance-key the designated key (governance.json)
DIR/governance/safe.json         the governance Safe: its address, singleton, factory, owners, threshold
DIR/seed/demo-seed.json          what was seeded (seeding resumes from it; never seeds twice)
DIR/gateways/<CODE>/             one gateway's state directory: keystores/<CODE>.json (+ .password),
                                 deployments/local.json, index.sqlite, tokens.sqlite, idempotency.sqlite,
                                 webhooks.sqlite, documents/, tokens.json (its tokens' secrets, mode 0600)
DIR/gateway-<CODE>.pid, DIR/gateway-<CODE>.log   the gateway process
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger_client.errors import LedgerError

DEFAULT_DIR = Path("aeo-network")
DEFAULT_RPC_PORT = 8545
DEFAULT_FIRST_GATEWAY_PORT = 8001
HOST = "127.0.0.1"
DEPLOYMENT = "local"
#: The node's realtime block period under ``up`` (``--block-period-ms``): a development network seals a
#: change within this of its arrival (anvil and Hardhat seal at once), where whole-second blocks (1000,
#: production QBFT's least period) hold every other change of a two-a-second stream up to a second.
#: Measured (benchmarks.network, 200 changes at 2/s, 2 cores otherwise idle): propagation p99 967 ms at
#: 1000, 193 ms at 100; five gateways' writes 24.5/s and 22.3/s (loaded: 250 ms gave 400 ms, 50 ms 282 ms).
NETWORK_BLOCK_PERIOD_MS = 100
TOKENS_FILE = "tokens.json"


class NetworkError(LedgerError):
    """The network cannot be brought up, stopped or read as asked."""


@dataclass(frozen=True)
class Ports:
    """The node's JSON-RPC port and each gateway's port, by administration code."""

    rpc: int
    gateways: dict[str, int]

    @classmethod
    def default(cls, codes: tuple[str, ...]) -> Ports:
        """8545 and 8001, 8002 … in code order."""
        return cls(DEFAULT_RPC_PORT, {code: DEFAULT_FIRST_GATEWAY_PORT + i for i, code in enumerate(codes)})


@dataclass(frozen=True)
class Layout:
    """The paths of one network directory."""

    root: Path

    @property
    def manifest_file(self) -> Path:
        return self.root / "network.json"

    @property
    def node_dir(self) -> Path:
        return self.root / "node"

    @property
    def deployments_dir(self) -> Path:
        return self.root / "deployments"

    @property
    def governance_keystores(self) -> Path:
        return self.root / "governance" / "keystores"

    @property
    def safe_file(self) -> Path:
        return self.root / "governance" / "safe.json"

    @property
    def seed_dir(self) -> Path:
        return self.root / "seed"

    def gateway_dir(self, code: str) -> Path:
        """The state directory of ``code``'s gateway."""
        return self.root / "gateways" / code

    def tokens_file(self, code: str) -> Path:
        """``code``'s gateway's token secrets."""
        return self.gateway_dir(code) / TOKENS_FILE

    def pid_file(self, name: str) -> Path:
        """``node.pid`` or ``gateway-<CODE>.pid``."""
        return self.root / f"{name}.pid"

    def log_file(self, name: str) -> Path:
        """``node.log`` or ``gateway-<CODE>.log``."""
        return self.root / f"{name}.log"

    def write_manifest(self, rpc_url: str, gateways: dict[str, str]) -> None:
        """Record the URLs (what ``network status`` and ``down`` read)."""
        data = {"rpc_url": rpc_url, "gateways": gateways}
        temporary = self.manifest_file.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(data, indent=1) + "\n")
        temporary.replace(self.manifest_file)

    def read_manifest(self) -> dict[str, Any]:
        """What ``network up`` recorded; :class:`NetworkError` when the directory holds no network."""
        try:
            data: dict[str, Any] = json.loads(self.manifest_file.read_text())
        except FileNotFoundError as exc:
            raise NetworkError(
                f"{self.root} holds no network (no {self.manifest_file.name}): run 'network up'"
            ) from exc
        except (OSError, ValueError) as exc:
            raise NetworkError(f"cannot read {self.manifest_file}: {exc}") from exc
        return data


def gateway_name(code: str) -> str:
    """The process name of ``code``'s gateway (pid and log files)."""
    return f"gateway-{code}"
