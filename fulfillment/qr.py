"""QR codes of drop-off codes (segno), as inline SVG: what a customer shows at the hub and
a hub's scanner reads into the code field. The QR holds the code alone (8 letters and
digits), so any scanner that types what it reads works with the receive form."""

from __future__ import annotations

import io

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(text: str, *, title: str = "", scale: int = 4) -> str:
    """`text` as a standalone inline <svg> element (no XML declaration), error correction
    level M, black on white with the standard 4-module quiet zone."""
    buffer = io.BytesIO()
    segno.make_qr(text, error="m").save(
        buffer,
        kind="svg",
        scale=scale,
        xmldecl=False,
        svgns=True,
        title=title or None,
        light="#fff",
        svgclass="qr",
        lineclass=None,
    )
    return buffer.getvalue().decode()


def dropoff_qr_svg(code: str | None, *, scale: int = 4) -> SafeString | None:
    """The drop-off code's QR as inline SVG (safe to put in a page as it is: segno's
    markup of a code Closo drew from its own alphabet), or None without a code."""
    if not code:
        return None
    return mark_safe(qr_svg(code, title=f"Drop-off code {code}", scale=scale))


def qr_png(text: str, *, scale: int = 8) -> bytes:
    """`text` as a PNG image (segno writes PNG itself), for an e-mail attachment."""
    buffer = io.BytesIO()
    segno.make_qr(text, error="m").save(buffer, kind="png", scale=scale)
    return buffer.getvalue()
