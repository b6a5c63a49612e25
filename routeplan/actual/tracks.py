"""GPS tracks of patrol units: GPX 1.0/1.1 files read with gpxpy, checked, and assigned to a unit.

A file belongs to the unit whose id starts its name followed by ``_`` or ``.`` (``R2-1.gpx``,
``R2-1_2026-12-01_pagi.gpx``), or to the unit a mapping file (CSV ``file,unit``) gives it. Every segment
of every track in a file is read; points without a time are left out, and a file none of whose points has
a time, that has no points, lies outside the area or outside the plan's dates is refused with one line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import gpxpy
import gpxpy.gpx
import numpy as np

import routeplan.settings as settings
from routeplan._io import check_input_file, read_text
from routeplan.errors import InputError


@dataclass
class Track:
    """The points of one unit, sorted by time: ``t`` in seconds since the epoch (UTC), ``lon``, ``lat``."""

    unit: str
    files: list[str]
    t: np.ndarray
    lon: np.ndarray
    lat: np.ndarray

    def __len__(self) -> int:
        return len(self.t)

    def between(self, start: float, end: float) -> Track:
        """The points with ``start <= t <= end``."""
        lo = int(np.searchsorted(self.t, start, side="left"))
        hi = int(np.searchsorted(self.t, end, side="right"))
        return Track(self.unit, self.files, self.t[lo:hi], self.lon[lo:hi], self.lat[lo:hi])


def gpx_files(paths: Sequence[str | Path]) -> list[Path]:
    """The GPX files named by ``--tracks``: files as given, folders by their ``*.gpx`` files (sorted)."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.suffix.lower() == ".gpx" and f.is_file())
            if not found:
                raise InputError(f"{p}: the track folder holds no .gpx file")
            files.extend(found)
        else:
            files.append(p)
    return files


def read_unit_mapping(path: str | Path) -> dict[str, str]:
    """Read a mapping file (CSV with the columns ``file`` and ``unit``) into {file name: unit id}."""
    path = Path(path)
    text = read_text(path, "track mapping")
    rows = list(csv.reader(io.StringIO(text)))
    head = [c.strip().lower() for c in rows[0]] if rows else []
    if "file" not in head or "unit" not in head:
        raise InputError(f"{path}: the track mapping needs the columns 'file' and 'unit' (got {', '.join(head)[:80]})")
    fi, ui = head.index("file"), head.index("unit")
    out: dict[str, str] = {}
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) <= max(fi, ui) or not row[fi].strip() or not row[ui].strip():
            raise InputError(f"{path} row {n}: give both a file name and a unit id")
        out[Path(row[fi].strip()).name] = row[ui].strip()
    return out


def unit_of(path: Path, units: Iterable[str], mapping: dict[str, str] | None = None) -> str:
    """The unit a track file belongs to: from ``mapping`` (by file name), else the unit id its name starts with."""
    known = sorted(units, key=lambda u: (-len(u), u))
    if mapping and path.name in mapping:
        unit = mapping[path.name]
        if unit not in known:
            raise InputError(f"{path}: the track mapping gives unit {unit!r}, which is not in the plan")
        return unit
    for u in known:  # the longest id first: R2-10 before R2-1
        if path.name.startswith(u) and path.name[len(u):len(u) + 1] in ("_", "."):
            return u
    raise InputError(f"{path}: cannot tell the unit of this track; start its name with a unit id and '_' "
                     f"({', '.join(sorted(known))[:60]}) or list it in --track-units")


def _points(path: Path) -> tuple[list[tuple[float, float, float]], int]:
    """(t, lon, lat) of every track point with a time, and the number of points without one."""
    check_input_file(path, "GPX track", settings.max_track_bytes)
    text = read_text(path, "GPX track")
    if "<gpx" not in text[:4096]:
        raise InputError(f"{path}: not a GPX file (no <gpx> element); export the track as GPX")
    try:
        gpx = gpxpy.parse(text)
    except (gpxpy.gpx.GPXException, ValueError) as exc:
        first = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise InputError(f"{path}: not a readable GPX file ({first})") from None
    out: list[tuple[float, float, float]] = []
    untimed = 0
    for trk in gpx.tracks:
        for seg in trk.segments:
            for p in seg.points:
                if len(out) + untimed >= settings.max_track_points:
                    raise InputError(f"{path}: more than {settings.max_track_points} track points; split the file by day")
                if p.time is None:
                    untimed += 1
                    continue
                when = p.time if p.time.tzinfo is not None else p.time.replace(tzinfo=dt.UTC)  # GPX times are UTC
                out.append((when.timestamp(), float(p.longitude), float(p.latitude)))
    return out, untimed


def read_gpx(path: str | Path, unit: str, period: tuple[dt.datetime, dt.datetime],
             bbox: tuple[float, float, float, float]) -> Track:
    """Read one GPX file as a :class:`Track` of ``unit``.

    Parameters
    ----------
    path
        The GPX 1.0 or 1.1 file; all its tracks and segments are read.
    unit
        The unit it belongs to.
    period
        (first, last) instant of the plan; a file with no point inside it is refused (wrong year or clock).
    bbox
        (west, south, east, north) of the road graph; a file with no point inside it is refused.

    Raises
    ------
    InputError
        Not GPX, no points, no times, outside the area or the plan's dates, too large.
    """
    path = Path(path)
    pts, untimed = _points(path)
    if not pts:
        if untimed:
            raise InputError(f"{path}: its {untimed} track points have no time; record the track with time stamps")
        raise InputError(f"{path}: no track points (<trkpt>); export the recorded track, not only waypoints")
    arr = np.array(sorted(pts), dtype=float)
    t, lon, lat = arr[:, 0], arr[:, 1], arr[:, 2]
    lo, hi = period[0].timestamp(), period[1].timestamp()
    inside_time = (t >= lo) & (t <= hi)
    if not inside_time.any():
        first = dt.datetime.fromtimestamp(t[0], period[0].tzinfo).date().isoformat()
        last = dt.datetime.fromtimestamp(t[-1], period[0].tzinfo).date().isoformat()
        raise InputError(f"{path}: its times ({first} .. {last}) are outside the plan "
                         f"({period[0].date().isoformat()} .. {period[1].date().isoformat()}); wrong year or clock?")
    west, south, east, north = bbox
    margin = 0.01  # about 1 km
    inside_area = (lon >= west - margin) & (lon <= east + margin) & (lat >= south - margin) & (lat <= north + margin)
    if not inside_area.any():
        raise InputError(f"{path}: no track point is inside the plan's area (first at lon {lon[0]:.5f}, "
                         f"lat {lat[0]:.5f}); is it the right file?")
    keep = inside_time & inside_area
    return Track(unit, [path.name], t[keep], lon[keep], lat[keep])


def merge_tracks(tracks: list[Track]) -> dict[str, Track]:
    """One track per unit: the points of all its files, sorted by time (a repeated time is kept once)."""
    by_unit: dict[str, list[Track]] = {}
    for tr in tracks:
        by_unit.setdefault(tr.unit, []).append(tr)
    out: dict[str, Track] = {}
    for unit in sorted(by_unit):
        parts = by_unit[unit]
        t = np.concatenate([p.t for p in parts])
        lon = np.concatenate([p.lon for p in parts])
        lat = np.concatenate([p.lat for p in parts])
        order = np.lexsort((lat, lon, t))
        t, lon, lat = t[order], lon[order], lat[order]
        keep = np.ones(len(t), dtype=bool)
        keep[1:] = np.diff(t) > 0
        out[unit] = Track(unit, sorted(f for p in parts for f in p.files), t[keep], lon[keep], lat[keep])
    return out
