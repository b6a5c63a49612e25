"""Navigation links and QR codes of briefing stops: geo: URI, Google Maps link, QR decoding to the stop."""

from __future__ import annotations

import numpy as np
import pytest

from routeplan.render.navlinks import geo_uri, maps_url, qr_matrix, qr_svg


def decode(matrix, scale: int = 6) -> list[str]:
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp not installed (pip install -e .[test])")
    m = np.array(matrix, dtype=np.uint8)
    img = np.pad((1 - m) * 255, 4, constant_values=255).repeat(scale, 0).repeat(scale, 1).astype(np.uint8)
    return [r.text for r in zxingcpp.read_barcodes(img)]


def test_geo_and_maps_links():
    assert geo_uri(-8.2205012, 113.2154649) == "geo:-8.22050,113.21546"
    assert maps_url(-8.2205012, 113.2154649) == "https://www.google.com/maps/dir/?api=1&destination=-8.22050,113.21546"


@pytest.mark.parametrize("lat,lon", [(-8.2205012, 113.2154649), (-6.9, 107.6), (0.0, -0.00001)])
def test_qr_decodes_to_the_stop(lat, lon):
    assert decode(qr_matrix(geo_uri(lat, lon))) == [geo_uri(lat, lon)]


def test_qr_svg_is_inline_and_draws_the_matrix():
    svg = qr_svg("geo:1.00000,2.00000", 80, "7")
    m = qr_matrix("geo:1.00000,2.00000")
    assert svg.startswith("<svg") and "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    assert svg.count("h1v1h-1z") == sum(map(sum, m))
    assert ">7</text>" in svg
