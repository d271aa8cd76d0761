"""Bulk import of a national AEO registry: ``aeo-ledger import --admin CR FILE``.

Input format
============

A ``.csv`` file with a header line, a ``.json`` file holding one array of objects, or a
``.jsonl``/``.ndjson`` file with one object per line. One record per certificate; column (key)
names, case-insensitive:

==================  ========  ==========================================================
column              required  value
==================  ========  ==========================================================
certificate_number  yes       national number, 1 to 32 printable ASCII, e.g. ``CR-OEA-000123``
operator_name       yes       the operator's legal name
tax_id              yes       national tax id (RUT, NIT, cédula jurídica, RFC, RUC …)
eori                no        EORI-style customs id
address             yes       street and number
city                yes       city
postal_code         no
region              no        province / state / department
country             no        ISO alpha-2 of the address (default: the administration)
roles               yes       ``importer|exporter`` — importer, exporter, carrier,
                              customs_broker (broker), warehouse, manufacturer,
                              logistics (forwarder), port_operator, free_zone_operator
programmes          yes       ``security|simplifications`` (also aeo-s, aeo-c, fiscal, sanitary)
sme                 yes       true/false (yes/no, si/no, 1/0)
valid_from          yes       ISO date ``2024-03-01`` (00:00 UTC) or date-time with zone
valid_until         no        ISO date (valid *through* that day, 23:59:59 UTC) or date-time;
                              empty = open-ended
issuing_office      yes       the office that issued the certificate
issuer              no        when present, must equal ``--admin``
consent             no        the operator's consent to the exchange with MRA partners,
                              true/false (yes/no, si/no, 1/0); empty = granted
==================  ========  ==========================================================

CSV example (one record, shown wrapped)::

    certificate_number,operator_name,tax_id,address,city,roles,programmes,sme,valid_from,valid_until,
        issuing_office
    CR-OEA-000123,Exportadora del Valle S.A.,3-101-123456,Calle 5 Av. 2,San José,importer|exporter,security,true,
        2024-03-01,,Aduana Santamaría

Each record becomes a :class:`~ledger_client.documents.CertificateDocument` whose canonical JSON
is stored as ``<data_dir>/documents/<certificate id hex>.json`` and whose keccak-256 is the
on-chain document hash.

Behaviour
=========

- Records are issued in batches (one ``issueBatch`` transaction each, sized to the block gas limit).
- A bad record (validation, a number repeated in the file, a number already on the ledger with a
  different document) is reported with its line and reason; the good records land.
- Resumable: a checkpoint journal in ``<data_dir>/imports/`` records each batch before it is sent
  and once it landed. Running the same import again skips what landed (checked on-chain for a
  batch that was in flight when the run stopped) and never sends it twice; a record already on the
  ledger with the *same* document counts as skipped, not as an error.
"""

from ledger_client.importer.checkpoint import Checkpoint, checkpoint_path
from ledger_client.importer.formats import (
    COLUMNS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    ImportFormatError,
    read_rows,
    write_records,
)
from ledger_client.importer.preparation import DocumentWriteError, ImportPreparationError
from ledger_client.importer.progress import ImportProgress, ProgressCallback, TextProgress
from ledger_client.importer.report import ImportedRow, ImportReport, RowError
from ledger_client.importer.rows import PreparedRow, RowProblem, prepare_row, record_of
from ledger_client.importer.runner import ImportAbortedError, ImportSignerError, keystore_signer, run_import
from ledger_client.importer.store import DocumentStore, documents_directory

__all__ = [
    "COLUMNS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "Checkpoint",
    "DocumentStore",
    "DocumentWriteError",
    "ImportAbortedError",
    "ImportFormatError",
    "ImportPreparationError",
    "ImportProgress",
    "ImportReport",
    "ImportSignerError",
    "ImportedRow",
    "PreparedRow",
    "ProgressCallback",
    "RowError",
    "RowProblem",
    "TextProgress",
    "checkpoint_path",
    "documents_directory",
    "keystore_signer",
    "prepare_row",
    "read_rows",
    "record_of",
    "run_import",
    "write_records",
]
