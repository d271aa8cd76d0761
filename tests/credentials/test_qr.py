"""QR codes of credentials: segno encodes, jsQR (the decoder the console's page runs) decodes."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI

from api.config import ApiSettings
from api.console import install_console
from api.console.qr import qr_matrix, qr_png
from ledger_client.credentials import Disclosable, present
from tests.api.conftest import Env
from tests.credentials.conftest import Issued, credential_of, verify

ROOT = Path(__file__).resolve().parents[2]
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
        [node, "-e", DECODE, str(PINNED)], input=payload, capture_output=True, text=True, timeout=60, check=True
    )
    decoded: str | None = json.loads(done.stdout)
    return decoded


def test_the_console_serves_the_pinned_jsqr_from_node_modules(own: Env) -> None:
    assert not (ROOT / "api" / "console" / "static" / "jsQR.js").exists(), "no copy of a third-party file in the repo"
    served = own.client.get("/static/vendor/jsqr/jsQR.js")
    assert served.status_code == 200
    assert served.content == PINNED.read_bytes()
    page = own.client.get("/credentials/verify").text
    assert '<script src="/static/vendor/jsqr/jsQR.js" defer></script>' in page
    assert 'id="qr-image"' in page


def test_without_the_npm_packages_the_page_offers_no_qr_reading(tmp_path: Path) -> None:
    app = FastAPI()
    install_console(app, ApiSettings(state_dir=tmp_path, console_node_modules=tmp_path / "missing"))
    assert app.state.console_qr_decoder is False
    assert not any(getattr(route, "path", "") == "/static/vendor/jsqr" for route in app.routes)


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
