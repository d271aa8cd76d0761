"""Fixtures shared with the other harness-chain suites (tests/support/harness_chain.py)."""

from tests.support.harness_chain import *  # noqa: F403
