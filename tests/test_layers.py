"""The client installs alone: no module of ``ledger_client`` imports the API, eth-tester or py-evm
when it is imported (only inside the functions that need them), except the in-process backends
and the embedded node, which are the ``[node]`` extra's. ``tests/client/test_bare_install.py``
checks the same on a real bare install; this scan names the offending line in a second.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "ledger_client"
#: Top-level packages of the extras, and where (relative to ledger_client/) each may be imported eagerly.
EXTRAS = {
    "api": (),
    "fastapi": (),
    "eth_tester": ("backends/memory.py", "node/"),
    "eth": ("backends/memory.py", "node/"),
    "trie": ("backends/pyevm.py", "node/"),
}


def _eager_imports(tree: ast.Module) -> list[tuple[int, str]]:
    """Imports run when the module is imported: module level, outside ``if TYPE_CHECKING:``."""
    found: list[tuple[int, str]] = []
    stack: list[ast.stmt] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.If | ast.Try | ast.With):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    stack.append(child)
            if isinstance(node, ast.Try):
                stack += [stmt for handler in node.handlers for stmt in handler.body]
    return found


def test_the_library_imports_no_extra_eagerly() -> None:
    offences = []
    for path in sorted(LIBRARY.rglob("*.py")):
        where = path.relative_to(LIBRARY).as_posix()
        for line, module in _eager_imports(ast.parse(path.read_text())):
            allowed = EXTRAS.get(module.partition(".")[0])
            if allowed is not None and not any(where.startswith(prefix) for prefix in allowed):
                offences.append(f"ledger_client/{where}:{line} imports {module}")
    assert not offences, "\n".join(offences)


def test_the_scan_sees_module_level_imports_and_skips_type_checking_and_functions() -> None:
    tree = ast.parse(
        "import api.main\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from api import x\n"
        "try:\n    import eth\nexcept ImportError:\n    pass\ndef f():\n    import eth_tester\n"
    )
    assert sorted(module for _, module in _eager_imports(tree)) == ["api.main", "eth", "typing"]
