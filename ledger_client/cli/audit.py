"""``aeo-ledger audit``: prove histories against the chain, verify the index.

    aeo-ledger audit certificate CR:CR-AEO-0001 [--report history.json|history.csv]
    aeo-ledger audit certificate 0x4352…        (certificate id)
    aeo-ledger audit mra 3
    aeo-ledger audit index --index data/index.sqlite [--sample 500]

Exit status: 0 when everything verifies, 1 when a finding or mismatch is reported.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ledger_client.audit import Auditor, HistoryAudit
from ledger_client.cli.common import add_chain_arguments, open_ledger, settings_from
from ledger_client.errors import LedgerValueError
from ledger_client.hashing import certificate_id
from ledger_client.index.attach import open_index
from ledger_client.ledger import Ledger
from ledger_client.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """What to audit."""
    add_chain_arguments(parser)
    sub = parser.add_subparsers(dest="subject", required=True, metavar="SUBJECT")
    cert = sub.add_parser("certificate", help="a certificate's full history")
    cert.add_argument("certificate", help="certificate id (0x…) or ISSUER:NUMBER, e.g. CR:CR-AEO-0001")
    cert.add_argument("--report", type=Path, help="also write the history report (.json or .csv)")
    mra = sub.add_parser("mra", help="an MRA's full history")
    mra.add_argument("mra_id", type=int, help="the MRA's number, e.g. 1")
    index = sub.add_parser("index", help="the SQLite index against the chain")
    index.add_argument("--index", type=Path, required=True, help="index database file")
    index.add_argument("--sample", type=int, default=None, help="check this many random certificates (default all)")
    for action in (cert, mra, index):
        add_chain_arguments(action, after_action=True)


def parse_certificate(text: str) -> bytes:
    """A certificate id from ``0x…`` hex or ``ISSUER:NUMBER``."""
    if text.startswith("0x") and len(text) == 66:
        try:
            return bytes.fromhex(text[2:])
        except ValueError:
            pass
    issuer, sep, number = text.partition(":")
    if not sep or len(issuer) != 2 or not number:
        raise LedgerValueError(
            f"certificate {text!r}: expected a 0x-prefixed 32-byte id or ISSUER:NUMBER (CR:CR-AEO-1)"
        )
    return certificate_id(issuer.upper(), number)


def _auditor(ledger: Ledger) -> Auditor:
    deployment = ledger.deployment
    return Auditor(
        ledger.chain.w3, deployment.address, start_block=deployment.deployment_block, codec=ledger.context.codec
    )


def _print_history(audit: HistoryAudit) -> None:
    verdict = "VERIFIED" if audit.ok else "FAILED"
    print(f"{audit.subject} {audit.key}: {verdict} at block {audit.block_number}")
    print(f"  events on-chain {audit.onchain_event_count}, read {audit.events_read}")
    print(f"  head on-chain  0x{audit.onchain_head.hex()}")
    print(f"  head recomputed 0x{audit.recomputed_head.hex()}")
    for finding in audit.findings:
        where = f"event {finding.sequence}" if finding.sequence is not None else "history"
        print(f"  {finding.kind.value}: {where}: {finding.detail}")


def run(args: argparse.Namespace) -> int:
    """Run the audit and print its verdict."""
    settings = settings_from(args, Settings)
    with open_ledger(settings) as ledger:
        auditor = _auditor(ledger)
        if args.subject == "certificate":
            cid = parse_certificate(args.certificate)
            audit = auditor.audit_certificate(cid)
            _print_history(audit)
            if args.report is not None:
                report = auditor.history_report(cid)
                text = report.to_csv() if args.report.suffix.lower() == ".csv" else report.to_json()
                args.report.write_text(text)
                print(f"  report written to {args.report}")
            return 0 if audit.ok else 1
        if args.subject == "mra":
            audit = auditor.audit_mra(args.mra_id)
            _print_history(audit)
            return 0 if audit.ok else 1
        index = open_index(ledger, args.index)
        try:
            verification = auditor.verify_index(index.reader, sample=args.sample)
        finally:
            index.close()
        print(
            f"index at block {verification.block_number}: {verification.certificates_checked} certificates, "
            f"{verification.mras_checked} MRAs, {verification.administrations_checked} administrations checked"
        )
        for mismatch in verification.mismatches:
            print(f"  MISMATCH {mismatch}")
        print("  VERIFIED" if verification.ok else f"  FAILED: {len(verification.mismatches)} mismatching rows")
        return 0 if verification.ok else 1
