"""Crime hotspots for patrol planning: from raw incident records to ranked, evaluated hotspots and a map.

The pipeline is::

    incidents = read_incidents("crimes.csv")            # CSV or GeoJSON -> GeoDataFrame (EPSG:4326)
    quality = check_quality(incidents)                  # notes; piles capped: incidents[quality.for_estimate]
    result = estimate_hotspots(incidents, cell_m=200)   # Gaussian KDE, bandwidth by likelihood CV
    ev = evaluate(incidents, "2016-10-01", cell_m=200)  # hit rate / PAI on a time split vs a naive baseline
    write_hotspot_outputs(result, "out/", evaluation=ev)

Modules, by concern: :mod:`~routeplan.hotspots.incidents` (reading incident tables),
:mod:`~routeplan.hotspots.types` (incident types to categories: exact names, keywords, synonyms),
:mod:`~routeplan.hotspots.quality` (data-quality notes), :mod:`~routeplan.hotspots.places` (roads, desa
and hotspot names),
:mod:`~routeplan.hotspots.density` (grid, KDE, bandwidth), :mod:`~routeplan.hotspots.gistar`,
:mod:`~routeplan.hotspots.estimate` (hotspot polygons, risk floor), :mod:`~routeplan.hotspots.result`
(:class:`HotspotResult`), :mod:`~routeplan.hotspots.evaluate` (hit rate, PAI, plot),
:mod:`~routeplan.hotspots.outputs` (GeoJSON, the output folder) and :mod:`~routeplan.hotspots.page`
(hotspots.html). The ``routeplan hotspots`` command is defined in :mod:`routeplan.cli.hotspots`.

Method notes
------------
* **Projection.** All distances are computed in the UTM zone of the incidents' centroid
  (``GeoDataFrame.estimate_utm_crs``), so ``cell_m`` and the bandwidth are metres.
* **Density.** A Gaussian kernel density estimate is evaluated at the centre of every grid cell of
  ``cell_m`` metres inside the study area (a cell belongs to the area when its centre does).
* **Bandwidth.** ``bandwidth="auto"`` picks the bandwidth that maximises the leave-one-out
  log-likelihood over a log-spaced grid of candidates around Silverman's rule of thumb. Incident
  records are often geocoded to the same block address; with exact duplicates the plain
  leave-one-out likelihood grows without bound as the bandwidth shrinks, so all records at the
  same location (within 1 m) are left out together ("leave-one-location-out"). At most
  :data:`~routeplan.hotspots.density.LCV_MAX_POINTS` incidents (a seeded random subsample) enter the cross-validation.
* **Hotspots.** The cells with the highest density that together cover ``top_share`` of the area
  are selected, edge-adjacent selected cells are merged into one polygon, and the polygons are
  ranked by their share of the estimated crime.
* **Floor.** ``floor_share`` of the total patrol risk is spread uniformly over all cells of the area::

      p_cell = (1 - floor_share) * kde_cell / sum(kde) + floor_share / n_cells
      risk_cell = p_cell / max(p_cell)

  so every cell keeps some patrol weight even where no crime was recorded. Patrols that only follow
  recorded crime feed back on themselves (Ensign et al. 2018, "Runaway feedback loops in predictive
  policing"). The floor is an affine, order-preserving transform: it changes risk values, never which
  cells are hotspots.
* **Categories.** Incident types are mapped to the "4C" categories of Indonesian police practice:
  ``curas`` (pencurian dengan kekerasan: robbery), ``curat`` (pencurian dengan pemberatan: burglary and
  other theft), ``curanmor`` (motor vehicle theft), ``curhewan`` (livestock theft), and ``lainnya``
  (everything else). Plain THEFT is mapped to ``curat``: the KUHP distinguishes simple theft (pasal 362)
  from aggravated theft (pasal 363), but police reports in Indonesia group non-violent theft from
  premises and people under pencurian/curat, and it is the category a patrol addresses. Types are
  matched by exact name and then by keywords and synonyms in English and Indonesian
  (:mod:`~routeplan.hotspots.types`, which also says where theft from a vehicle goes); pass ``type_map``
  (exact names, always wins) or ``keywords`` (a TOML keyword file) to change them.
"""

from routeplan.hotspots.density import select_bandwidth
from routeplan.hotspots.estimate import estimate_hotspots
from routeplan.hotspots.evaluate import evaluate, plot_evaluation
from routeplan.hotspots.incidents import read_incidents
from routeplan.hotspots.outputs import hotspots_geojson, run_hotspots, write_hotspot_outputs
from routeplan.hotspots.quality import check_quality
from routeplan.hotspots.result import HotspotResult
from routeplan.hotspots.types import CATEGORIES, DEFAULT_KEYWORDS, DEFAULT_TYPE_MAP, load_type_map, type_matcher

__all__ = [
    "CATEGORIES",
    "DEFAULT_TYPE_MAP",
    "DEFAULT_KEYWORDS",
    "type_matcher",
    "HotspotResult",
    "read_incidents",
    "check_quality",
    "load_type_map",
    "select_bandwidth",
    "estimate_hotspots",
    "evaluate",
    "plot_evaluation",
    "hotspots_geojson",
    "write_hotspot_outputs",
    "run_hotspots",
]
