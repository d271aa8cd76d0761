"""Is the deployment still on the chain? A cheap, briefly cached check before writes and in ``/ready``.

A node restarted empty on the same URL (a development node without its state, a wiped volume,
``anvil_reset``) still answers every call: reads of an address without code return nothing and
writes to it "succeed" without emitting a single event. :class:`DeploymentGuard` notices by
comparing, at most once every ``max_age`` seconds, the hash of the deployment block and the code
at the ledger's address with the manifest; when they differ it raises
:class:`~ledger_client.errors.ChainResetError` saying what is gone, and the transaction sender
refuses to sign anything until the chain holds the deployment again.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from ledger_client.chain import Chain
from ledger_client.deployment import Deployment, code_sha256
from ledger_client.errors import ChainResetError, ChainUnavailableError

#: Seconds a check result is reused (writes and ``/ready`` never ask the node more often).
DEFAULT_MAX_AGE = 2.0


@dataclass(frozen=True)
class DeploymentState:
    """The result of one check: ``problem`` is None when the chain holds the deployment."""

    checked_at: float
    block_hash: bytes | None  # the chain's hash of the deployment block (None: no such block)
    problem: str | None


class DeploymentGuard:
    """Checks that the chain still holds ``deployment`` (block hash and code), cached briefly.

    Args:
        chain: the chain connection.
        deployment: the manifest; its ``deployment_block_hash`` is the reference. Manifests
            written before that field existed learn it from the chain on the first check (the
            manifest was verified against the same chain when the client connected).
        max_age: seconds a result is reused.
    """

    def __init__(self, chain: Chain, deployment: Deployment, *, max_age: float = DEFAULT_MAX_AGE) -> None:
        self._chain = chain
        self._deployment = deployment
        recorded = deployment.deployment_block_hash
        self._expected: bytes | None = bytes.fromhex(recorded.removeprefix("0x")) if recorded else None
        self._max_age = max_age
        self._lock = threading.Lock()
        self._state: DeploymentState | None = None

    @property
    def expected_block_hash(self) -> bytes | None:
        """The hash the deployment block must have (None until learned)."""
        return self._expected

    def state(self, *, max_age: float | None = None) -> DeploymentState:
        """The latest check, repeated when older than ``max_age`` (default: the guard's)."""
        limit = self._max_age if max_age is None else max_age
        with self._lock:
            state = self._state
            if state is None or time.monotonic() - state.checked_at >= limit:
                state = self._state = self._check()
            return state

    def forget(self) -> None:
        """Drop the cached result: the next use asks the chain again."""
        with self._lock:
            self._state = None

    def check(self, *, max_age: float | None = None) -> None:
        """Raise :class:`ChainResetError` unless the chain holds the deployment."""
        state = self.state(max_age=max_age)
        if state.problem is not None:
            raise ChainResetError(state.problem)

    def _check(self) -> DeploymentState:
        deployment, chain = self._deployment, self._chain
        now = time.monotonic()
        block_number = deployment.deployment_block
        head = chain.block_number()
        if head < block_number:
            return DeploymentState(
                now,
                None,
                f"the chain's head is block {head}, before the deployment block {block_number} of "
                f"{deployment.name!r}: the node was reset or restarted empty, or the URL leads to another chain; "
                "restore the node's data or redeploy",
            )
        try:
            block_hash: bytes | None = chain.block(block_number).hash
        except ChainUnavailableError as exc:
            if isinstance(exc.__cause__, OSError):
                raise  # the node went away: unavailable, not reset
            block_hash = None
        if block_hash is None:
            return DeploymentState(now, None, f"the node does not return the deployment block {block_number}")
        if self._expected is None:
            self._expected = block_hash
        if block_hash != self._expected:
            return DeploymentState(
                now,
                block_hash,
                f"the deployment block {block_number} of {deployment.name!r} has hash 0x{block_hash.hex()} on the "
                f"chain, not 0x{self._expected.hex()}: the node was reset or follows another chain; restore the "
                "node's data or redeploy",
            )
        code = chain.get_code(deployment.address)
        if not code or code_sha256(code) != deployment.code_sha256:
            what = "no code" if not code else "other code"
            return DeploymentState(
                now,
                block_hash,
                f"the ledger's address {deployment.address} holds {what} on the chain: the node was reset or "
                "the contract replaced; redeploy",
            )
        return DeploymentState(now, block_hash, None)
