"""The aeo-ledger HTTP API (FastAPI): ``create_app`` builds it, ``serve`` runs it."""
