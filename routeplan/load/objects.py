"""Candidate vital objects derived from OpenStreetMap tags, for a planner to review and edit."""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any

import geopandas as gpd
import osmium

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


def _tag_values() -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for key, value, _ in TAG_CATEGORIES:
        values.setdefault(key, []).append(value)
    return values


def _tags() -> dict[str, bool | str | list[str]]:
    return dict(_tag_values().items())  # typed as osmnx's ``tags`` (a dict is invariant in its values)


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
        Points (EPSG:4326) with ``id`` (``osm-node-123``), ``name``, ``category``, the category's
        defaults (``priority``, ``visits_per_week``, ``dwell_minutes``, ``windows``, ``days``) and ``merged``
        (ids of OSM features that were the same place, see :func:`merge_duplicates`), sorted by id.
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

    return _candidates(raw)


def _candidates(raw: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The categorised OSM features as points with the category defaults, duplicates merged (:func:`merge_duplicates`)."""
    rows = []
    for (etype, eid), row in raw.iterrows():
        cat = categorise(row)
        if cat is None:
            continue
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        d = CATEGORIES[cat]
        name = row.get("name")
        rows.append({
            "id": f"osm-{etype}-{eid}", "name": name if isinstance(name, str) and name else "",
            "category": cat, "priority": d.priority, "visits_per_week": d.visits_per_week,
            "dwell_minutes": d.dwell_minutes, "windows": list(d.windows), "days": list(d.days),
            "source": "OpenStreetMap", "geometry": geom,
        })
    if not rows:
        return gpd.GeoDataFrame({"id": [], "category": []}, geometry=[], crs=4326)
    gdf = merge_duplicates(gpd.GeoDataFrame(rows, geometry="geometry", crs=4326))
    # a point inside the building or area, computed in metres
    utm = gdf.estimate_utm_crs()
    gdf["geometry"] = gdf.geometry.to_crs(utm).representative_point().to_crs(4326).values
    gdf["name"] = [n or f"{category_label(c, 'id')} {i.rsplit('-', 1)[-1]}"
                   for n, c, i in zip(gdf["name"], gdf["category"], gdf["id"])]
    return gdf.sort_values("id").reset_index(drop=True)


def _norm_name(name: str) -> str:
    return " ".join("".join(ch if ch.isalnum() else " " for ch in name.casefold()).split())


def merge_duplicates(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Merge candidates that are one place mapped twice.

    Two candidates of the same category are one object when one lies inside the other or within
    ``settings.objects_merge_m`` of it (a node inside or beside its building), or when they have the same
    name (ignoring case and punctuation) within ``settings.objects_same_name_m``. A group keeps its node
    (else its smallest id) with the first name found, and lists the other ids in ``merged``.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Candidates (EPSG:4326, any geometry) with ``id``, ``name`` and ``category``.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per object, with ``merged`` (ids merged into it, often empty).
    """
    gdf = gdf.sort_values("id").reset_index(drop=True)
    geoms = gdf.geometry.to_crs(gdf.estimate_utm_crs()).reset_index(drop=True)
    parent = list(range(len(gdf)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    reach = max(float(settings.objects_merge_m), float(settings.objects_same_name_m))
    left, right = geoms.sindex.query(geoms.buffer(reach), predicate="intersects")
    names = [_norm_name(str(n)) for n in gdf["name"]]
    cats = list(gdf["category"])
    for i, j in zip(left.tolist(), right.tolist()):
        if i >= j or cats[i] != cats[j]:
            continue
        dist = geoms.iloc[i].distance(geoms.iloc[j])
        same_name = bool(names[i]) and names[i] == names[j]
        if dist <= settings.objects_merge_m or (same_name and dist <= settings.objects_same_name_m):
            parent[find(j)] = find(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(gdf)):
        groups.setdefault(find(i), []).append(i)
    keep, merged = [], []
    for members in groups.values():
        nodes = [m for m in members if str(gdf.at[m, "id"]).startswith("osm-node-")]
        head = min(nodes or members, key=lambda m: str(gdf.at[m, "id"]))
        name = next((str(gdf.at[m, "name"]) for m in [head, *members] if gdf.at[m, "name"]), "")
        gdf.at[head, "name"] = name
        keep.append(head)
        merged.append(sorted(str(gdf.at[m, "id"]) for m in members if m != head))
    out = gdf.loc[keep].copy()
    out["merged"] = merged
    n = sum(len(m) for m in merged)
    if n:
        log.info("%d OSM features merged into %d objects they duplicate", n, sum(1 for m in merged if m))
    return out.reset_index(drop=True)


def explain_empty(scenario: Scenario) -> str:
    """One line on why no candidate was found: the tags looked for, and what the OSM extract holds.

    Parameters
    ----------
    scenario
        The scenario whose area was searched.

    Returns
    -------
    str
    """
    looked = "; ".join(f"{k}={'|'.join(v)}" for k, v in _tag_values().items())
    osm_file = scenario.area.osm_file
    if osm_file is None:
        return f"no OSM feature in the area has one of the tags looked for ({looked})"
    held = _extract_summary(Path(osm_file))
    return f"no OSM feature in {osm_file} has one of the tags looked for ({looked}); the extract holds {held}"


def _extract_summary(path: Path) -> str:
    """Counts of nodes and ways and the commonest tag keys of an OSM file (``nodes 12, ways 3, tags highway 3``)."""
    counts = {"n": 0, "w": 0, "r": 0}
    keys: Counter[str] = Counter()
    for obj in osmium.FileProcessor(str(path)):
        counts[obj.type_str()] = counts.get(obj.type_str(), 0) + 1
        keys.update(tag.k for tag in obj.tags)
    top = ", ".join(f"{k} {v}" for k, v in keys.most_common(6)) or "none"
    return f"{counts['n']} nodes, {counts['w']} ways, {counts['r']} relations; tag keys: {top}"


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
