"""Data-quality checks of incident records: unmatched types, piles of identical coordinates, stray dates.

What each finding does to the analysis (:func:`check_quality`):

* **Unmatched types** (no exact name or keyword matched, see :mod:`routeplan.hotspots.types`) count as
  ``lainnya``; their share and the most common such types are reported so a planner can add them.
* **Piles.** A point holding at least ``settings.pile_share`` of the incidents (and at least
  ``settings.pile_min_incidents``) is likely a fallback geocode (the town centre, a police station) rather
  than where the crimes happened. It is reported and *down-weighted*: it enters the estimate with at most
  that many incidents (the first ones in file order), so it can still be a hotspot like a busy real
  address, but it no longer outweighs everything else.
* **Stray dates.** Dates more than ``settings.date_margin_days`` before the 0.5th or after the 99.5th
  percentile of the dates, or in the future, are typing errors (2053 in a 2012-13 file). They are
  reported and left out of the evaluation's train/test split; their places still count in the estimate.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from routeplan import settings

log = logging.getLogger(__name__)

#: Coordinates closer than this (degrees, about 0.1 m) are the same point.
_SAME_POINT_DECIMALS = 6
#: Unmatched types named in the note.
_TOP_UNMATCHED = 5
#: Piles named one by one in the notes; more are summed up in one note.
_PILES_NAMED = 3


@dataclass
class Quality:
    """The findings of :func:`check_quality`.

    Attributes
    ----------
    notes : list of str
        One line per finding, for ``summary.json`` ``notes`` and the console.
    counts : dict
        JSON-ready figures (``summary.json`` ``data_quality``).
    for_estimate : numpy.ndarray
        Boolean mask of the incidents that enter the estimate (piles capped).
    stray_dates : numpy.ndarray
        Boolean mask of the incidents with a stray date.
    """

    notes: list[str] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)
    for_estimate: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    stray_dates: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))


def stray_dates(times: pd.Series, *, today: pd.Timestamp | None = None,
                margin_days: int | None = None) -> tuple[np.ndarray, tuple[pd.Timestamp, pd.Timestamp] | None]:
    """Which times lie far outside the bulk of the dates, or in the future.

    Parameters
    ----------
    times : pandas.Series
        Incident times (NaT allowed: never stray).
    today : pandas.Timestamp, optional
        What counts as the future (default: now).
    margin_days : int, optional
        Days allowed beyond the 0.5-99.5 percentile span (default ``settings.date_margin_days``).

    Returns
    -------
    (numpy.ndarray, (Timestamp, Timestamp) or None)
        The mask, and the accepted span (``None`` without times).
    """
    t = pd.to_datetime(times).reset_index(drop=True)
    known = t.dropna()
    if known.empty:
        return np.zeros(len(t), dtype=bool), None
    margin = pd.Timedelta(days=settings.date_margin_days if margin_days is None else margin_days)
    lo = pd.Timestamp(known.quantile(0.005, interpolation="higher")) - margin
    hi = pd.Timestamp(known.quantile(0.995, interpolation="lower")) + margin
    now = pd.Timestamp.now() if today is None else pd.Timestamp(today)
    hi = min(hi, now)
    mask = (t.notna() & ((t < lo) | (t > hi))).to_numpy()
    return mask, (lo, hi)


def coordinate_piles(incidents: gpd.GeoDataFrame, *, share: float | None = None,
                     min_incidents: int | None = None) -> tuple[list[dict[str, Any]], np.ndarray, int]:
    """Piles of identical coordinates and the mask that caps each at the pile size.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Points in EPSG:4326.
    share, min_incidents : optional
        A pile holds at least ``max(min_incidents, ceil(share * n))`` incidents (defaults from settings).

    Returns
    -------
    (list of dict, numpy.ndarray, int)
        The piles (``lat``, ``lon``, ``incidents``), largest first; the mask of incidents kept for the
        estimate; the cap.
    """
    n = len(incidents)
    share = settings.pile_share if share is None else share
    floor = settings.pile_min_incidents if min_incidents is None else min_incidents
    cap = max(int(floor), math.ceil(share * n))
    keep = np.ones(n, dtype=bool)
    if n == 0:
        return [], keep, cap
    pts = incidents.to_crs("EPSG:4326").geometry
    key = pd.DataFrame({"x": np.round(pts.x.to_numpy(), _SAME_POINT_DECIMALS),
                        "y": np.round(pts.y.to_numpy(), _SAME_POINT_DECIMALS)})
    rank = key.groupby(["x", "y"]).cumcount().to_numpy()  # 0 for the first incident at each point
    sizes = key.groupby(["x", "y"]).size()
    piles = [{"lat": float(y), "lon": float(x), "incidents": int(c)}
             for (x, y), c in sizes[sizes >= cap].items()]
    piles.sort(key=lambda p: (-p["incidents"], p["lat"], p["lon"]))
    keep &= rank < cap
    return piles, keep, cap


def check_quality(incidents: gpd.GeoDataFrame, *, today: pd.Timestamp | None = None) -> Quality:
    """Check incident records for unmatched types, piles of identical coordinates and stray dates.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Output of :func:`~routeplan.hotspots.incidents.read_incidents`.
    today : pandas.Timestamp, optional
        What counts as the future (default: now).

    Returns
    -------
    Quality
        Notes, counts and the masks the estimate and the evaluation use (see the module docstring).
    """
    inc = incidents.reset_index(drop=True)
    n = len(inc)
    q = Quality(for_estimate=np.ones(n, dtype=bool), stray_dates=np.zeros(n, dtype=bool))
    q.counts["incidents"] = n
    _unmatched(inc, q)
    piles, keep, cap = coordinate_piles(inc)
    q.for_estimate = keep
    q.counts["piles"] = piles
    q.counts["pile_cap"] = cap
    q.counts["left_out_of_estimate"] = int((~keep).sum())
    q.notes.extend(_pile_notes(piles, n, cap))
    if "time" in inc.columns:
        stray, span = stray_dates(inc["time"], today=today)
        q.stray_dates = stray
        q.counts["stray_dates"] = int(stray.sum())
        q.counts["date_span"] = None if span is None else [str(span[0].date()), str(span[1].date())]
        if stray.any() and span is not None:
            shown = ", ".join(sorted({str(v.date()) for v in inc.loc[stray, "time"]})[:5])
            q.notes.append(
                f"{int(stray.sum())} incidents dated outside the bulk of the data ({span[0].date()} .. "
                f"{span[1].date()}) or in the future ({shown}): left out of the train/test split")
    for note in q.notes:
        log.warning("%s", note)
    return q


def _unmatched(inc: gpd.GeoDataFrame, q: Quality) -> None:
    """The share of incidents whose type matched no rule (they count as ``lainnya``) and the commonest such types."""
    n = len(inc)
    if "type_matched" not in inc.columns or n == 0:
        q.counts["unmatched_types"] = 0
        return
    miss = ~inc["type_matched"].astype(bool)
    k = int(miss.sum())
    top = inc.loc[miss, "raw_type"].astype(str).value_counts().head(_TOP_UNMATCHED)
    q.counts["unmatched_types"] = k
    q.counts["unmatched_share"] = round(k / n, 4)
    q.counts["unmatched_top"] = {str(t): int(c) for t, c in top.items()}
    if k:
        names = ", ".join(f"{t} {c}" for t, c in top.items())
        q.notes.append(
            f"{k} of {n} incidents ({k / n:.1%}) have a type that matched no name or keyword and count as "
            f"'lainnya' ({names}); add them with --type-map or --type-keywords")


def _pile_notes(piles: list[dict[str, Any]], n: int, cap: int) -> list[str]:
    """One note per pile, or one for all when there are more than :data:`_PILES_NAMED` (all are in the counts)."""
    if len(piles) <= _PILES_NAMED:
        return [f"{p['incidents']} of {n} incidents ({p['incidents'] / n:.1%}) share one point "
                f"({p['lat']:.6f}, {p['lon']:.6f}), possibly a fallback geocode: it counts as {cap} incidents "
                f"in the estimate ({p['incidents'] - cap} left out)" for p in piles]
    total = sum(p["incidents"] for p in piles)
    top = piles[0]
    return [f"{len(piles)} points each hold {cap} or more of the {n} incidents ({total} in all, "
            f"{total / n:.1%}; the largest {top['incidents']} at {top['lat']:.6f}, {top['lon']:.6f}), possibly "
            f"fallback geocodes: each counts as {cap} incidents in the estimate ({total - cap * len(piles)} left out; "
            "the points are listed in data_quality.piles)"]
