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
#: Refuse an incident file (``routeplan hotspots``) with more incidents (rows or features) than this.
max_incidents: int = 1_000_000
#: Readiness for 110 calls: a desa counts as ready in an hour when a unit on duty can drive to it within
#: this many minutes (the scorecard's ``readiness`` section).
readiness_minutes: float = 15
#: Planning timezone offset; Kunir and Bandung are on WIB (UTC+7).
default_utc_offset: str = "+07:00"
#: Most kecamatan scenarios one region file of ``routeplan batch`` may list (a Polda has hundreds).
max_region_scenarios: int = 5000
#: Seconds ``routeplan batch --scheduler`` waits to connect to a Dask scheduler.
batch_connect_timeout_s: float = 20.0
