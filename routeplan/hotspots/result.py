"""The outcome of a hotspot estimate: what the map, the outputs and the evaluation read from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
from shapely.geometry.base import BaseGeometry


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
    notes : list of str
        Data-quality and method notes, one line each.
    data_quality : dict
        Figures of :func:`routeplan.hotspots.quality.check_quality` (empty when not checked).
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
    data_quality: dict[str, Any] = field(default_factory=dict)

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
                "hotspots_by_layer": _by_layer(self.hotspots),
                "incidents_in_hotspots": _in_all_layer(self.hotspots),
            },
            "notes": list(self.notes),
            "data_quality": dict(self.data_quality),
        }


def _by_layer(hotspots: gpd.GeoDataFrame) -> dict[str, int]:
    """Hotspots per layer (``all`` first, then the categories)."""
    if len(hotspots) == 0:
        return {}
    counts = {str(k): int(v) for k, v in hotspots["layer"].value_counts().items()}
    return {k: counts[k] for k in sorted(counts, key=lambda k: (k != "all", k))}


def _in_all_layer(hotspots: gpd.GeoDataFrame) -> int:
    """Incidents inside the hotspots of all incidents (per-type hotspots would count them twice)."""
    if len(hotspots) == 0:
        return 0
    return int(hotspots.loc[hotspots["layer"] == "all", "incidents"].sum())
