"""Dwell detection: where a track stays within a radius for some minutes (a stop of the patrol).

A stay grows point by point while each new point lies within ``radius`` of the stay's running centre; it
counts when it lasts at least ``min_minutes``. A gap in the recording inside a stay is part of it (phones
often stop logging while standing still). Stays split by a single noisy point are joined again when they
are at the same place and only a few minutes apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

import routeplan.settings as settings
from routeplan.model.geo import Frame


@dataclass
class Stay:
    """A stop of a track: from ``start`` to ``end`` (seconds since the epoch) at (``lon``, ``lat``)."""

    unit: str
    start: float
    end: float
    lon: float
    lat: float
    points: int

    @property
    def minutes(self) -> float:
        """Length of the stay in minutes."""
        return (self.end - self.start) / 60


#: Two stays at most this many seconds apart and within the radius of each other are one stay.
JOIN_S = 180.0
#: ... when each of them lasts at least this many seconds (points of a moving track are never joined).
JOIN_MIN_S = 30.0


def detect_stays(unit: str, t: np.ndarray, lon: np.ndarray, lat: np.ndarray, frame: Frame,
                 radius: float | None = None, min_minutes: float | None = None) -> list[Stay]:
    """The stays of a track (points sorted by time), in time order.

    Parameters
    ----------
    unit
        The unit the track belongs to.
    t, lon, lat
        Seconds since the epoch and degrees.
    frame
        The local plane for distances in metres.
    radius, min_minutes
        Stay radius (metres) and shortest stay (minutes); defaults from settings.
    """
    radius = settings.actual_stay_radius_m if radius is None else radius
    min_s = 60 * (settings.actual_min_stay_minutes if min_minutes is None else min_minutes)
    x, y = frame.xy(lon, lat)
    runs: list[tuple[int, int, float, float]] = []
    n = len(t)
    i = 0
    while i < n:
        sx, sy, k = x[i], y[i], 1
        j = i
        while j + 1 < n and math.hypot(x[j + 1] - sx / k, y[j + 1] - sy / k) <= radius:
            j += 1
            sx, sy, k = sx + x[j], sy + y[j], k + 1
        runs.append((i, j, sx / k, sy / k))
        i = j + 1
    joined: list[list[float]] = []  # [first, last, cx, cy, n]
    for a, b, cx, cy in runs:
        if joined:
            p = joined[-1]
            if (t[a] - t[int(p[1])] <= JOIN_S and math.hypot(cx - p[2], cy - p[3]) <= radius
                    and t[b] - t[a] >= JOIN_MIN_S and t[int(p[1])] - t[int(p[0])] >= JOIN_MIN_S):
                m1, m2 = p[4], b - a + 1
                p[1], p[2], p[3], p[4] = b, (p[2] * m1 + cx * m2) / (m1 + m2), (p[3] * m1 + cy * m2) / (m1 + m2), m1 + m2
                continue
        joined.append([a, b, cx, cy, b - a + 1])
    out = []
    for first, last, jx, jy, cnt in joined:
        if t[int(last)] - t[int(first)] >= min_s:
            out.append(Stay(unit, float(t[int(first)]), float(t[int(last)]), round(jx / frame.kx + frame.lon0, 6),
                            round(jy / frame.ky + frame.lat0, 6), int(cnt)))
    return out
