"""Which certificates are already on the chain, and with which document.

One ``eth_getLogs`` per 200 ids (the id topic given as alternatives) reads their
``CertificateIssued`` events; the document hash carried by the issuance tells a row that landed
in an earlier run (same document: skip it) from a number taken by another certificate (a
conflict). Far cheaper than one ``eth_call`` per id on the embedded chain.
"""

from __future__ import annotations

from collections.abc import Sequence

from ledger_client.ledger import Ledger

#: Ids per eth_getLogs request (topic alternatives).
LOOKUP_CHUNK = 200


def issued_documents(ledger: Ledger, certificate_ids: Sequence[bytes]) -> dict[bytes, bytes]:
    """Certificate id → document hash at issuance, for each of ``certificate_ids`` on the chain."""
    context = ledger.context
    topic = context.codec.topic("CertificateIssued")
    found: dict[bytes, bytes] = {}
    unique = list(dict.fromkeys(certificate_ids))
    for start in range(0, len(unique), LOOKUP_CHUNK):
        logs = ledger.chain.get_logs(
            context.address, [topic, unique[start : start + LOOKUP_CHUNK]], context.deployment.deployment_block
        )
        for log in logs:
            decoded = context.codec.decode_log(log.topics, log.data)
            if decoded is None or decoded[0] != "CertificateIssued":
                continue
            args = decoded[1]
            found[bytes(args["id"])] = bytes(args["documentHash"])
    return found
