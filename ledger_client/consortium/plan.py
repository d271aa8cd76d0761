"""The network the kit writes, decided once: :class:`NetworkPlan` (nodes, keys, ports, addresses).

Each file of the kit (genesis, Besu configs, compose file, runbook, ``network.json``) is rendered
from this plan, so they agree by construction. Node ``i`` (in the order the validators were
given) listens for p2p on ``p2p_base_port + i`` and JSON-RPC on ``rpc_base_port + i``, inside the
compose network at a fixed address; its administration's gateway is published on
``127.0.0.1:gateway_base_port + i``.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from typing import Any

from ledger_client.consortium.keys import NodeKey
from ledger_client.consortium.options import KitOptions, country_name
from ledger_client.signers import Signer

#: Host-side address every published port binds to: nothing is exposed beyond the machine.
PUBLISH_HOST = "127.0.0.1"
#: Address of the first node inside the compose subnet (``.11``, ``.12`` …; ``.1`` is Docker's gateway).
FIRST_NODE_HOST = 11
#: Port a gateway listens on inside its container.
GATEWAY_CONTAINER_PORT = 8000


@dataclass(frozen=True)
class Node:
    """One administration: its validator node and its gateway."""

    code: str
    name: str
    key: NodeKey
    signer: Signer
    ip: str
    p2p_port: int
    rpc_port: int
    gateway_port: int

    @property
    def slug(self) -> str:
        """Lower-case code used in service and directory names (``cr``)."""
        return self.code.lower()

    @property
    def service(self) -> str:
        """Compose service name of the validator (``besu-cr``)."""
        return f"besu-{self.slug}"

    @property
    def gateway_service(self) -> str:
        """Compose service name of the gateway (``gateway-cr``)."""
        return f"gateway-{self.slug}"

    @property
    def enode(self) -> str:
        """The node's enode URL inside the compose network."""
        return self.key.enode(self.ip, self.p2p_port)

    @property
    def rpc_url(self) -> str:
        """The node's JSON-RPC URL as its gateway reaches it."""
        return f"http://{self.service}:{self.rpc_port}"

    @property
    def host_rpc_url(self) -> str:
        """The node's JSON-RPC URL from the host (published on loopback)."""
        return f"http://{PUBLISH_HOST}:{self.rpc_port}"


@dataclass(frozen=True)
class NetworkPlan:
    """Options plus the generated keys and the addressing of every node."""

    options: KitOptions
    nodes: tuple[Node, ...]
    governance: Signer
    #: One governance key per administration (in node order): the owners of the consortium's Safe.
    owners: tuple[Signer, ...] = ()

    @classmethod
    def create(cls, options: KitOptions) -> NetworkPlan:
        """Validate the options and generate every key."""
        options.validate()
        network = ipaddress.IPv4Network(options.subnet)
        nodes = tuple(
            Node(
                code=code,
                name=country_name(code),
                key=NodeKey.generate(),
                signer=Signer.create(),
                ip=str(network.network_address + FIRST_NODE_HOST + i),
                p2p_port=options.p2p_base_port + i,
                rpc_port=options.rpc_base_port + i,
                gateway_port=options.gateway_base_port + i,
            )
            for i, code in enumerate(options.validators)
        )
        owners = tuple(Signer.create() for _ in nodes)
        return cls(options=options, nodes=nodes, governance=Signer.create(), owners=owners)

    @property
    def safe_threshold(self) -> int:
        """Owners' signatures a governance transaction needs: a majority of the administrations."""
        return len(self.owners) // 2 + 1

    @property
    def validator_addresses(self) -> list[str]:
        """The validators in ascending address order, as ``besu rlp encode`` expects them."""
        return sorted((node.key.address for node in self.nodes), key=lambda a: int(a, 16))

    @property
    def funded_accounts(self) -> list[str]:
        """Accounts given the genesis reserve: governance first, then each administration's signer."""
        return [self.governance.address, *(node.signer.address for node in self.nodes)]

    def quorum(self) -> int:
        """Validators that must take part for a block: ceil(2n/3), as Besu's QBFT computes it."""
        return -(-2 * len(self.nodes) // 3)

    def max_down(self) -> int:
        """How many validators may be down while blocks are still produced (n - quorum)."""
        return len(self.nodes) - self.quorum()

    def manifest(self) -> dict[str, Any]:
        """``network.json``: everything public about the network (no secrets)."""
        options = self.options
        return {
            "chainId": options.chain_id,
            "consensus": "qbft",
            "blockPeriodSeconds": options.block_period_seconds,
            "requestTimeoutSeconds": options.request_timeout_seconds,
            "deployment": options.deployment,
            "governance": self.governance.address,
            "governanceSafe": {
                "owners": {node.code: owner.address for node, owner in zip(self.nodes, self.owners, strict=True)},
                "threshold": self.safe_threshold,
            },
            "besuImage": options.besu_image,
            "gatewayImage": options.gateway_image,
            "subnet": options.subnet,
            "quorum": self.quorum(),
            "maxValidatorsDown": self.max_down(),
            "nodes": [
                {
                    "code": node.code,
                    "name": node.name,
                    "validator": node.key.address,
                    "enode": node.enode,
                    "signer": node.signer.address,
                    "ip": node.ip,
                    "p2pPort": node.p2p_port,
                    "rpcPort": node.rpc_port,
                    "gatewayPort": node.gateway_port,
                    "service": node.service,
                    "gatewayService": node.gateway_service,
                }
                for node in self.nodes
            ],
        }

    def manifest_json(self) -> str:
        """The manifest text."""
        return json.dumps(self.manifest(), indent=2) + "\n"
