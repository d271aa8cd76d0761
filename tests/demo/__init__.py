"""Tests of the demo network seeding (ledger_client.demo)."""
