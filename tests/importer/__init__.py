"""Tests of the bulk import (ledger_client.importer)."""
