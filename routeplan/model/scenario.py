"""The scenario's types: area, depots, patrol units, shifts and the plan's days.

These are the types every stage shares; :mod:`routeplan.load.scenario` reads and validates a scenario
file and builds them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Kinds of patrol unit: ``car`` (R4) and ``motorcycle`` (R2).
UNIT_KINDS = ("car", "motorcycle")
#: Weekday names as scenarios and layers write them, Monday first (``date.weekday()`` order).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: The five-day Javanese market week. Many traditional markets open on one or two pasaran days.
PASARAN = ("legi", "pahing", "pon", "wage", "kliwon")
#: A date of known pasaran: the proclamation of independence, Friday 17 August 1945, was Jumat Legi.
_PASARAN_ANCHOR = dt.date(1945, 8, 17)


def pasaran_of(date: dt.date) -> str:
    """Return the pasaran day (legi, pahing, pon, wage, kliwon) of a date."""
    return PASARAN[(date - _PASARAN_ANCHOR).days % 5]


@dataclass(frozen=True)
class Shift:
    """A named working period of a day; ``end <= start`` crosses midnight into the next day."""

    name: str
    start: int  # minutes after midnight
    end: int
    break_minutes: int = 0
    break_window: tuple[int, int] | None = None
    #: Patrol time of this shift for every unit (overridden by a unit's own): a share of the shift less its
    #: break, or whole minutes; None = the plan's ``patrol_share``.
    patrol_share: float | None = None
    patrol_minutes: int | None = None

    @property
    def crosses_midnight(self) -> bool:
        """Whether the shift ends on the next day (``end <= start``)."""
        return self.end <= self.start

    @property
    def length(self) -> int:
        """Shift length in minutes."""
        return (self.end - self.start) % 1440 or 1440

    def absolute(self, day_index: int) -> tuple[int, int]:
        """(start, end) in minutes from the plan start for the shift that begins on ``day_index``."""
        s = day_index * 1440 + self.start
        return s, s + self.length


@dataclass(frozen=True)
class Depot:
    """A Polsek or a post where patrols start and end."""

    id: str
    name: str
    lon: float
    lat: float


@dataclass(frozen=True)
class PatrolUnit:
    """A patrol crew and vehicle: ``kind`` is ``car`` (R4) or ``motorcycle`` (R2)."""

    id: str
    kind: str
    depot: str
    shifts: tuple[str, ...]
    days: tuple[int, ...]  # plan-day indices the unit works
    crew: str = ""
    #: Patrol time per shift name ("*" = every shift): ("share", 0.6) or ("minutes", 240); the shift's or
    #: the plan's value applies to a shift not named here.
    patrol: tuple[tuple[str, str, float], ...] = ()
    #: Shift names on which the unit is on standby (no patrol: reserve, guard post); "*" = every shift.
    standby: tuple[str, ...] = ()
    unavailable: tuple[tuple[dt.date, dt.date], ...] = ()  # inclusive date ranges: leave, seconded elsewhere

    def available(self, date: dt.date) -> bool:
        """Whether the unit may work on ``date`` (it is in none of its ``unavailable`` ranges)."""
        return not any(a <= date <= b for a, b in self.unavailable)


#: Default minutes of a hotspot stop (``[plan] hotspot_dwell_minutes``), see :attr:`Scenario.hotspot_dwell_minutes`.
HOTSPOT_DWELL_MINUTES = 15
#: Risk classes of a polling station (TPS), as the police's TPS mapping names them.
RISK_CLASSES = ("sangat_rawan", "rawan", "aman")


@dataclass(frozen=True)
class Operation:
    """A named operation: from ``start`` to ``end`` (inclusive) these rules replace the weekly ones."""

    name: str
    start: dt.date
    end: dt.date
    layers: tuple[Path, ...] = ()
    visits_per_day: dict[str, int] = field(default_factory=dict)
    dwell_minutes: dict[str, int] = field(default_factory=dict)
    windows: dict[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    risk_classes: dict[str, tuple[int, int]] = field(default_factory=dict)  # class -> (visits a day, dwell)

    def covers(self, date: dt.date) -> bool:
        """Whether ``date`` is one of the operation's days."""
        return self.start <= date <= self.end

    @property
    def categories(self) -> tuple[str, ...]:
        """The categories whose rules the operation changes (its layers' categories are added when read)."""
        return tuple(sorted(set(self.visits_per_day) | set(self.dwell_minutes) | set(self.windows)))


@dataclass(frozen=True)
class Area:
    """Where the roads come from: exactly one of ``place``, ``osm_file``, ``bbox``, ``boundary``."""

    place: str | None = None
    osm_file: Path | None = None
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north
    boundary: Path | None = None
    name: str = ""


@dataclass
class Scenario:
    """A validated scenario. Paths are resolved relative to the scenario file."""

    path: Path
    name: str
    area: Area
    depots: dict[str, Depot]
    units: list[PatrolUnit]
    shifts: dict[str, Shift]
    start_date: dt.date
    days: int
    vital_objects: Path | None
    hotspots: Path | None
    desa: Path | None
    speeds_kmh: dict[str, dict[str, float]]
    default_dwell_minutes: int | None = None  # None: each category's own default
    #: Minutes of a hotspot stop. Koper (1995) found the deterrence that outlasts a stop grew with its length up to
    #: about 15 minutes (DOMAIN.md: stops of about 10-16 minutes); a stop that long also spends less of the patrol
    #: time driving between stops (presence benchmark, session 10).
    hotspot_dwell_minutes: int = HOTSPOT_DWELL_MINUTES
    language: str = "id"
    utc_offset: str = "+07:00"
    hotspot_value_minutes: float = 60.0
    hotspot_target_minutes_per_week: float = 84.0
    hotspot_max_stops_per_day: int = 16
    pins: list[dict[str, Any]] = field(default_factory=list)
    operations: list[Operation] = field(default_factory=list)
    #: Planned patrol share of a shift (less its break) when neither the unit nor the shift says otherwise.
    patrol_share: float = 0.6
    #: A unit-shift patrols enough when its patrol minutes reach ``target × (1 − patrol_tolerance)``.
    patrol_tolerance: float = 0.15
    #: Dosage floor (:mod:`routeplan.optimize.dosage`): hotspots below this share of their dosage among the hotspots
    #: active in the same hours get their slots raised and the routes re-planned for them; 0 (the default) is off.
    dosage_floor: float = 0.0

    @property
    def dates(self) -> list[dt.date]:
        """The planned dates, ``days`` of them from ``start_date``."""
        return [self.start_date + dt.timedelta(days=i) for i in range(self.days)]

    def working_days(self, unit: PatrolUnit) -> list[int]:
        """Return the plan days (indexes) ``unit`` works: its days, less those its ``unavailable`` ranges take."""
        dates = self.dates
        return [d for d in unit.days if d < len(dates) and unit.available(dates[d])]
    def patrol_target(self, unit: PatrolUnit, shift: Shift) -> int | None:
        """Planned patrol minutes of ``unit`` on ``shift``, or None when the unit is on standby then.

        The first of these that is set applies: the unit's value for this shift, the unit's value for every
        shift, the shift's own value, the plan's ``patrol_share``. A share is of the shift's length less its
        break; minutes are capped there too. The rest of the shift is the reserve (110 calls, guard duty,
        reporting).
        """
        if shift.name in unit.standby or "*" in unit.standby:
            return None
        base = max(shift.length - shift.break_minutes, 0)
        rules = {name: (how, value) for name, how, value in unit.patrol}
        rule = rules.get(shift.name) or rules.get("*")
        if rule is None and shift.patrol_minutes is not None:
            rule = ("minutes", float(shift.patrol_minutes))
        if rule is None:
            rule = ("share", shift.patrol_share if shift.patrol_share is not None else self.patrol_share)
        how, value = rule
        minutes = value if how == "minutes" else value * base
        return int(round(min(max(minutes, 0.0), base)))

    def day_index(self, date: dt.date) -> int:
        """Return the index of ``date`` in the plan (0 for ``start_date``)."""
        return (date - self.start_date).days
