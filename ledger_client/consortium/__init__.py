"""The consortium network kit: a Hyperledger Besu QBFT network for the administrations.

``aeo-ledger consortium init --validators CL,CO,CR,MX,PE --out DIR`` writes node keys, a
genesis, one Besu configuration per node, a compose file (validators + one gateway per
administration) and a runbook. Modules, in the order the kit uses them:

- :mod:`.options`: what was asked, validated (ISO codes, at least four validators, sizes, ports)
- :mod:`.keys`: secp256k1 node and account keys, encrypted keystores, Besu's raw key file
- :mod:`.plan`: the network decided once (keys, addresses, ports) that every file is rendered from
- :mod:`.genesis`: QBFT ``extraData`` and the genesis configuration
- :mod:`.besu_config`: each node's TOML configuration and the static-nodes file
- :mod:`.compose`: ``docker-compose.yml``
- :mod:`.runbook`: ``RUNBOOK.md`` and the gateway's Dockerfile
- :mod:`.kit`: writes it all into the output directory
"""

from __future__ import annotations

from ledger_client.consortium.kit import KitResult, init_kit
from ledger_client.consortium.options import KitOptions, parse_validators

__all__ = ["KitOptions", "KitResult", "init_kit", "parse_validators"]
