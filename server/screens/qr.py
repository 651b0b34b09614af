"""QR codes for the join link, drawn on the server as SVG: no image service sees the code."""

from __future__ import annotations

import functools

import segno


@functools.lru_cache(maxsize=256)
def qr_svg(url: str) -> str:
    """An inline SVG that scales with its box (no fixed size), dark on white."""
    return str(
        segno.make_qr(url, error="m").svg_inline(
            scale=1, border=2, dark="#111", light="#fff", omitsize=True, svgclass="qr"
        )
    )
