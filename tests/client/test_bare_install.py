"""`pip install aeo-ledger` alone is the client: installed in a fresh venv (no extras), it imports
without py-evm, eth-tester or the API, and runs the README's library example against anvil.

Slow (a real pip install, about a minute): ``-m "not slow"`` leaves it out.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

from tests.support.anvil import AnvilNode
from tests.support.readme import library_example

ROOT = Path(__file__).resolve().parents[2]
#: What the package is built from (copied, so the build never writes into the work tree).
SOURCES = ("pyproject.toml", "README.md", "ledger_client", "api")
#: Modules of the extras: none may be installed, none may be loaded by the client.
EXTRA_MODULES = ("eth", "eth_tester", "trie", "fastapi", "starlette", "uvicorn", "solcx", "api")

pytestmark = pytest.mark.slow


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120) -> str:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{args} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def bare_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with ``pip install <the repository>`` and nothing else; its python."""
    base = tmp_path_factory.mktemp("bare-install")
    source = base / "source"
    source.mkdir()
    for name in SOURCES:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(origin, source / name)
    venv.EnvBuilder(with_pip=True).create(base / "venv")
    python = base / "venv" / "bin" / "python"
    _run(python, "-m", "pip", "install", "--quiet", str(source), cwd=base, timeout=600)
    return python


def test_no_extra_is_installed(bare_venv: Path, tmp_path: Path) -> None:
    probe = (
        "import importlib.util as u; "
        f"present = [m for m in {EXTRA_MODULES!r} if m != 'api' and u.find_spec(m) is not None]; "
        "assert not present, present"
    )
    _run(bare_venv, "-c", probe, cwd=tmp_path)


def test_the_client_imports_without_the_extras(bare_venv: Path, tmp_path: Path) -> None:
    probe = (
        "import sys; import ledger_client, ledger_client.ledger, ledger_client.index, ledger_client.audit, "
        "ledger_client.documents, ledger_client.cli; ledger_client.cli.build_parser(); "
        f"loaded = [m for m in {EXTRA_MODULES!r} if m in sys.modules]; assert not loaded, loaded"
    )
    _run(bare_venv, "-c", probe, cwd=tmp_path)


def test_readme_example_runs_on_the_bare_package(bare_venv: Path, anvil: AnvilNode, tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    check = f"\nimport sys\nloaded = [m for m in {EXTRA_MODULES!r} if m in sys.modules]\nassert not loaded, loaded\n"
    script.write_text(library_example() + check)
    env = {**os.environ, "AEO_LEDGER_RPC_URL": anvil.url}
    env.pop("PYTHONPATH", None)  # the installed package, never the work tree
    _run(bare_venv, script, cwd=tmp_path, env=env)
    assert (tmp_path / "deployments" / "example.json").is_file()


def test_a_command_needing_an_extra_names_it(bare_venv: Path, tmp_path: Path) -> None:
    cli = bare_venv.parent / "aeo-ledger"
    result = subprocess.run(
        [str(cli), "node", "--data-dir", str(tmp_path / "chain")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "needs the [node] extra" in result.stderr
    assert "pip install 'aeo-ledger[node]'" in result.stderr
    assert not (tmp_path / "chain").exists()
