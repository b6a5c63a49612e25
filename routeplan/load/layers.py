"""Vital-object, hotspot and desa layers: reading GeoJSON/CSV and filling category defaults.

Snapping the points to roads is a prepare step (:mod:`routeplan.prepare.snap`)."""

from __future__ import annotations

import csv
import io
import json
import logging
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Point, shape

import routeplan.settings as settings
from routeplan._checks import check_text
from routeplan._io import check_input_file, read_text
from routeplan.errors import InputError
from routeplan.errors import one_line as _one_line
from routeplan.load.scenario import parse_window
from routeplan.model.layers import CATEGORIES, Hotspot, VitalObject
from routeplan.model.scenario import PASARAN, RISK_CLASSES, WEEKDAYS

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- reading


def _features(path: Path, what: str) -> list[tuple[dict[str, Any], Any, str]]:
    """Return (properties, shapely geometry, where) for each row of a GeoJSON or CSV file."""
    text = read_text(path, what)
    suffix = path.suffix.lower()
    out = []
    if suffix == ".csv":
        return _csv_features(path, what, text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: {what} is not valid JSON (line {exc.lineno}: {exc.msg}); "
                         "check it with a JSON validator or re-export it from QGIS") from None
    except (ValueError, RecursionError) as exc:  # too deeply nested, or a number with thousands of digits
        raise InputError(f"{path}: {what} is not usable JSON ({_one_line(exc)})") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise InputError(f"{path}: {what} must be a GeoJSON FeatureCollection")
    _check_feature_count(path, what, len(data["features"]))
    crs = data.get("crs", {})
    if isinstance(crs, dict):
        name = str(crs.get("properties", {}).get("name", "")) if isinstance(crs.get("properties"), dict) else ""
        if name and not any(s in name.upper() for s in ("4326", "CRS84")):
            raise InputError(f"{path}: {what} is in CRS {name}; GeoJSON must be WGS84 longitude/latitude (EPSG:4326)")
    for i, feat in enumerate(data["features"]):
        where = f"{path} feature {i}"
        if not isinstance(feat, dict) or not isinstance(feat.get("geometry"), dict):
            raise InputError(f"{where}: feature without a geometry")
        try:
            geom = shape(feat["geometry"])
            empty = geom.is_empty
        except Exception:
            raise InputError(f"{where}: invalid geometry; give a GeoJSON Point [lon, lat] or Polygon") from None
        if empty:
            raise InputError(f"{where}: empty geometry")
        _check_finite(geom, where)
        props = feat.get("properties") or {}
        if not isinstance(props, dict):
            raise InputError(f"{where}: properties must be an object")
        if "id" not in props and "id" in feat:
            props = {**props, "id": feat["id"]}
        _check_props_text(props, where)
        out.append((props, geom, where))
    return out


#: Properties routeplan reads as text (or lists of text); they reach plan.json, CSV, GPX, HTML and GeoPackage.
TEXT_PROPERTIES = ("id", "name", "category", "desa", "types", "windows", "days", "pasaran", "active_hours",
                   "risk_class")


def _check_props_text(props: dict, where: str) -> None:
    """Refuse control characters in every text property routeplan reads (see :mod:`routeplan._checks`)."""
    for key in TEXT_PROPERTIES:
        v = props.get(key)
        for item in (v if isinstance(v, list) else [v]):
            check_text(item, f"{where}: '{key}'")


def _check_finite(geom: Any, where: str) -> None:
    """Every vertex of a geometry must be a finite number (JSON readers accept NaN and Infinity)."""
    try:
        finite = bool(np.isfinite(shapely.get_coordinates(geom)).all())
    except Exception:
        raise InputError(f"{where}: invalid geometry; give a GeoJSON Point [lon, lat] or Polygon") from None
    if not finite:
        raise InputError(f"{where}: geometry has coordinates that are not finite numbers (NaN or Infinity)")


def _check_feature_count(path: Path, what: str, n: int, exact: bool = True) -> None:
    """Refuse a layer with more than ``settings.max_layer_features`` features, before reading them."""
    limit = int(settings.max_layer_features)
    if n > limit:
        count = f"{n} features" if exact else f"more than {limit} features"
        raise InputError(f"{path}: {what} has {count}, above the limit of {limit} per layer "
                         "(routeplan.settings.max_layer_features); split the area or keep the objects that matter")


def _csv_features(path: Path, what: str, text: str) -> list[tuple[dict[str, Any], Any, str]]:
    """Rows of a CSV layer with lat/lon columns; ``,``, ``;`` or tab separated (first line decides)."""
    first = text.split("\n", 1)[0]
    delim = max((",", ";", "\t"), key=lambda c: (first.count(c), c == ","))
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delim)
    out: list[tuple[dict[str, Any], Any, str]] = []
    try:
        if not reader.fieldnames or not any(c and c.strip() for c in reader.fieldnames):
            raise InputError(f"{path}: {what} CSV has no header row; the first line must name the columns")
        cols = {c.strip().lower(): c for c in reader.fieldnames if c}
        latc = next((cols[c] for c in ("lat", "latitude", "y") if c in cols), None)
        lonc = next((cols[c] for c in ("lon", "lng", "longitude", "x") if c in cols), None)
        if latc is None or lonc is None:
            found = ", ".join(repr(c) for c in reader.fieldnames)[:200]
            raise InputError(f"{path}: {what} CSV needs lat and lon columns (found {found})")
        for row in reader:
            _check_feature_count(path, what, len(out) + 1, exact=False)
            where = f"{path} row {reader.line_num}"
            try:
                lat, lon = float(row[latc]), float(row[lonc])
            except (TypeError, ValueError):
                raise InputError(f"{where}: lat/lon {row.get(latc)!r}/{row.get(lonc)!r} are not numbers") from None
            props = {k.strip().lower(): v for k, v in row.items() if k and k not in (latc, lonc)}
            _check_props_text(props, where)
            for key in ("windows", "days", "active_hours", "types"):
                if isinstance(props.get(key), str):
                    props[key] = [p.strip() for p in props[key].replace(";", ",").split(",") if p.strip()]
            out.append((props, Point(lon, lat), where))
    except csv.Error as exc:
        raise InputError(f"{path} row {reader.line_num}: {what} is not readable CSV ({_one_line(exc)})") from None
    return out


def _check_lonlat(lon: float, lat: float, where: str) -> None:
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InputError(f"{where}: coordinates are not finite numbers")
    if abs(lat) > 90 and abs(lon) <= 90:
        raise InputError(
            f"{where}: latitude {lat} is out of range and longitude {lon} looks like a latitude; "
            "latitude and longitude are swapped — GeoJSON is [lon, lat], CSV needs lat and lon columns"
        )
    if abs(lat) > 90 or abs(lon) > 180:
        raise InputError(
            f"{where}: coordinates ({lon}, {lat}) are not degrees; the layer looks projected (metres) — "
            "export it as WGS84 longitude/latitude (EPSG:4326)"
        )


def _id_text(props: dict, where: str) -> str:
    oid = _text(props, "id", where)
    if len(oid) > 100 or any(ord(c) < 32 or ord(c) == 127 for c in oid):
        raise InputError(f"{where}: id {oid[:40]!r} is too long or has control characters; use a short id")
    return oid


def _number(props: dict, key: str, where: str, default: float, lo: float, hi: float) -> float:
    v = props.get(key)
    if v is None or v == "":
        return default
    try:
        if isinstance(v, bool):
            raise ValueError
        f = float(v)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{where}: '{key}' must be a number, got {str(v)[:40]!r}") from None
    if not (math.isfinite(f) and lo <= f <= hi):
        raise InputError(f"{where}: '{key}' = {str(v)[:40]} is outside {lo:g}..{hi:g}")
    return f


def _point(geom: Any, where: str) -> tuple[float, float]:
    """The point of a feature: itself, or a point inside a polygon or on a line; checked to be degrees."""
    try:
        pt = geom if geom.geom_type == "Point" else geom.representative_point()
        lon, lat = float(pt.x), float(pt.y)
    except Exception:
        raise InputError(f"{where}: invalid geometry; give a GeoJSON Point [lon, lat] or Polygon") from None
    _check_lonlat(lon, lat, where)
    if geom.geom_type != "Point":  # every vertex, not only the inner point, must be degrees
        x0, y0, x1, y1 = geom.bounds
        _check_lonlat(x0, y0, where)
        _check_lonlat(x1, y1, where)
    return lon, lat


def _text(props: dict, key: str, where: str, default: str | None = None) -> str:
    v = props.get(key, default)
    if v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == "":
        if default is not None:
            return default
        raise InputError(f"{where}: missing '{key}'")
    return str(v).strip()


def _int(props: dict, key: str, where: str, default: int, lo: int, hi: int) -> int:
    v = props.get(key)
    if v is None or v == "":
        return default
    try:
        f = float(v)
        if isinstance(v, bool) or not f.is_integer():
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{where}: '{key}' must be a whole number, got {str(v)[:40]!r}") from None
    if not lo <= int(f) <= hi:
        raise InputError(f"{where}: '{key}' = {int(f)} is outside {lo}..{hi}")
    return int(f)


def _windows(props: dict, key: str, where: str, default: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    v = props.get(key)
    if v is None or v == "" or v == []:
        v = list(default)
    if isinstance(v, str):
        v = [p.strip() for p in v.replace(";", ",").split(",") if p.strip()]
    if not isinstance(v, list):
        raise InputError(f"{where}: '{key}' must be a list of \"HH:MM-HH:MM\" windows")
    return tuple(parse_window(w, f"{where} {key}") for w in v)


def _days(props: dict, where: str, default: tuple[str, ...]) -> tuple[str, ...]:
    v = props.get("days")
    if v is None or v == "" or v == []:
        return default
    if isinstance(v, str):
        v = [p.strip() for p in v.replace(";", ",").split(",") if p.strip()]
    if not isinstance(v, list):
        raise InputError(f"{where}: 'days' must be a list of weekday names like [\"mon\", \"thu\"]")
    out = []
    for d in v:
        key = str(d).strip().lower()[:3]
        if key not in WEEKDAYS:
            raise InputError(f"{where}: day {d!r} is not a weekday name (mon..sun)")
        out.append(key)
    return tuple(dict.fromkeys(out))


def _pasaran(props: dict, where: str) -> tuple[str, ...]:
    v = props.get("pasaran")
    if v is None or v == "" or v == []:
        return ()
    if isinstance(v, str):
        v = [p.strip() for p in v.replace(";", ",").split(",") if p.strip()]
    if not isinstance(v, list):
        raise InputError(f"{where}: 'pasaran' must be a list like [\"legi\", \"pon\"]")
    out = []
    for p in v:
        key = str(p).strip().lower()
        if key not in PASARAN:
            raise InputError(f"{where}: pasaran {str(p)[:20]!r} is not one of {', '.join(PASARAN)}")
        out.append(key)
    return tuple(dict.fromkeys(out))


def read_features(path: str | Path, what: str) -> list[dict[str, Any]]:
    """The rows of a GeoJSON or CSV (lat/lon columns) layer as GeoJSON features, with the readers' checks.

    Parameters
    ----------
    path
        GeoJSON FeatureCollection (EPSG:4326) or CSV with lat/lon columns.
    what
        The layer's name in messages ("vital objects", "hotspots").

    Returns
    -------
    list of dict
        ``{"type": "Feature", "properties": ..., "geometry": ...}`` per row; lists stay lists.
    """
    return [{"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)}
            for props, geom, _where in _features(Path(path), what)]


def read_vital_objects(path: str | Path, default_dwell_minutes: int | None = None) -> list[VitalObject]:
    """Read vital objects from GeoJSON points or a CSV with lat/lon, filling category defaults.

    Parameters
    ----------
    path
        GeoJSON FeatureCollection (EPSG:4326) or CSV. Fields: ``id``, ``name``, ``category`` and,
        optionally, ``priority``, ``visits_per_week``, ``dwell_minutes``, ``windows``, ``days``,
        ``desa``, ``min_gap_hours``, ``pasaran`` (market days of the five-day Javanese week, e.g.
        ``["legi", "pon"]``; combined with ``days``).
    default_dwell_minutes
        Dwell for rows without ``dwell_minutes``; None uses the category's default.

    Returns
    -------
    list of VitalObject
    """
    path = Path(path)
    objects: list[VitalObject] = []
    seen: dict[str, str] = {}
    for props, geom, where in _features(path, "vital objects"):
        lon, lat = _point(geom, where)
        oid = _id_text(props, where)
        if oid in seen:
            raise InputError(f"{where}: duplicate id {oid!r} (also at {seen[oid]}); ids must be unique")
        seen[oid] = where
        where = f"{where} (id {oid})"
        cat = _text(props, "category", where, "lainnya").lower()
        if cat not in CATEGORIES:
            raise InputError(f"{where}: unknown category {cat!r}; use one of {', '.join(CATEGORIES)}")
        d = CATEGORIES[cat]
        gap = _number(props, "min_gap_hours", where, d.min_gap_hours, 0.0, 168.0)
        objects.append(VitalObject(
            id=oid, name=_text(props, "name", where, oid), category=cat, lon=lon, lat=lat,
            priority=_int(props, "priority", where, d.priority, 1, 3),
            visits_per_week=_int(props, "visits_per_week", where, d.visits_per_week, 0, 42),
            dwell_minutes=_int(props, "dwell_minutes", where,
                               d.dwell_minutes if default_dwell_minutes is None else default_dwell_minutes, 0, 480),
            windows=_windows(props, "windows", where, d.windows),
            days=_days(props, where, d.days), desa=_text(props, "desa", where, ""), min_gap_hours=gap,
            pasaran=_pasaran(props, where), risk_class=_risk_class(props, where),
        ))
    if not objects:
        raise InputError(f"{path}: no vital objects in the file")
    return objects


def _risk_class(props: dict, where: str) -> str:
    """A polling station's optional ``risk_class``: one of :data:`RISK_CLASSES` (or empty)."""
    value = _text(props, "risk_class", where, "").strip().lower().replace(" ", "_")
    if value and value not in RISK_CLASSES:
        raise InputError(f"{where}: risk_class {value!r} is not one of {', '.join(RISK_CLASSES)}")
    return value


def read_hotspots(path: str | Path) -> list[Hotspot]:
    """Read hotspots (points or polygons) with a ``risk`` value and optional ``active_hours``.

    Parameters
    ----------
    path
        GeoJSON FeatureCollection (EPSG:4326) or CSV with lat/lon, e.g. the ``hotspots.geojson`` that
        ``routeplan hotspots`` writes.

    Returns
    -------
    list of Hotspot
    """
    path = Path(path)
    spots: list[Hotspot] = []
    seen: set[str] = set()
    for props, geom, where in _features(path, "hotspots"):
        lon, lat = _point(geom, where)
        hid = _id_text(props, where)
        if hid in seen:
            raise InputError(f"{where}: duplicate id {hid!r}; ids must be unique")
        seen.add(hid)
        where = f"{where} (id {hid})"
        risk = _number(props, "risk", where, 1.0, -math.inf, math.inf)
        if risk <= 0:
            raise InputError(f"{where}: 'risk' must be a positive number, got {props.get('risk')!r}")
        types = props.get("types") or []
        if isinstance(types, str):
            types = [t.strip() for t in types.split(",") if t.strip()]
        if not isinstance(types, list):
            raise InputError(f"{where}: 'types' must be a list of crime types like [\"curanmor\"]")
        spots.append(Hotspot(
            id=hid, name=_text(props, "name", where, hid), lon=lon, lat=lat, risk=risk,
            active_hours=_windows(props, "active_hours", where, ()), types=tuple(str(t) for t in types),
            geometry_wkt=geom.wkt if geom.geom_type != "Point" else "",
        ))
    if not spots:
        raise InputError(f"{path}: no hotspots in the file")
    # normalise so that risk is comparable across files: the riskiest spot has 1
    top = max(h.risk for h in spots)
    return [replace(h, risk=h.risk / top) for h in spots]


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == ""


def read_desa(path: str | Path) -> list[tuple[str, Any]]:
    """Read desa (village) boundaries for the coverage per desa: ``(name, polygon)`` per feature, EPSG:4326.

    Parameters
    ----------
    path
        GeoJSON FeatureCollection of Polygons/MultiPolygons (EPSG:4326), or another polygon file that
        geopandas reads (GeoPackage, Shapefile). The name is the ``desa`` property (else ``name``,
        ``nama`` or ``id``). An optional ``population`` is read by :func:`read_desa_population`.

    Returns
    -------
    list of (str, shapely geometry)

    Raises
    ------
    InputError
        Missing, empty, damaged or non-UTF-8 file, a feature that is not a polygon, coordinates that are
        not finite degrees, a feature without a name, or a name with control characters.
    """
    return [(name, geom) for name, geom, _props, _where in _desa_rows(Path(path))]


def read_desa_population(path: str | Path) -> list[float] | None:
    """The optional ``population`` of every desa of a layer, in :func:`read_desa`'s order.

    Parameters
    ----------
    path
        The desa layer, as for :func:`read_desa`.

    Returns
    -------
    list of float, or None
        None unless every desa has a ``population`` (then readiness weights desa by area instead).

    Raises
    ------
    InputError
        As :func:`read_desa`, and a ``population`` that is not a number from 0 up.
    """
    out: list[float] = []
    for _name, _geom, props, where in _desa_rows(Path(path)):
        if _missing(props.get("population")):
            return None
        out.append(_number(props, "population", where, 0.0, 0.0, 1e9))
    return out


def _desa_rows(path: Path) -> list[tuple[str, Any, dict[str, Any], str]]:
    """(name, polygon, properties, where) of every feature of a desa layer, checked (see :func:`read_desa`)."""
    if path.suffix.lower() in (".geojson", ".json"):
        feats = _features(path, "desa")
    elif path.suffix.lower() == ".csv":
        raise InputError(f"{path}: a desa layer needs polygons; give it as GeoJSON (or GeoPackage/Shapefile)")
    else:
        check_input_file(path, "desa")
        try:
            gdf = gpd.read_file(path)
            gdf = gdf.set_crs(4326) if gdf.crs is None else gdf.to_crs(4326)
        except Exception as exc:
            raise InputError(f"{path}: cannot read the desa layer ({_one_line(exc)})") from None
        feats = []
        for i, (_, row) in enumerate(gdf.iterrows()):
            where = f"{path} feature {i}"
            if row.geometry is None or row.geometry.is_empty:
                raise InputError(f"{where}: feature without a geometry")
            _check_finite(row.geometry, where)
            props = {k: row[k] for k in gdf.columns if k != "geometry"}
            _check_props_text(props, where)
            feats.append((props, row.geometry, where))
    out = []
    for props, geom, where in feats:
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise InputError(f"{where}: desa geometry is a {geom.geom_type}; give the desa boundaries as Polygons")
        x0, y0, x1, y1 = geom.bounds
        _check_lonlat(x0, y0, where)
        _check_lonlat(x1, y1, where)
        key = next((k for k in ("desa", "name", "nama", "id") if not _missing(props.get(k))), None)
        if key is None:
            raise InputError(f"{where}: missing 'desa' (the village name; 'name', 'nama' or 'id' are read too)")
        check_text(str(props[key]), f"{where}: '{key}'")
        name = str(props[key]).strip()
        if not geom.is_valid:  # a self-intersecting outline: repair it so point-in-polygon tests work
            geom = shapely.make_valid(geom)
        out.append((name, geom, props, where))
    if not out:
        raise InputError(f"{path}: no desa polygons in the file")
    return out
