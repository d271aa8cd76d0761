"""Suite-wide defaults.

The embedded durable node follows the wall clock by default (``realtime`` blocks: a client that
waits for each receipt gets about one write per second once the chain is ahead). Tests that make
hundreds of sequential writes only to check something else run it in ``instant`` mode (one block
per transaction at once), the mode kept for them; tests of the clock itself, the demo and the
import choose ``realtime`` explicitly (``tests/node/test_clock.py``, ``tests/demo``, ``tests/importer``).
"""

from __future__ import annotations

import os

os.environ.setdefault("AEO_LEDGER_BLOCK_MODE", "instant")
