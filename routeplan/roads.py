"""Road graphs from OpenStreetMap: online by place name, polygon or bbox (cached), or offline from a file.

Every loader returns an osmnx-style ``networkx.MultiDiGraph`` in EPSG:4326 whose edges carry
``length`` (metres), ``highway`` and one ``travel_time_<kind>`` (seconds) per patrol-unit kind that may
use the edge. Only the largest strongly connected component of the network usable by any kind is kept,
so every kept node can be reached from every other.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable

import networkx as nx

from . import settings
from ._io import check_input_file
from .errors import InputError, NetworkError

log = logging.getLogger(__name__)

#: Overpass way filter for patrol networks: the drive network plus tracks and paths that motorcycles use.
PATROL_FILTER = (
    '["highway"]["area"!~"yes"]'
    '["highway"~"motorway|trunk|primary|secondary|tertiary|unclassified|residential|living_street|'
    'service|road|track|path|motorway_link|trunk_link|primary_link|secondary_link|tertiary_link"]'
    '["access"!~"private|no"]["motor_vehicle"!~"no"]["service"!~"parking_aisle|driveway|private"]'
)

#: Bump when the prepared-graph format changes so that stale caches are not reused.
_CACHE_VERSION = 1


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
    import osmnx as ox

    path = check_input_file(Path(path), "OSM", settings.max_osm_bytes)
    name = path.name.lower()
    tmpdir = None
    try:
        if name.endswith(".pbf"):
            tmpdir = tempfile.mkdtemp(prefix="routeplan-pbf-")
            xml_path = Path(tmpdir) / "roads.osm"
            _pbf_to_xml(path, xml_path)
        elif name.endswith((".osm", ".xml", ".osm.bz2", ".osm.gz", ".bz2", ".gz")):
            xml_path = path
        else:
            raise InputError(f"{path}: unknown OSM file type; use .osm, .osm.bz2, .osm.gz or .osm.pbf")
        try:
            G = ox.graph_from_xml(xml_path, simplify=True, retain_all=True)
        except InputError:
            raise
        except Exception as exc:  # osmnx raises many kinds on broken XML / no ways
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError(f"{path}: cannot read OSM roads ({msg})") from None
    finally:
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
    return prepare_graph(G, speeds_kmh, str(path))


def _pbf_to_xml(src: Path, dst: Path) -> None:
    """Copy the highway ways (and their nodes) of a PBF file into OSM XML that osmnx can read."""
    import osmium

    try:
        way_nodes: set[int] = set()
        ways = []
        for w in osmium.FileProcessor(str(src), osmium.osm.WAY).with_filter(osmium.filter.KeyFilter("highway")):
            refs = [n.ref for n in w.nodes]
            way_nodes.update(refs)
            ways.append((w.id, refs, dict(w.tags)))
        coords: dict[int, tuple[float, float]] = {}
        for n in osmium.FileProcessor(str(src), osmium.osm.NODE):
            if n.id in way_nodes and n.location.valid():
                coords[n.id] = (n.location.lat, n.location.lon)
    except Exception as exc:
        raise InputError(f"{src}: cannot read PBF ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None
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

    The cache file is written atomically with a checksum beside it, so a crash or a corrupted file
    never yields a wrong graph: a bad cache entry is rebuilt.
    """
    import osmnx as ox

    folder = Path(settings.cache_folder) / "graphs"
    gpath = folder / f"{key}.graphml"
    spath = folder / f"{key}.sha256"
    if gpath.exists() and spath.exists():
        digest = hashlib.sha256(gpath.read_bytes()).hexdigest()
        if digest == spath.read_text().strip():
            log.info("road graph from cache %s", gpath)
            G = ox.load_graphml(gpath)
            G.graph["routeplan_cache_hit"] = True
            return G
        log.warning("cached graph %s failed its checksum; rebuilding", gpath)
    G = build()
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".graphml.tmp")
    os.close(fd)
    try:
        ox.save_graphml(G, tmp)
        digest = hashlib.sha256(Path(tmp).read_bytes()).hexdigest()
        os.replace(tmp, gpath)
        tmp_s = spath.with_suffix(".tmp")
        tmp_s.write_text(digest + "\n")
        os.replace(tmp_s, spath)
    finally:
        Path(tmp).unlink(missing_ok=True)
    G.graph["routeplan_cache_hit"] = False
    return G


def _configure_osmnx() -> None:
    import osmnx as ox

    ox.settings.nominatim_url = settings.nominatim_url
    ox.settings.overpass_url = settings.overpass_url
    ox.settings.requests_timeout = settings.requests_timeout
    ox.settings.cache_folder = str(Path(settings.cache_folder) / "http")
    ox.settings.use_cache = True
    ox.settings.log_console = False
    # the loopback test server and small public instances have no /status endpoint worth polling
    ox.settings.overpass_rate_limit = False


def _online(build: Callable[[], nx.MultiDiGraph], what: str) -> nx.MultiDiGraph:
    try:
        return build()
    except (InputError, NetworkError):
        raise
    except Exception as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise NetworkError(f"could not download roads for {what}: {msg}") from None


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
        _configure_osmnx()

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
        _configure_osmnx()

        def fetch() -> nx.MultiDiGraph:
            return ox.graph_from_polygon(polygon, custom_filter=PATROL_FILTER, simplify=True, retain_all=True)

        return prepare_graph(_online(fetch, label), speeds_kmh, label)

    return _cached_graph(_cache_key("polygon", polygon.wkt, speeds_kmh), build)


def load_roads(scenario: Any) -> nx.MultiDiGraph:
    """Load the road graph a scenario's ``[area]`` names.

    Parameters
    ----------
    scenario
        A :class:`routeplan.scenario.Scenario`.

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
        raise InputError(f"{path}: cannot read boundary ({str(exc).splitlines()[0]})") from None
    if gdf.empty or not gdf.geom_type.isin(["Polygon", "MultiPolygon"]).any():
        raise InputError(f"{path}: boundary file has no Polygon or MultiPolygon")
    if gdf.crs is None:
        gdf = gdf.set_crs(4326)
    gdf = gdf.to_crs(4326)
    return gdf[gdf.geom_type.isin(["Polygon", "MultiPolygon"])].union_all()


def graph_area_polygon(G: nx.MultiDiGraph, buffer_m: float = 500.0) -> Any:
    """The area the graph covers: the convex hull of its nodes, buffered (EPSG:4326)."""
    import geopandas as gpd
    from shapely.geometry import MultiPoint

    hull = MultiPoint([(d["x"], d["y"]) for _, d in G.nodes(data=True)]).convex_hull
    s = gpd.GeoSeries([hull], crs=4326)
    utm = s.estimate_utm_crs()
    return s.to_crs(utm).buffer(buffer_m).to_crs(4326).iloc[0]
