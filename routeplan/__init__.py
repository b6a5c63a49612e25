"""routeplan: weekly police patrol plans for vital objects and crime hotspots on OpenStreetMap roads.

The data flow, one module each: :mod:`routeplan.load.scenario` and :mod:`routeplan.load.roads` and
:mod:`routeplan.load.layers` (load) -> :mod:`routeplan.prepare.matrix` (prepare) -> :mod:`routeplan.optimize.routing` and
:mod:`routeplan.optimize.weekly` (optimize) -> :mod:`routeplan.report.scorecard` (report) -> :mod:`routeplan.render.maps`,
:mod:`routeplan.render.briefing`, :mod:`routeplan.render.export` (render and export). :mod:`routeplan.pipeline` ties
them together; the ``routeplan`` command is a thin shell over it.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("routeplan")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__"]
