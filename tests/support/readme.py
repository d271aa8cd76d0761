"""The README's library example, as the tests run it (so the tests fail when the README drifts)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def library_example() -> str:
    """The first ``python`` block of README.md: the library example."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)
    if not blocks:
        raise AssertionError("the README has no Python example")
    return str(blocks[0])
