"""The model of the domain that every stage shares: scenario, layers and plan types, and the plan file.

Load builds the scenario and layer types, prepare snaps the layers (:class:`Problem` for a point that
cannot be used), optimize makes a :class:`Plan`, report and render read it, and
:mod:`routeplan.model.planfile` is the one reader and writer of ``plan.json``.
"""

from routeplan.model.layers import CATEGORIES, CategoryDefaults, Hotspot, VitalObject, road_node
from routeplan.model.plan import Plan, Problem, Route, ShiftPatrol, Unserved, Visit
from routeplan.model.scenario import (
    PASARAN,
    UNIT_KINDS,
    WEEKDAYS,
    Area,
    Depot,
    PatrolUnit,
    Scenario,
    Shift,
    pasaran_of,
)

__all__ = [
    "CATEGORIES", "CategoryDefaults", "Hotspot", "VitalObject", "road_node",
    "Plan", "Problem", "Route", "ShiftPatrol", "Unserved", "Visit",
    "PASARAN", "UNIT_KINDS", "WEEKDAYS", "Area", "Depot", "PatrolUnit", "Scenario", "Shift", "pasaran_of",
]
