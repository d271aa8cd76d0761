"""QR codes of credentials: segno encodes, jsQR (the decoder the console's page runs) decodes."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from api.console.qr import qr_matrix, qr_png
from ledger_client.credentials import Disclosable, present
from tests.api.conftest import Env
from tests.credentials.conftest import Issued, credential_of, verify

ROOT = Path(__file__).resolve().parents[2]
VENDORED = ROOT / "api" / "console" / "static" / "jsQR.js"
PINNED = ROOT / "node_modules" / "jsqr" / "dist" / "jsQR.js"
DECODE = """
const jsQR = require(process.argv[1]);
let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const { width, height, pixels } = JSON.parse(input);
  const found = jsQR(new Uint8ClampedArray(Buffer.from(pixels, "base64")), width, height);
  process.stdout.write(JSON.stringify(found ? found.data : null));
});
"""


def decode_with_jsqr(matrix: list[list[bool]], scale: int = 3, border: int = 4) -> str | None:
    """Render ``matrix`` as RGBA pixels and decode them with the console's jsQR in node."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed (scripts/bootstrap.sh installs the npm packages with it)")
    size = (len(matrix) + 2 * border) * scale
    pixels = bytearray(b"\xff" * (size * size * 4))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if not dark:
                continue
            for dy in range(scale):
                start = (((y + border) * scale + dy) * size + (x + border) * scale) * 4
                pixels[start : start + scale * 4] = b"\x00\x00\x00\xff" * scale
    payload = json.dumps({"width": size, "height": size, "pixels": base64.b64encode(bytes(pixels)).decode()})
    done = subprocess.run(
        [node, "-e", DECODE, str(VENDORED)], input=payload, capture_output=True, text=True, timeout=60, check=True
    )
    decoded: str | None = json.loads(done.stdout)
    return decoded


def test_the_console_serves_the_pinned_jsqr() -> None:
    assert VENDORED.read_bytes() == PINNED.read_bytes(), "copy node_modules/jsqr/dist/jsQR.js to api/console/static/"


def test_a_credential_survives_the_qr_round_trip(own: Env, certificate: Callable[..., Issued]) -> None:
    text = credential_of(own, certificate())
    for shown in (text, present(text, [Disclosable.TRADER_ID])):
        decoded = decode_with_jsqr(qr_matrix(shown))
        assert decoded == shown
        assert verify(own, decoded)["verdict"] == "VALID"
    assert qr_png(text).startswith(b"\x89PNG\r\n\x1a\n")


def test_a_damaged_qr_code_does_not_decode_into_another_credential(
    own: Env, certificate: Callable[..., Issued]
) -> None:
    text = credential_of(own, certificate())
    matrix = qr_matrix(text)
    for row in matrix[20:60]:  # far beyond what error correction level L repairs
        row[20:60] = [not cell for cell in row[20:60]]
    assert decode_with_jsqr(matrix) in (None, text)
