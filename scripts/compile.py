"""Compile contracts/ with the pinned solc; write ledger_client/artifacts/ (the harness: tests/support/artifacts/).

Uses a native solc of the pinned version through py-solc-x when one is installed, otherwise
solc-js from the npm package ``solc`` of the same version (``npm ci`` installs it from
package-lock.json). Both speak the standard-JSON interface and give identical output.

    python scripts/compile.py            # write artifacts
    python scripts/compile.py --check    # recompile and fail if artifacts differ byte for byte
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = ROOT / "contracts"
ARTIFACTS = ROOT / "ledger_client" / "artifacts"
TEST_ARTIFACTS = ROOT / "tests" / "support" / "artifacts"
SOLC_VERSION = "0.8.28"
#: The contracts whose artifacts the client and the tests load, and where each is written: the
#: harness (settable clock) is for tests only and never ships in the package.
OUTPUT_CONTRACTS = {
    "contracts/AeoLedger.sol": "AeoLedger",
    "contracts/test/AeoLedgerHarness.sol": "AeoLedgerHarness",
}
OUTPUT_DIRS = {"AeoLedger": ARTIFACTS, "AeoLedgerHarness": TEST_ARTIFACTS}
SETTINGS: dict[str, Any] = {
    "optimizer": {"enabled": True, "runs": 200},
    "evmVersion": "cancun",
    "viaIR": True,
    "metadata": {"bytecodeHash": "none"},
    "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
}

_SOLCJS = """
const solc = require('solc');
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => { process.stdout.write(solc.compile(input)); });
"""


def source_files() -> list[Path]:
    """All Solidity sources under contracts/, sorted by path."""
    return sorted(CONTRACTS.rglob("*.sol"))


def sources_sha256() -> str:
    """sha256 over every source's relative path and bytes: changes whenever a contract does."""
    digest = hashlib.sha256()
    for path in source_files():
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def standard_json_input() -> dict[str, Any]:
    sources = {path.relative_to(ROOT).as_posix(): {"content": path.read_text()} for path in source_files()}
    return {"language": "Solidity", "sources": sources, "settings": SETTINGS}


def _compile_native(payload: dict[str, Any]) -> dict[str, Any] | None:
    try:
        import solcx
    except ImportError:
        return None
    installed = {str(v) for v in solcx.get_installed_solc_versions()}
    if SOLC_VERSION not in installed:
        return None
    result: dict[str, Any] = solcx.compile_standard(payload, solc_version=SOLC_VERSION, allow_paths=str(ROOT))
    return result


def _compile_solcjs(payload: dict[str, Any]) -> dict[str, Any]:
    package = ROOT / "node_modules" / "solc" / "package.json"
    if not package.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=ROOT, check=True)
    version = json.loads(package.read_text())["version"]
    if version != SOLC_VERSION:
        raise SystemExit(f"node_modules/solc is {version}, expected {SOLC_VERSION}: run `npm ci`")
    proc = subprocess.run(
        ["node", "-e", _SOLCJS],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def compile_contracts() -> tuple[dict[str, Any], str]:
    """Compile and return (standard-JSON output, compiler description)."""
    payload = standard_json_input()
    output = _compile_native(payload)
    compiler = f"solc {SOLC_VERSION} (native, py-solc-x)"
    if output is None:
        output = _compile_solcjs(payload)
        compiler = f"solc {SOLC_VERSION} (solc-js)"
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise SystemExit("\n".join(e.get("formattedMessage", e["message"]) for e in errors))
    return output, compiler


def render_artifacts(output: dict[str, Any]) -> dict[Path, str]:
    """Artifact file path -> exact file text."""
    digest = sources_sha256()
    files: dict[Path, str] = {}
    for source, name in OUTPUT_CONTRACTS.items():
        contract = output["contracts"][source][name]
        artifact = {
            "contractName": name,
            "sourceName": source,
            "compilerVersion": SOLC_VERSION,
            "settings": {k: v for k, v in SETTINGS.items() if k != "outputSelection"},
            "sourcesSha256": digest,
            "abi": contract["abi"],
            "bytecode": "0x" + contract["evm"]["bytecode"]["object"],
            "deployedBytecode": "0x" + contract["evm"]["deployedBytecode"]["object"],
        }
        files[OUTPUT_DIRS[name] / f"{name}.json"] = json.dumps(artifact, indent=2, sort_keys=True) + "\n"
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if committed artifacts differ from a fresh build")
    args = parser.parse_args(argv)
    output, compiler = compile_contracts()
    files = render_artifacts(output)
    if args.check:
        stale = [str(p.relative_to(ROOT)) for p, text in files.items() if not p.exists() or p.read_text() != text]
        if stale:
            print(f"artifacts differ from a fresh build with {compiler}: {', '.join(stale)}", file=sys.stderr)
            return 1
        print(f"artifacts match a fresh build with {compiler}")
        return 0
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for source, name in OUTPUT_CONTRACTS.items():
        size = (len(output["contracts"][source][name]["evm"]["deployedBytecode"]["object"])) // 2
        print(f"{name}: {size} bytes deployed ({compiler})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
