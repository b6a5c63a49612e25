"""routeplan: weekly police patrol plans for vital objects and crime hotspots on OpenStreetMap roads.

The data flow, one module each: :mod:`routeplan.scenario` and :mod:`routeplan.roads` and
:mod:`routeplan.layers` (load) -> :mod:`routeplan.matrix` (prepare) -> :mod:`routeplan.optimize` and
:mod:`routeplan.weekly` (optimize) -> :mod:`routeplan.scorecard` (report) -> :mod:`routeplan.maps`,
:mod:`routeplan.briefing`, :mod:`routeplan.export` (render and export). :mod:`routeplan.pipeline` ties
them together; the ``routeplan`` command is a thin shell over it.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("routeplan")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__"]
