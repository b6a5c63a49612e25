"""Hotspots from incidents: intensity per cell (KDE or Gi*), the risk floor, ranked hotspot polygons."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import ndimage
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from routeplan.errors import InputError
from routeplan.hotspots.density import Grid, area_geometry, bin_points, kde, local_crs, make_grid, select_bandwidth
from routeplan.hotspots.gistar import gistar_intensity
from routeplan.hotspots.incidents import CATEGORIES, CATEGORY_LABELS
from routeplan.hotspots.result import HotspotResult

log = logging.getLogger(__name__)

#: Share of a hotspot's timed incidents that its ``active_hours`` windows should hold.
ACTIVE_HOURS_SHARE: float = 0.7
#: Fewer timed incidents than this in a hotspot -> no active hours (patrol any time).
ACTIVE_HOURS_MIN_INCIDENTS: int = 5


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


def _rank_with_floor(intensity: np.ndarray, floor_share: float) -> tuple[np.ndarray, np.ndarray]:
    n = len(intensity)
    tot = intensity.sum()
    base = intensity / tot if tot > 0 else np.full(n, 1.0 / n)
    p = (1 - floor_share) * base + floor_share / n
    return p, p / p.max()


def _hotspot_polygons(
    grid: Grid,
    intensity: np.ndarray,
    p: np.ndarray,
    inc_cell: np.ndarray,
    inc: gpd.GeoDataFrame,
    top_share: float,
    layer: str,
) -> tuple[list[dict[str, Any]], np.ndarray]:
    """Select the top cells, merge edge-adjacent ones, describe each polygon (projected CRS)."""
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
    _check_parameters(incidents, method, cell_m, top_share, floor_share)
    cell_m = float(cell_m)
    placed = _place(incidents, cell_m, area)
    h, selection, intensity_for, z = _method_intensity(placed, method, bandwidth, cell_m)
    intensity = intensity_for(None)
    p, risk = _rank_with_floor(intensity, floor_share)
    spots = _ranked_spots(placed, intensity_for, intensity, p, top_share, floor_share, by_type)
    hs, cell_hot = _hotspot_table(spots, len(intensity), placed.grid.crs, lang)
    cells = _cell_table(placed, intensity, p, risk, cell_hot, z)
    inc = placed.inc.copy()
    inc["cell"] = placed.inc_cell
    utm = placed.grid.crs
    return HotspotResult(
        hotspots=hs.to_crs("EPSG:4326"),
        cells=cells.to_crs("EPSG:4326"),
        incidents=inc,
        area=gpd.GeoSeries([placed.area], crs=utm).to_crs("EPSG:4326").iloc[0],
        method=method,
        cell_m=cell_m,
        bandwidth_m=h,
        bandwidth_selection=selection,
        crs=f"EPSG:{utm.to_epsg()}" if utm.to_epsg() else utm.to_proj4(),
        floor_share=float(floor_share),
        top_share=float(top_share),
        by_type=bool(by_type),
        area_km2=float(placed.area.area / 1e6),
        notes=placed.notes,
    )


# ------------------------------------------------------------------ the steps of estimate_hotspots


#: The intensity of every inside cell, for all incidents (``None``) or those of a boolean mask.
IntensityFor = Callable[[np.ndarray | None], np.ndarray]


@dataclass
class _Placed:
    """Incidents placed on the grid of their study area (projected CRS ``grid.crs``, metres)."""

    inc: gpd.GeoDataFrame  # EPSG:4326, index 0..n-1, with time, type and raw_type
    xy: np.ndarray  # (n, 2) projected coordinates
    area: BaseGeometry  # study area, projected
    grid: Grid
    inc_cell: np.ndarray  # cell of each incident, -1 outside the area
    notes: list[str]


def _check_parameters(incidents: gpd.GeoDataFrame, method: str, cell_m: float, top_share: float,
                      floor_share: float) -> None:
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


def _place(incidents: gpd.GeoDataFrame, cell_m: float, area: Any) -> _Placed:
    """Project the incidents, lay the grid over the study area and find each incident's cell."""
    inc = incidents.to_crs("EPSG:4326").reset_index(drop=True)
    for col, default in (("time", pd.NaT), ("type", "lainnya"), ("raw_type", ""), ("type_matched", True)):
        if col not in inc.columns:
            inc[col] = default
    utm = local_crs(inc)
    proj = inc.to_crs(utm)
    xy = np.column_stack([proj.geometry.x.to_numpy(), proj.geometry.y.to_numpy()])
    area_p = area_geometry(area, proj, pad=cell_m)
    grid = make_grid(area_p, utm, cell_m)
    inc_cell = grid.cell_of(xy)
    n_out = int((inc_cell < 0).sum())
    notes: list[str] = []
    if n_out:
        notes.append(f"{n_out} incidents lie outside the study area and count for no cell")
        log.warning("%d of %d incidents lie outside the study area", n_out, len(inc))
    return _Placed(inc=inc, xy=xy, area=area_p, grid=grid, inc_cell=inc_cell, notes=notes)


def _method_intensity(placed: _Placed, method: str, bandwidth: str | float, cell_m: float
                      ) -> tuple[float | None, dict[str, Any], IntensityFor, np.ndarray | None]:
    """The bandwidth (KDE only), how it was chosen, the intensity function and the Gi* z-scores (Gi* only)."""
    if method == "kde":
        h, selection = _bandwidth(bandwidth, placed.xy, cell_m, placed.notes)
        return h, selection, _kde_intensity(placed, h, cell_m), None
    intensity_for = _gistar_intensity(placed)
    z = gistar_intensity(_counts(placed.inc_cell, placed.grid), placed.grid)[1]
    return None, {"how": "not used by Gi*"}, intensity_for, z


def _cell_table(placed: _Placed, intensity: np.ndarray, p: np.ndarray, risk: np.ndarray, cell_hot: np.ndarray,
                z: np.ndarray | None) -> gpd.GeoDataFrame:
    """One row per inside cell (in the grid's CRS): intensity, probability, patrol risk, incidents, hotspot, order."""
    cells = gpd.GeoDataFrame(
        {
            "intensity": intensity,
            "p": p,
            "risk": risk,
            "incidents": np.bincount(placed.inc_cell[placed.inc_cell >= 0], minlength=len(intensity)),
            "hotspot": cell_hot,
            "order": np.argsort(np.lexsort((np.arange(len(intensity)), -intensity))) + 1,
        },
        geometry=placed.grid.boxes(),
        crs=placed.grid.crs,
    )
    if z is not None:
        cells["gi_z"] = z
    return cells


def _bandwidth(bandwidth: str | float, xy: np.ndarray, cell_m: float, notes: list[str]) -> tuple[float, dict[str, Any]]:
    """The KDE bandwidth in metres and how it was chosen (``"auto"``: :func:`select_bandwidth`)."""
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
            cands = sel["candidates_m"]
            edge = "smallest" if h <= min(cands) else "largest"
            notes.append(f"the chosen bandwidth {h:.0f} m is the {edge} of the candidates tried "
                         f"({min(cands):.0f}-{max(cands):.0f} m): the best value may lie beyond; "
                         "try a fixed --bandwidth")
        log.info("bandwidth %.1f m by likelihood cross-validation on %d incidents", h, sel["n_used"])
        return h, selection
    h = float(bandwidth)
    if not (h > 0 and math.isfinite(h)):
        raise InputError(f"bandwidth {bandwidth!r} must be a positive number of metres")
    return h, {"how": "given by the user", "bandwidth_m": h}


def _kde_intensity(placed: _Placed, h: float, cell_m: float) -> IntensityFor:
    """Expected incidents per km² at the cell centres (all incidents binned to a lattice above 20 000)."""
    xy, centres = placed.xy, placed.grid.centres
    pts, wts = (xy, None) if len(xy) <= 20000 else bin_points(xy, max(1.0, min(h, cell_m) / 10))

    def intensity_for(mask: np.ndarray | None) -> np.ndarray:
        if mask is None:
            return kde(pts, centres, h, wts) * 1e6 * len(xy)  # expected incidents per km²
        sub = xy[mask]
        return kde(sub, centres, h) * 1e6 * len(sub)

    return intensity_for


def _counts(inc_cell: np.ndarray, grid: Grid) -> np.ndarray:
    return np.bincount(inc_cell[inc_cell >= 0], minlength=int(grid.inside.sum())).astype(float)


def _gistar_intensity(placed: _Placed) -> IntensityFor:
    """Gi* local sums of the incident counts per cell."""

    def intensity_for(mask: np.ndarray | None) -> np.ndarray:
        cells = placed.inc_cell if mask is None else placed.inc_cell[mask]
        return gistar_intensity(_counts(cells, placed.grid), placed.grid)[0]

    return intensity_for


def _ranked_spots(placed: _Placed, intensity_for: IntensityFor, intensity: np.ndarray, p: np.ndarray,
                  top_share: float, floor_share: float, by_type: bool) -> list[dict[str, Any]]:
    """Hotspots of all incidents, then (``by_type``) of each category, each ranked within its layer."""
    spots, _ = _hotspot_polygons(placed.grid, intensity, p, placed.inc_cell, placed.inc, top_share, "all")
    for r, s in enumerate(spots, 1):
        s["rank"] = r
    all_spots = list(spots)
    if not by_type:
        return all_spots
    inc = placed.inc
    for cat in CATEGORIES[:4]:
        mask = (inc["type"] == cat).to_numpy()
        if mask.sum() < 10:
            if mask.any():
                placed.notes.append(f"{cat}: only {int(mask.sum())} incidents, no separate hotspots")
            continue
        it = intensity_for(mask)
        pt, _ = _rank_with_floor(it, floor_share)
        sp, _ = _hotspot_polygons(placed.grid, it, pt, placed.inc_cell[mask], inc[mask], top_share, cat)
        for r, s in enumerate(sp, 1):
            s["rank"] = r
        all_spots.extend(sp)
    return all_spots


def _hotspot_table(spots: list[dict[str, Any]], n_cells: int, crs: Any, lang: str) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """The hotspots as rows with ids, names and risk per layer (projected CRS), and each cell's hotspot id."""
    cell_hot = np.array([""] * n_cells, dtype=object)
    labels = CATEGORY_LABELS.get(lang, CATEGORY_LABELS["id"])
    word = "Titik rawan" if lang == "id" else "Hotspot"
    rows = []
    for i, s in enumerate(spots, 1):
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
    hs = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs) if rows else gpd.GeoDataFrame(
        {c: [] for c in ("id", "name", "risk", "incidents", "types", "active_hours", "rank", "share", "cells", "layer")},
        geometry=gpd.GeoSeries([], crs=crs),
    )
    if len(hs):
        for _layer, idx in hs.groupby("layer").groups.items():
            shares = hs.loc[idx, "share"].astype(float)
            hs.loc[idx, "risk"] = (shares / shares.max()).round(4).clip(lower=1e-4)
    return hs, cell_hot
