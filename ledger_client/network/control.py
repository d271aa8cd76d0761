"""``network up`` / ``down`` / ``status``: start, stop and read the node and the gateways."""

from __future__ import annotations

import functools
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from ledger_client.demo import CODES, DEFAULT_CERTIFICATES
from ledger_client.demo.history import rewind_new_chain
from ledger_client.network.layout import (
    DEPLOYMENT,
    HOST,
    NETWORK_BLOCK_PERIOD_MS,
    Layout,
    NetworkError,
    Ports,
    gateway_name,
)
from ledger_client.network.processes import (
    child_environment,
    running_pid,
    start_process,
    stop_process,
    stop_processes,
    tail,
)
from ledger_client.network.provision import governance_ledger, prepare_gateway, seed_network

Log = Callable[[str], None]
NODE = "node"
#: Bounds of the waits of ``up`` (a node replaying a long journal, a gateway indexing the chain).
NODE_START_SECONDS = 120.0
GATEWAY_START_SECONDS = 180.0
_POLL = 0.2
#: How often a gateway asks the node for a new block (``AEO_LEDGER_INDEX_POLL_SECONDS``): the node is
#: local, an ``eth_blockNumber`` costs it well under a millisecond, and a partner's event shows on the
#: other gateways' streams and webhooks within this interval of its block.
GATEWAY_INDEX_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class GatewayUp:
    """A running gateway: its administration, URL and tokens."""

    code: str
    url: str
    tokens_file: str
    tokens: dict[str, str]


@dataclass(frozen=True)
class NetworkUp:
    """What ``up`` brought up."""

    rpc_url: str
    gateways: tuple[GatewayUp, ...]
    seeded_now: bool
    governance: str


def rpc_block(url: str, timeout: float = 3.0) -> int:
    """The node's head block (``eth_blockNumber``); :class:`httpx.HTTPError` or ValueError when it does not answer."""
    response = httpx.post(
        url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}, timeout=timeout
    )
    response.raise_for_status()
    return int(response.json()["result"], 16)


def _wait(name: str, layout: Layout, probe: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if probe():
            return
        if running_pid(layout.pid_file(name)) is None:
            raise NetworkError(
                f"{name} exited while starting; the end of {layout.log_file(name)}:\n{tail(layout.log_file(name))}"
            )
        time.sleep(_POLL)
    raise NetworkError(f"{name} did not become ready within {seconds:.0f} s; see {layout.log_file(name)}")


def _answers(check: Callable[[], object]) -> Callable[[], bool]:
    def probe() -> bool:
        try:
            check()
        except (httpx.HTTPError, ValueError, KeyError):
            return False
        return True

    return probe


def require_free(port: int, what: str, option: str) -> None:
    """:class:`NetworkError` when ``port`` is taken on 127.0.0.1 (so that no other server is mistaken for ours)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind: TIME_WAIT is no use
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            raise NetworkError(
                f"port {port} of the {what} is in use on {HOST} ({exc.strerror}): stop what holds it or choose {option}"
            ) from exc


def check_ports(layout: Layout, ports: Ports) -> None:
    """Every port of a process ``up`` will start must be free."""
    if running_pid(layout.pid_file(NODE)) is None:
        require_free(ports.rpc, "node", "another --rpc-port")
    for code, port in ports.gateways.items():
        if running_pid(layout.pid_file(gateway_name(code))) is None:
            require_free(port, f"{code} gateway", "other --gateway-ports")


def start_node(
    layout: Layout, port: int, log: Log, block_mode: str | None = None, block_period_ms: int = NETWORK_BLOCK_PERIOD_MS
) -> str:
    """The node's JSON-RPC URL, starting the node (in ``block_mode``, default realtime, with a realtime
    ``block_period_ms``) unless it already runs."""
    url = f"http://{HOST}:{port}"
    name = NODE
    if running_pid(layout.pid_file(name)) is not None:
        recorded = layout.read_manifest().get("rpc_url", url) if layout.manifest_file.exists() else url
        log(f"node already running ({recorded}; its block period stays what it was started with)")
        return str(recorded)
    layout.node_dir.mkdir(parents=True, exist_ok=True)
    if not any(layout.node_dir.iterdir()):
        rewind_new_chain(layout.node_dir)  # a new chain starts a year back: the seeding writes its past
    arguments = [
        "node",
        "--data-dir",
        str(layout.node_dir),
        "--host",
        HOST,
        "--port",
        str(port),
        "--log-level",
        "WARNING",
        *(["--block-mode", block_mode] if block_mode else []),
        "--block-period-ms",
        str(block_period_ms),
    ]
    info = start_process(arguments, layout.pid_file(name), layout.log_file(name), child_environment({}))
    log(f"node started (pid {info.pid}), JSON-RPC {url}")
    _wait(name, layout, _answers(lambda: rpc_block(url)), NODE_START_SECONDS)
    return url


def start_gateway(layout: Layout, code: str, rpc_url: str, port: int, log: Log) -> str:
    """``code``'s gateway URL, starting it unless it already runs."""
    name = gateway_name(code)
    url = f"http://{HOST}:{port}"
    if running_pid(layout.pid_file(name)) is not None:
        log(f"{code} gateway already running")
        return str(layout.read_manifest().get("gateways", {}).get(code, url))
    state = layout.gateway_dir(code)
    env = child_environment(
        {
            "AEO_LEDGER_ADMINISTRATION": code,
            "AEO_LEDGER_STATE_DIR": str(state),
            "AEO_LEDGER_DEPLOYMENTS_DIR": str(state / "deployments"),
            "AEO_LEDGER_INDEX_POLL_SECONDS": str(GATEWAY_INDEX_POLL_SECONDS),
            "AEO_LEDGER_EXCHANGE_URL": url,  # published on-chain with the gateway's exchange key
            # no pre-flight unless the gateway's index doubts the write, the static gas models (the node is
            # this machine's own, its gas worthless): gateways of a priced chain keep estimating (auto)
            "AEO_LEDGER_GAS_STRATEGY": "optimistic",
        }
    )
    arguments = ["serve", "--rpc-url", rpc_url, "--deployment", DEPLOYMENT, "--host", HOST, "--port", str(port)]
    info = start_process(arguments, layout.pid_file(name), layout.log_file(name), env)
    log(f"{code} gateway started (pid {info.pid}) on {url}")
    return url


def up(
    layout: Layout,
    ports: Ports,
    *,
    certificates: int = DEFAULT_CERTIFICATES,
    log: Log,
    designated_governance_key: bool = False,
    block_mode: str | None = None,
    block_period_ms: int = NETWORK_BLOCK_PERIOD_MS,
) -> NetworkUp:
    """Bring the network up (reusing whatever ``layout`` already holds) and wait until every gateway is ready.

    A new network's governance is a Safe of the administrations' governance keys unless
    ``designated_governance_key`` (development mode: one key); see :mod:`ledger_client.network.governance`.
    ``block_mode`` is the node's (``realtime`` by default; ``instant`` seals every transaction at once, the
    chain then running ahead of the wall clock under load: for measurements), when ``up`` starts it;
    ``block_period_ms`` its realtime block period (below 1000: several blocks a second, development only).
    """
    check_ports(layout, ports)
    layout.root.mkdir(parents=True, exist_ok=True)
    rpc_url = start_node(layout, ports.rpc, log, block_mode, block_period_ms)
    with governance_ledger(layout, rpc_url, designated_key=designated_governance_key, log=log) as ledger:
        seed = seed_network(ledger, layout, certificates=certificates, log=log)
        governance = ledger.administrations.governance()
    tokens = {code: prepare_gateway(layout, code) for code in CODES}
    urls = {code: start_gateway(layout, code, rpc_url, ports.gateways[code], log) for code in CODES}
    layout.write_manifest(rpc_url, urls)
    for code, url in urls.items():
        _wait(gateway_name(code), layout, _answers(functools.partial(_ready, url)), GATEWAY_START_SECONDS)
    gateways = tuple(GatewayUp(code, urls[code], str(layout.tokens_file(code)), tokens[code]) for code in CODES)
    return NetworkUp(rpc_url, gateways, seeded_now=not seed.already_seeded, governance=governance)


def _ready(url: str) -> None:
    response = httpx.get(f"{url}/ready", timeout=3.0)
    response.raise_for_status()


@dataclass(frozen=True)
class GatewayStatus:
    """One line of ``network status``."""

    name: str
    url: str
    pid: int | None
    state: str
    chain_block: int | None
    index_block: int | None
    lag_blocks: int | None


def status(layout: Layout) -> list[GatewayStatus]:
    """The node and each gateway: running?, ready?, blocks and lag (from each gateway's ``/ready``)."""
    manifest = layout.read_manifest()
    rpc_url = str(manifest["rpc_url"])
    node_pid = running_pid(layout.pid_file(NODE))
    try:
        head: int | None = rpc_block(rpc_url)
        node_state = "running"
    except (httpx.HTTPError, ValueError, KeyError):
        head, node_state = None, "not answering" if node_pid else "stopped"
    lines = [GatewayStatus(NODE, rpc_url, node_pid, node_state, head, None, None)]
    for code, url in dict(manifest.get("gateways", {})).items():
        lines.append(_gateway_status(code, str(url), running_pid(layout.pid_file(gateway_name(code)))))
    return lines


def _gateway_status(code: str, url: str, pid: int | None) -> GatewayStatus:
    try:
        response = httpx.get(f"{url}/ready", timeout=3.0)
        body = response.json()
    except (httpx.HTTPError, ValueError):
        return GatewayStatus(code, url, pid, "not answering" if pid else "stopped", None, None, None)
    chain, indexed = body.get("chain_block"), body.get("index_block")
    lag = body.get("lag_blocks")
    if lag is None and isinstance(chain, int) and isinstance(indexed, int):
        lag = max(0, chain - indexed)
    state = "ready" if response.status_code == 200 else str(body.get("title") or f"HTTP {response.status_code}")
    return GatewayStatus(code, url, pid, state, chain, indexed, lag)


def down(layout: Layout, *, timeout: float, log: Log) -> None:
    """SIGTERM the gateways, then the node, each waited for at most ``timeout`` seconds."""
    gateways = {layout.pid_file(gateway_name(code)): gateway_name(code) for code in CODES}
    for pid_file, outcome in stop_processes(list(gateways), timeout).items():
        log(f"{gateways[pid_file]}: {outcome}")
    log(f"{NODE}: {stop_process(layout.pid_file(NODE), timeout)}")
