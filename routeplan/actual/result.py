"""The result of ``routeplan actual``: the ``actual.json`` document and what the page draws."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from routeplan.actual.tracks import Track
from routeplan.model.plan import Plan


@dataclass
class Actual:
    """Everything ``routeplan actual`` found: the JSON document, the tracks and the road graph for the page."""

    plan: Plan
    data: dict[str, Any]
    tracks: dict[str, Track] = field(default_factory=dict)
    lang: str = "id"
    graph: Any = None
