"""aeo-ledger client: administrations, AEO certificates and MRAs on a shared EVM ledger."""

__version__ = "0.1.0"
