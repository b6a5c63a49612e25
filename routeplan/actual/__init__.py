"""Plan against actual: GPS tracks and check-ins against a plan folder (``routeplan actual``).

Modules: ``tracks`` (GPX files, unit assignment), ``matching`` (hidden-Markov map matcher), ``dwell`` (stays),
``checkins`` (check-in CSV), ``compare`` (status per planned visit), ``figures`` (per unit and hotspot),
``page`` (``actual.html``), ``run`` (the command's flow and outputs), ``carry`` (``plan --carry-over``),
``posters`` (QR posters per vital object), ``synth`` (synthetic tracks with a known truth). This module
only re-exports what the public API (:mod:`routeplan`) names.
"""

from routeplan.actual.dwell import detect_stays
from routeplan.actual.figures import moving as collapse_stays
from routeplan.actual.figures import route_tracks
from routeplan.actual.matching import RoadMatcher
from routeplan.actual.run import compare_actual, read_tracks, run_actual
from routeplan.actual.run import plan_context as actual_context
from routeplan.actual.synth import synthesise as synthesise_tracks
from routeplan.actual.synth import write_tracks

__all__ = ["RoadMatcher", "actual_context", "collapse_stays", "compare_actual", "detect_stays", "read_tracks",
           "route_tracks", "run_actual", "synthesise_tracks", "write_tracks"]
