"""Folium map of hotspots: the ``hotspots.html`` page of :func:`routeplan.hotspots.write_hotspot_outputs`.

Every piece of user text (incident types, names, times) is escaped with :func:`routeplan._html.escape`
before it reaches the HTML, including text embedded as JSON inside ``<script>`` blocks, and no page part
holding it is compiled as a template (:class:`~routeplan._html.Raw`, :class:`~routeplan._html.DataMacro`).
"""

from __future__ import annotations

import json
from typing import cast

import branca.colormap as cm
import folium
import geopandas as gpd
from branca.element import Figure
from folium.plugins import HeatMap, MarkerCluster
from jinja2 import Template
from shapely.geometry import Point

from routeplan._html import BindText, DataMacro, Raw, escape, popup, tooltip
from routeplan.hotspots.page_legend import (
    ALL_COLOUR,
    AREA_COLOUR,
    CELL_COLOURS,
    DESA_COLOUR,
    ROAD_COLOUR,
    TYPE_COLOURS,
    legend_html,
    warning_html,
)
from routeplan.hotspots.result import HotspotResult
from routeplan.i18n import incident_label, number
from routeplan.i18n import t as _t
from routeplan.render.offline import offline_marker_cluster, prepare_map, render_offline, tile_layer

_OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
#: Highest zoom of the map (that of the OSM tiles); incidents are no longer clustered there.
_MAX_ZOOM = 19
_OSM_ATTR = '<a href="https://www.openstreetmap.org/copyright">© OpenStreetMap contributors</a>'
#: Road names labelled on the base map (the longest stretch of each named main road), at most this many.
_MAX_ROAD_LABELS = 30
#: keys of :data:`routeplan.i18n.CATALOGUE` used on this map, by their short names here
_KEYS = {"heat": "hs_heat", "cells": "hs_cells", "hotspots": "hotspots", "incidents": "hs_incidents",
         "risk": "risk", "rank": "hs_rank", "count": "hs_incidents", "types": "hs_types", "hours": "active_hours",
         "any": "any_time", "legend": "hs_legend", "time": "time"}


class ClusterPoints(DataMacro):
    """Incident points as circle markers with popups, added to their parent ``MarkerCluster`` in one call.

    Each point is ``[lat, lon, popup_html]``; the popup text must already be escaped. The points are data in
    the script, which is rendered once (never compiled again as a template). Cluster bubbles take the
    category's colour; at the map's highest zoom every incident is its own marker.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var group = {{ this._parent.get_name() }};
            var pts = {{ this.points_json }};
            var colour = {{ this.colour_json }};
            group.options.iconCreateFunction = function (cluster) {
                var n = cluster.getChildCount();
                var size = n < 10 ? 30 : n < 100 ? 36 : 42;
                return L.divIcon({
                    html: '<div style="background-color:' + colour + '"><span>' + n + '</span></div>',
                    className: "marker-cluster rp-cluster", iconSize: L.point(size, size)
                });
            };
            group.addLayers(pts.map(function (p) {
                return L.circleMarker([p[0], p[1]], {radius: 4, color: colour, weight: 1, fillOpacity: 0.8})
                    .bindPopup(p[2]);
            }));
        })();
        {% endmacro %}
    """)

    def __init__(self, points: list[list[float | str]], colour: str) -> None:
        super().__init__()
        self._name = "ClusterPoints"
        # "</" cannot end the script: popup text is escaped and JSON keeps "<" only as \u003c
        self.points_json = json.dumps(points).replace("<", "\\u003c")
        self.colour_json = json.dumps(colour)


_e = escape


def _page(m: folium.Map) -> Figure:
    """The HTML page a map renders into (folium types ``get_root()`` as any element)."""
    return cast(Figure, m.get_root())


def build_map(result: HotspotResult, lang: str = "id", max_cells: int = 5000, max_markers: int = 20000,
              roads: gpd.GeoDataFrame | None = None, desa: gpd.GeoDataFrame | None = None) -> str:
    """Render the hotspot map as a standalone HTML string.

    Parameters
    ----------
    result : HotspotResult
    lang : {"id", "en"}
        Label language.
    max_cells : int
        Draw at most this many cells (the highest-risk ones) in the choropleth.
    max_markers : int
        Draw at most this many incident markers (a seeded sample above it).
    roads : geopandas.GeoDataFrame, optional
        Road lines for the base map (:func:`routeplan.hotspots.places.road_lines`); main roads labelled.
    desa : geopandas.GeoDataFrame, optional
        Desa polygons for the base map (:func:`routeplan.hotspots.places.read_desa`).

    Returns
    -------
    str
        HTML with a base map that shows places with the tiles off (roads and desa when given, the study
        area, the incident locations), a switchable HeatMap, the ranked cells choropleth, hotspot polygons
        (one layer per hotspot layer), incidents in a switchable clustered layer per category, every layer
        named with its count, one legend for all of them with the data notes, a warning line when the
        bandwidth is at the edge of its candidates, a LayerControl and the OSM attribution.
        Self-contained (Leaflet inlined, OSM tiles opt-in), see :mod:`routeplan.render.offline`.
    """
    t = {short: _t(key, lang) for short, key in _KEYS.items()}
    area = result.area
    c = area.centroid
    m = folium.Map(location=[c.y, c.x], zoom_start=13, tiles=None, control_scale=True, prefer_canvas=True)
    m.options["maxZoom"] = _MAX_ZOOM  # Leaflet.markercluster needs the map's highest zoom
    _page(m).header.add_child(Raw(
        "<style>.marker-cluster.rp-cluster{background-color:rgba(255,255,255,.6)}"
        ".marker-cluster.rp-cluster div{color:#fff;font:bold 11px sans-serif;opacity:.85}"
        ".leaflet-tooltip.rp-road-label,.leaflet-tooltip.rp-desa-label{background:rgba(255,255,255,.7);border:0;"
        "box-shadow:none;padding:0 2px;font:10px sans-serif;color:#333}"
        ".leaflet-tooltip.rp-desa-label{font:bold 11px sans-serif;color:#2c7fb8}"
        ".leaflet-tooltip.rp-road-label:before,.leaflet-tooltip.rp-desa-label:before{display:none}"
        # the metric scale bar sits above the attribution line, not under it
        ".leaflet-bottom.leaflet-left{bottom:34px}</style>"))
    # self-contained page: Leaflet and leaflet-heat inlined; OSM tiles are an opt-in overlay (off by default)
    prepare_map(m)
    tile_layer("OpenStreetMap", _OSM_ATTR).add_to(m)
    _add_base(m, result, lang, roads, desa)
    minx, miny, maxx, maxy = area.bounds
    m.fit_bounds([[miny, minx], [maxy, maxx]])

    _add_heat(m, result, lang)
    _add_cells(m, result, t, max_cells, lang)
    layers = _add_hotspots(m, result, t, lang)
    types = _add_incidents(m, result, t, max_markers)
    folium.LayerControl(collapsed=False).add_to(m)
    page = _page(m).html
    page.add_child(Raw(legend_html(result, lang, layers=layers, incident_types=types,
                                   roads=roads is not None and len(roads) > 0,
                                   desa=desa is not None and len(desa) > 0)))
    page.add_child(Raw(warning_html(result, lang)))
    note = (
        '<div style="position: fixed; bottom: 4px; left: 4px; z-index: 9999; background: white; '
        'padding: 2px 6px; font-size: 11px; opacity: 0.85;">'
        f"{_OSM_ATTR} · routeplan hotspots ({_e(result.method)}, "
        f"{_e(result.cell_m)} m"
        + (f", h = {result.bandwidth_m:.0f} m" if result.bandwidth_m else "")
        + ")</div>"
    )
    _page(m).html.add_child(Raw(note))
    return render_offline(m)


def _add_base(m: folium.Map, result: HotspotResult, lang: str, roads: gpd.GeoDataFrame | None,
              desa: gpd.GeoDataFrame | None) -> None:
    """The base map, on with the tiles off: roads (main ones labelled), desa, the study area, incident locations."""
    base = folium.FeatureGroup(name=_e(_t("hs_base", lang)), show=True)
    if desa is not None and len(desa):
        folium.GeoJson(desa.geometry.__geo_interface__, zoom_on_click=False,
                       style_function=lambda _f: {"color": DESA_COLOUR, "weight": 1.5, "dashArray": "6 4",
                                                  "fill": False}).add_to(base)
        for name, point in zip(desa["name"], desa.geometry.representative_point()):
            _label(base, point.y, point.x, f"Desa {name}", "rp-desa-label")
    if roads is not None and len(roads):
        for main in (False, True):
            sub = roads[roads["main"] == main]
            if len(sub):
                folium.GeoJson(sub.geometry.__geo_interface__, zoom_on_click=False,
                               style_function=lambda _f, w=(3.5 if main else 1.2): {"color": ROAD_COLOUR,
                                                                                     "weight": w, "opacity": 0.8},
                               ).add_to(base)
        for name, point in _road_label_points(roads):
            _label(base, point.y, point.x, name, "rp-road-label")
    folium.GeoJson(result.area.__geo_interface__, zoom_on_click=False,
                   style_function=lambda _f: {"color": AREA_COLOUR, "weight": 2, "fill": False}).add_to(base)
    pts = result.incidents.geometry
    if len(pts):
        folium.GeoJson(gpd.GeoSeries(pts.drop_duplicates().values, crs=pts.crs).__geo_interface__,
                       marker=folium.CircleMarker(radius=1.5, color="#666666", weight=0, fill=True,
                                                  fill_opacity=0.6)).add_to(base)
    base.add_to(m)


def _road_label_points(roads: gpd.GeoDataFrame) -> list[tuple[str, Point]]:
    """The midpoint of the longest stretch of each named main road (longest roads first)."""
    named = roads[(roads["name"] != "") & roads["main"]]
    if len(named) == 0:
        return []
    lengths = named.geometry.to_crs(named.estimate_utm_crs()).length
    best = named.assign(_len=lengths.to_numpy()).sort_values("_len", ascending=False).drop_duplicates("name")
    return [(str(r["name"]), r.geometry.interpolate(0.5, normalized=True))
            for _, r in best.head(_MAX_ROAD_LABELS).iterrows()]


def _label(group: folium.FeatureGroup, lat: float, lon: float, text: str, css: str) -> None:
    """A permanent text label (escaped) at a point, on an invisible marker."""
    marker = folium.CircleMarker([lat, lon], radius=0, opacity=0, fill=False)
    marker.add_child(BindText(_e(text), "tooltip", permanent=True, direction="center", className=css, sticky=False))
    marker.add_to(group)


def _add_heat(m: folium.Map, result: HotspotResult, lang: str) -> None:
    """A switchable heat map of the incidents."""
    inc = result.incidents
    heat = folium.FeatureGroup(name=_e(_t("hs_heat_n", lang).format(n=len(inc))), show=True)
    pts = [[float(g.y), float(g.x)] for g in inc.geometry]
    if pts:
        HeatMap(pts, radius=14, blur=18, min_opacity=0.25).add_to(heat)
    heat.add_to(m)


def _add_cells(m: folium.Map, result: HotspotResult, t: dict[str, str], max_cells: int, lang: str) -> None:
    """The ranked cells as a choropleth (off at first); its legend is in :func:`legend_html`."""
    cells = result.cells.sort_values("risk", ascending=False).head(max_cells)
    cmap = cm.LinearColormap(
        list(CELL_COLOURS), vmin=float(result.cells["risk"].min()), vmax=1.0,
        caption=t["legend"].format(floor=result.floor_share),
    )
    feats = []
    for _, r in cells.iterrows():
        feats.append(
            {
                "type": "Feature",
                "properties": {
                    "risk": round(float(r["risk"]), 4),
                    "order": int(r["order"]),
                    "incidents": int(r["incidents"]),
                    "hotspot": _e(r["hotspot"]),
                },
                "geometry": r.geometry.__geo_interface__,
            }
        )
    folium.GeoJson(
        {"type": "FeatureCollection", "features": feats},
        name=_e(_t("hs_cells_n", lang).format(n=len(cells))),
        style_function=lambda f: {
            "fillColor": cmap(f["properties"]["risk"]),
            "color": "#999999",
            "weight": 0.2,
            "fillOpacity": 0.55,
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["order", "risk", "incidents", "hotspot"],
            aliases=[_e(t["rank"]), _e(t["risk"]), _e(t["count"]), _e(t["hotspots"])],
        ),
        show=False,
    ).add_to(m)


def _add_hotspots(m: folium.Map, result: HotspotResult, t: dict[str, str], lang: str) -> dict[str, int]:
    """The hotspot polygons with popups and tooltips, one layer per hotspot layer; the count of each."""
    hs = result.hotspots
    layers = {str(k): int(v) for k, v in hs["layer"].value_counts(sort=False).items()} if len(hs) else {}
    order = sorted(layers, key=lambda k: (k != "all", k))
    layers = {k: layers[k] for k in order}
    for layer in order:
        name = (_t("hs_layer_all", lang).format(n=layers[layer]) if layer == "all" else
                _t("hs_layer_type", lang).format(type=incident_label(layer, lang), n=layers[layer]))
        group = folium.FeatureGroup(name=_e(name), show=layer == "all")
        _hotspot_shapes(group, hs[hs["layer"] == layer], t, lang)
        group.add_to(m)
    return layers


def _hotspot_shapes(hs_group: folium.FeatureGroup, hotspots: gpd.GeoDataFrame, t: dict[str, str], lang: str) -> None:
    """One outlined polygon per hotspot, with its popup and tooltip."""
    for _, r in hotspots.iterrows():
        hours = ", ".join(r["active_hours"]) or t["any"]
        text = (
            f"<b>{_e(r['id'])}: {_e(r['name'])}</b><br>"
            f"{_e(t['rank'])}: {int(r['rank'])}<br>{_e(t['risk'])}: {number(float(r['risk']), lang, 2)}<br>"
            f"{_e(t['count'])}: {int(r['incidents'])}<br>"
            f"{_e(t['types'])}: {_e(', '.join(r['types']))}<br>{_e(t['hours'])}: {_e(hours)}"
        )
        colour = ALL_COLOUR if r["layer"] == "all" else TYPE_COLOURS.get(str(r["layer"]), "#333333")
        folium.GeoJson(
            r.geometry.__geo_interface__,
            style_function=lambda f, colour=colour: {"color": colour, "weight": 2, "fillOpacity": 0.05},
        ).add_child(popup(text, max_width=320)).add_child(tooltip(_e(f"{r['id']} · {r['name']}"))).add_to(hs_group)


def _add_incidents(m: folium.Map, result: HotspotResult, t: dict[str, str], max_markers: int) -> list[str]:
    """The incidents: a switchable, clustered layer per category; the categories drawn."""
    inc = result.incidents
    # incidents: one switchable layer per category, clustered by folium's MarkerCluster (Leaflet.markercluster
    # inlined from an installed package, so the page stays self-contained)
    sample = inc
    if len(inc) > max_markers:
        sample = inc.sample(max_markers, random_state=0)
    cats = sorted(sample["type"].astype(str).unique())
    for cat in cats:
        sub = sample[sample["type"] == cat]
        group = offline_marker_cluster(MarkerCluster(
            name=_e(f"{t['incidents']}: {cat} ({len(sub)})"), show=False,
            disable_clustering_at_zoom=_MAX_ZOOM, chunked_loading=True,
        ))
        colour = TYPE_COLOURS.get(cat, "#333333")
        times = sub["time"].dt.strftime("%Y-%m-%d %H:%M").fillna("")
        points: list[list[float | str]] = [
            [round(float(g.y), 6), round(float(g.x), 6),
             f"<b>{_e(t['types'])}</b>: {_e(raw or cat)}<br>4C: {_e(cat)}<br>{_e(t['time'])}: {_e(when)}"]
            for g, raw, when in zip(sub.geometry, sub["raw_type"].astype(str), times)
        ]
        group.add_child(ClusterPoints(points, colour))
        group.add_to(m)
    return cats
