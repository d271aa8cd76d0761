"""``python -m ledger_client.node``: same as ``aeo-ledger node``."""

from ledger_client.node.cli import main

raise SystemExit(main())
