"""Road graphs from OpenStreetMap: online by place name, polygon or bbox (cached), or offline from a file.

Every loader returns an osmnx-style ``networkx.MultiDiGraph`` in EPSG:4326 whose edges carry
``length`` (metres), ``highway`` and one ``travel_time_<kind>`` (seconds) per patrol-unit kind that may
use the edge. Only the largest strongly connected component of the network usable by any kind is kept,
so every kept node can be reached from every other.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx

from routeplan import settings
from routeplan._io import check_input_file
from routeplan.errors import InputError, NetworkError, one_line
from routeplan.load import _graphcache
from routeplan.load._osmcheck import check_osm_xml

log = logging.getLogger(__name__)

#: Overpass way filter for patrol networks: the drive network plus tracks and paths that motorcycles use.
PATROL_FILTER = (
    '["highway"]["area"!~"yes"]'
    '["highway"~"motorway|trunk|primary|secondary|tertiary|unclassified|residential|living_street|'
    'service|road|track|path|motorway_link|trunk_link|primary_link|secondary_link|tertiary_link"]'
    '["access"!~"private|no"]["motor_vehicle"!~"no"]["service"!~"parking_aisle|driveway|private"]'
)

#: Bump when the prepared-graph format changes so that stale caches are not reused.
_CACHE_VERSION = 2


def _first(value: Any) -> str:
    """osmnx merges tags of simplified edges into lists; the first entry names the main class."""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "")


def add_travel_times(G: nx.MultiDiGraph, speeds_kmh: dict[str, dict[str, float]]) -> nx.MultiDiGraph:
    """Add ``travel_time_<kind>`` (seconds) to every edge usable by a unit kind.

    Parameters
    ----------
    G
        Road graph with ``length`` and ``highway`` edge attributes.
    speeds_kmh
        ``{kind: {highway_class: km/h}}``; a class missing for a kind means the kind does not use it.

    Returns
    -------
    networkx.MultiDiGraph
        The same graph, modified in place.
    """
    for _, _, data in G.edges(data=True):
        hw = data.get("highway")
        classes = hw if isinstance(hw, list) else [hw]
        length = float(data.get("length", 0.0))
        for kind, table in speeds_kmh.items():
            # a simplified edge may merge several classes: use the slowest usable one
            usable = [table[c] for c in classes if c in table]
            key = f"travel_time_{kind}"
            if usable and len(usable) == len(classes):
                data[key] = length / (min(usable) / 3.6)
            else:
                data.pop(key, None)
    return G


def prepare_graph(G: nx.MultiDiGraph, speeds_kmh: dict[str, dict[str, float]], source: str) -> nx.MultiDiGraph:
    """Keep usable roads, add travel times and keep the largest strongly connected component.

    Parameters
    ----------
    G
        A raw osmnx graph.
    speeds_kmh
        Speeds per unit kind and highway class, see :func:`add_travel_times`.
    source
        Where the graph came from, for error messages.

    Returns
    -------
    networkx.MultiDiGraph
    """
    usable_classes = set().union(*(set(t) for t in speeds_kmh.values()))
    drop = [
        (u, v, k) for u, v, k, d in G.edges(keys=True, data=True)
        if not (set(d.get("highway") if isinstance(d.get("highway"), list) else [d.get("highway")]) & usable_classes)
    ]
    G.remove_edges_from(drop)
    G.remove_nodes_from([n for n in list(G.nodes) if G.degree(n) == 0])
    if G.number_of_edges() == 0:
        raise InputError(f"{source}: no drivable roads (highway=primary/residential/track/...) in this area")
    add_travel_times(G, speeds_kmh)
    # strong connectivity on the network usable by any kind; per-kind gaps show up as unreachable stops
    largest = max(nx.strongly_connected_components(G), key=len)
    if len(largest) < 2:
        raise InputError(f"{source}: the roads do not form a connected network (largest piece has one node)")
    dropped = G.number_of_nodes() - len(largest)
    if dropped:
        log.info("dropping %d nodes outside the largest strongly connected component", dropped)
    G = G.subgraph(largest).copy()
    G.graph.setdefault("crs", "epsg:4326")
    G.graph["routeplan_source"] = source
    return G


def graph_from_file(path: str | Path, speeds_kmh: dict[str, dict[str, float]]) -> nx.MultiDiGraph:
    """Build a patrol road graph from a local ``.osm``, ``.osm.bz2``, ``.osm.gz`` or ``.osm.pbf`` file.

    Parameters
    ----------
    path
        The OSM file.
    speeds_kmh
        Speeds per unit kind and highway class.

    Returns
    -------
    networkx.MultiDiGraph
    """
    path = check_input_file(Path(path), "OSM", settings.max_osm_bytes)
    _check_osm_suffix(path)  # before the cache: a cached graph must not make a wrong file type acceptable
    if not settings.cache_local_graphs:
        return _graph_from_file(path, speeds_kmh)
    # keyed by the file's content digest, so an edited file is parsed again
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    key = _cache_key("file", digest.hexdigest(), speeds_kmh)
    return _cached_graph(key, lambda: _graph_from_file(path, speeds_kmh))


_OSM_SUFFIXES = (".pbf", ".osm", ".xml", ".osm.bz2", ".osm.gz", ".bz2", ".gz")


def _check_osm_suffix(path: Path) -> None:
    if not path.name.lower().endswith(_OSM_SUFFIXES):
        raise InputError(f"{path}: unknown OSM file type; use .osm, .osm.bz2, .osm.gz or .osm.pbf")


def _graph_from_file(path: Path, speeds_kmh: dict[str, dict[str, float]]) -> nx.MultiDiGraph:
    import osmnx as ox

    name = path.name.lower()
    _check_osm_suffix(path)
    tmpdir = None
    try:
        if name.endswith(".pbf"):
            tmpdir = tempfile.mkdtemp(prefix="routeplan-pbf-")
            xml_path = Path(tmpdir) / "roads.osm"
            _pbf_to_xml(path, xml_path)
        else:
            xml_path = path
            check_osm_xml(path)  # bounded pre-scan: osmnx reads the whole file into memory
        try:
            G = ox.graph_from_xml(xml_path, simplify=True, retain_all=True)
        except InputError:
            raise
        except Exception as exc:  # osmnx raises many kinds on broken XML / no ways
            raise InputError(f"{path}: cannot read OSM roads ({one_line(exc)})") from None
    finally:
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
    return prepare_graph(G, speeds_kmh, str(path))


def _pbf_to_xml(src: Path, dst: Path) -> None:
    """Copy the highway ways (and their nodes) of a PBF file into OSM XML that osmnx can read.

    The limits of :func:`routeplan.load._osmcheck.check_osm_xml` apply to what is copied: highway ways, node
    references per way, their nodes and all elements together.
    """
    import osmium

    max_refs, max_ways = int(settings.max_way_nodes), int(settings.max_osm_ways)
    max_nodes, max_elements = int(settings.max_osm_nodes), int(settings.max_osm_elements)
    try:
        way_nodes: set[int] = set()
        ways = []
        elements = 0
        for w in osmium.FileProcessor(str(src), osmium.osm.WAY).with_filter(osmium.filter.KeyFilter("highway")):
            if len(w.nodes) > max_refs:
                raise InputError(f"{src}: way {w.id} has more than {max_refs} node references, above the limit "
                                 "per way (routeplan.settings.max_way_nodes; OSM itself allows 2000); "
                                 "not a real OSM extract")
            refs = [n.ref for n in w.nodes]
            way_nodes.update(refs)
            ways.append((w.id, refs, dict(w.tags)))
            elements += 1 + len(refs) + len(ways[-1][2])
            if len(ways) > max_ways:
                raise InputError(f"{src}: more than {max_ways} ways, above the limit "
                                 "(routeplan.settings.max_osm_ways); cut the extract to the area you plan")
            if len(way_nodes) > max_nodes:
                raise InputError(f"{src}: more than {max_nodes} nodes, above the limit "
                                 "(routeplan.settings.max_osm_nodes); cut the extract to the area you plan")
            if elements + len(way_nodes) > max_elements:
                raise InputError(f"{src}: more than {max_elements} elements (nodes, ways, node references, tags, "
                                 "members), above the limit (routeplan.settings.max_osm_elements); cut the "
                                 "extract to the area you plan")
        coords: dict[int, tuple[float, float]] = {}
        for n in osmium.FileProcessor(str(src), osmium.osm.NODE):
            if n.id in way_nodes and n.location.valid():
                coords[n.id] = (n.location.lat, n.location.lon)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"{src}: cannot read PBF ({one_line(exc)})") from None
    from xml.sax.saxutils import quoteattr

    with open(dst, "w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="routeplan">\n')
        for nid, (lat, lon) in coords.items():
            fh.write(f'<node id="{nid}" lat="{lat:.7f}" lon="{lon:.7f}"/>\n')
        for wid, refs, tags in ways:
            fh.write(f'<way id="{wid}">')
            fh.write("".join(f'<nd ref="{r}"/>' for r in refs if r in coords))
            fh.write("".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()))
            fh.write("</way>\n")
        fh.write("</osm>\n")


def _cache_key(kind: str, query: Any, speeds_kmh: dict) -> str:
    blob = json.dumps(
        {"v": _CACHE_VERSION, "kind": kind, "q": query, "speeds": speeds_kmh,
         "nominatim": settings.nominatim_url, "overpass": settings.overpass_url},
        sort_keys=True, default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def _cached_graph(key: str, build: Callable[[], nx.MultiDiGraph]) -> nx.MultiDiGraph:
    """Return the prepared graph under ``key`` from the cache, building and caching it on a miss.

    The cache holds plain arrays and JSON (:mod:`routeplan.load._graphcache`), never pickle, so a file placed
    in the cache folder cannot run code when read. Entries are written atomically with a checksum
    beside them; a damaged, foreign or old entry or sidecar is rebuilt. A failed build writes nothing.
    """
    return _graphcache.cached_graph(key, build)


# ---------------------------------------------------------------------------------------------------
# Talking to Nominatim / Overpass through osmnx, with bounded retries and no cache poisoning.
#
# osmnx 2.1 retries HTTP 429/504 by itself, forever, sleeping 55 s each time, and builds a graph from an
# Overpass answer that carries a "remark" (a server-side timeout with partial data). We therefore hand
# osmnx a requests response hook (``settings.requests_kwargs``) that inspects every answer before osmnx
# sees it: an error status, a body that is not JSON or an Overpass remark raises here, so osmnx neither
# sleeps nor caches it, and :func:`_online` retries the whole download a bounded number of times.
# Answers that pass are cached by osmnx (``cache_folder/http``), so a retry re-requests only what failed.

class _TransientError(Exception):
    """A failure worth retrying: 429, 5xx, a broken connection or a truncated / garbage / remark answer."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:  # an HTTP date: fall back on our own back-off
        return None


def _check_response(response: Any, *args: Any, **kwargs: Any) -> Any:
    """requests response hook: raise on answers osmnx must neither use nor cache."""
    from urllib.parse import urlsplit

    parts = urlsplit(response.url)
    where = f"{parts.hostname}{parts.path}"
    status = response.status_code
    if status == 429 or status >= 500:
        raise _TransientError(f"{where} answered HTTP {status} {response.reason}",
                              _retry_after(response.headers.get("Retry-After")))
    if status >= 400:
        raise NetworkError(f"{where} answered HTTP {status} {response.reason}")
    if parts.path.rstrip("/").endswith("/status"):
        return response  # plain-text status pages
    body = response.content  # raises on a truncated body (Content-Length not reached)
    try:
        data = json.loads(body)
    except ValueError:
        raise _TransientError(
            f"{where} answered with {len(body)} bytes that are not valid JSON (truncated or an error page)"
        ) from None
    if isinstance(data, dict) and "remark" in data:
        raise _TransientError(f"{where} answered with an incomplete result: {str(data['remark'])[:200]}")
    if not isinstance(data, (dict, list)):
        raise _TransientError(f"{where} answered with JSON that is neither an object nor a list")
    return response


class _OsmnxSession:
    """Point osmnx at our services, cache and response hook; restore its settings on exit."""

    _NAMES = ("nominatim_url", "overpass_url", "requests_timeout", "cache_folder", "use_cache",
              "cache_only_mode", "log_console", "overpass_rate_limit", "doh_url_template", "requests_kwargs")

    def __enter__(self) -> _OsmnxSession:
        import osmnx as ox

        self._saved = {n: getattr(ox.settings, n) for n in self._NAMES}
        _configure_osmnx()
        hooks = dict(ox.settings.requests_kwargs.get("hooks") or {})
        prev = hooks.get("response") or []
        hooks["response"] = [*(prev if isinstance(prev, list) else [prev]), _check_response]
        ox.settings.requests_kwargs = {**ox.settings.requests_kwargs, "hooks": hooks}
        return self

    def __exit__(self, *exc: Any) -> None:
        import osmnx as ox

        for n, v in self._saved.items():
            setattr(ox.settings, n, v)


def _configure_osmnx() -> None:
    """Set ``osmnx.settings`` from ``routeplan.settings`` (service URLs, timeout, HTTP cache folder)."""
    import osmnx as ox

    ox.settings.nominatim_url = settings.nominatim_url
    ox.settings.overpass_url = settings.overpass_url
    ox.settings.requests_timeout = settings.requests_timeout
    ox.settings.cache_folder = str(Path(settings.cache_folder) / "http")
    ox.settings.use_cache = True
    ox.settings.cache_only_mode = False
    ox.settings.log_console = False
    # the loopback test server and small public instances have no /status endpoint worth polling
    ox.settings.overpass_rate_limit = False
    # never ask Google's DNS-over-HTTPS service to resolve a host name: request hosts by name
    ox.settings.doh_url_template = None


def _purge_broken_http_cache() -> int:
    """Delete osmnx HTTP-cache files that are not valid JSON (osmnx writes them non-atomically)."""
    folder = Path(settings.cache_folder) / "http"
    removed = 0
    for f in folder.glob("*.json") if folder.is_dir() else []:
        try:
            json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            log.warning("removing broken HTTP cache file %s", f)
            f.unlink(missing_ok=True)
            removed += 1
    return removed


def _name_not_resolved(exc: BaseException) -> bool:
    """Whether a connection failed because the host name could not be resolved (DNS, offline)."""
    seen = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if "NameResolutionError" in type(e).__name__ or "Name or service not known" in str(e) \
                or "Temporary failure in name resolution" in str(e) or "NameResolutionError" in str(e):
            return True
        e = e.__cause__ or e.__context__ or (e.args[0] if e.args and isinstance(e.args[0], BaseException) else None)
    return False


def _online(fetch: Callable[[], nx.MultiDiGraph], what: str) -> nx.MultiDiGraph:
    """Run an osmnx download with bounded retries; turn every failure into a one-line error.

    Transient failures (HTTP 429/5xx, broken connections, truncated or non-JSON answers, Overpass
    remarks) are retried ``settings.http_retries`` times with exponential back-off starting at
    ``settings.http_backoff_s`` (a server's ``Retry-After`` is honoured up to the largest back-off step),
    so the total wait is bounded. A timeout is not retried.

    Raises
    ------
    InputError
        Nominatim does not know the place or has no polygon for it.
    NetworkError
        The services could not be reached or kept answering with errors or garbage.
    """
    import requests
    from osmnx._errors import InsufficientResponseError

    retries, backoff = max(0, int(settings.http_retries)), max(0.0, float(settings.http_backoff_s))
    purged = False
    attempt = 0
    while True:
        try:
            with _OsmnxSession():
                return fetch()
        except (InputError, NetworkError):
            raise
        except requests.Timeout:
            raise NetworkError(
                f"could not download roads for {what}: no answer from the OSM service within "
                f"{settings.requests_timeout:g} s (routeplan.settings.requests_timeout)"
            ) from None
        except (_TransientError, requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError) as exc:
            if _name_not_resolved(exc):
                # no DNS: this machine is offline; waiting and retrying will not help
                host = getattr(getattr(exc, "request", None), "url", "") or ""
                host = host.split("/")[2] if host.count("/") >= 2 else "the OSM service"
                raise NetworkError(
                    f"could not download roads for {what}: cannot resolve {host} (no internet?); "
                    "connect once to fill the cache, or give [area] osm_file"
                ) from None
            if attempt >= retries:
                raise NetworkError(
                    f"could not download roads for {what}: {one_line(exc)} "
                    f"(gave up after {attempt + 1} attempt(s); try again later)"
                ) from None
            delay = backoff * 2 ** attempt
            retry_after = getattr(exc, "retry_after", None)
            if retry_after is not None:
                delay = min(max(delay, retry_after), backoff * 2 ** retries)
            attempt += 1
            log.warning("%s; retry %d of %d in %.1f s", one_line(exc), attempt, retries, delay)
            time.sleep(delay)
        except InsufficientResponseError as exc:
            if "0 results" in str(exc):
                raise InputError(f"place {what}: Nominatim does not know this place; check the spelling "
                                 "or give [area] osm_file / boundary / bbox instead") from None
            if "No data elements" in str(exc):
                raise InputError(f"{what}: no drivable roads (highway=primary/residential/track/...) "
                                 "in this area") from None
            raise NetworkError(f"could not download roads for {what}: {one_line(exc)}") from None
        except json.JSONDecodeError as exc:  # a broken osmnx HTTP-cache file (an interrupted earlier run)
            if purged or not _purge_broken_http_cache():
                raise NetworkError(f"could not download roads for {what}: {one_line(exc)}") from None
            purged = True
        except ValueError as exc:
            if "Found no graph nodes" in str(exc):
                raise InputError(f"{what}: no drivable roads (highway=primary/residential/track/...) "
                                 "in this area") from None
            raise NetworkError(f"could not download roads for {what}: {one_line(exc)}") from None
        except TypeError as exc:
            if "Polygon" in str(exc):  # osmnx: Nominatim found the place but only as a point or line
                raise InputError(f"place {what}: Nominatim has no boundary polygon for it; use [area] "
                                 "boundary / bbox instead") from None
            raise NetworkError(f"could not download roads for {what}: {one_line(exc)}") from None
        except Exception as exc:
            raise NetworkError(f"could not download roads for {what}: {one_line(exc)}") from None


def graph_from_place(place: str, speeds_kmh: dict[str, dict[str, float]]) -> nx.MultiDiGraph:
    """Download (or read from the cache) the patrol road graph of a named place.

    Parameters
    ----------
    place
        A place name Nominatim knows, e.g. ``"Kunir, Lumajang, Jawa Timur, Indonesia"``.
    speeds_kmh
        Speeds per unit kind and highway class.

    Returns
    -------
    networkx.MultiDiGraph
    """
    import osmnx as ox

    def build() -> nx.MultiDiGraph:
        def fetch() -> nx.MultiDiGraph:
            return ox.graph_from_place(place, custom_filter=PATROL_FILTER, simplify=True, retain_all=True)

        return prepare_graph(_online(fetch, repr(place)), speeds_kmh, f"place {place!r}")

    return _cached_graph(_cache_key("place", place, speeds_kmh), build)


def graph_from_polygon(polygon: Any, speeds_kmh: dict[str, dict[str, float]], label: str = "polygon") -> nx.MultiDiGraph:
    """Download (or read from the cache) the patrol road graph inside a shapely polygon (EPSG:4326).

    Parameters
    ----------
    polygon
        A shapely Polygon or MultiPolygon in longitude/latitude.
    speeds_kmh
        Speeds per unit kind and highway class.
    label
        Name used in messages.

    Returns
    -------
    networkx.MultiDiGraph
    """
    import osmnx as ox

    def build() -> nx.MultiDiGraph:
        def fetch() -> nx.MultiDiGraph:
            return ox.graph_from_polygon(polygon, custom_filter=PATROL_FILTER, simplify=True, retain_all=True)

        return prepare_graph(_online(fetch, label), speeds_kmh, label)

    return _cached_graph(_cache_key("polygon", polygon.wkt, speeds_kmh), build)


def load_roads(scenario: Any) -> nx.MultiDiGraph:
    """Load the road graph a scenario's ``[area]`` names.

    Parameters
    ----------
    scenario
        A :class:`routeplan.load.scenario.Scenario`.

    Returns
    -------
    networkx.MultiDiGraph
    """
    area = scenario.area
    speeds = scenario.speeds_kmh
    if area.osm_file is not None:
        return graph_from_file(area.osm_file, speeds)
    if area.place is not None:
        return graph_from_place(area.place, speeds)
    if area.bbox is not None:
        from shapely.geometry import box

        return graph_from_polygon(box(*area.bbox), speeds, f"bbox {list(area.bbox)}")
    if area.boundary is not None:
        return graph_from_polygon(read_boundary(area.boundary), speeds, str(area.boundary))
    raise InputError(f"{scenario.path}: [area] names no roads")


def read_boundary(path: Path) -> Any:
    """Read a boundary polygon (GeoJSON or any file geopandas reads) as one shapely geometry in EPSG:4326."""
    import geopandas as gpd

    path = check_input_file(Path(path), "boundary")
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:
        raise InputError(f"{path}: cannot read boundary ({one_line(exc)})") from None
    if gdf.empty or not gdf.geom_type.isin(["Polygon", "MultiPolygon"]).any():
        raise InputError(f"{path}: boundary file has no Polygon or MultiPolygon")
    if gdf.crs is None:
        gdf = gdf.set_crs(4326)
    gdf = gdf.to_crs(4326)
    return gdf[gdf.geom_type.isin(["Polygon", "MultiPolygon"])].union_all()


def graph_area_polygon(G: nx.MultiDiGraph, buffer_m: float = 500.0) -> Any:
    """The area the graph covers: the convex hull of its nodes and road geometry, buffered (EPSG:4326).

    Edge geometry counts too: osmnx simplification can leave a long curved road (a ring road, say) with
    only a couple of nodes, and the hull of the nodes alone would cut it off.
    """
    import geopandas as gpd
    from shapely.geometry import MultiPoint

    pts = [(d["x"], d["y"]) for _, d in G.nodes(data=True)]
    for _, _, d in G.edges(data=True):
        geom = d.get("geometry")
        if geom is not None:
            pts.extend(geom.coords)
    hull = MultiPoint(pts).convex_hull
    s = gpd.GeoSeries([hull], crs=4326)
    utm = s.estimate_utm_crs()
    return s.to_crs(utm).buffer(buffer_m).to_crs(4326).iloc[0]
