"""The layers' types: vital objects with their category defaults, and hotspots.

:mod:`routeplan.load.layers` reads them from GeoJSON or CSV; :mod:`routeplan.prepare.snap` sets their
road ``node``.
"""

from __future__ import annotations

from dataclasses import dataclass

from routeplan.model.scenario import WEEKDAYS


@dataclass(frozen=True)
class CategoryDefaults:
    """What a vital object of a category needs when its row says nothing else."""

    priority: int  # 1 high .. 3 low
    visits_per_week: int
    dwell_minutes: int
    windows: tuple[str, ...]  # "HH:MM-HH:MM"; empty = any time
    days: tuple[str, ...] = WEEKDAYS
    label_id: str = ""
    label_en: str = ""


#: Defaults per vital-object category (see ``../shared/docs/DOMAIN.md``): markets are busiest early,
#: banks handle cash in office hours, fuel stations and ATMs carry night robbery risk, warehouses and
#: factories are burgled at night.
CATEGORIES: dict[str, CategoryDefaults] = {
    "pasar": CategoryDefaults(1, 7, 15, ("04:00-10:00",), label_id="Pasar", label_en="Market"),
    "bank": CategoryDefaults(1, 5, 10, ("08:00-15:00",), WEEKDAYS[:5], "Bank", "Bank"),
    "atm": CategoryDefaults(2, 3, 5, (), label_id="ATM / BRILink", label_en="ATM / cash agent"),
    "spbu": CategoryDefaults(1, 4, 10, (), label_id="SPBU", label_en="Fuel station"),
    "kantor_desa": CategoryDefaults(2, 2, 10, ("08:00-14:00",), WEEKDAYS[:5], "Kantor desa", "Village office"),
    "kantor_kecamatan": CategoryDefaults(2, 3, 10, ("08:00-14:00",), WEEKDAYS[:5], "Kantor kecamatan", "District office"),
    "sekolah": CategoryDefaults(2, 3, 10, ("06:30-13:00",), WEEKDAYS[:6], "Sekolah", "School"),
    "tempat_ibadah": CategoryDefaults(3, 2, 10, ("11:00-13:30", "17:30-20:00"), label_id="Tempat ibadah", label_en="Place of worship"),
    "tps": CategoryDefaults(2, 1, 10, ("07:00-13:00",), label_id="TPS", label_en="Polling station"),
    "minimarket": CategoryDefaults(3, 3, 10, ("18:00-23:00",), label_id="Minimarket", label_en="Minimarket"),
    "gudang": CategoryDefaults(3, 2, 10, ("20:00-04:00",), label_id="Gudang", label_en="Warehouse"),
    "pabrik": CategoryDefaults(3, 2, 10, ("20:00-04:00",), label_id="Pabrik", label_en="Factory"),
    "kantor_polisi": CategoryDefaults(3, 1, 5, (), label_id="Kantor polisi", label_en="Police office"),
    "lainnya": CategoryDefaults(3, 1, 10, (), label_id="Lainnya", label_en="Other"),
}


@dataclass(frozen=True)
class VitalObject:
    """A place the patrol must visit ``visits_per_week`` times, in its windows, on its days."""

    id: str
    name: str
    category: str
    lon: float
    lat: float
    priority: int
    visits_per_week: int
    dwell_minutes: int
    windows: tuple[tuple[int, int], ...]  # minutes after midnight; end <= start crosses midnight
    days: tuple[str, ...]
    desa: str = ""
    min_gap_hours: float = 0.0
    pasaran: tuple[str, ...] = ()  # market days of the five-day Javanese week; empty = no restriction
    node: int | None = None
    snap_m: float | None = None


@dataclass(frozen=True)
class Hotspot:
    """A place prone to crime: patrol stops there are optional and collected for their ``risk``."""

    id: str
    name: str
    lon: float
    lat: float
    risk: float
    active_hours: tuple[tuple[int, int], ...]  # empty = any time
    types: tuple[str, ...] = ()
    geometry_wkt: str = ""
    node: int | None = None
    snap_m: float | None = None


def road_node(item: VitalObject | Hotspot) -> int:
    """Return the road node of a snapped vital object or hotspot (:func:`routeplan.prepare.snap.snap_layer` sets it)."""
    if item.node is None:
        raise ValueError(f"{item.id!r} is not snapped to a road node")
    return item.node
