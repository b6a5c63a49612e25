"""Self-contained HTML: Leaflet and the folium plugins we use are inlined, nothing loads from a CDN.

Leaflet (JS, CSS and its control images) comes from the ``xstatic-leaflet`` package (the XStatic packaging of
Leaflet 1.9.3, the build folium's code targets), read from the installed distribution's files.
``leaflet-heat`` (folium's :class:`~folium.plugins.HeatMap`) comes from folium's own package templates.
No third-party JavaScript is copied into this repository.

Folium's other defaults (jQuery, Bootstrap, Font Awesome, awesome-markers) are not loaded: maps use
circle markers and div icons, and folium's only jQuery use (``$(`<div>...</div>`)[0]`` in popups) is
served by a three-line shim that parses the HTML with a ``<template>`` element (scripts in it never run).

The OpenStreetMap tile layer stays available but is *off* by default: switched on in the layer control
when the device is online. Offline the page needs no request at all, so it loads without errors.
"""

from __future__ import annotations

import base64
import functools
import re
from importlib import metadata
from pathlib import Path
from typing import Any

import folium

#: Pseudo URLs folium writes for the assets that :func:`render_offline` inlines.
LEAFLET_JS = "routeplan-inline:leaflet.js"
LEAFLET_CSS = "routeplan-inline:leaflet.css"
HEAT_JS = "routeplan-inline:leaflet-heat.js"

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

JQUERY_SHIM = (
    "window.$=window.$||function(h){var t=document.createElement('template');"
    "t.innerHTML=String(h).trim();return [t.content.firstElementChild];};"
)

#: Extra CSS of every map page: system fonts (no Bootstrap), phone-friendly controls.
MAP_CSS = """
html,body{margin:0;padding:0;font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
.leaflet-container{background:#f4f1ea;font:12px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
.leaflet-control-layers-expanded{max-height:60vh;overflow:auto}
.rp-depot{background:none;border:none}
@media (max-width:640px){
 .leaflet-control-layers-expanded{max-height:38vh;max-width:52vw;font-size:11px;padding:4px 6px}
 #routeplan-legend{max-width:46vw!important;font-size:10px!important;bottom:18px!important}
 #routeplan-legend .rp-more{display:none}
}
"""


#: Where ``xstatic-leaflet`` installs Leaflet's files (its module's ``BASE_DIR``), relative to site-packages.
_LEAFLET_DIR = "xstatic/pkg/leaflet/data"


def _dist_file(dist: str, rel: str) -> Path:
    """The installed file ``rel`` (relative to site-packages) of distribution ``dist``."""
    d = metadata.distribution(dist)
    p = Path(str(d.locate_file(rel)))
    if not p.is_file():
        raise FileNotFoundError(f"{dist} does not ship {rel}; reinstall it")
    return p


@functools.cache
def leaflet_js() -> str:
    """The minified Leaflet build shipped by xstatic-leaflet."""
    return _dist_file("xstatic-leaflet", f"{_LEAFLET_DIR}/leaflet.js").read_text(encoding="utf-8")


@functools.cache
def leaflet_css() -> str:
    """Leaflet's CSS with its control images inlined as data URIs."""
    css = _dist_file("xstatic-leaflet", f"{_LEAFLET_DIR}/leaflet.css").read_text(encoding="utf-8")

    def data_uri(m: re.Match) -> str:
        name = m.group(1)
        try:
            png = _dist_file("xstatic-leaflet", f"{_LEAFLET_DIR}/images/{name}").read_bytes()
        except FileNotFoundError:
            return "url()"
        return f"url(data:image/png;base64,{base64.b64encode(png).decode()})"

    return re.sub(r"url\(images/([\w@.-]+\.png)\)", data_uri, css)


@functools.cache
def heat_js() -> str:
    """leaflet-heat as shipped inside folium."""
    return _dist_file("folium", "folium/templates/leaflet_heat.min.js").read_text(encoding="utf-8")


def _script(js: str) -> str:
    # a literal "</script" inside the code would end the element early
    return "<script>" + js.replace("</script", "<\\/script") + "</script>"


def prepare_map(m: Any) -> Any:
    """Make a folium Map load only inlined assets (call before adding plugins)."""
    m.default_js = [("leaflet", LEAFLET_JS)]
    m.default_css = [("leaflet_css", LEAFLET_CSS)]
    return m


_INLINE = {LEAFLET_JS: lambda: _script(JQUERY_SHIM + "\n" + leaflet_js()),
           HEAT_JS: lambda: _script(heat_js()),
           LEAFLET_CSS: lambda: "<style>" + leaflet_css() + MAP_CSS + "</style>"}

_TAG = re.compile(r"<script\b[^>]*\bsrc=\"([^\"]*)\"[^>]*>\s*</script>|<link\b[^>]*\bhref=\"([^\"]*)\"[^>]*/?>", re.I)

#: Plugin scripts folium names by CDN URL that we inline instead.
_KNOWN_REMOTE = {"leaflet_heat.min.js": HEAT_JS}


def inline_assets(html: str) -> str:
    """Replace asset tags by inline copies; drop folium defaults we do not use; fail on anything remote."""
    def sub(m: re.Match) -> str:
        url = m.group(1) or m.group(2) or ""
        if m.group(2) is not None and "stylesheet" not in m.group(0).lower():
            return m.group(0)
        if url in _INLINE:
            return _INLINE[url]()
        for tail, key in _KNOWN_REMOTE.items():
            if url.endswith(tail):
                return _INLINE[key]()
        if re.match(r"(https?:)?//", url):
            raise RuntimeError(f"unexpected remote asset in a map: {url}")
        return m.group(0)

    out = _TAG.sub(sub, html)
    assert_offline(out)
    return out


def remote_assets(html: str) -> list[str]:
    """``src``/``href`` of every ``<script>``, ``<link>``, ``<img>`` or ``<iframe>`` that points off the page."""
    found = []
    for m in re.finditer(r"<(script|link|img|iframe|source|video|audio)\b[^>]*?\b(?:src|href)\s*=\s*[\"']?((?:https?:)?//[^\"' >]+)", html, re.I):
        found.append(m.group(2))
    return found


def assert_offline(html: str) -> None:
    """Raise if the page would fetch anything from the network to render."""
    bad = remote_assets(html)
    if bad:
        raise RuntimeError(f"page loads remote assets: {bad[:5]}")


def render_offline(m: Any) -> str:
    """Render a folium Map prepared with :func:`prepare_map` into one self-contained HTML string."""
    return inline_assets(m.get_root().render())


def tile_layer(name: str, attribution: str) -> Any:
    """The OpenStreetMap tile layer as an overlay that is off until the user switches it on."""
    return folium.TileLayer(tiles=OSM_TILES, attr=attribution, name=name, max_zoom=19, overlay=True, show=False)


# --- Leaflet.markercluster (folium's MarkerCluster), from the xstatic-leaflet-markercluster package's files

#: Pseudo URLs for Leaflet.markercluster; give them to a ``folium.plugins.MarkerCluster`` with
#: :func:`offline_marker_cluster` and :func:`render_offline` inlines them.
MARKERCLUSTER_JS = "routeplan-inline:leaflet.markercluster.js"
MARKERCLUSTER_CSS = "routeplan-inline:MarkerCluster.css"
_MARKERCLUSTER = ("xstatic-leaflet-markercluster", "xstatic/pkg/leaflet_markercluster/data")


@functools.cache
def markercluster_js() -> str:
    """Leaflet.markercluster (1.4.1), minified, as shipped by xstatic-leaflet-markercluster."""
    dist, folder = _MARKERCLUSTER
    js = _dist_file(dist, f"{folder}/leaflet.markercluster.js").read_text(encoding="utf-8")
    return re.sub(r"//# sourceMappingURL=\S*\s*$", "", js)  # no map file to look for beside the page


@functools.cache
def markercluster_css() -> str:
    """Leaflet.markercluster's two style sheets (animation, and the default cluster bubbles)."""
    dist, folder = _MARKERCLUSTER
    return "\n".join(_dist_file(dist, f"{folder}/{name}").read_text(encoding="utf-8")
                     for name in ("MarkerCluster.css", "MarkerCluster.Default.css"))


def offline_marker_cluster(cluster: Any) -> Any:
    """Make a ``folium.plugins.MarkerCluster`` load Leaflet.markercluster inlined instead of from a CDN."""
    cluster.default_js = [("markerclusterjs", MARKERCLUSTER_JS)]
    cluster.default_css = [("markerclustercss", MARKERCLUSTER_CSS)]
    return cluster


_INLINE.update({MARKERCLUSTER_JS: lambda: _script(markercluster_js()),
                MARKERCLUSTER_CSS: lambda: "<style>" + markercluster_css() + "</style>"})
