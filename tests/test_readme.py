"""The README's library example runs as written, against a real JSON-RPC node (anvil).

``tests/client/test_bare_install.py`` runs it again on the package installed alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.anvil import AnvilNode
from tests.support.readme import library_example


def test_library_example_runs(anvil: AnvilNode, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AEO_LEDGER_RPC_URL", anvil.url)
    exec(compile(library_example(), "README.md", "exec"), {})
    assert (tmp_path / "deployments" / "example.json").is_file()
