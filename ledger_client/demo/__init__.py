"""The demo network behind ``aeo-ledger demo``: five administrations, three MRAs, ~200 certificates.

Administrations CL (Chile), CO (Colombia), CR (Costa Rica), MX (Mexico) and PE (Peru), each
with its own signer (``<data_dir>/keystores/<CODE>.json`` + ``.password``); the Pacific
Alliance plurilateral MRA among CL, CO, MX and PE and the bilateral CR-MX and CR-PE MRAs, in
force; certificates with national numbers, varied programmes, roles, SME share and validity,
each with its off-chain document in ``<data_dir>/documents/``; some suspended, revoked, one
annulled, one amended, one renewed; partners' acknowledgements of some events. Everything is
deterministic for a seed, and seeding a data directory twice does nothing the second time.

    with Ledger.embedded(data_dir="aeo-data") as ledger:
        demo = seed_demo(ledger, "aeo-data")
        print(demo.counts, demo.mra_id("Pacific Alliance"))
"""

from ledger_client.demo.catalogue import CODES, PROFILES
from ledger_client.demo.keys import derive_signer, ensure_signer, keystore_files
from ledger_client.demo.network import MRA_PLANS, DemoError, partners_of
from ledger_client.demo.seed import DEFAULT_CERTIFICATES, DEFAULT_SEED, seed_demo
from ledger_client.demo.summary import DemoAdministration, DemoCertificate, DemoMra, DemoSeed, marker_path, read_marker

__all__ = [
    "CODES",
    "DEFAULT_CERTIFICATES",
    "DEFAULT_SEED",
    "MRA_PLANS",
    "PROFILES",
    "DemoAdministration",
    "DemoCertificate",
    "DemoError",
    "DemoMra",
    "DemoSeed",
    "derive_signer",
    "ensure_signer",
    "keystore_files",
    "marker_path",
    "partners_of",
    "read_marker",
    "seed_demo",
]
