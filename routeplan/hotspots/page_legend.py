"""The hotspots page's legend, warning line and data notes, as plain HTML (every text escaped).

One legend explains every layer the page draws: the heat map's colours, the hotspot outlines per layer,
the risk cells, the incident markers and the base map (roads, desa, study area, incident locations).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from routeplan._html import escape as _e
from routeplan.hotspots.result import HotspotResult
from routeplan.i18n import incident_label
from routeplan.i18n import t as _t

#: Leaflet.heat's default gradient (stop -> colour), as the heat map draws it.
HEAT_GRADIENT: dict[float, str] = {0.4: "blue", 0.6: "cyan", 0.7: "lime", 0.8: "yellow", 1.0: "red"}
#: Colours of the cell choropleth (low -> high risk).
CELL_COLOURS: tuple[str, str, str] = ("#ffffcc", "#fd8d3c", "#bd0026")
#: Outline of the hotspots of all incidents (apart from the category colours and the heat map's).
ALL_COLOUR = "#111111"
#: Colour of each incident category (markers and per-type hotspot outlines).
TYPE_COLOURS: dict[str, str] = {
    "curas": "#c0392b",
    "curat": "#d35400",
    "curanmor": "#8e44ad",
    "curhewan": "#27ae60",
    "lainnya": "#7f8c8d",
}
ROAD_COLOUR = "#8a8a8a"
DESA_COLOUR = "#2c7fb8"
AREA_COLOUR = "#555555"

_BOX = ("position:fixed;bottom:28px;right:10px;z-index:9999;background:#fff;padding:4px 8px;border:1px solid #999;"
        "border-radius:4px;font:11px/1.35 sans-serif;max-width:260px;max-height:60vh;overflow:auto")


def _bar(colours: Sequence[str]) -> str:
    return (f'<div style="width:180px;height:9px;margin:2px 0;background:linear-gradient(to right,'
            f'{",".join(colours)})"></div>')


def _swatch(colour: str, kind: str = "line") -> str:
    if kind == "dot":
        style = f"display:inline-block;width:8px;height:8px;border-radius:50%;background:{colour}"
    elif kind == "dash":
        style = f"display:inline-block;width:18px;height:0;border-top:2px dashed {colour}"
    else:
        style = f"display:inline-block;width:18px;height:0;border-top:3px solid {colour}"
    return f'<span style="{style};margin-right:5px;vertical-align:middle"></span>'


def _row(swatch: str, text: str) -> str:
    return f"<div>{swatch}{_e(text)}</div>"


def edge_warning(result: HotspotResult, lang: str = "id") -> str | None:
    """The warning line when the chosen bandwidth is the smallest or largest candidate tried, else ``None``.

    Parameters
    ----------
    result : HotspotResult
    lang : {"id", "en"}

    Returns
    -------
    str or None
    """
    sel = result.bandwidth_selection
    cands = [float(c) for c in sel.get("candidates_m", [])]
    if not sel.get("at_edge") or not cands or result.bandwidth_m is None:
        return None
    h = float(result.bandwidth_m)
    edge = "hs_edge_low" if abs(h - min(cands)) <= abs(h - max(cands)) else "hs_edge_high"
    return _t("hs_bw_edge", lang).format(h=round(h), edge=_t(edge, lang), lo=round(min(cands)), hi=round(max(cands)))


def warning_html(result: HotspotResult, lang: str = "id") -> str:
    """A yellow line at the top of the page for :func:`edge_warning` (``""`` without one)."""
    text = edge_warning(result, lang)
    if text is None:
        return ""
    return ('<div class="rp-warning" role="alert" style="position:fixed;top:8px;left:50px;max-width:40%;z-index:9999;'
            'background:#fff3cd;border:1px solid #d4a017;border-radius:4px;padding:3px 8px;'
            f'font:12px/1.35 sans-serif">&#9888; {_e(text)}</div>')


def legend_html(result: HotspotResult, lang: str, *, layers: Mapping[str, int], incident_types: Sequence[str],
                roads: bool, desa: bool) -> str:
    """The legend of every layer of the page, with the data notes below it (a collapsible box).

    Parameters
    ----------
    result : HotspotResult
    lang : {"id", "en"}
    layers : mapping
        Hotspot layer (``all`` or a category) -> number of hotspots drawn.
    incident_types : sequence of str
        Categories with incident markers.
    roads, desa : bool
        Whether the base map has roads / desa outlines.

    Returns
    -------
    str
    """
    heat = [HEAT_GRADIENT[k] for k in sorted(HEAT_GRADIENT)]
    parts = [f"<b>{_e(_t('hs_heat', lang))}</b>", _bar(["rgba(0,0,255,0.2)", *heat]),
             f"<div>{_e(_t('hs_heat_explain', lang))}</div>", f"<b>{_e(_t('hotspots', lang))}</b>"]
    for layer, n in layers.items():
        if layer == "all":
            parts.append(_row(_swatch(ALL_COLOUR), f"{_t('hs_outline_all', lang)} ({n})"))
        else:
            label = incident_label(layer, lang)
            parts.append(_row(_swatch(TYPE_COLOURS.get(layer, "#333333")),
                              f"{_t('hs_outline_type', lang).format(type=label)} ({n})"))
    parts.append(f"<b>{_e(_t('hs_cells', lang))}</b> {_e(_t('hs_layer_off', lang))}")
    parts.append(_bar(CELL_COLOURS))
    parts.append(f"<div>{_e(_t('hs_legend', lang).format(floor=result.floor_share))}</div>")
    if incident_types:
        parts.append(f"<b>{_e(_t('hs_markers', lang))}</b> {_e(_t('hs_layer_off', lang))}")
        parts.extend(_row(_swatch(TYPE_COLOURS.get(c, "#333333"), "dot"), incident_label(c, lang))
                     for c in incident_types)
    parts.append(f"<b>{_e(_t('hs_base', lang))}</b>")
    if roads:
        parts.append(_row(_swatch(ROAD_COLOUR), _t("hs_roads", lang)))
    if desa:
        parts.append(_row(_swatch(DESA_COLOUR, "dash"), _t("hs_desa", lang)))
    parts.append(_row(_swatch(AREA_COLOUR), _t("hs_area", lang)))
    parts.append(_row(_swatch("#666666", "dot"), _t("hs_points", lang)))
    if result.notes:
        parts.append(f"<b>{_e(_t('hs_notes', lang))}</b>")
        parts.extend(f"<div>&bull; {_e(n)}</div>" for n in result.notes)
    # on a phone the legend starts folded (one line) and the layer list scrolls, so the map stays visible
    return (f'<details class="rp-legend" open style="{_BOX}"><summary><b>{_e(_t("legend", lang))}</b></summary>'
            + "".join(parts) + "</details>"
            + "<style>@media (max-width:600px){.leaflet-control-layers-list{max-height:30vh;overflow:auto}"
              ".rp-legend{max-width:70vw}}</style>"
            + "<script>if (window.matchMedia('(max-width:600px)').matches) "
              "{document.querySelector('.rp-legend').removeAttribute('open');}</script>")
