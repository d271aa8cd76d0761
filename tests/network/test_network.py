"""``aeo-ledger network``: a node and five gateways as processes on free loopback ports, end to end.

CR's gateway suspends a certificate; PE's gateway sees the event in its feed and on its SSE stream
from its own index of the chain and acknowledges it; CR's gateway shows the acknowledgement and its
latency. A gateway refuses another administration's keystore; ``down`` stops everything and
``up`` again reuses the data and seeds nothing twice.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledger_client.network.layout import NETWORK_BLOCK_PERIOD_MS, Layout

pytestmark = pytest.mark.slow

CODES = ("CL", "CO", "CR", "MX", "PE")
LOOPBACK = "127.0.0.1"


def free_ports(count: int) -> list[int]:
    """``count`` distinct loopback ports that were free a moment ago."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((LOOPBACK, 0))
            sockets.append(sock)
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


def cli(*arguments: str, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ledger_client.cli", *arguments],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


class Network:
    def __init__(self, root: Path) -> None:
        ports = free_ports(6)
        self.layout = Layout(root)
        self.rpc_port, self.gateway_ports = ports[0], dict(zip(CODES, ports[1:], strict=True))
        self.up_arguments = [
            "network", "up", "--dir", str(root), "--rpc-port", str(self.rpc_port),
            "--gateway-ports", ",".join(str(p) for p in self.gateway_ports.values()), "--certificates", "15",
        ]  # fmt: skip

    def up(self) -> subprocess.CompletedProcess[str]:
        result = cli(*self.up_arguments)
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    def url(self, code: str) -> str:
        return f"http://{LOOPBACK}:{self.gateway_ports[code]}"

    def tokens(self, code: str) -> dict[str, str]:
        data: dict[str, str] = json.loads(self.layout.tokens_file(code).read_text())
        return data

    def client(self, code: str, label: str) -> httpx.Client:
        token = self.tokens(code)[label]
        return httpx.Client(base_url=self.url(code), headers={"Authorization": f"Bearer {token}"}, timeout=30)


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    net = Network(tmp_path_factory.mktemp("network"))
    try:
        result = net.up()
        assert "freshly seeded" in result.stdout
        yield net
    finally:
        cli("network", "down", "--dir", str(net.layout.root), timeout=120)


def block_time(network: Network, block: str) -> int:
    request = {"jsonrpc": "2.0", "id": 1, "method": "eth_getBlockByNumber", "params": [block, False]}
    answer = httpx.post(f"http://{LOOPBACK}:{network.rpc_port}", json=request, timeout=30).json()
    return int(answer["result"]["timestamp"], 16)


def latency_count(client: httpx.Client, partner: str) -> int:
    kpis = client.get("/v1/administrations/CR/kpis").json()
    return sum(entry["count"] for entry in kpis["acknowledgement_latency"] if entry["partner"] == partner)


def wait_for(predicate: Any, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def test_each_gateway_has_its_own_state_and_key(network: Network) -> None:
    for code in CODES:
        state = network.layout.gateway_dir(code)
        assert sorted(p.name for p in (state / "keystores").glob("*.json")) == [f"{code}.json"]
        assert (state / "index.sqlite").exists()
        assert set(network.tokens(code)) == {f"{code} writer", f"{code} reader", "auditor"}
    assert not (network.layout.seed_dir / "keystores").exists()
    first, head = block_time(network, "0x1"), block_time(network, "latest")
    assert head - first > 30 * 86_400  # the seeding wrote the demo's past through the node (evm_setTime)
    assert abs(head - time.time()) < 3_600  # and the chain follows the wall clock again
    node_log = network.layout.log_file("node").read_text()
    assert f"block period {NETWORK_BLOCK_PERIOD_MS} ms" in node_log  # up's development block period, warned about
    assert "development networks only" in node_log
    status = cli("network", "status", "--dir", str(network.layout.root))
    assert status.returncode == 0, status.stdout + status.stderr
    lines = status.stdout.splitlines()[1:]
    assert [line.split()[0] for line in lines] == ["node", *CODES]
    assert all(" ready " in line for line in lines[1:])


def test_cross_gateway_suspension_and_acknowledgement(network: Network) -> None:
    with network.client("CR", "CR writer") as cr, network.client("PE", "PE writer") as pe:
        certificate = cr.get("/v1/certificates", params={"issuer": "CR", "status": "ACTIVE", "limit": 1}).json()
        certificate_id = certificate["items"][0]["id"]
        acknowledged_before = latency_count(cr, "PE")
        opened, received = threading.Event(), []

        def listen() -> None:
            params: dict[str, str | int] = {"max_events": 1, "timeout": 120}
            with pe.stream("GET", "/v1/feed/stream", params=params, timeout=130) as response:
                assert response.status_code == 200
                opened.set()
                received.extend(line[5:].strip() for line in response.iter_lines() if line.startswith("data:"))

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        assert opened.wait(60)
        written = cr.post(f"/v1/certificates/{certificate_id}/suspend", json={"reason": "NON_COMPLIANCE"})
        assert written.status_code in (201, 202), written.text
        listener.join(130)
        assert len(received) == 1
        streamed = json.loads(received[0])
        assert streamed["event"]["certificate_id"] == certificate_id
        assert streamed["event"]["action"] == "SUSPENDED"
        sequence = streamed["event"]["sequence"]

        inbox = pe.get("/v1/inbox", params={"limit": 1000}).json()["items"]
        assert sequence in [e["sequence"] for e in inbox if e["certificate_id"] == certificate_id]
        ack = pe.post("/v1/acknowledgements", json={"certificate_id": certificate_id, "sequence": sequence})
        assert ack.status_code in (201, 202), ack.text
        assert ack.json()["partner"] == "PE"

        wait_for(lambda: latency_count(cr, "PE") == acknowledged_before + 1)
        latency = next(
            e for e in cr.get("/v1/administrations/CR/kpis").json()["acknowledgement_latency"] if e["partner"] == "PE"
        )
        assert latency["max"] >= 0
        pe_feed = pe.get("/v1/feed", params={"limit": 1000}).json()["items"]
        mine = [
            e for e in pe_feed if e["event"]["certificate_id"] == certificate_id and e["event"]["sequence"] == sequence
        ]
        assert mine[0]["acknowledged"] is True


def test_a_gateway_refuses_another_administrations_keystore(network: Network, tmp_path: Path) -> None:
    state = tmp_path / "foreign"
    (state / "keystores").mkdir(parents=True)
    mx = network.layout.gateway_dir("MX") / "keystores"
    shutil.copy2(mx / "MX.json", state / "keystores" / "CR.json")
    shutil.copy2(mx / "MX.password", state / "keystores" / "CR.password")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AEO_LEDGER_")}
    env.update(
        AEO_LEDGER_ADMINISTRATION="CR",
        AEO_LEDGER_STATE_DIR=str(state),
        AEO_LEDGER_DEPLOYMENTS_DIR=str(network.layout.deployments_dir),
    )
    rpc_url = f"http://{LOOPBACK}:{network.rpc_port}"
    port = str(free_ports(1)[0])
    result = cli("serve", "--rpc-url", rpc_url, "--port", port, env=env, timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "a signer of administration MX" in result.stderr
    with network.client("CR", "auditor") as cr:  # CR's auditor token is unknown to PE's gateway
        refused = httpx.get(f"{network.url('PE')}/v1/certificates", headers=cr.headers, timeout=30)
        assert refused.status_code == 401


def test_governance_is_a_safe_of_the_administrations(
    network: Network, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from ledger_client.cli import main

    safe = json.loads(network.layout.safe_file.read_text())
    assert (safe["threshold"], len(safe["owners"]), safe["version"]) == (3, 5, "1.4.1")
    keys = network.layout.governance_keystores
    assert sorted(p.stem for p in keys.glob("*.json")) == sorted(CODES)  # one governance key per administration
    monkeypatch.setenv("AEO_LEDGER_DEPLOYMENTS_DIR", str(network.layout.deployments_dir))
    chain = ["--rpc-url", f"http://{LOOPBACK}:{network.rpc_port}", "--deployment", "local"]

    def run(*arguments: str) -> tuple[int, str]:
        code = main(list(arguments))
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    def owner(code: str) -> list[str]:
        return ["--keystore", str(keys / f"{code}.json"), "--password-file", str(keys / f"{code}.password")]

    def frozen() -> bool:
        with network.client("PE", "PE reader") as pe:
            return bool(pe.get("/v1/administrations/MX").json()["frozen"])

    for action, expected in (("freeze", True), ("unfreeze", False)):
        proposal = str(tmp_path / f"{action}-mx.json")
        assert run("governance", "prepare", action, "--code", "MX", "--out", proposal, *chain)[0] == 0
        for code in ("CL", "CO"):
            assert run("governance", "sign", proposal, *owner(code))[0] == 0
        refused = run("governance", "execute", proposal, *chain, *owner("CR"))
        assert refused[0] == 2
        assert "2 of the 3 owners' signatures" in refused[1]
        assert run("governance", "sign", proposal, *owner("PE"))[0] == 0
        done = run("governance", "execute", proposal, *chain, *owner("CR"))
        assert done[0] == 0, done[1]
        wait_for(lambda expected=expected: frozen() is expected)  # PE's gateway sees it from the chain


def statuses_of_cr(network: Network) -> dict[str, str]:
    with network.client("CR", "CR reader") as cr:
        page = cr.get("/v1/certificates", params={"issuer": "CR", "limit": 1000}).json()
    return {c["id"]: c["status"] for c in page["items"]}


def test_down_then_up_reuses_the_data(network: Network) -> None:
    tokens = {code: network.tokens(code) for code in CODES}
    statuses = statuses_of_cr(network)  # whatever other tests of the module did first (xdist may run it alone)
    assert statuses
    down = cli("network", "down", "--dir", str(network.layout.root), timeout=120)
    assert down.returncode == 0, down.stdout + down.stderr
    assert down.stdout.count("stopped") == 6
    stopped = cli("network", "status", "--dir", str(network.layout.root))
    assert stopped.returncode == 1
    again = network.up()
    assert "already seeded" in again.stdout
    assert "data kept from an earlier run" in again.stdout
    assert {code: network.tokens(code) for code in CODES} == tokens
    assert statuses_of_cr(network) == statuses
