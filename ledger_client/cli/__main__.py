"""``python -m ledger_client.cli``: the same as the ``aeo-ledger`` console script."""

from ledger_client.cli import main

raise SystemExit(main())
