"""The layers' types: vital objects with their category defaults, and hotspots.

:mod:`routeplan.load.layers` reads them from GeoJSON or CSV; :mod:`routeplan.prepare.snap` sets their
road ``node``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from routeplan.model.scenario import WEEKDAYS, pasaran_of


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
    min_gap_hours: float = 12.0  # two visits of one object are at least this far apart


#: Defaults per vital-object category (see ``../shared/docs/DOMAIN.md``): markets are busiest early,
#: banks handle cash in office hours, fuel stations and ATMs carry night robbery risk, warehouses and
#: factories are burgled at night.
#:
#: Minimum gaps (last field): a second visit soon after the first adds little presence (the Koper curve: a
#: stop deters for a while after the unit leaves), so visits of one object are spread. 12 h wherever the
#: object has one window a day shorter than that (market morning, bank cash hours, office and school hours,
#: prayer times, the evening shop hours, the night of a warehouse or factory): at most one visit per market
#: morning, business day or night. 8 h for the "any time" SPBU and ATM: night robbery risk calls for
#: presence in different shifts (a day and a night visit), never two in one round.
CATEGORIES: dict[str, CategoryDefaults] = {
    "pasar": CategoryDefaults(1, 7, 15, ("04:00-10:00",), label_id="Pasar", label_en="Market", min_gap_hours=12.0),
    "bank": CategoryDefaults(1, 5, 10, ("08:00-15:00",), WEEKDAYS[:5], "Bank", "Bank", min_gap_hours=12.0),
    "atm": CategoryDefaults(2, 3, 5, (), label_id="ATM / BRILink", label_en="ATM / cash agent", min_gap_hours=8.0),
    "spbu": CategoryDefaults(1, 4, 10, (), label_id="SPBU", label_en="Fuel station", min_gap_hours=8.0),
    "kantor_desa": CategoryDefaults(2, 2, 10, ("08:00-14:00",), WEEKDAYS[:5], "Kantor desa", "Village office",
                                    min_gap_hours=12.0),
    "kantor_kecamatan": CategoryDefaults(2, 3, 10, ("08:00-14:00",), WEEKDAYS[:5], "Kantor kecamatan",
                                         "District office", min_gap_hours=12.0),
    "sekolah": CategoryDefaults(2, 3, 10, ("06:30-13:00",), WEEKDAYS[:6], "Sekolah", "School", min_gap_hours=12.0),
    "tempat_ibadah": CategoryDefaults(3, 2, 10, ("11:00-13:30", "17:30-20:00"), label_id="Tempat ibadah",
                                      label_en="Place of worship", min_gap_hours=12.0),
    "tps": CategoryDefaults(2, 1, 10, ("07:00-13:00",), label_id="TPS", label_en="Polling station", min_gap_hours=12.0),
    "minimarket": CategoryDefaults(3, 3, 10, ("18:00-23:00",), label_id="Minimarket", label_en="Minimarket",
                                   min_gap_hours=12.0),
    "gudang": CategoryDefaults(3, 2, 10, ("20:00-04:00",), label_id="Gudang", label_en="Warehouse", min_gap_hours=12.0),
    "pabrik": CategoryDefaults(3, 2, 10, ("20:00-04:00",), label_id="Pabrik", label_en="Factory", min_gap_hours=12.0),
    "kantor_polisi": CategoryDefaults(3, 1, 5, (), label_id="Kantor polisi", label_en="Police office", min_gap_hours=12.0),
    "lainnya": CategoryDefaults(3, 1, 10, (), label_id="Lainnya", label_en="Other", min_gap_hours=12.0),
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
    risk_class: str = ""  # of a polling station: sangat_rawan | rawan | aman (model.scenario.RISK_CLASSES)
    operation: str = ""  # the operation whose layer holds it: it exists only on that operation's days


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

    def active_at(self, minute: int) -> bool:
        """Whether ``minute`` of the day (0..1439) is inside the active hours (any time when there are none)."""
        return not self.active_hours or any(in_daily_window(minute, ws, we) for ws, we in self.active_hours)

    def hours_text(self) -> str:
        """Return the active hours as people write them (``22:00-04:00, 10:00-12:00``); empty when any time."""
        return ", ".join(f"{a // 60 % 24:02d}:{a % 60:02d}-{b // 60 % 24:02d}:{b % 60:02d}" for a, b in self.active_hours)


def in_daily_window(minute: int, start: int, end: int) -> bool:
    """Whether ``minute`` of the day is inside the daily window ``start``-``end`` (minutes of the day).

    A window whose end is not after its start crosses midnight (``(1320, 240)`` is 22:00-04:00); an end past 1440
    (``(1320, 1680)``) means the same; a window of zero length is the whole day.
    """
    length = (end - start) % 1440 or 1440
    return (minute - start) % 1440 < length


def road_node(item: VitalObject | Hotspot) -> int:
    """Return the road node of a snapped vital object or hotspot (:func:`routeplan.prepare.snap.snap_layer` sets it)."""
    if item.node is None:
        raise ValueError(f"{item.id!r} is not snapped to a road node")
    return item.node


def allowed_days(o: VitalObject, dates: list[dt.date], from_day: int = 0) -> list[int]:
    """Return the plan days (indexes, from ``from_day`` on) on which ``o`` may be visited: its weekdays and pasaran."""
    return [i for i, d in enumerate(dates) if WEEKDAYS[d.weekday()] in o.days and i >= from_day
            and (not o.pasaran or pasaran_of(d) in o.pasaran)]


def start_intervals(windows: list[tuple[int, int]], dwell: int) -> list[tuple[int, int]]:
    """Merge absolute (start, end) windows (minutes from plan start) and return when a visit may start.

    Windows that touch or overlap are one window, so a window running across midnight (or "any time" on
    consecutive days) is one continuous stretch in which one stop is one visit.
    """
    merged: list[list[int]] = []
    for a, b in sorted(windows):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b - dwell) for a, b in merged if b - dwell >= a]


def gap_minutes(o: VitalObject) -> int:
    """Return the object's minimum gap in whole minutes (rounded up)."""
    return int(math.ceil(o.min_gap_hours * 60))


def greedy_starts(starts: list[tuple[int, int]], gap: int, k: int) -> list[int]:
    """Place up to ``k`` visits inside ``starts`` as early as they go, each ``gap`` minutes after the one before.

    Taking every visit as early as it can go fits the most visits, so ``len()`` of the answer is how many
    visits the intervals and the gap can hold (at most ``k``).
    """
    out: list[int] = []
    for a, b in starts:
        s = max(a, out[-1] + gap) if out else a
        while s <= b and len(out) < k:
            out.append(s)
            s += gap  # without a gap (0) every visit may start at the same minute
    return out


def object_windows(o: VitalObject, days: list[int]) -> list[tuple[int, int]]:
    """Return the object's windows on the given plan days, as absolute (start, end) minutes from plan start."""
    out = []
    for day in days:
        for ws, we in (o.windows or ((0, 1440),)):
            length = (we - ws) % 1440 or 1440
            out.append((day * 1440 + ws, day * 1440 + ws + length))
    return out


def visit_capacity(o: VitalObject, dates: list[dt.date], want: int, from_day: int = 0) -> int:
    """Count the visits of ``o`` that its allowed days, windows and minimum gap can hold (at most ``want``)."""
    starts = start_intervals(object_windows(o, allowed_days(o, dates, from_day)), o.dwell_minutes)
    return len(greedy_starts(starts, gap_minutes(o), want))
