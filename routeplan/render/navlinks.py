"""Navigation to a stop: ``geo:`` URI, Google Maps directions link and a QR code made locally (``segno``).

The QR code holds the ``geo:lat,lon`` URI (short, so its modules stay large when printed small): a phone's
camera or QR app offers to open it in OsmAnd, Google Maps or any map app, which then navigates there.
Nothing is fetched: the code is drawn from the module matrix, as SVG for the pages and as rectangles in PDFs.
"""

from __future__ import annotations

import functools

import segno

from routeplan import settings


def geo_uri(lat: float, lon: float) -> str:
    """``geo:lat,lon`` at the precision of the briefings (about 1 m)."""
    d = settings.briefing_coordinate_decimals
    return f"geo:{lat:.{d}f},{lon:.{d}f}"


def maps_url(lat: float, lon: float) -> str:
    """Google Maps directions to the point (opens the app's navigation on a phone)."""
    d = settings.briefing_coordinate_decimals
    return f"https://www.google.com/maps/dir/?api=1&destination={lat:.{d}f},{lon:.{d}f}"


@functools.lru_cache(maxsize=4096)
def qr_matrix(text: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code of ``text`` as rows of dark (True) / light modules, without the quiet zone."""
    code = segno.make_qr(text, error="m", boost_error=False)
    return tuple(tuple(bool(v) for v in row) for row in code.matrix)


def qr_svg(text: str, size_px: int = 96, label: str = "") -> str:
    """A QR code of ``text`` as inline SVG (one path, quiet zone of 2 modules); ``label`` is an escaped caption."""
    m = qr_matrix(text)
    n = len(m) + 4
    path = "".join(f"M{x + 2} {y + 2}h1v1h-1z" for y, row in enumerate(m) for x, v in enumerate(row) if v)
    cap = (f'<text x="{n / 2}" y="{n + 2.6}" font-size="3.2" text-anchor="middle" font-family="sans-serif">'
           f"{label}</text>") if label else ""
    h = n + (3.5 if label else 0)
    return (f'<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {h}" width="{size_px}" '
            f'height="{round(size_px * h / n)}" shape-rendering="crispEdges"><rect width="{n}" height="{h}" fill="#fff"/>'
            f'<path d="{path}" fill="#000"/>{cap}</svg>')
