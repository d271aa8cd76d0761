"""A credential as a QR code (segno, of the api extra): SVG for pages and print, PNG to hand out.

The QR code carries the whole credential text (byte mode, about 2 KB: a version near 35 at error
correction level L, which segno raises when the text leaves room), so a verifier needs nothing
but the code and the ledger.
"""

from __future__ import annotations

import io

import segno

from ledger_client.errors import LedgerValueError


def _code(text: str) -> segno.QRCode:
    try:
        return segno.make_qr(text, error="l", boost_error=True)
    except segno.DataOverflowError:
        raise LedgerValueError(f"the credential ({len(text)} characters) is too long for one QR code") from None


def qr_svg(text: str, *, scale: int = 3) -> str:
    """The QR code of ``text`` as an inline ``<svg>`` element (no XML declaration)."""
    return str(_code(text).svg_inline(scale=scale, border=4, title="AEO credential"))


def qr_png(text: str, *, scale: int = 4) -> bytes:
    """The QR code of ``text`` as PNG bytes."""
    buffer = io.BytesIO()
    _code(text).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR code's modules, row by row (True = dark), without the quiet zone."""
    return [[bool(cell) for cell in row] for row in _code(text).matrix]
