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
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast
from xml.sax.saxutils import quoteattr

import geopandas as gpd
import networkx as nx
import osmium
from shapely.geometry import MultiPoint, box

from routeplan import settings
from routeplan._io import check_input_file
from routeplan.errors import InputError, one_line
from routeplan.load import _graphcache
from routeplan.load._online import download
from routeplan.load._osmcheck import check_osm_xml
from routeplan.model.scenario import Scenario

log = logging.getLogger(__name__)

#: Overpass way filter for patrol networks: the drive network plus tracks and paths that motorcycles use.
PATROL_FILTER = (
    '["highway"]["area"!~"yes"]'
    '["highway"~"motorway|trunk|primary|secondary|tertiary|unclassified|residential|living_street|'
    'service|road|track|path|motorway_link|trunk_link|primary_link|secondary_link|tertiary_link"]'
    '["access"!~"private|no"]["motor_vehicle"!~"no"]["service"!~"parking_aisle|driveway|private"]'
)

#: Bump when the prepared-graph format changes so that stale caches are not reused.
_CACHE_VERSION = 3

#: ``G.graph`` key: lon/lat lines of the usable roads left outside the kept strongly connected network.
OUTSIDE_KEY = "routeplan_outside_roads"


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
    outside = _outside_lines(G, largest)
    G = G.subgraph(largest).copy()
    G.graph[OUTSIDE_KEY] = outside
    G.graph.setdefault("crs", "epsg:4326")
    G.graph["routeplan_source"] = source
    return G


def _outside_lines(G: nx.MultiDiGraph, kept: set[int]) -> list[list[list[float]]]:
    """Lon/lat lines of the edges some kind can drive that leave the kept network (plain JSON, for the cache).

    A point beside one of them belongs to a road the plan cannot reach; snapping tells it apart
    (:func:`routeplan.prepare.snap.snap_layer`, reason ``disconnected_road``) instead of serving it from a
    farther street.
    """
    lines = []
    for u, v, d in G.edges(data=True):
        if (u in kept and v in kept) or not any(k.startswith("travel_time_") for k in d):
            continue
        geom = d.get("geometry")
        coords = list(geom.coords) if geom is not None else [(G.nodes[u]["x"], G.nodes[u]["y"]),
                                                              (G.nodes[v]["x"], G.nodes[v]["y"])]
        lines.append([[round(float(x), 7), round(float(y), 7)] for x, y in coords])
    return lines


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
    import osmnx as ox  # lazy: osmnx takes ~3 s to import; a cached graph never needs it

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
    max_refs, max_ways = int(settings.max_way_nodes), int(settings.max_osm_ways)
    max_nodes, max_elements = int(settings.max_osm_nodes), int(settings.max_osm_elements)
    try:
        way_nodes: set[int] = set()
        ways = []
        elements = 0
        for entity in osmium.FileProcessor(str(src), osmium.osm.WAY).with_filter(osmium.filter.KeyFilter("highway")):
            w = cast(osmium.osm.Way, entity)  # the WAY entity filter yields only ways
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
        for entity in osmium.FileProcessor(str(src), osmium.osm.NODE):
            n = cast(osmium.osm.Node, entity)  # the NODE entity filter yields only nodes
            if n.id in way_nodes and n.location.valid():
                coords[n.id] = (n.location.lat, n.location.lon)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"{src}: cannot read PBF ({one_line(exc)})") from None
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
    import osmnx as ox  # lazy: osmnx takes ~3 s to import; a cached graph never needs it

    def build() -> nx.MultiDiGraph:
        def fetch() -> nx.MultiDiGraph:
            return ox.graph_from_place(place, custom_filter=PATROL_FILTER, simplify=True, retain_all=True)

        return prepare_graph(download(fetch, repr(place)), speeds_kmh, f"place {place!r}")

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
    import osmnx as ox  # lazy: osmnx takes ~3 s to import; a cached graph never needs it

    def build() -> nx.MultiDiGraph:
        def fetch() -> nx.MultiDiGraph:
            return ox.graph_from_polygon(polygon, custom_filter=PATROL_FILTER, simplify=True, retain_all=True)

        return prepare_graph(download(fetch, label), speeds_kmh, label)

    return _cached_graph(_cache_key("polygon", polygon.wkt, speeds_kmh), build)


def load_roads(scenario: Scenario) -> nx.MultiDiGraph:
    """Load the road graph a scenario's ``[area]`` names.

    Parameters
    ----------
    scenario
        A :class:`routeplan.model.scenario.Scenario`.

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
        return graph_from_polygon(box(*area.bbox), speeds, f"bbox {list(area.bbox)}")
    if area.boundary is not None:
        return graph_from_polygon(read_boundary(area.boundary), speeds, str(area.boundary))
    raise InputError(f"{scenario.path}: [area] names no roads")


def read_boundary(path: Path) -> Any:
    """Read a boundary polygon (GeoJSON or any file geopandas reads) as one shapely geometry in EPSG:4326."""
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
    pts = [(d["x"], d["y"]) for _, d in G.nodes(data=True)]
    for _, _, d in G.edges(data=True):
        geom = d.get("geometry")
        if geom is not None:
            pts.extend(geom.coords)
    hull = MultiPoint(pts).convex_hull
    s = gpd.GeoSeries([hull], crs=4326)
    utm = s.estimate_utm_crs()
    return s.to_crs(utm).buffer(buffer_m).to_crs(4326).iloc[0]
