"""Global settings, in the spirit of ``osmnx.settings``.

Change them before calling the library, e.g. ``routeplan.settings.cache_folder = Path("/tmp/c")``.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Nominatim search endpoint used to turn a place name into a boundary polygon.
nominatim_url: str = os.environ.get("ROUTEPLAN_NOMINATIM_URL", "https://nominatim.openstreetmap.org")
#: Overpass API endpoint used to download roads inside a boundary.
overpass_url: str = os.environ.get("ROUTEPLAN_OVERPASS_URL", "https://overpass-api.de/api")
#: Folder for downloaded OSM responses and prepared graphs; a second run needs no network.
cache_folder: Path = Path(os.environ.get("ROUTEPLAN_CACHE", Path.home() / ".cache" / "routeplan"))
#: Keep prepared graphs of local OSM files in the cache folder (keyed by file content and speeds), so a
#: second run does not parse the XML again. Set ROUTEPLAN_CACHE_LOCAL=0 to switch off.
cache_local_graphs: bool = os.environ.get("ROUTEPLAN_CACHE_LOCAL", "1") != "0"
#: Seconds to wait for an OSM service before giving up.
requests_timeout: float = 180.0
#: Further attempts after an OSM service answers 429/5xx, breaks the connection or sends a bad answer.
http_retries: int = 3
#: Seconds before the first retry; doubled on each further retry (a Retry-After header is honoured up to that).
http_backoff_s: float = 5.0
#: A stop farther than this from any usable road is reported instead of snapped (metres).
max_snap_distance_m: float = 500.0
#: A point whose nearest road lies outside the kept (strongly connected) network, nearer by more than this
#: than the nearest kept road, is reported as ``disconnected_road`` instead of served from the farther road.
disconnected_margin_m: float = 25.0
#: Refuse input files larger than this (bytes) before reading them: 200 MiB (messages and docs use binary units).
max_input_bytes: int = 200 * 1024 * 1024
#: Refuse OSM files larger than this (bytes): 1 GiB.
max_osm_bytes: int = 1024 * 1024 * 1024
#: OSM files are streamed once before osmnx loads them whole, and refused at the first limit they exceed:
#: bytes of XML after decompressing .bz2/.gz (2 GiB),
max_osm_decompressed_bytes: int = 2 * 1024**3
#: the longest single XML token, i.e. one tag with its attributes, text run or comment (1 MiB; OSM tag
#: values are at most 255 characters),
max_osm_token_bytes: int = 1024**2
#: nodes in the file (for .pbf: the nodes of its highway ways),
max_osm_nodes: int = 2_000_000
#: ways in the file (for .pbf: its highway ways),
max_osm_ways: int = 500_000
#: node references of one way (OSM's own API allows at most 2000 per way),
max_way_nodes: int = 2000
#: and XML elements of any kind (nodes, ways, node references, tags, relation members...).
max_osm_elements: int = 10_000_000
#: A cached road graph larger than this (bytes) is neither read nor written (1 GiB).
max_cache_file_bytes: int = 1024**3
#: Refuse a vital-object or hotspot layer with more features (rows) than this.
max_layer_features: int = 10_000
#: Refuse a plan whose weekly model would have more candidate stops than this (one per visit, allowed
#: day and window, plus hotspot stops): the optimizer's memory grows with the square of this number
#: (about 0.5 GB at 8 000 stops, 3 GB at 20 000).
max_candidate_stops: int = 20_000
#: Refuse a plan whose weekly model would hold more bytes of travel matrices than this (2 GiB; PyVRP keeps a copy
#: of its own). The copies of the depot where shifts take their reserve and break are reached in a routing profile
#: per unit kind and unit on duty in any ``profile_gap_minutes`` (:func:`routeplan.optimize.fleet.shift_colours`), so
#: the matrices grow with those units times the square of the locations (until session 16 a profile per shift: a
#: 200 000-node regency with 30 units asked for over 20 GB).
max_model_matrix_bytes: int = 2 * 1024**3
#: Two shifts of a unit kind share a routing profile (for the copies of the depot and pins only they serve) when at
#: least this many minutes apart (:func:`routeplan.optimize.fleet.shift_colours`): far enough that PyVRP's search
#: rejects serving another shift's copy at once, as with a profile per shift (the same plans, figure for figure).
profile_gap_minutes: int = 12 * 60
#: Refuse an incident file (``routeplan hotspots``) with more incidents (rows or features) than this.
max_incidents: int = 1_000_000
#: Readiness for 110 calls: a desa counts as ready in an hour when a unit on duty can drive to it within
#: this many minutes (the scorecard's ``readiness`` section).
readiness_minutes: float = 15
#: The scorecard counts the hours in which less than this share of the desa is within reach.
readiness_low_share: float = 0.8
#: Planning timezone offset; Kunir and Bandung are on WIB (UTC+7).
default_utc_offset: str = "+07:00"
#: Incident data quality (``routeplan hotspots``): a point holding at least this share of the incidents
#: (and at least ``pile_min_incidents``) is a pile of identical coordinates, likely a fallback geocode;
#: it counts for at most that many incidents in the estimate.
pile_share: float = 0.01
pile_min_incidents: int = 10
#: Incident dates more than this many days outside the 0.5-99.5 percentile span of the dates (or in the
#: future) are reported and left out of the train/test split of the evaluation.
date_margin_days: int = 365
#: ``routeplan objects``: candidates of one category this close (metres; a node inside or beside its
#: building) are one object, and so are candidates with the same name this close.
objects_merge_m: float = 15.0
objects_same_name_m: float = 25.0
#: A plan folder keeps copies of its scenario and layers (``inputs/``, for ``routeplan replan``); an OSM file
#: larger than this (bytes, 50 MiB) is not copied, only its checksum is kept.
max_saved_osm_bytes: int = 50 * 1024 * 1024
#: Plan against actual (``routeplan actual``): refuse a GPX track or check-in file larger than this (100 MiB),
max_track_bytes: int = 100 * 1024 * 1024
#: and a track file with more points than this (a week at one point per second is about 600 000).
max_track_points: int = 2_000_000
#: A track stays at a place (a dwell) while its points keep within this radius (metres) of their centre
#: for at least ``actual_min_stay_minutes``.
actual_stay_radius_m: float = 50.0
actual_min_stay_minutes: float = 2.0
#: A stay or check-in counts for a planned visit when it is this close (metres) to the object; the
#: distance from the object to the planned route's road is added (officers park on the road).
actual_visit_radius_m: float = 75.0
#: A check-in farther than this (metres) from its object is flagged ``far`` and not trusted.
actual_checkin_max_m: float = 200.0
#: Evidence is looked for from this many minutes before a route's start to as many after its end.
actual_slack_minutes: float = 60.0
#: A visit that starts more than this many minutes before or after the planned arrival is early or late.
actual_tolerance_minutes: float = 30.0
#: A stay shorter than this share of the planned dwell is ``too_short``.
actual_min_dwell_share: float = 0.5
#: Text of a check-in poster's QR code (``routeplan posters``), ``{id}`` replaced by the vital object's id.
checkin_poster_url: str = "routeplan-checkin:{id}"
#: A hotspot's area, when its layer gives it as a point: a circle of this radius (metres). It is also the margin
#: around a hotspot polygon within which a stop counts as presence there. One area for the optimizer's value of an
#: area patrol, the presence figures and plan against actual (``routeplan.model.geo.hotspot_area``).
hotspot_radius_m: float = 150.0
#: A stay of at least this many minutes that serves no planned visit and is not at a depot is listed as an
#: unplanned stop.
actual_unplanned_min_minutes: float = 5.0
#: Time between two track points above which the track is taken as interrupted (minutes).
actual_max_gap_minutes: float = 10.0
#: Map matching (hidden-Markov, Viterbi): GPS noise (metres, the emission's standard deviation), the scale of
#: the difference between road and straight-line distance of two points (metres, the transition), and the
#: radius (metres) in which road edges are candidates for a point.
match_sigma_m: float = 15.0
match_beta_m: float = 50.0
match_radius_m: float = 60.0
#: Default planned patrol share of a shift (less its break): the rest is the reserve for 110 calls, guard posts
#: and reporting. A Samapta shift covers all the Turjawali duties, patrol being one share of it (DOMAIN.md, "How a
#: shift is spent"); issue #12 puts a share a Polsek would recognise at 50-70 %, 0.6 is its middle.
default_patrol_share: float = 0.6
#: A unit-shift patrols enough when its patrol minutes reach ``target × (1 − tolerance)``.
patrol_tolerance: float = 0.15
#: The reserve of a shift is planned in parts of this many minutes: a required visit that needs more than the
#: patrol time may take a part of it (the patrol then runs over its target), presence never does.
reserve_chunk_minutes: int = 30
#: Presence is spread: no stretch longer than this between two stops (or the depot) where candidates allow it.
max_stretch_minutes: float = 60
#: A route the weekly search left short of its patrol time gets a search of its own (``optimize.fill``): this many
#: iterations (repeatable with the seed); all such searches of a plan stop when the plan's time limit is up.
fill_iterations: int = 2000
#: The steps after the weekly search (exchange, fill, re-planning) get at least this share of the time limit: when
#: the time limit ends the weekly search, it ends at ``1 - fill_min_share`` of it. At 0.1 (and no cap on the weekly
#: search) a 2 x 2 km city week (71 objects, 7 all-day hotspots, 65 shifts) ended its search at 54 of 60 s and
#: left 3 shifts short that the fill reaches with more time; a search bounded by iterations is not affected.
fill_min_share: float = 0.2
#: Iterations of each route's search in the priority exchange (``optimize.exchange``): a required visit left
#: out takes the place of lower-priority stops of a route that can hold it.
exchange_iterations: int = 500
#: Iterations of each route's search when every route is re-planned alone for more presence
#: (``optimize.recompose``), after the priority exchange.
recompose_iterations: int = 1000
#: The searches of one route alone (the fill and the re-planning) also stop once this many iterations in a row
#: found no better route: a route alone settles soon, and without it the fill was most of a plan's time (sample,
#: 1 500 iterations: 24 of 36 s; risk-weighted presence 0.5-1.2 % lower over three seeds).
route_no_improvement: int = 300
#: In that search every free presence candidate is worth at least this (as ``area_value_floor``, a minute of
#: presence at risk 1 being 1): filling the shift is its purpose, so even a loop the weekly search valued below
#: its drive is taken before the crew goes back to the post. Above route time (1/``presence_prize_per_minute``).
fill_value_floor: float = 0.05
#: Hotspot presence slots start every this many minutes inside the hotspot's active hours (Koper: repeat every
#: couple of hours) and may start up to ``hotspot_slot_window_minutes`` later, so that two stops of one hotspot
#: are at least ``hotspot_slot_minutes - hotspot_slot_window_minutes`` apart (the spacing).
hotspot_slot_minutes: int = 90
hotspot_slot_window_minutes: int = 30
#: Value of the k-th slot of a hotspot on a day: ``decay ** k`` in a random order per day (diminishing returns).
presence_decay: float = 0.85
#: Every hotspot gets at least this many stops a week where a crew on duty in its active hours can reach it: after
#: the re-planning, a hotspot below it takes the place of the presence that costs least on one of the
#: ``coverage_routes`` routes that pass nearest (:mod:`routeplan.optimize.coverage`). 0 turns the step off.
hotspot_min_stops_per_week: int = 1
coverage_routes: int = 6
#: Default of ``[plan] dosage_floor`` (:mod:`routeplan.optimize.dosage`): off. On (e.g. 0.5), after the re-planning
#: the slots of a hotspot below that share of its dosage, among the hotspots active in the same hours, get prizes
#: raised by floor / share, at most ``dosage_boost_max`` times, and the routes are re-planned for them once more.
dosage_floor: float = 0.0
dosage_boost_max: float = 2.0
#: Area patrol: a loop through a desa's roads, at most this long for the unit's kind (minutes of driving).
area_loop_max_minutes: float = 25
#: ... and at least this long (shorter loops are not worth a slot).
area_loop_min_minutes: float = 5
#: Without a desa layer, area patrols loop through square cells of this side (metres) of the road network.
area_cell_m: float = 1500.0
#: An area with no plan location inside is entered at the nearest one up to this far (metres) from its middle.
area_entry_max_m: float = 1500.0
#: Area patrol slots of an area and unit kind start every this many minutes and may start up to
#: ``area_slot_window_minutes`` later (wide windows leave little waiting between stops).
area_slot_minutes: int = 90
area_slot_window_minutes: int = 60
#: Value floor of an area patrol (a minute of its loop), so that a rural desa without hotspots still counts. It is
#: below a hotspot stop in its active hours and below the loop's own route time (0.02 at
#: ``presence_prize_per_minute``): the weekly search drives a loop for the risk it passes, and a loop through
#: quiet roads only fills time that nothing else can, which the fill step does (``fill_value_floor``). At 0.05
#: such loops took shift time that hotspot stops could have had (presence benchmark, session 9: Buahbatu +18 %,
#: the sample +11 % over three seeds at 0.01; every shift still filled).
area_value_floor: float = 0.01
#: ... plus this much per vital object whose road is in the area, up to ``area_value_objects_cap``. Zero: the
#: objects get their own required visits, and a loop valued by them outbid the hotspots (session 6).
area_value_per_object: float = 0.0
area_value_objects_cap: float = 0.3
#: ... plus this share of the hour-weighted risk the loop passes: each hotspot's risk times the share of the loop's
#: length inside its area (``hotspot_radius_m``). A drive-through is worth less than a stop (Koper); a loop is not
#: credited with hotspots of its area that it does not pass (session 8: that outbid the hotspot stops).
area_value_hotspot_share: float = 0.3
#: Prize of one minute of presence at risk 1 and full hour intensity, in seconds of route time: route time
#: costs 1 a second, so presence wins over driving and travel is only a tie-break.
presence_prize_per_minute: float = 3000.0
#: Bound on the presence candidates (hotspot slots and area patrols) of one model; the least valuable go first.
max_presence_candidates: int = 6000
#: Decimals of the coordinates, ``geo:`` links and QR codes of briefing stops (5 decimals: about 1 m).
briefing_coordinate_decimals: int = 5
#: Route sketches of the briefings draw the roads within this margin (metres) around the route.
sketch_margin_m: float = 250.0
#: At most this many road names are written on a route sketch (the longest named main roads first).
sketch_road_labels: int = 6
#: Most kecamatan scenarios one region file of ``routeplan batch`` may list (a Polda has hundreds).
max_region_scenarios: int = 5000
#: Seconds ``routeplan batch --scheduler`` waits to connect to a Dask scheduler.
batch_connect_timeout_s: float = 20.0
