"""The plan's types: routes of visits per unit, day and shift, what could not be served and why.

A :class:`Plan` is what the optimizer makes (:func:`routeplan.optimize.weekly.plan_week`), what the report and
render stages read, and what ``plan.json`` holds; :mod:`routeplan.model.planfile` is its only reader and
writer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from routeplan.model.scenario import Depot, PatrolUnit


@dataclass
class Visit:
    """One planned stop of a route."""

    id: str
    kind: str  # "vital_object", "hotspot" or "area_patrol" (a loop through a desa's or cell's roads)
    name: str
    category: str
    arrival: dt.datetime
    departure: dt.datetime
    lon: float
    lat: float
    dwell_minutes: int
    window: str
    desa: str = ""
    risk: float | None = None
    node: int | None = None


@dataclass
class Route:
    """A patrol circuit of one unit on one day and shift."""

    unit: str
    unit_kind: str
    crew: str
    day: dt.date
    shift: str
    depot: str
    depot_name: str
    start: dt.datetime
    end: dt.datetime
    stops: list[Visit]
    distance_m: float
    drive_s: float
    path: list[tuple[float, float]] = field(default_factory=list, repr=False)
    legs_s: list[float] = field(default_factory=list, repr=False)
    breaks: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)
    #: The reserve spent at the depot (110 calls, guard duty, paperwork), as (start, end) intervals in time order;
    #: empty in a plan read from a ``plan.json`` written before it was kept.
    reserve: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)

    @property
    def patrol_minutes(self) -> float:
        """Minutes driven and present at stops: waiting, breaks and the reserve at the depot are not patrol.

        Driving counts at the precision ``plan.json`` keeps (:attr:`drive_minutes`), so that a briefing from the
        plan in memory equals one from its folder.
        """
        return self.drive_minutes + sum((s.departure - s.arrival).total_seconds() / 60 for s in self.stops)

    @property
    def loop_minutes(self) -> float:
        """Minutes spent driving area-patrol loops (time "at" an ``area_patrol`` stop is a loop on the roads)."""
        return sum((s.departure - s.arrival).total_seconds() / 60 for s in self.stops if s.kind == "area_patrol")

    @property
    def moving_minutes(self) -> float:
        """All driving: the legs between stops (:attr:`drive_minutes`) and the area-patrol loops.

        This is the time that goes with :attr:`distance_km`, which counts the loops' road metres too.
        """
        return round(self.drive_minutes + self.loop_minutes, 1)

    @property
    def distance_km(self) -> float:
        """Road distance in km, rounded to metres as ``plan.json`` keeps it."""
        return round(self.distance_m / 1000, 3)

    @property
    def drive_minutes(self) -> float:
        """Driving time in minutes, rounded to a tenth as ``plan.json`` keeps it."""
        return round(self.drive_s / 60, 1)


@dataclass
class Unserved:
    """A required visit the plan does not serve, with its binding reason."""

    id: str
    reason: str  # unreachable | time_window | shifts_full | min_gap | pin_conflict | no_allowed_day | far_from_road | outside_area
    #   | disconnected_road
    detail: str
    name: str = ""
    visit: int | None = None


@dataclass(frozen=True)
class Problem:
    """A point of a layer that could not be snapped to the roads, so it never reaches the optimizer.

    Attributes
    ----------
    id
        The vital object's or hotspot's id.
    layer
        ``vital_object`` or ``hotspot``.
    reason
        ``outside_area``, ``disconnected_road`` or ``far_from_road``.
    detail
        One line for people, naming the point and the distance or place.
    visits
        Required visits of the object in the plan's days (0 for hotspots): each is an unserved visit.
    name, lon, lat
        The point's name and place, so that it stays on the map.
    risk
        A hotspot's risk (None for a vital object), so that the scorecard counts it.
    """

    id: str
    layer: str
    reason: str
    detail: str
    visits: int = 0
    name: str = ""
    lon: float | None = None
    lat: float | None = None
    risk: float | None = None


@dataclass
class ShiftPatrol:
    """The patrol of one staffed unit-shift against its planned patrol minutes.

    Attributes
    ----------
    unit, day, shift
        The unit, the date the shift starts and the shift's name.
    target_minutes
        Planned patrol minutes (:meth:`~routeplan.model.scenario.Scenario.patrol_target`); None on standby.
    patrol_minutes
        Minutes driven and present at stops (breaks, the reserve at the depot and waiting left out).
    stops
        Stops of the route (visits, hotspot stops and area patrols).
    longest_stretch_minutes
        The longest time between leaving one stop (or the depot) and reaching the next.
    reason
        Empty when the patrol reaches ``target × (1 − tolerance)``; else ``standby``, ``few_candidates`` (not
        enough presence can be reached in the shift) or ``unfilled`` (the search left time unused).
    detail
        One line for people saying why.
    """

    unit: str
    day: dt.date
    shift: str
    target_minutes: int | None
    patrol_minutes: float
    stops: int
    longest_stretch_minutes: float
    reason: str = ""
    detail: str = ""


@dataclass(frozen=True)
class DayOperation:
    """A named operation active on one calendar day of a plan, and the categories whose rules it changes."""

    day: dt.date
    name: str
    categories: tuple[str, ...] = ()


@dataclass
class Plan:
    """The result of planning: routes per unit, day and shift, and what could not be served.

    ``language``, ``depots`` and ``units`` are what the briefings need besides the routes (None in a plan
    read from a ``plan.json`` that lacks them).
    """

    scenario: str
    start_date: dt.date
    days: int
    seed: int
    routes: list[Route]
    unserved: list[Unserved]
    required_visits: int
    served_required: int
    solver: dict[str, Any] = field(default_factory=dict)
    utc_offset: str = "+07:00"
    scenario_file: str = ""
    replanned: list[dict[str, Any]] = field(default_factory=list)
    language: str | None = None
    depots: list[Depot] | None = None
    units: list[PatrolUnit] | None = None
    #: One entry per staffed unit-shift of the plan (standby included), in route order; empty in a plan read
    #: from a ``plan.json`` written before patrol targets.
    patrol: list[ShiftPatrol] = field(default_factory=list)
    #: The operations active on each day of the plan, in day order (days without one are absent); empty in a
    #: plan read from a ``plan.json`` written before it was kept.
    operations: list[DayOperation] = field(default_factory=list)

    def operations_on(self, day: dt.date) -> list[DayOperation]:
        """Return the operations active on ``day``."""
        return [x for x in self.operations if x.day == day]
