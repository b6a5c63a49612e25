"""The output folder of ``routeplan hotspots``: hotspots.geojson, hotspots.html, summary.json, pai_curve.png."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
from shapely.geometry import mapping

from routeplan._io import atomic_output_dir, check_input_file, prepare_output_dir, write_json_atomic, write_text_atomic
from routeplan.errors import InputError, one_line
from routeplan.hotspots.estimate import estimate_hotspots
from routeplan.hotspots.evaluate import evaluate, plot_evaluation
from routeplan.hotspots.incidents import read_incidents
from routeplan.hotspots.page import build_map
from routeplan.hotspots.places import name_hotspots, read_desa, read_roads
from routeplan.hotspots.quality import check_quality
from routeplan.hotspots.result import HotspotResult


def hotspots_geojson(result: HotspotResult) -> dict[str, Any]:
    """The hotspots as an EPSG:4326 GeoJSON FeatureCollection (dict).

    Parameters
    ----------
    result : HotspotResult

    Returns
    -------
    dict
        Features with properties ``id``, ``name``, ``risk``, ``incidents``, ``types``,
        ``active_hours``, ``rank``, ``share``, ``cells``, ``layer``, ``place`` (nearest named road or desa,
        ``""`` when unknown).
    """
    feats = []
    for _, r in result.hotspots.iterrows():
        feats.append(
            {
                "type": "Feature",
                "id": r["id"],
                "properties": {
                    "id": str(r["id"]),
                    "name": str(r["name"]),
                    "risk": float(r["risk"]),
                    "incidents": int(r["incidents"]),
                    "types": [str(t) for t in r["types"]],
                    "active_hours": [str(h) for h in r["active_hours"]],
                    "rank": int(r["rank"]),
                    "share": float(r["share"]),
                    "cells": int(r["cells"]),
                    "layer": str(r["layer"]),
                    "place": str(r.get("place", "") or ""),
                },
                "geometry": mapping(r.geometry),
            }
        )
    return {"type": "FeatureCollection", "features": feats}


def write_hotspot_outputs(
    result: HotspotResult,
    out_dir: str | Path,
    evaluation: Mapping[str, Any] | None = None,
    lang: str = "id",
    roads: gpd.GeoDataFrame | None = None,
    desa: gpd.GeoDataFrame | None = None,
) -> dict[str, Path]:
    """Write ``hotspots.geojson``, ``hotspots.html``, ``summary.json`` (and ``pai_curve.png``) atomically.

    The whole folder is staged and swapped in on success (:func:`routeplan._io.atomic_output_dir`), so a
    failed run leaves a previous ``out_dir`` untouched.

    Parameters
    ----------
    result : HotspotResult
    out_dir : str or Path
    evaluation : mapping, optional
        Output of :func:`evaluate`; adds its figures to ``summary.json`` and writes ``pai_curve.png``.
    lang : {"id", "en"}
        Language of the map labels and the chart.
    roads, desa : geopandas.GeoDataFrame, optional
        The base map's roads and desa (:mod:`routeplan.hotspots.places`).

    Returns
    -------
    dict
        Output name -> final path.
    """
    out_dir = Path(out_dir)
    summary = result.summary()
    if evaluation is not None:
        summary["evaluation"] = {k: v for k, v in evaluation.items() if k != "curve"}
    names = {"geojson": "hotspots.geojson", "html": "hotspots.html", "summary": "summary.json"}
    if evaluation is not None:
        names["curve"] = "pai_curve.png"
    summary["outputs"] = dict(names)
    with atomic_output_dir(out_dir, kind="hotspots") as stage:
        write_json_atomic(stage / names["geojson"], hotspots_geojson(result))
        write_text_atomic(stage / names["html"], build_map(result, lang=lang, roads=roads, desa=desa))
        write_json_atomic(stage / names["summary"], summary)
        if evaluation is not None:
            plot_evaluation(evaluation, stage / names["curve"], lang=lang)
    return {k: out_dir / v for k, v in names.items()}


def _read_area(path: str | Path, crs: str | int | None) -> gpd.GeoDataFrame:
    path = Path(path)
    check_input_file(path, "study area")
    try:
        area = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises its own error types
        raise InputError(f"{path}: study area is not a readable vector file ({one_line(exc)})") from None
    if len(area) == 0:
        raise InputError(f"{path}: study area has no features")
    if crs is not None:
        area = area.set_crs(f"EPSG:{crs}" if str(crs).isdigit() else crs, allow_override=True)
    elif area.crs is None:
        raise InputError(f"{path}: study area has no CRS (empty or missing .prj); give --area-crs, e.g. 26971")
    return area


# long: one documented keyword per option of the command; the body is the flow read, check, estimate, write
def run_hotspots(
    path: str | Path,
    out_dir: str | Path,
    *,
    cell_m: float = 200,
    bandwidth: str | float = "auto",
    by_type: bool = False,
    train_until: str | None = None,
    columns: Mapping[str, str | None] | None = None,
    type_map: Mapping[str, str] | str | Path | None = None,
    keywords: str | Path | None = None,
    crs: str | int | None = None,
    area: Any = None,
    area_crs: str | int | None = None,
    top_share: float = 0.05,
    floor_share: float = 0.1,
    method: str = "kde",
    lang: str = "id",
    roads: str | Path | None = None,
    desa: str | Path | None = None,
) -> dict[str, Any]:
    """Read incidents, estimate (and optionally evaluate) hotspots and write all outputs.

    Parameters
    ----------
    path : str or Path
        Incidents CSV or GeoJSON.
    out_dir : str or Path
        Output folder (replaced atomically); it must be missing, empty or written by routeplan, and
        must not hold an input (:func:`routeplan._io.check_output_dir`).
    cell_m, bandwidth, by_type, top_share, floor_share, method, lang
        As in :func:`estimate_hotspots`.
    train_until : str, optional
        When given, also run :func:`evaluate` with this split (on all incidents).
    columns : mapping, optional
        Column overrides for :func:`read_incidents`: keys ``lat``, ``lon``, ``time``, ``type``, ``x``, ``y``.
    type_map : mapping, str or Path, optional
        Exact type names -> category (dict or JSON file); they win over every other rule.
    keywords : str or Path, optional
        A TOML keyword file (:func:`routeplan.hotspots.types.load_keywords`).
    crs : str or int, optional
        CRS of the incident coordinates (default EPSG:4326).
    area : str, Path or geometry, optional
        Study area: a vector file path or an object accepted by :func:`estimate_hotspots`.
    area_crs : str or int, optional
        CRS for an area file with no (or an empty) ``.prj``.
    roads : str or Path, optional
        A local OSM file: its roads draw the page's base map and name the hotspots.
    desa : str or Path, optional
        A desa polygon layer (``name`` property): drawn on the base map and names the hotspots.

    Returns
    -------
    dict
        The summary written to ``summary.json`` plus ``out_dir``.

    Notes
    -----
    The incidents are checked first (:func:`routeplan.hotspots.quality.check_quality`): piles of identical
    coordinates are capped before the estimate and the evaluation; the notes lead ``summary["notes"]``.
    """
    cols = {k: v for k, v in dict(columns or {}).items() if v is not None}
    unknown = set(cols) - {"lat", "lon", "time", "type", "x", "y"}
    if unknown:
        raise InputError(f"unknown column role(s) {', '.join(sorted(unknown))}")
    # refuse an --out that is not routeplan's, or holds an input, before any work
    prepare_output_dir(out_dir, [p for p in (path, area, type_map, keywords, roads, desa) if isinstance(p, (str, Path))])
    inc = read_incidents(path, crs=crs, type_map=type_map, keywords=keywords, **cols)
    if isinstance(area, (str, Path)):
        area = _read_area(area, area_crs)
    road_lines, desa_layer = _read_places(roads, desa, inc)
    quality = check_quality(inc)
    inc = inc[quality.for_estimate].reset_index(drop=True)  # piles of identical coordinates capped
    result = estimate_hotspots(
        inc, cell_m=cell_m, bandwidth=bandwidth, by_type=by_type, top_share=top_share,
        floor_share=floor_share, area=area, method=method, lang=lang,
    )
    result.notes[:0], result.data_quality = quality.notes, quality.counts
    name_hotspots(result, road_lines, desa_layer)
    ev = None
    if train_until is not None:
        ev = evaluate(inc, train_until, cell_m=cell_m, bandwidth=bandwidth if method == "kde" else "auto", area=area)
    write_hotspot_outputs(result, out_dir, evaluation=ev, lang=lang, roads=road_lines, desa=desa_layer)
    summary = result.summary()
    if ev is not None:
        summary["evaluation"] = {k: v for k, v in ev.items() if k != "curve"}
    summary["out_dir"] = str(out_dir)
    return summary


def _read_places(roads: str | Path | None, desa: str | Path | None, inc: gpd.GeoDataFrame,
                 pad_deg: float = 0.01) -> tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame | None]:
    """The road lines within about 1 km of the incidents' extent, and the desa layer (each ``None`` when not given)."""
    minx, miny, maxx, maxy = inc.to_crs("EPSG:4326").total_bounds
    bounds = (minx - pad_deg, miny - pad_deg, maxx + pad_deg, maxy + pad_deg)
    return (None if roads is None else read_roads(roads, bounds), None if desa is None else read_desa(desa))
