"""Crime hotspots for patrol planning: from raw incident records to ranked, evaluated hotspots and a map.

The pipeline is::

    incidents = read_incidents("crimes.csv")            # CSV or GeoJSON -> GeoDataFrame (EPSG:4326)
    result = estimate_hotspots(incidents, cell_m=200)   # Gaussian KDE, bandwidth by likelihood CV
    ev = evaluate(incidents, "2016-10-01", cell_m=200)  # hit rate / PAI on a time split vs a naive baseline
    write_hotspot_outputs(result, "out/", evaluation=ev)

Method notes
------------
* **Projection.** All distances are computed in the UTM zone of the incidents' centroid
  (``GeoDataFrame.estimate_utm_crs``), so ``cell_m`` and the bandwidth are metres.
* **Density.** A Gaussian kernel density estimate is evaluated at the centre of every grid cell of
  ``cell_m`` metres inside the study area (a cell belongs to the area when its centre does).
* **Bandwidth.** ``bandwidth="auto"`` picks the bandwidth that maximises the leave-one-out
  log-likelihood over a log-spaced grid of candidates around Silverman's rule of thumb. Incident
  records are often geocoded to the same block address; with exact duplicates the plain
  leave-one-out likelihood grows without bound as the bandwidth shrinks, so all records at the
  same location (within 1 m) are left out together ("leave-one-location-out"). At most
  :data:`LCV_MAX_POINTS` incidents (a seeded random subsample) enter the cross-validation.
* **Hotspots.** The cells with the highest density that together cover ``top_share`` of the area
  are selected, edge-adjacent selected cells are merged into one polygon, and the polygons are
  ranked by their share of the estimated crime.
* **Floor.** ``floor_share`` of the total patrol risk is spread uniformly over all cells of the area::

      p_cell = (1 - floor_share) * kde_cell / sum(kde) + floor_share / n_cells
      risk_cell = p_cell / max(p_cell)

  so every cell keeps some patrol weight even where no crime was recorded. Patrols that only follow
  recorded crime feed back on themselves (Ensign et al. 2018, "Runaway feedback loops in predictive
  policing"). The floor is an affine, order-preserving transform: it changes risk values, never which
  cells are hotspots.
* **Categories.** Incident types are mapped to the "4C" categories of Indonesian police practice:
  ``curas`` (pencurian dengan kekerasan: robbery), ``curat`` (pencurian dengan pemberatan: burglary and
  other theft), ``curanmor`` (motor vehicle theft), ``curhewan`` (livestock theft), and ``lainnya``
  (everything else). Plain THEFT is mapped to ``curat``: the KUHP distinguishes simple theft (pasal 362)
  from aggravated theft (pasal 363), but police reports in Indonesia group non-violent theft from
  premises and people under pencurian/curat, and it is the category a patrol addresses. Pass
  ``type_map`` to override any entry.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box, mapping
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from routeplan import settings
from routeplan._checks import BAD_CHARS
from routeplan._io import atomic_file, atomic_output_dir, check_input_file, prepare_output_dir, read_text, write_json_atomic, write_text_atomic
from routeplan.errors import InputError, one_line
from routeplan.i18n import LANGUAGES, incident_label

log = logging.getLogger(__name__)

__all__ = [
    "CATEGORIES",
    "DEFAULT_TYPE_MAP",
    "HotspotResult",
    "read_incidents",
    "load_type_map",
    "select_bandwidth",
    "estimate_hotspots",
    "evaluate",
    "plot_evaluation",
    "hotspots_geojson",
    "write_hotspot_outputs",
    "run_hotspots",
    "add_cli",
]

#: Incident categories used by routeplan ("4C" plus everything else).
CATEGORIES: tuple[str, ...] = ("curas", "curat", "curanmor", "curhewan", "lainnya")

#: Human-readable category names per language (the texts are in the i18n catalogue).
CATEGORY_LABELS: dict[str, dict[str, str]] = {lang: {c: incident_label(c, lang) for c in CATEGORIES} for lang in LANGUAGES}

#: Default mapping from common English (Chicago, Philadelphia, UK police) and Indonesian incident type
#: names to :data:`CATEGORIES`. Keys are matched case-insensitively after turning ``-``/``_`` into
#: spaces and collapsing whitespace. Anything not listed maps to ``lainnya``.
DEFAULT_TYPE_MAP: dict[str, str] = {
    # robbery -> curas
    "ROBBERY": "curas",
    "ROBBERY FIREARM": "curas",
    "ROBBERY NO FIREARM": "curas",
    "ARMED ROBBERY": "curas",
    "STRONG ARM ROBBERY": "curas",
    "CARJACKING": "curanmor",
    "VEHICULAR HIJACKING": "curanmor",
    # burglary and theft -> curat (see module docstring for why plain THEFT is curat)
    "BURGLARY": "curat",
    "BURGLARY RESIDENTIAL": "curat",
    "BURGLARY NON RESIDENTIAL": "curat",
    "RESIDENTIAL BURGLARY": "curat",
    "COMMERCIAL BURGLARY": "curat",
    "THEFT": "curat",
    "THEFTS": "curat",
    "LARCENY": "curat",
    "LARCENY/THEFT": "curat",
    "THEFT FROM VEHICLE": "curat",
    "THEFT FROM MOTOR VEHICLE": "curat",
    "THEFT FROM THE PERSON": "curat",
    "OTHER THEFT": "curat",
    "BICYCLE THEFT": "curat",
    "SHOPLIFTING": "curat",
    # motor vehicle theft -> curanmor
    "MOTOR VEHICLE THEFT": "curanmor",
    "AUTO THEFT": "curanmor",
    "VEHICLE THEFT": "curanmor",
    "VEHICLE CRIME": "curanmor",
    "MOTORCYCLE THEFT": "curanmor",
    # livestock -> curhewan
    "LIVESTOCK THEFT": "curhewan",
    "CATTLE THEFT": "curhewan",
    "ANIMAL THEFT": "curhewan",
    # Indonesian terms
    "CURAS": "curas",
    "CURAT": "curat",
    "CURANMOR": "curanmor",
    "CURHEWAN": "curhewan",
    "LAINNYA": "lainnya",
    "PENCURIAN DENGAN KEKERASAN": "curas",
    "PERAMPOKAN": "curas",
    "PENJAMBRETAN": "curas",
    "PENCURIAN DENGAN PEMBERATAN": "curat",
    "PENCURIAN": "curat",
    "PENCURIAN KENDARAAN BERMOTOR": "curanmor",
    "PENCURIAN HEWAN": "curhewan",
    "PENCURIAN TERNAK": "curhewan",
}

#: Common spellings of each input column (compared after lower-casing and turning ``_``/``-`` into spaces).
COLUMN_CANDIDATES: dict[str, tuple[str, ...]] = {
    "lat": ("lat", "latitude", "y"),
    "lon": ("lon", "lng", "long", "longitude", "x"),
    "time": ("date", "datetime", "time", "date time", "occurred", "dispatch date time", "timestamp"),
    "type": ("type", "category", "primary type", "text general code", "description", "crime type", "jenis"),
}

#: At most this many incidents enter likelihood cross-validation (seeded subsample above it).
LCV_MAX_POINTS: int = 1500
#: Number of candidate bandwidths tried by likelihood cross-validation.
LCV_CANDIDATES: int = 24
#: Share of a hotspot's timed incidents that its ``active_hours`` windows should hold.
ACTIVE_HOURS_SHARE: float = 0.7
#: Fewer timed incidents than this in a hotspot -> no active hours (patrol any time).
ACTIVE_HOURS_MIN_INCIDENTS: int = 5
#: Share of the training time span used by the naive "last period" baseline.
BASELINE_LAST_SHARE: float = 0.25
_SEED = 20240101


# --------------------------------------------------------------------------------------------
# Reading incidents
# --------------------------------------------------------------------------------------------


def _norm_name(name: Any) -> str:
    return " ".join(str(name).strip().lower().replace("_", " ").replace("-", " ").split())


def _norm_type(value: Any) -> str:
    return " ".join(str(value).strip().upper().replace("_", " ").replace("-", " ").split())


def load_type_map(type_map: Mapping[str, str] | str | Path | None, *, merge_default: bool = True) -> dict[str, str]:
    """Build a type mapping (normalised raw type name -> category).

    Parameters
    ----------
    type_map : mapping, str, Path or None
        Extra or overriding entries, either a dict ``{"raw type": "curat", ...}`` or the path of a JSON
        file holding such an object. ``None`` uses :data:`DEFAULT_TYPE_MAP` only.
    merge_default : bool
        Start from :data:`DEFAULT_TYPE_MAP` (entries in ``type_map`` win).

    Returns
    -------
    dict
        Keys normalised (upper case, single spaces), values in :data:`CATEGORIES`.

    Raises
    ------
    InputError
        When the JSON file is unreadable or a value is not one of :data:`CATEGORIES`.
    """
    where = "type map"
    if isinstance(type_map, (str, Path)):
        where = str(type_map)
        text = read_text(Path(type_map), "type map")
        try:
            type_map = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
        if not isinstance(type_map, dict):
            raise InputError(f'{where}: expected a JSON object like {{"THEFT": "curat"}}')
    out = {_norm_type(k): v for k, v in DEFAULT_TYPE_MAP.items()} if merge_default else {}
    for key, value in (type_map or {}).items():
        cat = str(value).strip().lower()
        if cat not in CATEGORIES:
            raise InputError(
                f"{where}: type {key!r} maps to {value!r}; use one of {', '.join(CATEGORIES)}"
            )
        out[_norm_type(key)] = cat
    return out


def _find_column(columns: Sequence[str], role: str, given: str | None, path: Path) -> str | None:
    if given is not None:
        if given in columns:
            return given
        lookup = {_norm_name(c): c for c in columns}
        if _norm_name(given) in lookup:
            return lookup[_norm_name(given)]
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


def _numeric(df: pd.DataFrame, col: str, path: Path, row_label) -> pd.Series:
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


def _day_first(vals: pd.Series, col: str, path: Path, row_label) -> pd.Series:
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


def _parse_times(df: pd.DataFrame, col: str, path: Path, row_label) -> pd.Series:
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
    type_map : mapping, str or Path, optional
        Entries added to / overriding :data:`DEFAULT_TYPE_MAP`, as a dict or a JSON file path.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``time`` (datetime64, may be NaT), ``type`` (one of :data:`CATEGORIES`), ``raw_type``
        (the original text, ``""`` when absent) and ``geometry`` (Points, EPSG:4326). Rows without
        coordinates are dropped with a logged warning.

    Raises
    ------
    InputError
        Missing file or column, empty or non-UTF-8 file, unparsable numbers or dates, or coordinates out
        of range; the one-line message names the file and the column and row.
    """
    path = Path(path)
    check_input_file(path, "incidents")
    tmap = load_type_map(type_map)
    df = _read_table(path)
    if len(df) == 0:
        raise InputError(f"{path}: no incidents (the file has a header but no rows)")
    is_geojson = "__x" in df.columns
    columns = [c for c in df.columns if not str(c).startswith("__")]

    def row_label(i: int) -> str:
        return f"feature {i}" if is_geojson else f"row {i + 2}"

    if is_geojson:
        xcol, ycol = "__x", "__y"
        given_crs = crs
    else:
        if x is not None or y is not None:
            if x is None or y is None:
                raise InputError(f"{path}: give both x and y columns (got x={x!r}, y={y!r})")
            if crs is None:
                raise InputError(f"{path}: x/y columns need a CRS (e.g. --crs 26971)")
            xcol, ycol = _find_column(columns, "lon", x, path), _find_column(columns, "lat", y, path)
        else:
            ycol = _find_column(columns, "lat", lat, path)
            xcol = _find_column(columns, "lon", lon, path)
            if ycol is None or xcol is None:
                missing = "latitude" if ycol is None else "longitude"
                raise InputError(
                    f"{path}: no {missing} column found (looked for "
                    f"{', '.join(COLUMN_CANDIDATES['lat' if ycol is None else 'lon'])}); "
                    f"columns are {', '.join(map(str, columns))}; name it with --lat/--lon"
                )
        given_crs = crs
    xs = _numeric(df, xcol, path, row_label)
    ys = _numeric(df, ycol, path, row_label)
    xname = "longitude" if is_geojson else xcol
    yname = "latitude" if is_geojson else ycol
    missing = xs.isna() | ys.isna()
    if missing.all():
        raise InputError(f"{path}: no row has both coordinates ({yname!r}, {xname!r})")
    if missing.any():
        log.warning("%s: %d of %d incidents have no coordinates and are left out", path, int(missing.sum()), len(df))
    if given_crs is None:
        bad_lat = ~missing & ((ys < -90) | (ys > 90))
        bad_lon = ~missing & ((xs < -180) | (xs > 180))
        for bad, col, lim, vals in ((bad_lat, yname, 90, ys), (bad_lon, xname, 180, xs)):
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise InputError(
                    f"{path}: {row_label(i)}: column {col!r} value {vals.iloc[i]} is outside -{lim}..{lim}; "
                    "projected coordinates need --crs, or swap --lat/--lon"
                )
    tcol = _find_column(columns, "time", time, path)
    times = _parse_times(df, tcol, path, row_label) if tcol is not None else pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
    kcol = _find_column(columns, "type", type, path)
    if kcol is not None:
        raw_type = df[kcol].fillna("").astype(str)
        # control characters would make the map invalid: incident exports are messy, so replace, not refuse
        ctrl = raw_type.str.contains(BAD_CHARS, regex=True)
        if ctrl.any():
            log.warning("%s: %d incident types in column %r hold control characters; replaced by spaces",
                        path, int(ctrl.sum()), kcol)
            raw_type = raw_type.str.replace(BAD_CHARS, " ", regex=True)
        raw_type = raw_type.str.strip()
    else:
        raw_type = pd.Series("", index=df.index, dtype=object)
    cats = raw_type.map(lambda v: tmap.get(_norm_type(v), "lainnya") if v else "lainnya")
    keep = ~missing
    src_crs = "EPSG:4326" if given_crs is None else (f"EPSG:{given_crs}" if str(given_crs).isdigit() else given_crs)
    try:
        gdf = gpd.GeoDataFrame(
            {
                "time": pd.to_datetime(times[keep]).reset_index(drop=True),
                "type": cats[keep].reset_index(drop=True).astype(str),
                "raw_type": raw_type[keep].reset_index(drop=True).astype(str),
            },
            geometry=gpd.points_from_xy(xs[keep].to_numpy(), ys[keep].to_numpy()),
            crs=src_crs,
        )
    except Exception as exc:  # pyproj CRSError and friends
        raise InputError(f"{path}: CRS {given_crs!r} is not usable ({exc})") from None
    if given_crs is not None:
        gdf = gdf.to_crs("EPSG:4326")
        b = gdf.total_bounds
        if not (np.isfinite(b).all() and -180 <= b[0] and b[2] <= 180 and -90 <= b[1] and b[3] <= 90):
            raise InputError(f"{path}: coordinates do not fit CRS {given_crs!r} (they land outside the globe)")
    log.info(
        "%s: %d incidents (%d with time), columns lat=%r lon=%r time=%r type=%r",
        path, len(gdf), int(gdf["time"].notna().sum()), ycol if not is_geojson else None,
        xcol if not is_geojson else None, tcol, kcol,
    )
    return gdf


# --------------------------------------------------------------------------------------------
# Grid, KDE and bandwidth
# --------------------------------------------------------------------------------------------


@dataclass
class _Grid:
    crs: Any
    x0: float
    y0: float
    cell_m: float
    nx: int
    ny: int
    inside: np.ndarray  # (ny, nx) bool: cell centre inside the area

    @property
    def centres(self) -> np.ndarray:
        iy, ix = np.nonzero(self.inside)
        return np.column_stack([self.x0 + (ix + 0.5) * self.cell_m, self.y0 + (iy + 0.5) * self.cell_m])

    @property
    def index(self) -> tuple[np.ndarray, np.ndarray]:
        return np.nonzero(self.inside)

    def cell_of(self, xy: np.ndarray) -> np.ndarray:
        """Flat index into the inside cells for each point, -1 when outside the area."""
        ix = np.floor((xy[:, 0] - self.x0) / self.cell_m).astype(int)
        iy = np.floor((xy[:, 1] - self.y0) / self.cell_m).astype(int)
        ok = (ix >= 0) & (ix < self.nx) & (iy >= 0) & (iy < self.ny)
        lookup = np.full((self.ny, self.nx), -1, dtype=int)
        lookup[self.inside] = np.arange(int(self.inside.sum()))
        out = np.full(len(xy), -1, dtype=int)
        out[ok] = lookup[iy[ok], ix[ok]]
        return out

    def boxes(self) -> list[BaseGeometry]:
        iy, ix = self.index
        c = self.cell_m
        return [box(self.x0 + i * c, self.y0 + j * c, self.x0 + (i + 1) * c, self.y0 + (j + 1) * c) for j, i in zip(iy, ix)]


def _local_crs(inc: gpd.GeoDataFrame) -> Any:
    """UTM zone of the centroid; an azimuthal equidistant CRS around it where no UTM zone applies."""
    try:
        return inc.estimate_utm_crs()
    except RuntimeError:
        from pyproj import CRS

        lon, lat = (float(v) for v in inc.to_crs(4326).geometry.union_all().centroid.coords[0])
        return CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m")


def _area_geometry(area: Any, incidents_proj: gpd.GeoDataFrame, pad: float) -> BaseGeometry:
    """Study area polygon in the projected CRS of ``incidents_proj``."""
    crs = incidents_proj.crs
    if area is None:
        hull = incidents_proj.geometry.union_all().convex_hull
        return hull.buffer(pad)
    if isinstance(area, (gpd.GeoDataFrame, gpd.GeoSeries)):
        if area.crs is None:
            raise InputError("study area has no CRS (an empty .prj?); set it, e.g. area.set_crs(26971)")
        geom = area.to_crs(crs).geometry.union_all() if isinstance(area, gpd.GeoDataFrame) else area.to_crs(crs).union_all()
    elif isinstance(area, BaseGeometry):
        geom = gpd.GeoSeries([area], crs="EPSG:4326").to_crs(crs).iloc[0]
    else:
        raise InputError(f"study area must be a GeoDataFrame, GeoSeries or shapely polygon in EPSG:4326, not {type(area).__name__}")
    if geom.is_empty or geom.area <= 0:
        raise InputError("study area is empty or has no area")
    return geom


def _make_grid(area: BaseGeometry, crs: Any, cell_m: float) -> _Grid:
    minx, miny, maxx, maxy = area.bounds
    nx = max(1, int(math.ceil((maxx - minx) / cell_m)))
    ny = max(1, int(math.ceil((maxy - miny) / cell_m)))
    if nx * ny > 4_000_000:
        raise InputError(
            f"grid of {nx} x {ny} cells of {cell_m:g} m is too large; use a larger --cell or a smaller area"
        )
    xs = minx + (np.arange(nx) + 0.5) * cell_m
    ys = miny + (np.arange(ny) + 0.5) * cell_m
    gx, gy = np.meshgrid(xs, ys)
    import shapely

    inside = shapely.contains_xy(area, gx.ravel(), gy.ravel()).reshape(ny, nx)
    if not inside.any():
        inside[ny // 2, nx // 2] = True
    return _Grid(crs=crs, x0=minx, y0=miny, cell_m=float(cell_m), nx=nx, ny=ny, inside=inside)


def _kde(points: np.ndarray, targets: np.ndarray, h: float, weights: np.ndarray | None = None) -> np.ndarray:
    """Gaussian KDE (density per m², integrates to 1 over the plane) at ``targets``."""
    if weights is None:
        weights = np.ones(len(points))
    weights = weights / weights.sum()
    out = np.zeros(len(targets))
    chunk = max(1, int(4_000_000 // max(1, len(points))))
    for s in range(0, len(targets), chunk):
        t = targets[s : s + chunk]
        d2 = ((t[:, None, :] - points[None, :, :]) ** 2).sum(-1)
        out[s : s + chunk] = np.exp(-d2 / (2 * h * h)) @ weights
    return out / (2 * math.pi * h * h)


def _bin_points(xy: np.ndarray, res: float) -> tuple[np.ndarray, np.ndarray]:
    """Aggregate points to a ``res`` metre lattice: (unique points, weights)."""
    key = np.round(xy / res).astype(np.int64)
    uniq, inv, counts = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    return uniq.astype(float) * res, counts.astype(float)


def _silverman(xy: np.ndarray) -> float:
    n = len(xy)
    sd = float(np.sqrt(0.5 * (xy[:, 0].var(ddof=1) + xy[:, 1].var(ddof=1)))) if n > 1 else 0.0
    iqr = np.subtract(*np.percentile(xy, [75, 25], axis=0)).mean() / 1.349 if n > 3 else sd
    spread = min(sd, iqr) if iqr > 0 else sd
    return max(spread * n ** (-1 / 6), 1.0)


def select_bandwidth(xy: np.ndarray, *, cell_m: float = 200.0, candidates: Iterable[float] | None = None) -> dict[str, Any]:
    """Choose a Gaussian KDE bandwidth by leave-one-location-out likelihood cross-validation.

    Parameters
    ----------
    xy : numpy.ndarray
        (n, 2) projected coordinates in metres.
    cell_m : float
        Grid cell size; the smallest candidate is ``cell_m / 4`` (a bandwidth far below the cell size is
        not resolved by the grid anyway).
    candidates : iterable of float, optional
        Bandwidths to try (metres). Default: :data:`LCV_CANDIDATES` values log-spaced between
        Silverman's rule / 10 and Silverman's rule x 2.

    Returns
    -------
    dict
        ``bandwidth_m`` (the best), ``candidates_m``, ``log_likelihood`` (mean per incident, per
        candidate), ``n_used`` (incidents in the cross-validation), ``silverman_m``, ``at_edge``
        (True when the best candidate is the smallest or largest tried).
    """
    xy = np.asarray(xy, dtype=float)
    if len(xy) < 3:
        raise InputError(f"only {len(xy)} incidents: at least 3 are needed to choose a bandwidth; give --bandwidth")
    rng = np.random.default_rng(_SEED)
    sub = xy if len(xy) <= LCV_MAX_POINTS else xy[rng.choice(len(xy), LCV_MAX_POINTS, replace=False)]
    silver = _silverman(sub)
    if candidates is None:
        lo = max(cell_m / 4.0, silver / 10.0, 5.0)
        hi = max(silver * 2.0, lo * 4)
        cands = np.geomspace(lo, hi, LCV_CANDIDATES)
    else:
        cands = np.asarray(sorted(float(c) for c in candidates))
    d2 = ((sub[:, None, :] - sub[None, :, :]) ** 2).sum(-1)
    same = d2 < 1.0  # same location (within 1 m), incl. itself: left out together
    n = len(sub)
    scores = []
    for h in cands:
        k = np.where(same, 0.0, np.exp(-d2 / (2 * h * h)))
        m = n - same.sum(1)  # points that remain for each left-out location
        dens = k.sum(1) / np.maximum(m, 1) / (2 * math.pi * h * h)
        with np.errstate(divide="ignore"):
            ll = np.log(np.maximum(dens, 1e-300))
        scores.append(float(ll.mean()))
    best = int(np.argmax(scores))
    return {
        "bandwidth_m": float(cands[best]),
        "candidates_m": [float(c) for c in cands],
        "log_likelihood": scores,
        "n_used": int(n),
        "silverman_m": float(silver),
        "at_edge": best in (0, len(cands) - 1),
    }


# --------------------------------------------------------------------------------------------
# Hotspots
# --------------------------------------------------------------------------------------------


@dataclass
class HotspotResult:
    """Outcome of :func:`estimate_hotspots`.

    Attributes
    ----------
    hotspots : geopandas.GeoDataFrame
        Ranked hotspot polygons (EPSG:4326) with ``id``, ``name``, ``risk``, ``incidents``, ``types``,
        ``active_hours``, ``rank``, ``share`` (share of estimated crime), ``cells``, ``layer``.
    cells : geopandas.GeoDataFrame
        Every grid cell of the area (EPSG:4326): ``intensity`` (KDE density per km² or Gi* local sum),
        ``p`` (share of patrol risk with the floor), ``risk`` (p / max p), ``incidents``, ``hotspot``
        (id or ``""``), ``order`` (1 = highest intensity).
    incidents : geopandas.GeoDataFrame
        The incidents used (EPSG:4326) with ``cell`` (index into ``cells``, -1 outside the area).
    area : shapely geometry
        Study area in EPSG:4326.
    """

    hotspots: gpd.GeoDataFrame
    cells: gpd.GeoDataFrame
    incidents: gpd.GeoDataFrame
    area: BaseGeometry
    method: str
    cell_m: float
    bandwidth_m: float | None
    bandwidth_selection: dict[str, Any]
    crs: str
    floor_share: float
    top_share: float
    by_type: bool
    area_km2: float
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """JSON-ready description of the method, its parameters and the counts.

        Returns
        -------
        dict
        """
        inc = self.incidents
        n_cells = len(self.cells)
        return {
            "method": "kde" if self.method == "kde" else "gistar",
            "method_description": (
                "Gaussian kernel density estimate on grid cell centres"
                if self.method == "kde"
                else "Getis-Ord Gi* (esda.G_Local, star=True, binary queen weights) on incident counts per cell"
            ),
            "cell_m": self.cell_m,
            "bandwidth_m": None if self.bandwidth_m is None else round(self.bandwidth_m, 1),
            "bandwidth_selection": self.bandwidth_selection,
            "crs": self.crs,
            "area_km2": round(self.area_km2, 3),
            "top_share": self.top_share,
            "floor": {
                "share": self.floor_share,
                "applied_as": "p_cell = (1 - share) * intensity_cell / sum(intensity) + share / n_cells; "
                "risk = p / max(p)",
                "min_cell_risk": round(float(self.cells["risk"].min()), 6) if n_cells else None,
                "why": "a share of patrol presence everywhere: patrols that only follow recorded crime feed "
                "back on themselves (Ensign et al. 2018)",
            },
            "by_type": self.by_type,
            "counts": {
                "incidents": int(len(inc)),
                "incidents_with_time": int(inc["time"].notna().sum()),
                "incidents_in_area": int((inc["cell"] >= 0).sum()),
                "by_type": {k: int(v) for k, v in inc["type"].value_counts().items()},
                "cells": int(n_cells),
                "hotspots": int(len(self.hotspots)),
                "incidents_in_hotspots": int(self.hotspots["incidents"].sum()) if len(self.hotspots) else 0,
            },
            "notes": list(self.notes),
        }


def _active_hours(times: pd.Series, share: float = ACTIVE_HOURS_SHARE) -> list[str]:
    """Smallest set of hours (as contiguous "HH:MM-HH:MM" windows) holding ``share`` of the incidents.

    Hours are picked greedily by a lightly smoothed (circular 1-2-1) hour-of-day profile until the raw
    counts reach ``share``; single-hour gaps between picked hours are filled; picked hours are merged
    into runs, a run across midnight becomes one window
    whose end is before its start (the project's convention, see ``scenario.parse_window``).
    Returns ``[]`` (any time) when fewer than :data:`ACTIVE_HOURS_MIN_INCIDENTS` incidents have a time or
    the windows would cover 16 hours or more (no useful time pattern).
    """
    t = times.dropna()
    if len(t) < ACTIVE_HOURS_MIN_INCIDENTS:
        return []
    counts = np.bincount(t.dt.hour.to_numpy(), minlength=24).astype(float)
    smooth = 0.5 * counts + 0.25 * np.roll(counts, 1) + 0.25 * np.roll(counts, -1)
    order = sorted(range(24), key=lambda h: (-smooth[h], -counts[h], h))
    chosen: set[int] = set()
    total = counts.sum()
    for h in order:
        if counts[list(chosen)].sum() >= share * total - 1e-9 and chosen:
            break
        chosen.add(h)
    # fill one-hour gaps between chosen hours: two windows an hour apart make a poor patrol shift
    chosen |= {h for h in range(24) if h not in chosen and (h - 1) % 24 in chosen and (h + 1) % 24 in chosen}
    if len(chosen) >= 16:  # 70 % of incidents need 2/3 of the day: no useful time pattern
        return []
    hours = sorted(chosen)
    runs: list[list[int]] = []
    for h in hours:
        if runs and h == runs[-1][1]:
            runs[-1][1] = h + 1
        else:
            runs.append([h, h + 1])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][1] == 24:
        first = runs.pop(0)
        runs[-1][1] = first[1]  # wraps midnight: end < start
    out = []
    for s, e in runs:
        end = "24:00" if e == 24 else f"{e % 24:02d}:00"
        out.append(f"{s:02d}:00-{end}")
    return out


def _dominant_types(types: pd.Series, max_types: int = 3, min_share: float = 0.2) -> list[str]:
    vc = types.value_counts()
    if vc.empty:
        return []
    out = [str(k) for k, v in vc.items() if v >= min_share * len(types)][:max_types]
    return out or [str(vc.index[0])]


def _gistar_intensity(counts: np.ndarray, grid: _Grid) -> tuple[np.ndarray, np.ndarray]:
    """Getis-Ord Gi* on the inside cells (queen contiguity, binary). Returns (local sum, z)."""
    import esda
    from libpysal.weights import W

    iy, ix = grid.index
    lookup = {(int(j), int(i)): k for k, (j, i) in enumerate(zip(iy, ix))}
    neighbors: dict[int, list[int]] = {}
    for k, (j, i) in enumerate(zip(iy, ix)):
        nb = []
        for dj in (-1, 0, 1):
            for di in (-1, 0, 1):
                if dj == 0 and di == 0:
                    continue
                other = lookup.get((int(j) + dj, int(i) + di))
                if other is not None:
                    nb.append(other)
        neighbors[k] = nb
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = W(neighbors, silence_warnings=True)
        g = esda.G_Local(counts.astype(float), w, transform="B", star=True, permutations=0)
    z = np.nan_to_num(np.asarray(g.Zs, dtype=float))
    local_sum = np.asarray(g.Gs, dtype=float) * counts.sum()
    return np.maximum(local_sum, 0.0), z


def _rank_with_floor(intensity: np.ndarray, floor_share: float) -> tuple[np.ndarray, np.ndarray]:
    n = len(intensity)
    tot = intensity.sum()
    base = intensity / tot if tot > 0 else np.full(n, 1.0 / n)
    p = (1 - floor_share) * base + floor_share / n
    return p, p / p.max()


def _hotspot_polygons(
    grid: _Grid,
    intensity: np.ndarray,
    p: np.ndarray,
    inc_cell: np.ndarray,
    inc: gpd.GeoDataFrame,
    top_share: float,
    layer: str,
) -> tuple[list[dict[str, Any]], np.ndarray]:
    """Select the top cells, merge edge-adjacent ones, describe each polygon (projected CRS)."""
    from scipy import ndimage

    n = len(intensity)
    k = max(1, int(round(top_share * n)))
    order = np.lexsort((np.arange(n), -intensity))
    chosen = np.zeros(n, dtype=bool)
    chosen[order[:k]] = True
    chosen &= intensity > 0
    mask = np.zeros((grid.ny, grid.nx), dtype=bool)
    iy, ix = grid.index
    mask[iy[chosen], ix[chosen]] = True
    labels, nlab = ndimage.label(mask)  # 4-connectivity: cells that share an edge
    cell_label = labels[iy, ix]
    boxes = None
    spots = []
    for lab in range(1, nlab + 1):
        members = np.flatnonzero(cell_label == lab)
        if boxes is None:
            boxes = grid.boxes()
        poly = unary_union([boxes[m] for m in members])
        sel = np.isin(inc_cell, members)
        sub = inc[sel]
        spots.append(
            {
                "geometry": poly,
                "share": float(p[members].sum()),
                "peak": float(intensity[members].max()),
                "incidents": int(sel.sum()),
                "types": _dominant_types(sub["type"]),
                "active_hours": _active_hours(sub["time"]),
                "cells": int(len(members)),
                "layer": layer,
                "_members": members,
            }
        )
    spots.sort(key=lambda s: (-s["share"], -s["peak"]))
    return spots, chosen


def estimate_hotspots(
    incidents: gpd.GeoDataFrame,
    *,
    cell_m: float = 200,
    bandwidth: str | float = "auto",
    by_type: bool = False,
    top_share: float = 0.05,
    floor_share: float = 0.1,
    area: Any = None,
    method: str = "kde",
    lang: str = "id",
) -> HotspotResult:
    """Estimate crime hotspots from incidents.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Output of :func:`read_incidents` (Points with ``type`` and ``time``); any CRS.
    cell_m : float
        Grid cell size in metres (default 200).
    bandwidth : "auto" or float
        Gaussian kernel standard deviation in metres, or ``"auto"`` for likelihood cross-validation
        (:func:`select_bandwidth`). Unused by ``method="gistar"``.
    by_type : bool
        Also estimate hotspots per category (``curas``, ``curat``, ``curanmor``, ``curhewan`` with at
        least 10 incidents), with the bandwidth chosen on all incidents; their hotspots carry
        ``layer=<category>`` and are ranked within the layer.
    top_share : float
        Share of the area's cells (0..1] that become hotspot cells (default 5 %).
    floor_share : float
        Share [0..1) of patrol risk spread uniformly over the area (default 10 %), see module docs.
    area : GeoDataFrame, GeoSeries or shapely geometry, optional
        Study area (a shapely geometry is taken as EPSG:4326). Default: the incidents' convex hull
        buffered by one cell.
    method : {"kde", "gistar"}
        Kernel density (default) or Getis-Ord Gi* on counts per cell for comparison.
    lang : {"id", "en"}
        Language of hotspot names.

    Returns
    -------
    HotspotResult

    Raises
    ------
    InputError
        Bad parameters or too few incidents.
    """
    if method not in ("kde", "gistar"):
        raise InputError(f"method {method!r} is unknown; use 'kde' or 'gistar'")
    if not (cell_m and float(cell_m) > 0):
        raise InputError(f"cell size {cell_m!r} must be a positive number of metres")
    if not (0 < top_share <= 1):
        raise InputError(f"top_share {top_share!r} must be in (0, 1]")
    if not (0 <= floor_share < 1):
        raise InputError(f"floor_share {floor_share!r} must be in [0, 1)")
    if incidents is None or len(incidents) == 0:
        raise InputError("no incidents to estimate hotspots from")
    if incidents.crs is None:
        raise InputError("incidents have no CRS; read them with read_incidents or set_crs(4326)")
    cell_m = float(cell_m)
    inc = incidents.to_crs("EPSG:4326").reset_index(drop=True)
    for col, default in (("time", pd.NaT), ("type", "lainnya"), ("raw_type", "")):
        if col not in inc.columns:
            inc[col] = default
    utm = _local_crs(inc)
    proj = inc.to_crs(utm)
    xy = np.column_stack([proj.geometry.x.to_numpy(), proj.geometry.y.to_numpy()])
    area_p = _area_geometry(area, proj, pad=cell_m)
    grid = _make_grid(area_p, utm, cell_m)
    centres = grid.centres
    inc_cell = grid.cell_of(xy)
    n_out = int((inc_cell < 0).sum())
    notes: list[str] = []
    if n_out:
        notes.append(f"{n_out} incidents lie outside the study area and count for no cell")
        log.warning("%d of %d incidents lie outside the study area", n_out, len(inc))

    selection: dict[str, Any]
    h: float | None
    if method == "kde":
        if isinstance(bandwidth, str):
            if bandwidth.strip().lower() != "auto":
                try:
                    bandwidth = float(bandwidth)
                except ValueError:
                    raise InputError(f"bandwidth {bandwidth!r} must be a number of metres or 'auto'") from None
        if isinstance(bandwidth, str):
            sel = select_bandwidth(xy, cell_m=cell_m)
            h = sel["bandwidth_m"]
            selection = {
                "how": "likelihood cross-validation (leave-one-location-out log-likelihood, Gaussian kernel)",
                **{k: (round(v, 1) if isinstance(v, float) else v) for k, v in sel.items() if k != "log_likelihood"},
                "candidates_m": [round(c, 1) for c in sel["candidates_m"]],
                "log_likelihood": [round(s, 4) for s in sel["log_likelihood"]],
            }
            if sel["at_edge"]:
                notes.append("the chosen bandwidth is at the edge of the candidates tried")
            log.info("bandwidth %.1f m by likelihood cross-validation on %d incidents", h, sel["n_used"])
        else:
            h = float(bandwidth)
            if not (h > 0 and math.isfinite(h)):
                raise InputError(f"bandwidth {bandwidth!r} must be a positive number of metres")
            selection = {"how": "given by the user", "bandwidth_m": h}
        pts, wts = (xy, None) if len(xy) <= 20000 else _bin_points(xy, max(1.0, min(h, cell_m) / 10))

        def intensity_for(mask: np.ndarray | None) -> np.ndarray:
            if mask is None:
                return _kde(pts, centres, h, wts) * 1e6 * len(xy)  # expected incidents per km²
            sub = xy[mask]
            return _kde(sub, centres, h) * 1e6 * len(sub)

        z = None
    else:
        h = None
        selection = {"how": "not used by Gi*"}

        def intensity_for(mask: np.ndarray | None) -> np.ndarray:
            cells = inc_cell if mask is None else inc_cell[mask]
            counts = np.bincount(cells[cells >= 0], minlength=len(centres)).astype(float)
            return _gistar_intensity(counts, grid)[0]

    intensity = intensity_for(None)
    if method == "gistar":
        counts = np.bincount(inc_cell[inc_cell >= 0], minlength=len(centres)).astype(float)
        _, z = _gistar_intensity(counts, grid)
    p, risk = _rank_with_floor(intensity, floor_share)
    spots, _ = _hotspot_polygons(grid, intensity, p, inc_cell, inc, top_share, "all")
    for r, s in enumerate(spots, 1):
        s["rank"] = r
    all_spots = list(spots)
    if by_type:
        for cat in CATEGORIES[:4]:
            mask = (inc["type"] == cat).to_numpy()
            if mask.sum() < 10:
                if mask.any():
                    notes.append(f"{cat}: only {int(mask.sum())} incidents, no separate hotspots")
                continue
            it = intensity_for(mask)
            pt, _ = _rank_with_floor(it, floor_share)
            sp, _ = _hotspot_polygons(grid, it, pt, inc_cell[mask], inc[mask], top_share, cat)
            for r, s in enumerate(sp, 1):
                s["rank"] = r
            all_spots.extend(sp)

    # cells (EPSG:4326)
    cell_hot = np.array([""] * len(centres), dtype=object)
    labels = CATEGORY_LABELS.get(lang, CATEGORY_LABELS["id"])
    word = "Titik rawan" if lang == "id" else "Hotspot"
    rows = []
    for i, s in enumerate(all_spots, 1):
        sid = f"HS-{i:02d}"
        if s["layer"] == "all":
            cell_hot[s["_members"]] = sid
        types_txt = ", ".join(labels.get(t, t).split(" (")[0] for t in s["types"]) or "-"
        layer_txt = "" if s["layer"] == "all" else f"[{s['layer']}] "
        rows.append(
            {
                "id": sid,
                "name": f"{word} {layer_txt}{s['rank']} ({types_txt})",
                "risk": 0.0,
                "incidents": s["incidents"],
                "types": s["types"],
                "active_hours": s["active_hours"],
                "rank": s["rank"],
                "share": round(s["share"], 6),
                "cells": s["cells"],
                "layer": s["layer"],
                "geometry": s["geometry"],
            }
        )
    hs = gpd.GeoDataFrame(rows, geometry="geometry", crs=utm) if rows else gpd.GeoDataFrame(
        {c: [] for c in ("id", "name", "risk", "incidents", "types", "active_hours", "rank", "share", "cells", "layer")},
        geometry=gpd.GeoSeries([], crs=utm),
    )
    if len(hs):
        for layer, idx in hs.groupby("layer").groups.items():
            shares = hs.loc[idx, "share"].astype(float)
            hs.loc[idx, "risk"] = (shares / shares.max()).round(4).clip(lower=1e-4)
    cells = gpd.GeoDataFrame(
        {
            "intensity": intensity,
            "p": p,
            "risk": risk,
            "incidents": np.bincount(inc_cell[inc_cell >= 0], minlength=len(centres)),
            "hotspot": cell_hot,
            "order": np.argsort(np.lexsort((np.arange(len(intensity)), -intensity))) + 1,
        },
        geometry=grid.boxes(),
        crs=utm,
    )
    if z is not None:
        cells["gi_z"] = z
    inc = inc.copy()
    inc["cell"] = inc_cell
    return HotspotResult(
        hotspots=hs.to_crs("EPSG:4326"),
        cells=cells.to_crs("EPSG:4326"),
        incidents=inc,
        area=gpd.GeoSeries([area_p], crs=utm).to_crs("EPSG:4326").iloc[0],
        method=method,
        cell_m=cell_m,
        bandwidth_m=h,
        bandwidth_selection=selection,
        crs=f"EPSG:{utm.to_epsg()}" if utm.to_epsg() else utm.to_proj4(),
        floor_share=float(floor_share),
        top_share=float(top_share),
        by_type=bool(by_type),
        area_km2=float(area_p.area / 1e6),
        notes=notes,
    )


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------


def _hits_at(scores: np.ndarray, test_counts: np.ndarray, k: int) -> float:
    """Expected test crimes in the top ``k`` cells, splitting ties fairly (random tie-break expectation)."""
    order = np.argsort(-scores, kind="stable")
    s_sorted = scores[order]
    thr = s_sorted[k - 1]
    above = scores > thr
    tied = scores == thr
    need = k - int(above.sum())
    hits = float(test_counts[above].sum())
    if need > 0 and tied.any():
        hits += test_counts[tied].sum() * need / tied.sum()
    return hits


def evaluate(
    incidents: gpd.GeoDataFrame,
    train_until: str | pd.Timestamp,
    *,
    cell_m: float = 200,
    bandwidth: str | float = "auto",
    shares: Sequence[float] = (0.01, 0.05, 0.10),
    area: Any = None,
    baseline_last_share: float = BASELINE_LAST_SHARE,
    plot_path: str | Path | None = None,
) -> dict[str, Any]:
    """Hit rate and PAI of KDE hotspots on a time split, against a naive "last period" baseline.

    Incidents before ``train_until`` fit the model, incidents from ``train_until`` on are the test set.
    For an area share ``s`` the top ``round(s * n_cells)`` cells are the prediction; the hit rate is the
    share of test incidents inside them (test incidents outside the area count as misses) and
    PAI = hit rate / area share. The baseline ranks cells by their incident count in the last
    ``baseline_last_share`` of the training time span. Ties (many cells with equal baseline counts)
    are split fairly: the expected hits of a random tie-break are counted.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Output of :func:`read_incidents`; needs times.
    train_until : str or pandas.Timestamp
        First instant of the test period.
    cell_m : float
        Grid cell size in metres.
    bandwidth : "auto" or float
        KDE bandwidth (metres), or ``"auto"`` for likelihood cross-validation on the training incidents.
    shares : sequence of float
        Area shares to report.
    area : optional
        Study area, as in :func:`estimate_hotspots`. Default: hull of all incidents (train and test).
    baseline_last_share : float
        Share of the training span used by the baseline (default 0.25).
    plot_path : str or Path, optional
        Also write the PAI / hit-rate curve PNG there (see :func:`plot_evaluation`).

    Returns
    -------
    dict
        ``train_until``, ``n_train``, ``n_test``, ``baseline_period``, ``bandwidth_m``, ``cell_m``,
        ``results`` (list of ``{"share", "area_share", "kde": {"hit_rate", "pai"}, "baseline": {...}}``)
        and ``curve`` (area shares with both methods' hit rates and PAI for plotting).

    Raises
    ------
    InputError
        No times, an unparsable ``train_until`` or an empty training or test period.
    """
    try:
        cut = pd.Timestamp(train_until)
    except (ValueError, TypeError):
        raise InputError(f"train-until {train_until!r} is not a date (e.g. 2016-10-01)") from None
    if cut is pd.NaT or pd.isna(cut):
        raise InputError(f"train-until {train_until!r} is not a date (e.g. 2016-10-01)")
    inc = incidents.to_crs("EPSG:4326").reset_index(drop=True)
    t = inc["time"]
    if t.notna().sum() == 0:
        raise InputError("incidents have no times; evaluation by time split needs a time column")
    if cut.tzinfo is not None:
        cut = cut.tz_convert(None)
    train = inc[t.notna() & (t < cut)]
    test = inc[t.notna() & (t >= cut)]
    if len(train) < 3 or len(test) == 0:
        raise InputError(
            f"train-until {cut.date()} leaves {len(train)} training and {len(test)} test incidents; "
            f"times run {t.min()} .. {t.max()}"
        )
    if area is None:
        utm = _local_crs(inc)
        pts = inc.to_crs(utm)
        area = gpd.GeoSeries([pts.geometry.union_all().convex_hull.buffer(float(cell_m))], crs=utm)
    fit = estimate_hotspots(train, cell_m=cell_m, bandwidth=bandwidth, area=area, floor_share=0.0)
    cells_p = fit.cells.to_crs(fit.crs)
    x0 = cells_p.total_bounds[0]
    y0 = cells_p.total_bounds[1]
    # map test and baseline incidents to cells with the same grid
    cx = cells_p.geometry.bounds
    ix = np.round((cx["minx"].to_numpy() - x0) / fit.cell_m).astype(int)
    iy = np.round((cx["miny"].to_numpy() - y0) / fit.cell_m).astype(int)
    lookup = {(int(a), int(b)): k for k, (a, b) in enumerate(zip(iy, ix))}

    def to_cells(g: gpd.GeoDataFrame) -> np.ndarray:
        gp = g.to_crs(fit.crs)
        jx = np.floor((gp.geometry.x.to_numpy() - x0) / fit.cell_m).astype(int)
        jy = np.floor((gp.geometry.y.to_numpy() - y0) / fit.cell_m).astype(int)
        return np.array([lookup.get((int(a), int(b)), -1) for a, b in zip(jy, jx)], dtype=int)

    n_cells = len(cells_p)
    test_cells = to_cells(test)
    test_counts = np.bincount(test_cells[test_cells >= 0], minlength=n_cells).astype(float)
    t0, t1 = train["time"].min(), train["time"].max()
    base_start = t1 - (t1 - t0) * baseline_last_share
    recent = train[train["time"] >= base_start]
    rc = to_cells(recent)
    base_scores = np.bincount(rc[rc >= 0], minlength=n_cells).astype(float)
    kde_scores = fit.cells["intensity"].to_numpy()
    n_test = len(test)

    def row(share: float) -> dict[str, Any]:
        k = min(n_cells, max(1, int(round(share * n_cells))))
        a = k / n_cells
        out = {"share": share, "area_share": round(a, 5), "cells": k}
        for name, sc in (("kde", kde_scores), ("baseline", base_scores)):
            hr = _hits_at(sc, test_counts, k) / n_test
            out[name] = {"hit_rate": round(hr, 4), "pai": round(hr / a, 3)}
        return out

    results = [row(float(s)) for s in shares]
    grid_shares = sorted(set(np.round(np.concatenate([np.linspace(0.005, 0.3, 60), np.asarray(shares, float)]), 5)))
    curve = [row(float(s)) for s in grid_shares]
    ev = {
        "train_until": str(cut),
        "n_train": int(len(train)),
        "n_test": int(n_test),
        "n_test_outside_area": int((test_cells < 0).sum()),
        "cell_m": fit.cell_m,
        "cells": n_cells,
        "bandwidth_m": round(fit.bandwidth_m, 1) if fit.bandwidth_m else None,
        "bandwidth_selection": fit.bandwidth_selection.get("how"),
        "baseline": f"incident counts per cell in the last {baseline_last_share:.0%} of the training span "
        f"({base_start} .. {t1}, {len(recent)} incidents); ties split by expected value",
        "results": results,
        "curve": {
            "area_share": [c["area_share"] for c in curve],
            "kde_hit_rate": [c["kde"]["hit_rate"] for c in curve],
            "kde_pai": [c["kde"]["pai"] for c in curve],
            "baseline_hit_rate": [c["baseline"]["hit_rate"] for c in curve],
            "baseline_pai": [c["baseline"]["pai"] for c in curve],
        },
    }
    for r in results:
        log.info(
            "area %.0f%%: KDE hit rate %.3f PAI %.2f | baseline hit rate %.3f PAI %.2f",
            100 * r["share"], r["kde"]["hit_rate"], r["kde"]["pai"], r["baseline"]["hit_rate"], r["baseline"]["pai"],
        )
    if plot_path is not None:
        plot_evaluation(ev, plot_path)
    return ev


def plot_evaluation(evaluation: Mapping[str, Any], path: str | Path) -> Path:
    """Draw hit rate and PAI against area share for KDE and the baseline, as a PNG (written atomically).

    Parameters
    ----------
    evaluation : mapping
        Output of :func:`evaluate`.
    path : str or Path
        PNG file to write.

    Returns
    -------
    Path
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    c = evaluation["curve"]
    a = np.asarray(c["area_share"]) * 100
    fig = Figure(figsize=(9, 3.8), dpi=110)
    ax1, ax2 = fig.subplots(1, 2)
    ax1.plot(a, c["kde_hit_rate"], label=f"KDE (h = {evaluation.get('bandwidth_m')} m)", color="#c0392b")
    ax1.plot(a, c["baseline_hit_rate"], label="naive: last period counts", color="#7f8c8d", ls="--")
    ax1.set_xlabel("area share (%)")
    ax1.set_ylabel("hit rate")
    ax1.set_ylim(0, 1)
    ax1.legend(loc="lower right", fontsize=8)
    ax2.plot(a, c["kde_pai"], color="#c0392b")
    ax2.plot(a, c["baseline_pai"], color="#7f8c8d", ls="--")
    ax2.axhline(1.0, color="k", lw=0.6)
    ax2.set_xlabel("area share (%)")
    ax2.set_ylabel("PAI")
    for s in (r["share"] * 100 for r in evaluation["results"]):
        ax1.axvline(s, color="#ddd", lw=0.6, zorder=0)
        ax2.axvline(s, color="#ddd", lw=0.6, zorder=0)
    fig.suptitle(
        f"Test from {str(evaluation['train_until'])[:10]}: {evaluation['n_test']} incidents, "
        f"trained on {evaluation['n_train']}",
        fontsize=10,
    )
    fig.tight_layout()
    path = Path(path)
    with atomic_file(path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png")
    return path


# --------------------------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------------------------


def hotspots_geojson(result: HotspotResult) -> dict[str, Any]:
    """The hotspots as an EPSG:4326 GeoJSON FeatureCollection (dict).

    Parameters
    ----------
    result : HotspotResult

    Returns
    -------
    dict
        Features with properties ``id``, ``name``, ``risk``, ``incidents``, ``types``,
        ``active_hours``, ``rank``, ``share``, ``cells``, ``layer``.
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
        Language of the map labels.

    Returns
    -------
    dict
        Output name -> final path.
    """
    from routeplan.hotspots.page import build_map

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
        write_text_atomic(stage / names["html"], build_map(result, lang=lang))
        write_json_atomic(stage / names["summary"], summary)
        if evaluation is not None:
            plot_evaluation(evaluation, stage / names["curve"])
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
    crs: str | int | None = None,
    area: Any = None,
    area_crs: str | int | None = None,
    top_share: float = 0.05,
    floor_share: float = 0.1,
    method: str = "kde",
    lang: str = "id",
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
        Type mapping overrides (dict or JSON file).
    crs : str or int, optional
        CRS of the incident coordinates (default EPSG:4326).
    area : str, Path or geometry, optional
        Study area: a vector file path or an object accepted by :func:`estimate_hotspots`.
    area_crs : str or int, optional
        CRS for an area file with no (or an empty) ``.prj``.

    Returns
    -------
    dict
        The summary written to ``summary.json`` plus ``out_dir``.
    """
    cols = {k: v for k, v in dict(columns or {}).items() if v is not None}
    unknown = set(cols) - {"lat", "lon", "time", "type", "x", "y"}
    if unknown:
        raise InputError(f"unknown column role(s) {', '.join(sorted(unknown))}")
    # refuse an --out that is not routeplan's, or holds an input, before any work
    prepare_output_dir(out_dir, [p for p in (path, area, type_map) if isinstance(p, (str, Path))])
    inc = read_incidents(path, crs=crs, type_map=type_map, **cols)
    if isinstance(area, (str, Path)):
        area = _read_area(area, area_crs)
    result = estimate_hotspots(
        inc, cell_m=cell_m, bandwidth=bandwidth, by_type=by_type, top_share=top_share,
        floor_share=floor_share, area=area, method=method, lang=lang,
    )
    ev = None
    if train_until is not None:
        ev = evaluate(inc, train_until, cell_m=cell_m, bandwidth=bandwidth if method == "kde" else "auto", area=area)
    write_hotspot_outputs(result, out_dir, evaluation=ev, lang=lang)
    summary = result.summary()
    if ev is not None:
        summary["evaluation"] = {k: v for k, v in ev.items() if k != "curve"}
    summary["out_dir"] = str(out_dir)
    return summary


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


def _bandwidth_arg(value: str) -> str | float:
    if value.strip().lower() == "auto":
        return "auto"
    try:
        v = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of metres or 'auto'") from None
    if not (v > 0 and math.isfinite(v)):
        raise argparse.ArgumentTypeError(f"{value!r} must be a positive number of metres")
    return v


def _positive(value: str) -> float:
    try:
        v = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not (v > 0 and math.isfinite(v)):
        raise argparse.ArgumentTypeError(f"{value!r} must be positive")
    return v


def _cli_handler(args: argparse.Namespace) -> int:
    from routeplan._checks import check_output_path

    check_output_path(args.out)
    summary = run_hotspots(
        args.incidents,
        args.out,
        cell_m=args.cell,
        bandwidth=args.bandwidth,
        by_type=args.by == "type",
        train_until=args.train_until,
        columns={"lat": args.lat, "lon": args.lon, "time": args.time, "type": args.type, "x": args.x, "y": args.y},
        type_map=args.type_map,
        crs=args.crs,
        area=args.area,
        area_crs=args.area_crs,
        top_share=args.top_share,
        floor_share=args.floor,
        method=args.method,
        lang=args.lang,
    )
    c = summary["counts"]
    bw = summary["bandwidth_m"]
    how = summary["bandwidth_selection"].get("how", "")
    print(f"{c['incidents']} incidents, {c['cells']} cells of {summary['cell_m']:g} m ({summary['crs']})")
    if bw is not None:
        print(f"bandwidth {bw:g} m ({how})")
    print(
        f"{c['hotspots']} hotspots on {summary['top_share']:.0%} of the area hold "
        f"{c['incidents_in_hotspots']} incidents; floor {summary['floor']['share']:.0%} of risk spread evenly"
    )
    ev = summary.get("evaluation")
    if ev:
        for r in ev["results"]:
            print(
                f"  area {r['share']:.0%}: KDE hit rate {r['kde']['hit_rate']:.2f} PAI {r['kde']['pai']:.2f} | "
                f"baseline hit rate {r['baseline']['hit_rate']:.2f} PAI {r['baseline']['pai']:.2f}"
            )
    print(f"written to {summary['out_dir']}")
    return 0


def add_cli(subparsers: Any) -> None:
    """Add the ``hotspots`` subcommand to an ``argparse`` subparsers object.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        From ``parser.add_subparsers()``. The new parser sets ``func`` to a handler
        ``(args) -> int``; :class:`~routeplan.errors.InputError` propagates to the caller.
    """
    p = subparsers.add_parser(
        "hotspots",
        help="crime hotspots from incident records (KDE, ranked, evaluated) with a map",
        description="Estimate crime hotspots from an incidents CSV/GeoJSON and write hotspots.geojson, "
        "hotspots.html and summary.json.",
    )
    p.add_argument("incidents", help="incidents CSV or GeoJSON")
    p.add_argument("--out", required=True, help="output folder (replaced atomically)")
    p.add_argument("--cell", type=_positive, default=200.0, metavar="METRES", help="grid cell size (default 200)")
    p.add_argument("--bandwidth", type=_bandwidth_arg, default="auto", metavar="METRES|auto",
                   help="KDE bandwidth; auto = likelihood cross-validation (default)")
    p.add_argument("--by", choices=["type"], default=None, help="also hotspots per incident category")
    p.add_argument("--train-until", default=None, metavar="DATE", help="evaluate: train before DATE, test from DATE")
    p.add_argument("--lat", default=None, metavar="COL")
    p.add_argument("--lon", default=None, metavar="COL")
    p.add_argument("--x", default=None, metavar="COL", help="projected x column (needs --crs)")
    p.add_argument("--y", default=None, metavar="COL", help="projected y column (needs --crs)")
    p.add_argument("--time", default=None, metavar="COL")
    p.add_argument("--type", default=None, metavar="COL")
    p.add_argument("--type-map", default=None, metavar="FILE.json", help='{"RAW TYPE": "curat", ...}')
    p.add_argument("--crs", default=None, metavar="EPSG", help="CRS of the incident coordinates (default 4326)")
    p.add_argument("--area", default=None, metavar="FILE", help="study area polygon (shapefile/GeoJSON)")
    p.add_argument("--area-crs", default=None, metavar="EPSG", help="CRS of --area when its .prj is missing/empty")
    p.add_argument("--top-share", type=float, default=0.05, help="share of area that is hotspot (default 0.05)")
    p.add_argument("--floor", type=float, default=0.1, help="share of risk spread evenly (default 0.1)")
    p.add_argument("--method", choices=["kde", "gistar"], default="kde")
    p.add_argument("--lang", choices=["id", "en"], default="id")
    p.set_defaults(func=_cli_handler)
