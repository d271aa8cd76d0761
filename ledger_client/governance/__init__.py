"""The consortium's governance through a Safe multisig (Safe 1.4.1 from its npm artifacts).

The ledger's governance address is fixed when it is deployed (``AeoLedger(governance)``); with a Safe
there, registering, freezing, unfreezing and recovering an administration take k of the n owners'
signatures (one governance key per administration):

    proposal = prepare(ledger, Action.of("freeze", code="CR"))       # online: Safe nonce, safeTxHash
    proposal = proposal.signed_by(owner_key)                          # offline, once per owner
    proposal = execute(ledger, proposal, any_funded_key)             # online: execTransaction

:func:`deploy_safe` deploys the singleton, the proxy factory and the consortium's Safe.
"""

from ledger_client.governance.actions import Action
from ledger_client.governance.artifacts import load_safe_artifact
from ledger_client.governance.errors import (
    NotAnOwnerError,
    NotASafeError,
    NotEnoughSignaturesError,
    ProposalFileError,
    SafeArtifactsError,
    StaleNonceError,
    WrongChainError,
)
from ledger_client.governance.process import carry_out, check_executable, execute, governance_safe, prepare
from ledger_client.governance.proposal import Execution, Proposal, read_proposal, write_proposal
from ledger_client.governance.safe import Safe, SafeDeployment, SafeState, deploy_safe
from ledger_client.governance.safetx import SafeTx

__all__ = [
    "Action",
    "Execution",
    "NotASafeError",
    "NotAnOwnerError",
    "NotEnoughSignaturesError",
    "Proposal",
    "ProposalFileError",
    "Safe",
    "SafeArtifactsError",
    "SafeDeployment",
    "SafeState",
    "SafeTx",
    "StaleNonceError",
    "WrongChainError",
    "carry_out",
    "check_executable",
    "deploy_safe",
    "execute",
    "governance_safe",
    "load_safe_artifact",
    "prepare",
    "read_proposal",
    "write_proposal",
]
