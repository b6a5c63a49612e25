"""The grid of cells over the study area, the Gaussian kernel density estimate and its bandwidth selection.

All distances are metres in a local projected CRS (:func:`local_crs`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from routeplan.errors import InputError

#: At most this many incidents enter likelihood cross-validation (seeded subsample above it).
LCV_MAX_POINTS: int = 1500
#: Number of candidate bandwidths tried by likelihood cross-validation.
LCV_CANDIDATES: int = 24
_SEED = 20240101


@dataclass
class Grid:
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
        iy, ix = np.nonzero(self.inside)
        return iy, ix

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


def local_crs(inc: gpd.GeoDataFrame) -> Any:
    """UTM zone of the centroid; an azimuthal equidistant CRS around it where no UTM zone applies."""
    try:
        return inc.estimate_utm_crs()
    except RuntimeError:
        lon, lat = (float(v) for v in inc.to_crs(4326).geometry.union_all().centroid.coords[0])
        return CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m")


def area_geometry(area: Any, incidents_proj: gpd.GeoDataFrame, pad: float) -> BaseGeometry:
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


def make_grid(area: BaseGeometry, crs: Any, cell_m: float) -> Grid:
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
    inside = shapely.contains_xy(area, gx.ravel(), gy.ravel()).reshape(ny, nx)
    if not inside.any():
        inside[ny // 2, nx // 2] = True
    return Grid(crs=crs, x0=minx, y0=miny, cell_m=float(cell_m), nx=nx, ny=ny, inside=inside)


def kde(points: np.ndarray, targets: np.ndarray, h: float, weights: np.ndarray | None = None) -> np.ndarray:
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


def bin_points(xy: np.ndarray, res: float) -> tuple[np.ndarray, np.ndarray]:
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


