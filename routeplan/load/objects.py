"""Candidate vital objects derived from OpenStreetMap tags, for a planner to review and edit."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import geopandas as gpd

from routeplan import settings
from routeplan._io import check_input_file, write_text_atomic
from routeplan.errors import InputError, NetworkError, one_line
from routeplan.i18n import category_label
from routeplan.load._online import configure_osmnx
from routeplan.load._osmcheck import check_osm_xml
from routeplan.load.roads import read_boundary
from routeplan.model.layers import CATEGORIES
from routeplan.model.scenario import Scenario

log = logging.getLogger(__name__)

#: OSM tag -> vital-object category. Order matters: the first match wins.
TAG_CATEGORIES: list[tuple[str, str, str]] = [
    ("amenity", "marketplace", "pasar"),
    ("amenity", "bank", "bank"),
    ("amenity", "atm", "atm"),
    ("amenity", "bureau_de_change", "bank"),
    ("amenity", "fuel", "spbu"),
    ("amenity", "townhall", "kantor_desa"),
    ("office", "government", "kantor_desa"),
    ("amenity", "police", "kantor_polisi"),
    ("amenity", "school", "sekolah"),
    ("amenity", "kindergarten", "sekolah"),
    ("amenity", "college", "sekolah"),
    ("amenity", "university", "sekolah"),
    ("amenity", "place_of_worship", "tempat_ibadah"),
    ("shop", "supermarket", "minimarket"),
    ("shop", "convenience", "minimarket"),
    ("building", "warehouse", "gudang"),
    ("man_made", "works", "pabrik"),
]


def _tags() -> dict[str, bool | str | list[str]]:
    values: dict[str, list[str]] = {}
    for key, value, _ in TAG_CATEGORIES:
        values.setdefault(key, []).append(value)
    return dict(values.items())  # typed as osmnx's ``tags`` (a dict is invariant in its values)


def categorise(row: Any) -> str | None:
    """The vital-object category of an OSM feature row, or None."""
    for key, value, cat in TAG_CATEGORIES:
        v = row.get(key) if hasattr(row, "get") else None
        if isinstance(v, str) and v == value:
            return cat
    return None


def derive_vital_objects(scenario: Scenario) -> gpd.GeoDataFrame:
    """Find candidate vital objects in the scenario's area from OSM tags.

    Parameters
    ----------
    scenario
        A :class:`routeplan.model.scenario.Scenario`; its ``[area]`` names a local OSM file, a place, a bbox or
        a boundary (the last three go online through osmnx, cached).

    Returns
    -------
    geopandas.GeoDataFrame
        Points (EPSG:4326) with ``id`` (``osm-node-123``), ``name``, ``category`` and the category's
        defaults (``priority``, ``visits_per_week``, ``dwell_minutes``, ``windows``, ``days``), sorted by id.
    """
    import osmnx as ox  # lazy: osmnx takes ~3 s to import; only this command needs it

    area = scenario.area
    tags = _tags()
    try:
        if area.osm_file is not None:
            if str(area.osm_file).lower().endswith(".pbf"):
                raise InputError(f"{area.osm_file}: deriving objects from .pbf is not supported; use .osm or .osm.bz2")
            # osmnx loads the whole file: the same size limit and bounded pre-scan as for roads first
            check_osm_xml(check_input_file(Path(area.osm_file), "OSM", settings.max_osm_bytes))
            raw = ox.features_from_xml(area.osm_file, tags=tags)
        else:
            configure_osmnx()
            if area.place is not None:
                raw = ox.features_from_place(area.place, tags=tags)
            elif area.bbox is not None:
                w, s, e, n = area.bbox
                raw = ox.features_from_bbox((w, s, e, n), tags=tags)
            elif area.boundary is not None:
                raw = ox.features_from_polygon(read_boundary(area.boundary), tags=tags)
            else:  # the scenario loader requires one of them; as in load_roads
                raise InputError(f"{scenario.path}: [area] names no roads")
    except InputError:
        raise
    except Exception as exc:
        msg = one_line(exc)
        if area.osm_file is not None:
            if "No matching features" in msg or "no data elements" in msg.lower():
                raw = gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs=4326)
            else:
                raise InputError(f"{area.osm_file}: cannot read OSM features ({msg})") from None
        else:
            raise NetworkError(f"could not download OSM features: {msg}") from None

    rows = []
    utm = raw.estimate_utm_crs() if len(raw) else None
    for (etype, eid), row in raw.iterrows():
        cat = categorise(row)
        if cat is None:
            continue
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        if geom.geom_type != "Point":
            # a point inside the building or area, computed in metres
            geom = gpd.GeoSeries([geom], crs=4326).to_crs(utm).representative_point().to_crs(4326).iloc[0]
        d = CATEGORIES[cat]
        name = row.get("name")
        rows.append({
            "id": f"osm-{etype}-{eid}", "name": name if isinstance(name, str) and name else f"{category_label(cat, 'id')} {eid}",
            "category": cat, "priority": d.priority, "visits_per_week": d.visits_per_week,
            "dwell_minutes": d.dwell_minutes, "windows": list(d.windows), "days": list(d.days),
            "source": "OpenStreetMap", "geometry": geom,
        })
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=4326) if rows else gpd.GeoDataFrame(
        {"id": [], "category": []}, geometry=[], crs=4326)
    return gdf.sort_values("id").reset_index(drop=True) if len(gdf) else gdf


def write_objects(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """Write candidate objects as a GeoJSON FeatureCollection the planner reads back unchanged."""
    feats = []
    for _, row in gdf.iterrows():
        props = {k: row[k] for k in gdf.columns if k != "geometry"}
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(row.geometry.x, 7), round(row.geometry.y, 7)]},
                      "properties": props})
    fc = {"type": "FeatureCollection",
          "note": "Candidate vital objects derived from OpenStreetMap (c) OpenStreetMap contributors, ODbL. Review before planning.",
          "features": feats}
    write_text_atomic(Path(path), json.dumps(fc, ensure_ascii=False, indent=1) + "\n")
