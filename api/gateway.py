"""Gateway mode: ``aeo-ledger serve`` for one administration (``AEO_LEDGER_ADMINISTRATION=CR``).

A gateway holds its own administration's signing key and nothing else: no other administration's
keystore, no governance key. It refuses to start (:class:`GatewayKeyError`, exit code 2 from the
CLI) unless its key is a current on-chain signer of its administration, so a gateway cannot be
pointed at another administration's keystore by mistake. Its key is ``AEO_LEDGER_KEYSTORE`` (+
password) when set, else ``<keystores>/<CODE>.json`` (+ ``<CODE>.password``). Its tokens are its
administration's (writer, reader, auditor of it) and consortium auditors' only (:class:`~api.tokens.TokenStore`
with ``administration``); governance is a separate role never served by a gateway.
"""

from __future__ import annotations

from api.config import ApiSettings
from api.signers import SignerRegistry
from ledger_client.errors import ConfigurationError
from ledger_client.ledger import Ledger
from ledger_client.signers import Signer, load_signer


class GatewayKeyError(ConfigurationError):
    """The gateway's key is missing, is not its administration's, or another key sits in its keystores."""


def gateway_signers(settings: ApiSettings, ledger: Ledger) -> SignerRegistry:
    """The gateway's signer registry: its administration's key, checked against the chain."""
    code = settings.administration
    if code is None:
        raise ConfigurationError("gateway_signers needs settings.administration (AEO_LEDGER_ADMINISTRATION)")
    directory = settings.keystores_directory()
    foreign = sorted(
        path.name for path in directory.glob("*.json") if path.stem != code and not path.name.endswith(".tmp")
    )
    if foreign:
        raise GatewayKeyError(
            f"this is administration {code}'s gateway but {directory} also holds {', '.join(foreign)}: a gateway keeps "
            f"its own administration's keystore only ({code}.json); move the others to their own gateways"
        )
    registry = SignerRegistry(directory, only=code)
    configured = load_signer(settings)
    if configured is not None:
        registry.register(code, configured)
    elif not registry.has_signer(code):
        raise GatewayKeyError(
            f"administration {code}'s gateway has no signing key: write {directory / (code + '.json')} "
            "(+ its .password) or set AEO_LEDGER_KEYSTORE and AEO_LEDGER_KEYSTORE_PASSWORD_FILE"
        )
    check_key(ledger, code, registry.signer_for(code))
    return registry


def check_key(ledger: Ledger, code: str, signer: Signer) -> None:
    """:class:`GatewayKeyError` unless ``signer`` is a current on-chain signer of administration ``code``."""
    if code not in set(ledger.administrations.codes()):
        raise GatewayKeyError(f"administration {code} is not registered on this chain: governance registers it first")
    current = ledger.administrations.get(code)
    if signer.address in current.signers:
        return
    owner = ledger.administrations.of(signer.address)
    if owner is not None:
        whose = f"a signer of administration {owner}"
    elif signer.address == ledger.administrations.governance():
        whose = "the consortium governance key"
    else:
        whose = "not a signer of any administration"
    raise GatewayKeyError(
        f"the keystore of administration {code}'s gateway holds {signer.address}, {whose}; "
        f"{code}'s current signers are {', '.join(current.signers)}: refusing to start"
    )
