"""Reading incident records: CSV/GeoJSON tables, their columns, dates and types.

Types become the "4C" categories through :mod:`routeplan.hotspots.types`; see :mod:`routeplan.hotspots`
for the categories and why plain THEFT is ``curat``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from io import StringIO
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from routeplan import settings
from routeplan._checks import BAD_CHARS
from routeplan._io import check_input_file, read_text
from routeplan.errors import InputError
from routeplan.hotspots.types import CATEGORIES, type_matcher
from routeplan.i18n import LANGUAGES, incident_label

log = logging.getLogger(__name__)

#: Human-readable category names per language (the texts are in the i18n catalogue).
CATEGORY_LABELS: dict[str, dict[str, str]] = {lang: {c: incident_label(c, lang) for c in CATEGORIES} for lang in LANGUAGES}

#: Names row ``i`` of a table in messages (``row 5`` of a CSV, ``feature 3`` of GeoJSON).
RowLabel = Callable[[int], str]

#: Common spellings of each input column (compared after lower-casing and turning ``_``/``-`` into spaces).
COLUMN_CANDIDATES: dict[str, tuple[str, ...]] = {
    "lat": ("lat", "latitude", "y"),
    "lon": ("lon", "lng", "long", "longitude", "x"),
    "time": ("date", "datetime", "time", "date time", "occurred", "dispatch date time", "timestamp"),
    "type": ("type", "category", "primary type", "text general code", "description", "crime type", "jenis"),
}




def _norm_name(name: Any) -> str:
    return " ".join(str(name).strip().lower().replace("_", " ").replace("-", " ").split())


def _find_column(columns: Sequence[str], role: str, given: str | None, path: Path) -> str | None:
    if given is not None:
        if given in columns:
            return given
        named = {_norm_name(c): c for c in columns}
        if _norm_name(given) in named:
            return named[_norm_name(given)]
        raise InputError(
            f"{path}: column {given!r} ({role}) not found; columns are {', '.join(map(str, columns))}"
        )
    lookup: dict[str, str] = {}
    for c in columns:
        lookup.setdefault(_norm_name(c), c)
    for cand in COLUMN_CANDIDATES[role]:
        if cand in lookup:
            return lookup[cand]
    return None


def _read_table(path: Path) -> pd.DataFrame:
    text = read_text(path, "incidents")
    if not text.strip():
        raise InputError(f"{path}: incidents file is empty")
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
        feats = data.get("features") if isinstance(data, dict) else None
        if not isinstance(feats, list):
            raise InputError(f"{path}: expected a GeoJSON FeatureCollection with a 'features' list")
        _check_incident_count(path, len(feats))
        rows = []
        for i, feat in enumerate(feats):
            geom = (feat or {}).get("geometry") if isinstance(feat, dict) else None
            props = (feat or {}).get("properties") if isinstance(feat, dict) else None
            if props is not None and not isinstance(props, dict):
                raise InputError(f"{path}: feature {i} has properties that are not an object")
            props = dict(props or {})
            if not isinstance(geom, dict) or geom.get("type") != "Point":
                kind = geom.get("type") if isinstance(geom, dict) else None
                raise InputError(f"{path}: feature {i} has geometry {kind!r}; incidents must be Points")
            coords = geom.get("coordinates")
            coords = [None, None] if coords is None or coords == [] else coords  # an empty Point: no coordinates
            if not isinstance(coords, list) or len(coords) < 2:
                raise InputError(f"{path}: feature {i} has a Point without two coordinates ([lon, lat])")
            props["__x"], props["__y"] = coords[0], coords[1]
            rows.append(props)
        return pd.DataFrame(rows)
    try:
        # one row past the limit is enough to refuse: never parse an unbounded table
        df = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True,
                         nrows=int(settings.max_incidents) + 1)
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: incidents file is empty") from None
    except (pd.errors.ParserError, ValueError) as exc:
        msg = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: not a readable CSV table ({msg})") from None
    _check_incident_count(path, len(df))
    return df


def _check_incident_count(path: Path, n: int) -> None:
    limit = int(settings.max_incidents)
    if n > limit:
        raise InputError(f"{path}: more than {limit} incidents, above the limit (routeplan.settings.max_incidents); "
                         "use a shorter period or a smaller area")


def _numeric(df: pd.DataFrame, col: str, path: Path, row_label: RowLabel) -> pd.Series:
    raw = df[col]
    as_str = raw.astype(str).str.strip()
    blank = raw.isna() | as_str.eq("") | as_str.str.lower().isin(["nan", "none", "null"])
    num = pd.to_numeric(as_str.where(~blank), errors="coerce")
    bad = num.isna() & ~blank
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"{path}: {row_label(i)}: column {col!r} value {as_str.iloc[i]!r} is not a number")
    return num


#: A date written day/month/year or month/day/year (``01/05/2024``, ``13.05.2024``, ``5-13-24``), then anything.
_NUMERIC_DATE = r"^(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}(?!\d)"


def _day_first(vals: pd.Series, col: str, path: Path, row_label: RowLabel) -> pd.Series:
    """The values written day/month/year, where the column uses that convention; else an empty mask.

    A column is day-first when some date has a first number above 12 (``13/05/2024``), month-first when
    some date has a second number above 12 (``05/13/2024``); both in one column is refused, as no reading
    is right for the dates in between. Without either, dates are read month first (as before) with a warning.
    """
    parts = vals.str.extract(_NUMERIC_DATE)
    shaped = parts[0].notna()
    none = pd.Series(False, index=vals.index)
    if not shaped.any():
        return none
    a = pd.to_numeric(parts[0], errors="coerce")
    b = pd.to_numeric(parts[1], errors="coerce")
    dmy, mdy = shaped & (a > 12) & (b <= 12), shaped & (b > 12) & (a <= 12)
    if dmy.any() and mdy.any():
        i, j = int(np.flatnonzero(dmy.to_numpy())[0]), int(np.flatnonzero(mdy.to_numpy())[0])
        raise InputError(
            f"{path}: column {col!r} mixes day/month/year ({row_label(i)}: {vals.iloc[i]!r}) and "
            f"month/day/year ({row_label(j)}: {vals.iloc[j]!r}) dates; write every date one way, "
            "best as YYYY-MM-DD"
        )
    if dmy.any():
        return shaped
    if not mdy.any():
        log.warning("%s: dates in column %r such as %r could be day or month first; read as month/day/year",
                    path, col, vals[shaped].iloc[0])
    return none


def _parse_times(df: pd.DataFrame, col: str, path: Path, row_label: RowLabel) -> pd.Series:
    raw = df[col].astype(str).str.strip()
    blank = df[col].isna() | raw.eq("") | raw.str.lower().isin(["nan", "nat", "none", "null"])
    vals = raw.where(~blank)
    dayfirst = _day_first(vals, col, path, row_label)
    try:
        t = pd.to_datetime(vals, errors="coerce", format="mixed")
        if dayfirst.any():  # only the d/m/y values: ISO dates read day first would swap too
            t[dayfirst] = pd.to_datetime(vals[dayfirst], errors="coerce", format="mixed", dayfirst=True)
    except (ValueError, TypeError):
        log.warning("%s: column %r mixes UTC offsets; times are converted to UTC (hours of day in UTC)", path, col)
        t = pd.to_datetime(vals, errors="coerce", format="mixed", utc=True)
        if dayfirst.any():
            t[dayfirst] = pd.to_datetime(vals[dayfirst], errors="coerce", format="mixed", dayfirst=True, utc=True)
    if not pd.api.types.is_datetime64_any_dtype(t):  # mixed offsets can come back as objects
        log.warning("%s: column %r mixes UTC offsets; times are converted to UTC (hours of day in UTC)", path, col)
        t = pd.to_datetime(vals, errors="coerce", format="mixed", utc=True)
        if dayfirst.any():
            t[dayfirst] = pd.to_datetime(vals[dayfirst], errors="coerce", format="mixed", dayfirst=True, utc=True)
    if getattr(t.dt, "tz", None) is not None:
        # keep the wall-clock time of the records in their own offset: hour-of-day is what patrols need
        t = t.dt.tz_localize(None)
    bad = t.isna() & ~blank
    n_ok = int((~t.isna()).sum())
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        if n_ok == 0 or bad.sum() > 0.5 * (~blank).sum():
            raise InputError(
                f"{path}: {row_label(i)}: column {col!r} value {raw.iloc[i]!r} is not a date/time "
                "(e.g. 2016-04-27 13:44 or 04/27/2016 01:44:00 PM)"
            )
        log.warning("%s: %d unparsable times in column %r (first %s) set to NaT", path, int(bad.sum()), col, row_label(i))
    return t


def read_incidents(
    path: str | Path,
    *,
    lat: str | None = None,
    lon: str | None = None,
    time: str | None = None,
    type: str | None = None,  # noqa: A002 - public keyword matches the CLI flag
    x: str | None = None,
    y: str | None = None,
    crs: str | int | None = None,
    type_map: Mapping[str, str] | str | Path | None = None,
    keywords: str | Path | None = None,
) -> gpd.GeoDataFrame:
    """Read crime incidents from a CSV or GeoJSON file.

    Parameters
    ----------
    path : str or Path
        A CSV file (header row, one incident per row) or a GeoJSON FeatureCollection of Points.
    lat, lon : str, optional
        Latitude / longitude column names. Found automatically from common spellings
        (``lat``/``latitude``/``y``, ``lon``/``lng``/``longitude``/``x``) when not given.
    time : str, optional
        Date/time column (``date``, ``datetime``, ``time``, ``date_time``, ``occurred`` ...). Optional:
        without it every ``time`` is NaT.
    type : str, optional
        Incident type column (``type``, ``category``, ``primary type``, ``text_general_code``,
        ``description`` ...). Optional: without it every incident is ``lainnya``.
    x, y : str, optional
        Projected coordinate columns; need ``crs``.
    crs : str or int, optional
        CRS of the coordinates (e.g. ``26971`` or ``"EPSG:26971"``); default EPSG:4326. For GeoJSON the
        CRS of the point coordinates.
    type_map, keywords : optional
        Exact type names (dict or JSON file; win over every rule) and a TOML keyword file (:mod:`routeplan.hotspots.types`).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``time`` (datetime64, may be NaT), ``type`` (one of :data:`CATEGORIES`), ``raw_type``
        (``""`` when absent), ``type_matched`` (False where a type matched no rule: ``lainnya``) and
        ``geometry`` (Points, EPSG:4326). Rows without coordinates are dropped with a logged warning.

    Raises
    ------
    InputError
        Missing file or column, empty or non-UTF-8 file, unparsable numbers or dates, or coordinates out
        of range; the one-line message names the file and the column and row.
    """
    path = Path(path)
    check_input_file(path, "incidents")
    matcher = type_matcher(type_map, keywords)
    df = _read_table(path)
    if len(df) == 0:
        raise InputError(f"{path}: no incidents (the file has a header but no rows)")
    is_geojson = "__x" in df.columns
    columns = [c for c in df.columns if not str(c).startswith("__")]

    def row_label(i: int) -> str:
        return f"feature {i}" if is_geojson else f"row {i + 2}"

    if is_geojson:
        xcol, ycol = "__x", "__y"
    else:
        xcol, ycol = _coordinate_columns(columns, path, lat=lat, lon=lon, x=x, y=y, crs=crs)
    xs, ys, missing = _coordinates(df, path, xcol, ycol, crs, is_geojson, row_label)
    tcol = _find_column(columns, "time", time, path)
    times = _parse_times(df, tcol, path, row_label) if tcol is not None else pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
    kcol = _find_column(columns, "type", type, path)
    raw_type = _raw_types(df, kcol, path)
    cats, unmatched = matcher.categorise(raw_type)
    gdf = _incident_frame(path, times, cats, raw_type, ~unmatched, xs, ys, ~missing, crs)
    log.info(
        "%s: %d incidents (%d with time), columns lat=%r lon=%r time=%r type=%r",
        path, len(gdf), int(gdf["time"].notna().sum()), ycol if not is_geojson else None,
        xcol if not is_geojson else None, tcol, kcol,
    )
    return gdf


def _incident_frame(path: Path, times: pd.Series, cats: pd.Series, raw_type: pd.Series, matched: pd.Series,
                    xs: pd.Series, ys: pd.Series, keep: pd.Series, crs: str | int | None) -> gpd.GeoDataFrame:
    """The kept incidents as Points in EPSG:4326 with ``time``, ``type``, ``raw_type`` and ``type_matched``."""
    src_crs = "EPSG:4326" if crs is None else (f"EPSG:{crs}" if str(crs).isdigit() else crs)
    try:
        gdf = gpd.GeoDataFrame(
            {
                "time": pd.to_datetime(times[keep]).reset_index(drop=True),
                "type": cats[keep].reset_index(drop=True).astype(str),
                "raw_type": raw_type[keep].reset_index(drop=True).astype(str),
                "type_matched": matched[keep].reset_index(drop=True).astype(bool),
            },
            geometry=gpd.points_from_xy(xs[keep].to_numpy(), ys[keep].to_numpy()),
            crs=src_crs,
        )
    except Exception as exc:  # pyproj CRSError and friends
        raise InputError(f"{path}: CRS {crs!r} is not usable ({exc})") from None
    if crs is not None:
        gdf = gdf.to_crs("EPSG:4326")
        b = gdf.total_bounds
        if not (np.isfinite(b).all() and -180 <= b[0] and b[2] <= 180 and -90 <= b[1] and b[3] <= 90):
            raise InputError(f"{path}: coordinates do not fit CRS {crs!r} (they land outside the globe)")
    return gdf


def _coordinate_columns(columns: Sequence[str], path: Path, *, lat: str | None, lon: str | None, x: str | None,
                        y: str | None, crs: str | int | None) -> tuple[str, str]:
    """The (x, y) columns of a table: projected ``x``/``y`` (with a CRS), else latitude and longitude."""
    if x is not None or y is not None:
        if x is None or y is None:
            raise InputError(f"{path}: give both x and y columns (got x={x!r}, y={y!r})")
        if crs is None:
            raise InputError(f"{path}: x/y columns need a CRS (e.g. --crs 26971)")
        xcol, ycol = _find_column(columns, "lon", x, path), _find_column(columns, "lat", y, path)
        assert xcol is not None and ycol is not None  # a given name is found or refused
        return xcol, ycol
    ycol = _find_column(columns, "lat", lat, path)
    xcol = _find_column(columns, "lon", lon, path)
    if ycol is None or xcol is None:
        missing = "latitude" if ycol is None else "longitude"
        raise InputError(
            f"{path}: no {missing} column found (looked for "
            f"{', '.join(COLUMN_CANDIDATES['lat' if ycol is None else 'lon'])}); "
            f"columns are {', '.join(map(str, columns))}; name it with --lat/--lon"
        )
    return xcol, ycol


def _coordinates(df: pd.DataFrame, path: Path, xcol: str, ycol: str, crs: str | int | None, is_geojson: bool,
                 row_label: RowLabel) -> tuple[pd.Series, pd.Series, pd.Series]:
    """x and y as numbers and the rows missing either; degrees (no ``crs``) must be in range."""
    xs = _numeric(df, xcol, path, row_label)
    ys = _numeric(df, ycol, path, row_label)
    xname = "longitude" if is_geojson else xcol
    yname = "latitude" if is_geojson else ycol
    missing = xs.isna() | ys.isna()
    if missing.all():
        raise InputError(f"{path}: no row has both coordinates ({yname!r}, {xname!r})")
    if missing.any():
        log.warning("%s: %d of %d incidents have no coordinates and are left out", path, int(missing.sum()), len(df))
    if crs is None:
        bad_lat = ~missing & ((ys < -90) | (ys > 90))
        bad_lon = ~missing & ((xs < -180) | (xs > 180))
        for bad, col, lim, vals in ((bad_lat, yname, 90, ys), (bad_lon, xname, 180, xs)):
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise InputError(
                    f"{path}: {row_label(i)}: column {col!r} value {vals.iloc[i]} is outside -{lim}..{lim}; "
                    "projected coordinates need --crs, or swap --lat/--lon"
                )
    return xs, ys, missing


def _raw_types(df: pd.DataFrame, kcol: str | None, path: Path) -> pd.Series:
    """The incident types as written (stripped, control characters replaced), ``""`` without a type column."""
    if kcol is None:
        return pd.Series("", index=df.index, dtype=object)
    raw_type = df[kcol].fillna("").astype(str)
    # control characters would make the map invalid: incident exports are messy, so replace, not refuse
    ctrl = raw_type.str.contains(BAD_CHARS, regex=True)
    if ctrl.any():
        log.warning("%s: %d incident types in column %r hold control characters; replaced by spaces",
                    path, int(ctrl.sum()), kcol)
        raw_type = raw_type.str.replace(BAD_CHARS, " ", regex=True)
    return raw_type.str.strip()


