"""The confidential exchange of certificate documents between MRA partners' gateways (issue #14).

Nothing of it is on the chain but what decides it: each administration's published X25519 key and
gateway URL, its signer keys, the MRAs and the operator's consent. The issuer's gateway seals each
certificate's canonical document to every covered partner (:mod:`.maker`, HPKE :mod:`.sealing`) and
keeps the envelopes (:mod:`.outbox`); a partner's gateway fetches them with requests signed by its
signer key (:mod:`.requests`), which the issuer checks against the chain (:mod:`.authority`); the
partner opens and verifies them (:mod:`.fetcher`), keeps the documents (:mod:`.inbox`) and answers
trader lookups at its border (:mod:`.lookup`, identifiers normalised by :mod:`.traders`).

=================  ===============================================================
module             job
=================  ===============================================================
sealing            HPKE seal/open, the associated data (id ‖ event ‖ document hash)
keyring            the gateway's X25519 private keys (mode 0600 files) and rotation
directory          protocols: published endpoints (key + URL) and consent
coverage           which partners' MRAs cover a certificate
requests           EIP-712 signed envelope requests (timestamp, nonce)
outbox             the issuer's envelopes, nonces and refusal log (SQLite)
maker              index → envelopes (new documents, backfill, re-encryption)
authority          the issuer's checks of a request against the chain; the page served
wire               the JSON of an envelope page
inbox              the partner's received documents and trader identifiers (SQLite)
fetcher            partner → issuer's gateway: fetch, open, verify, keep
traders            trader identifier normalisation (tax id, EORI, WCO TIN)
lookup             the border lookup of a trader
=================  ===============================================================
"""

from ledger_client.exchange.authority import EnvelopeAuthority, EnvelopePage
from ledger_client.exchange.directory import ConsentRegistry, ExchangeDirectory, ExchangeEndpoint
from ledger_client.exchange.errors import (
    EnvelopeRejectedError,
    ExchangeError,
    ExchangeKeyError,
    ExchangePeerError,
    ExchangeRefusedError,
)
from ledger_client.exchange.fetcher import EnvelopeFetcher, FetchReport
from ledger_client.exchange.inbox import EnvelopeInbox
from ledger_client.exchange.keyring import KeyRing
from ledger_client.exchange.lookup import KnownCertificate, OperatorAnswer, OperatorLookup
from ledger_client.exchange.maker import EnvelopeMaker, ScanReport
from ledger_client.exchange.outbox import Envelope, EnvelopeOutbox
from ledger_client.exchange.requests import Domain, EnvelopeRequest

__all__ = [
    "ConsentRegistry",
    "Domain",
    "Envelope",
    "EnvelopeAuthority",
    "EnvelopeFetcher",
    "EnvelopeInbox",
    "EnvelopeMaker",
    "EnvelopeOutbox",
    "EnvelopePage",
    "EnvelopeRejectedError",
    "EnvelopeRequest",
    "ExchangeDirectory",
    "ExchangeEndpoint",
    "ExchangeError",
    "ExchangeKeyError",
    "ExchangePeerError",
    "ExchangeRefusedError",
    "FetchReport",
    "KeyRing",
    "KnownCertificate",
    "OperatorAnswer",
    "OperatorLookup",
    "ScanReport",
]
