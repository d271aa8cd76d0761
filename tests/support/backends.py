"""The chain backends the behaviour suite runs on, each with its development accounts and ledger.

- ``memory``: ``Ledger.embedded()`` (eth-tester in memory; in-memory backend);
- ``durable-rpc``: the durable embedded node served over JSON-RPC on a loopback port (instant
  blocks), reached with ``Ledger.deploy(url)`` like any node (JSON-RPC backend);
- ``anvil``: Foundry's anvil (JSON-RPC backend).

Isolation per test: a snapshot reverted afterwards where the backend has snapshots (eth-tester,
anvil's ``evm_snapshot``); the durable node has none, so there each test gets a ledger deployed
for it (a new contract: the same empty state a reverted snapshot gives).
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ledger_client.ledger import Ledger
from ledger_client.settings import Settings
from ledger_client.signers import Signer
from tests.support.anvil import AnvilNode

#: Every backend of the behaviour suite.
BACKENDS = ("memory", "durable-rpc", "anvil")
#: The backends with snapshots (the durable node has none).
SNAPSHOT_BACKENDS = ("memory", "anvil")
#: ``pytestmark`` of a behaviour-suite module: each of its tests runs on every backend.
BEHAVIOUR_SUITE = pytest.mark.parametrize("backend", BACKENDS, indirect=True)
#: The administrations every test finds registered, with the development account that signs for each.
ADMINISTRATIONS = (("CR", "Costa Rica", 1), ("PE", "Peru", 2), ("MX", "Mexico", 3))
#: Development accounts of the nodes reached by URL (anvil's and the durable node's mnemonic).
RPC_ACCOUNTS = 10


def register_administrations(ledger: Ledger, signers: list[Signer]) -> None:
    """Register CR, PE and MX with development accounts 1, 2 and 3."""
    for code, name, account in ADMINISTRATIONS:
        ledger.administrations.register(code, name, signers[account].address)


def rpc_dev_signers() -> list[Signer]:
    """The development accounts of anvil and of the durable node (the same mnemonic and HD path)."""
    from ledger_client.node.accounts import derive_accounts
    from ledger_client.node.config import DEFAULT_HD_PATH, DEFAULT_MNEMONIC

    return [
        Signer.from_key(bytes.fromhex(account.private_key.removeprefix("0x")))
        for account in derive_accounts(DEFAULT_MNEMONIC, RPC_ACCOUNTS, DEFAULT_HD_PATH)
    ]


@dataclass
class ChainUnderTest:
    """One backend's chain and how each test gets the ledger as it was deployed."""

    backend: str
    signers: list[Signer]
    deploy: Callable[[], Ledger]
    snapshots: bool
    _shared: Ledger | None = None
    _opened: list[Ledger] = field(default_factory=list)

    @contextlib.contextmanager
    def isolated(self) -> Iterator[Ledger]:
        """The ledger with CR, PE and MX registered, untouched by any other test."""
        if not self.snapshots:
            ledger = self.deploy()
            try:
                yield ledger
            finally:
                ledger.close()
            return
        if self._shared is None:
            self._shared = self.deploy()
            self._opened.append(self._shared)
        ledger = self._shared
        snapshot = ledger.chain.snapshot()
        try:
            yield ledger
        finally:
            ledger.chain.revert(snapshot)
            ledger.context.sender.nonces.invalidate_all()
            ledger.context.forget_codes()

    def close(self) -> None:
        """Release every ledger still open."""
        for ledger in self._opened:
            ledger.close()


def _deployer(url: str, signers: list[Signer], directory: Path) -> Callable[[], Ledger]:
    """Deploys a new ledger on the node at ``url`` (each under its own manifest name), CR, PE, MX registered."""
    serial = itertools.count()

    def deploy() -> Ledger:
        name = f"behaviour-{next(serial)}"
        ledger = Ledger.deploy(url, signer=signers[0], name=name, settings=Settings(deployments_dir=directory))
        register_administrations(ledger, signers)
        return ledger

    return deploy


@contextlib.contextmanager
def open_chain_under_test(
    backend: str, directory: Path, start_anvil: Callable[..., AnvilNode]
) -> Iterator[ChainUnderTest]:
    """The chain of ``backend`` (one of :data:`BACKENDS`), released on exit."""
    with contextlib.ExitStack() as stack:
        if backend == "memory":

            def embedded() -> Ledger:
                ledger = Ledger.embedded()
                register_administrations(ledger, ledger.dev_signers())
                return ledger

            first = embedded()
            opened = ChainUnderTest(backend, first.dev_signers(), embedded, snapshots=True, _shared=first)
            opened._opened.append(first)
        elif backend == "anvil":
            node = start_anvil()
            opened = ChainUnderTest(backend, rpc_dev_signers(), _deployer(node.url, rpc_dev_signers(), directory), True)
        elif backend == "durable-rpc":
            from ledger_client.node import BlockMode, DurableChain, NodeConfig, start_in_thread

            chain = DurableChain(directory / "node", NodeConfig(block_mode=BlockMode.INSTANT))
            stack.callback(chain.close)
            server = start_in_thread(chain)
            stack.callback(server.stop)
            signers = rpc_dev_signers()
            opened = ChainUnderTest(backend, signers, _deployer(server.url, signers, directory), snapshots=False)
        else:
            raise ValueError(f"unknown backend {backend!r}; one of {', '.join(BACKENDS)}")
        stack.callback(opened.close)
        yield opened
