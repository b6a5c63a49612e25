"""Synthetic GPS tracks with a known truth, made from a plan's own routes (for tests and the benchmark).

Each route is driven along its planned road path at the planned times and stands still at each stop for
its planned dwell; what really happened is then varied per stop with the given shares:

* ``missed``: the unit drives past without stopping (it waits at the previous place instead);
* ``too_short``: it stops for a quarter of the planned dwell and drives on slowly;
* ``done_late``: it drives past, and comes back after the route's last stop (a visit at the wrong hour);
* ``depot``: one route's track never leaves the depot (all its stops missed).

Points are written every ``interval_s`` seconds with Gaussian GPS noise, and short gaps are cut out of the
recording. The truth is the status each planned stop should get (:data:`routeplan.actual.compare.STATUSES`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import gpxpy.gpx
import numpy as np

import routeplan.settings as settings
from routeplan.actual.checkins import metres
from routeplan.model.geo import Frame
from routeplan.model.plan import Plan, Route

#: Speed (m/s) of the legs that leave the planned path (a late visit's way back), about 30 km/h.
_OFF_PATH_MS = 8.0


@dataclass
class Synthetic:
    """Tracks per unit as (t, lon, lat) arrays, and the true status of every planned stop."""

    points: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    truth: dict[tuple[str, str, str, str, int], str] = field(default_factory=dict)  # (unit, day, shift, id, n)
    at_depot: list[tuple[str, str, str]] = field(default_factory=list)  # routes whose track never left the depot


def _anchor_indices(path: np.ndarray, r: Route, frame: Frame) -> list[int]:
    """Index of the path vertex nearest to each stop, searched forward along the path."""
    x, y = frame.xy(path[:, 0], path[:, 1])
    out, start = [], 0
    for s in r.stops:
        sx, sy = frame.xy(np.array([s.lon]), np.array([s.lat]))
        d = np.hypot(x[start:] - sx[0], y[start:] - sy[0])
        i = start + int(np.argmin(d)) if len(d) else len(path) - 1
        out.append(i)
        start = i
    return out


def _leg(path: np.ndarray, i0: int, i1: int, t0: float, t1: float, frame: Frame) -> list[tuple[float, float, float]]:
    """Timed vertices along ``path[i0..i1]`` from time ``t0`` to ``t1`` at constant speed."""
    seg = path[i0:i1 + 1]
    if len(seg) < 2:
        return [(t0, *path[i0])] if len(seg) else []
    x, y = frame.xy(seg[:, 0], seg[:, 1])
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
    frac = cum / cum[-1] if cum[-1] > 0 else np.linspace(0, 1, len(seg))
    return [(t0 + f * (t1 - t0), float(p[0]), float(p[1])) for f, p in zip(frac, seg)]


def _straight(a: tuple[float, float], b: tuple[float, float], t0: float, frame: Frame) -> tuple[list[tuple[float, float, float]], float]:
    ax, ay = frame.xy(np.array([a[0]]), np.array([a[1]]))
    bx, by = frame.xy(np.array([b[0]]), np.array([b[1]]))
    secs = float(np.hypot(bx - ax, by - ay)[0]) / _OFF_PATH_MS + 30
    return [(t0, a[0], a[1]), (t0 + secs, b[0], b[1])], t0 + secs


def _apart(r: Route, frame: Frame) -> list[bool]:
    """Whether each stop lies apart from the route's other stops and depot (one stay at two neighbouring
    places serves both, so the truth of a skipped one could not be told)."""
    pts = [(s.lon, s.lat) for s in r.stops] + ([r.path[0]] if r.path else [])
    x, y = frame.xy(np.array([p[0] for p in pts]), np.array([p[1] for p in pts]))
    d = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    np.fill_diagonal(d, np.inf)
    limit = 2 * (settings.actual_visit_radius_m + settings.actual_stay_radius_m)
    return [bool(d[i].min() > limit) for i in range(len(r.stops))]


def _elsewhere(p: np.ndarray, t0: float, t1: float, stops_xy: np.ndarray, frame: Frame) -> list[tuple[float, float, float]]:
    """From ``p`` at ``t0`` to a place up to 600 m away from every stop, a wait there, and back at ``t1``."""
    px, py = frame.xy(np.array([p[0]]), np.array([p[1]]))
    reach = min(600.0, _OFF_PATH_MS * (t1 - t0) / 3)
    angles = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    qx, qy = px[0] + reach * np.cos(angles), py[0] + reach * np.sin(angles)
    far = np.array([np.hypot(stops_xy[:, 0] - x, stops_xy[:, 1] - y).min() for x, y in zip(qx, qy)])
    j = int(np.argmax(far))
    q = (float(qx[j] / frame.kx + frame.lon0), float(qy[j] / frame.ky + frame.lat0))
    travel = reach / _OFF_PATH_MS
    home = (float(p[0]), float(p[1]))
    return [(t0, *home), (t0 + travel, *q), (t1 - travel, *q), (t1, *home)]


# long: one timeline with the variants of each stop in order; splitting it would scatter the time bookkeeping
def route_timeline(r: Route, fates: list[str], frame: Frame, at_depot: bool = False) -> list[tuple[float, float, float]]:
    """Timed vertices (t, lon, lat) of one route as driven, given each stop's fate (see the module text)."""
    path = np.asarray(r.path, dtype=float)
    t_start, t_end = r.start.timestamp(), r.end.timestamp()
    if at_depot or len(path) < 2:
        p = path[0] if len(path) else np.array([r.stops[0].lon, r.stops[0].lat])
        return [(t_start, float(p[0]), float(p[1])), (t_end, float(p[0]), float(p[1]))]
    anchors = _anchor_indices(path, r, frame)
    out: list[tuple[float, float, float]] = [(t_start, float(path[0][0]), float(path[0][1]))]
    i_prev, t_prev = 0, t_start
    later: list[int] = []
    stops_xy = np.column_stack(frame.xy(np.array([v.lon for v in r.stops]), np.array([v.lat for v in r.stops])))
    for k, (s, i) in enumerate(zip(r.stops, anchors)):
        arr, dep = s.arrival.timestamp(), s.departure.timestamp()
        fate = fates[k]
        if fate in ("missed", "done_late"):
            # spends the dwell somewhere off the route, away from every stop, then drives past the stop
            drive = max(arr - t_prev, 1.0)
            out += _elsewhere(path[i_prev], t_prev, t_prev + (dep - arr), stops_xy, frame)
            out += _leg(path, i_prev, i, dep - drive, dep, frame)
            if fate == "done_late":
                later.append(k)
        else:
            out += _leg(path, i_prev, i, t_prev, arr, frame)
            if fate == "too_short":  # a short stop, the rest of the dwell elsewhere
                short = arr + 0.3 * (dep - arr)
                out.append((short, float(path[i][0]), float(path[i][1])))
                out += _elsewhere(path[i], short, dep, stops_xy, frame)
            else:
                out.append((dep, float(path[i][0]), float(path[i][1])))
        i_prev, t_prev = i, dep
    last = len(path) - 1
    if later:
        t = t_prev
        here = (float(path[i_prev][0]), float(path[i_prev][1]))
        for k in later:
            s = r.stops[k]
            late_by = s.arrival.timestamp() + 60 * (settings.actual_tolerance_minutes + 10)
            if t < late_by - 120:  # a wrong hour: well after the tolerance; it waits elsewhere till then
                out += _elsewhere(np.array(here), t, late_by - 120, stops_xy, frame)
                t = late_by - 120
            pts, t = _straight(here, (s.lon, s.lat), t, frame)
            out += pts
            t += s.dwell_minutes * 60
            out.append((t, s.lon, s.lat))
            here = (s.lon, s.lat)
        pts, t = _straight(here, (float(path[last][0]), float(path[last][1])), t, frame)
        out += pts
        return out
    out += _leg(path, i_prev, last, t_prev, max(t_end, t_prev + 60), frame)
    return out


def sample(timeline: list[tuple[float, float, float]], interval_s: float, noise_m: float, frame: Frame,
           rng: np.random.Generator, gaps: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points every ``interval_s`` along a timeline with Gaussian noise; ``gaps`` is the share of 2-minute
    stretches left out of the recording."""
    tl = np.array(sorted(timeline), dtype=float)
    t = np.arange(tl[0, 0], tl[-1, 0] + 1e-9, interval_s)
    lon = np.interp(t, tl[:, 0], tl[:, 1])
    lat = np.interp(t, tl[:, 0], tl[:, 2])
    if gaps > 0:
        block = np.floor((t - t[0]) / 120).astype(int)
        drop = rng.random(block.max() + 1) < gaps
        keep = ~drop[block]
        keep[[0, -1]] = True
        t, lon, lat = t[keep], lon[keep], lat[keep]
    lon = lon + rng.normal(0, noise_m, len(t)) / frame.kx
    lat = lat + rng.normal(0, noise_m, len(t)) / frame.ky
    return t, lon, lat


def synthesise(plan: Plan, frame: Frame, *, seed: int = 0, interval_s: float = 5.0, noise_m: float = 8.0,
               gaps: float = 0.05, shares: dict[str, float] | None = None, depot_routes: int = 1) -> Synthetic:
    """Tracks for every unit of ``plan`` with the given shares of stop fates; see the module text."""
    shares = {"missed": 0.1, "too_short": 0.05, "done_late": 0.05} if shares is None else shares
    rng = np.random.default_rng(seed)
    out = Synthetic()
    parts: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
    # the routes whose track never leaves the depot: among those with stops all far from it
    away = [n for n, r in enumerate(plan.routes) if len(r.stops) >= 2 and r.path
            and min(metres(v.lon, v.lat, *r.path[0]) for v in r.stops) > 500]
    stay_home = set(rng.choice(away, size=min(depot_routes, len(away)), replace=False).tolist()) if away else set()
    seen: dict[tuple[str, str, str, str], int] = {}
    for n, r in enumerate(plan.routes):
        fates = []
        lonely = _apart(r, frame)
        for _s, alone in zip(r.stops, lonely):  # a stop under 10 minutes cannot be cut short measurably
            u = rng.random()
            fate, acc = "done", 0.0
            for name, share in shares.items():
                acc += share
                if u < acc:
                    fate = name
                    break
            fates.append("done" if not alone or fate == "too_short" and _s.dwell_minutes < 10 else fate)
        if n in stay_home:
            fates = ["missed"] * len(r.stops)
            out.at_depot.append((r.unit, r.day.isoformat(), r.shift))
        for s, fate in zip(r.stops, fates):
            key = (r.unit, r.day.isoformat(), r.shift, s.id)
            seen[key] = seen.get(key, 0) + 1
            out.truth[(*key, seen[key])] = fate
        tl = route_timeline(r, fates, frame, at_depot=n in stay_home)
        parts.setdefault(r.unit, []).append(sample(tl, interval_s, noise_m, frame, rng, gaps))
    for unit, ps in parts.items():
        out.points[unit] = tuple(np.concatenate([p[i] for p in ps]) for i in range(3))  # type: ignore[assignment]
    return out


def write_gpx(path: Path, t: np.ndarray, lon: np.ndarray, lat: np.ndarray, tz: dt.tzinfo = dt.UTC,
              segment_gap_s: float = 300.0) -> Path:
    """Write points as a GPX 1.1 track, a new segment after each gap longer than ``segment_gap_s``."""
    gpx = gpxpy.gpx.GPX()
    trk = gpxpy.gpx.GPXTrack(name=path.stem)
    gpx.tracks.append(trk)
    seg = gpxpy.gpx.GPXTrackSegment()
    trk.segments.append(seg)
    for k in range(len(t)):
        if k and t[k] - t[k - 1] > segment_gap_s:
            seg = gpxpy.gpx.GPXTrackSegment()
            trk.segments.append(seg)
        seg.points.append(gpxpy.gpx.GPXTrackPoint(round(float(lat[k]), 7), round(float(lon[k]), 7),
                                                  time=dt.datetime.fromtimestamp(float(t[k]), tz)))
    path.write_text(gpx.to_xml(), encoding="utf-8")
    return path


def write_tracks(syn: Synthetic, folder: Path, tz: dt.tzinfo = dt.UTC) -> list[Path]:
    """One GPX file per unit and day (``UNIT_YYYY-MM-DD.gpx``) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for unit in sorted(syn.points):
        t, lon, lat = syn.points[unit]
        order = np.argsort(t, kind="stable")
        t, lon, lat = t[order], lon[order], lat[order]
        days = np.array([dt.datetime.fromtimestamp(float(v), tz).date().isoformat() for v in t])
        for day in sorted(set(days.tolist())):
            m = days == day
            out.append(write_gpx(folder / f"{unit}_{day}.gpx", t[m], lon[m], lat[m], tz))
    return out
