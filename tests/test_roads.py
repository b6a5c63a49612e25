"""Road graphs: offline files (.osm.bz2/.gz/.pbf) and the online path against a loopback Nominatim/Overpass.

The online tests serve the recorded 2023 Nominatim and Overpass answers for Kecamatan Coblong (Bandung)
from ``tests/osm_server.py`` on 127.0.0.1; every other network connection is refused by a fixture.
"""

from __future__ import annotations

import bz2
import gzip
import json
import shutil
import socket
import time
from pathlib import Path
from types import SimpleNamespace

import networkx as nx
import pytest
from osm_server import OSMServer
from test_graph_cache import assert_same_graph

from routeplan import settings
from routeplan.errors import InputError, NetworkError
from routeplan.load import roads
from routeplan.load.scenario import DEFAULT_SPEEDS_KMH

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
OSM = DATA / "osm"
COBLONG_BZ2 = OSM / "coblong_bandung_drive.osm.bz2"
COBLONG_BOUNDARY = OSM / "coblong_boundary.json"
COBLONG_OVERPASS = OSM / "coblong_overpass_response.json"
BUAHBATU_BZ2 = OSM / "buahbatu_bandung_drive.osm.bz2"
WEST_OAKLAND = OSM / "west_oakland.osm.bz2"
PLACE = "Coblong, Bandung, Indonesia"

needs_data = pytest.mark.skipif(
    not (COBLONG_OVERPASS.exists() and BUAHBATU_BZ2.exists()),
    reason=f"shared real OSM data not found at {OSM} (see ../shared/data/README.md)",
)
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


# --------------------------------------------------------------------------------------------- fixtures
@pytest.fixture(autouse=True)
def no_public_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse every socket connection that is not to the loopback interface, and fail the test if one
    was attempted (even when the code under test swallowed the error)."""
    real_connect = socket.socket.connect
    attempts: list[object] = []

    def connect(self: socket.socket, address: object) -> object:
        if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in _LOOPBACK:  # type: ignore[index]
            attempts.append(address)
            raise OSError(f"test tried to reach {address!r}: public services are off limits")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    yield
    assert attempts == [], f"non-loopback connections attempted: {attempts}"


@pytest.fixture(scope="module")
def server() -> OSMServer:
    if not COBLONG_OVERPASS.exists():
        pytest.skip(f"shared real OSM data not found at {OSM} (see ../shared/data/README.md)")
    with OSMServer(COBLONG_BOUNDARY, COBLONG_OVERPASS, hang_s=5.0) as srv:
        yield srv


@pytest.fixture(scope="module")
def small_overpass(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The recorded Coblong Overpass answer cut to the ways inside a ~900 m box at the kecamatan centre.

    The reliability tests exercise HTTP behaviour, not graph size: a small answer keeps them fast.
    """
    from shapely.geometry import Point, box, shape

    poly = shape(json.loads(COBLONG_BOUNDARY.read_text(encoding="utf-8"))[0]["geojson"])
    c = poly.representative_point()
    square = box(c.x - 0.004, c.y - 0.004, c.x + 0.004, c.y + 0.004)
    answer = json.loads(COBLONG_OVERPASS.read_text(encoding="utf-8"))
    nodes = {e["id"]: e for e in answer["elements"] if e["type"] == "node"}
    ways = [e for e in answer["elements"] if e["type"] == "way"
            and all(square.contains(Point(nodes[n]["lon"], nodes[n]["lat"])) for n in e["nodes"])]
    used = {n for w in ways for n in w["nodes"]}
    answer["elements"] = [nodes[n] for n in sorted(used)] + ways
    return json.dumps(answer).encode()


def _use_server(server: OSMServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> OSMServer:
    from osmnx import _nominatim

    server.reset()
    # osmnx pauses 1 s before every Nominatim request (public usage policy); not needed on loopback
    monkeypatch.setattr(_nominatim, "time", SimpleNamespace(sleep=lambda s: None))
    monkeypatch.setattr(settings, "nominatim_url", server.nominatim_url)
    monkeypatch.setattr(settings, "overpass_url", server.overpass_url)
    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")
    monkeypatch.setattr(settings, "requests_timeout", 20.0)
    monkeypatch.setattr(settings, "http_retries", 2, raising=False)
    monkeypatch.setattr(settings, "http_backoff_s", 0.01, raising=False)
    return server


@pytest.fixture
def online_full(server: OSMServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> OSMServer:
    """Settings pointed at the loopback server serving the full recorded Coblong answers."""
    server.overpass_body = COBLONG_OVERPASS.read_bytes()
    yield _use_server(server, tmp_path, monkeypatch)
    server.reset()


@pytest.fixture
def online(server: OSMServer, small_overpass: bytes, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> OSMServer:
    """Like ``online_full`` but with the small Overpass answer, a fresh cache and fast, bounded retries."""
    server.overpass_body = small_overpass
    yield _use_server(server, tmp_path, monkeypatch)
    server.reset()


def _place() -> nx.MultiDiGraph:
    return roads.graph_from_place(PLACE, DEFAULT_SPEEDS_KMH)


def _graph_files() -> list[Path]:
    folder = Path(settings.cache_folder) / "graphs"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def _http_files() -> list[Path]:
    folder = Path(settings.cache_folder) / "http"
    return sorted(folder.glob("*")) if folder.is_dir() else []


def _assert_http_cache_clean(max_files: int) -> None:
    files = _http_files()
    assert len(files) <= max_files, files
    for f in files:
        json.loads(f.read_text(encoding="utf-8"))  # every cached answer is complete JSON
        assert "remark" not in json.loads(f.read_text(encoding="utf-8"))


def _check_graph(G: nx.MultiDiGraph) -> None:
    assert nx.is_strongly_connected(G)
    for _, _, d in G.edges(data=True):
        assert isinstance(d["travel_time_motorcycle"], float) and d["travel_time_motorcycle"] > 0
        if "travel_time_car" in d:
            assert isinstance(d["travel_time_car"], float)
    assert sum("travel_time_car" in d for _, _, d in G.edges(data=True)) > 0.9 * G.number_of_edges()


@pytest.fixture(scope="module")
def coblong_counts() -> tuple[int, int]:
    if not COBLONG_BZ2.exists():
        pytest.skip(f"shared real OSM data not found at {OSM} (see ../shared/data/README.md)")
    G = roads.graph_from_file(COBLONG_BZ2, DEFAULT_SPEEDS_KMH)
    _check_graph(G)
    return G.number_of_nodes(), G.number_of_edges()


# --------------------------------------------------------------------------------------------- online
@needs_data
def test_place_downloads_once_then_serves_from_cache(online_full: OSMServer) -> None:
    online = online_full
    G = _place()
    assert G.graph["routeplan_cache_hit"] is False
    # osmnx: one Nominatim search, one Overpass query (Coblong is far below max_query_area_size)
    assert [(s, p) for s, _, p in online.requests] == [("nominatim", "/nominatim/search"),
                                                        ("overpass", "/api/interpreter")]
    # the recorded answer covers more than the kecamatan; osmnx keeps what lies inside the boundary.
    # The whole file gives ~1100 nodes / 2400 edges (README: 1122 / 2421 before our filtering).
    assert 550 <= G.number_of_nodes() <= 800, G.number_of_nodes()
    assert 1200 <= G.number_of_edges() <= 1700, G.number_of_edges()
    _check_graph(G)

    online.reset()
    G2 = _place()
    assert online.count() == 0, online.requests
    assert G2.graph["routeplan_cache_hit"] is True
    assert (G2.number_of_nodes(), G2.number_of_edges()) == (G.number_of_nodes(), G.number_of_edges())
    _check_graph(G2)
    assert_same_graph(G, G2)  # the online-area cache gives back exactly what was downloaded
    _assert_http_cache_clean(max_files=2)


@needs_data
@pytest.mark.parametrize("service", ["overpass", "nominatim"])
def test_429_and_503_are_retried(online: OSMServer, service: str) -> None:
    online.script(service, 429, 503)
    t0 = time.monotonic()
    G = _place()
    assert G.number_of_nodes() > 20
    assert online.count(service) == 3
    # the answer that succeeded is cached by osmnx, so a retry asks only for what failed
    other = "nominatim" if service == "overpass" else "overpass"
    assert online.count(other) == 1
    assert time.monotonic() - t0 < 20


@needs_data
def test_retries_are_bounded_and_end_in_one_line_network_error(online: OSMServer) -> None:
    online.script("overpass", *[503] * 10)
    t0 = time.monotonic()
    with pytest.raises(NetworkError) as err:
        _place()
    msg = str(err.value)
    assert "\n" not in msg
    assert "503" in msg and "gave up after 3 attempt" in msg and "Coblong" in msg
    assert online.count("overpass") == 3  # 1 + settings.http_retries
    assert time.monotonic() - t0 < 15
    assert _graph_files() == []
    _assert_http_cache_clean(max_files=1)  # only the good Nominatim answer


@needs_data
def test_client_error_is_not_retried(online: OSMServer) -> None:
    online.script("overpass", 400)
    with pytest.raises(NetworkError, match="HTTP 400"):
        _place()
    assert online.count("overpass") == 1


@needs_data
def test_timeout_is_a_clear_network_error(online: OSMServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "requests_timeout", 0.5)
    online.script("overpass", "hang")
    t0 = time.monotonic()
    with pytest.raises(NetworkError, match=r"no answer .* within 0.5 s"):
        _place()
    assert time.monotonic() - t0 < 10
    assert online.count("overpass") == 1  # a timeout is not retried
    assert _graph_files() == []
    _assert_http_cache_clean(max_files=1)


@needs_data
@pytest.mark.parametrize("action", ["truncate", "garbage", "remark"])
def test_bad_answer_never_poisons_a_cache(online: OSMServer, action: str) -> None:
    online.script("overpass", *[action] * 3)
    with pytest.raises(NetworkError) as err:
        _place()
    assert "\n" not in str(err.value) and "gave up after 3 attempt" in str(err.value)
    assert _graph_files() == []
    _assert_http_cache_clean(max_files=1)

    # the service recovers: the next run downloads again and gets the full network
    online.reset()
    G = _place()
    assert G.graph["routeplan_cache_hit"] is False
    assert online.count("overpass") == 1 and online.count("nominatim") == 0
    assert G.number_of_nodes() > 20
    _assert_http_cache_clean(max_files=2)


@needs_data
def test_one_bad_answer_then_success(online: OSMServer) -> None:
    online.script("overpass", "truncate")
    G = _place()
    assert G.number_of_nodes() > 20
    assert online.count("overpass") == 2


@needs_data
def test_corrupted_graph_cache_is_detected_and_rebuilt(online: OSMServer) -> None:
    n = _place().number_of_nodes()
    (graphml,) = [f for f in _graph_files() if f.name.endswith(".graph.npz")]

    def flip() -> None:
        data = bytearray(graphml.read_bytes())
        for i in range(len(data) // 2, len(data) // 2 + 16):
            data[i] ^= 0x55
        graphml.write_bytes(bytes(data))

    # corrupted graph, intact osmnx HTTP cache: rebuilt without any request
    flip()
    online.reset()
    G = _place()
    assert G.graph["routeplan_cache_hit"] is False and G.number_of_nodes() == n
    assert online.count() == 0

    # corrupted graph and no HTTP cache: rebuilt from the (answering again) server
    flip()
    shutil.rmtree(Path(settings.cache_folder) / "http")
    G = _place()
    assert G.graph["routeplan_cache_hit"] is False and G.number_of_nodes() == n
    assert online.count("nominatim") == 1 and online.count("overpass") == 1

    online.reset()
    G = _place()
    assert G.graph["routeplan_cache_hit"] is True and G.number_of_nodes() == n
    assert online.count() == 0


@needs_data
def test_broken_http_cache_file_is_removed_and_fetched_again(online: OSMServer) -> None:
    n = _place().number_of_nodes()
    shutil.rmtree(Path(settings.cache_folder) / "graphs")
    for f in _http_files():  # an interrupted earlier run: osmnx writes its cache files non-atomically
        f.write_text(f.read_text(encoding="utf-8")[:100], encoding="utf-8")
    online.reset()
    G = _place()
    assert G.number_of_nodes() == n
    assert online.count("nominatim") == 1 and online.count("overpass") == 1
    _assert_http_cache_clean(max_files=2)


@needs_data
def test_unknown_place_is_an_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "nominatim_empty.json"
    empty.write_text("[]")
    with OSMServer(empty, COBLONG_OVERPASS) as srv:
        monkeypatch.setattr(settings, "nominatim_url", srv.nominatim_url)
        monkeypatch.setattr(settings, "overpass_url", srv.overpass_url)
        monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")
        with pytest.raises(InputError, match="Nominatim does not know this place"):
            roads.graph_from_place("Nowhere At All", DEFAULT_SPEEDS_KMH)
        assert srv.count("overpass") == 0


@needs_data
def test_osmnx_settings_are_restored(online: OSMServer) -> None:
    import osmnx as ox

    before = dict(ox.settings.requests_kwargs)
    online.script("overpass", 400)
    with pytest.raises(NetworkError):
        _place()
    assert ox.settings.requests_kwargs == before  # our response hook does not leak into other osmnx use
    assert ox.settings.overpass_url != settings.overpass_url


# --------------------------------------------------------------------------------------------- files
@needs_data
def test_pbf_gives_the_same_graph_as_bz2(tmp_path: Path, coblong_counts: tuple[int, int]) -> None:
    import osmium

    pbf = tmp_path / "coblong.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(COBLONG_BZ2)):
            writer.add(obj)
    G = roads.graph_from_file(pbf, DEFAULT_SPEEDS_KMH)
    assert (G.number_of_nodes(), G.number_of_edges()) == coblong_counts
    _check_graph(G)


@needs_data
def test_gz_gives_the_same_graph_as_bz2(tmp_path: Path, coblong_counts: tuple[int, int]) -> None:
    gz = tmp_path / "coblong.osm.gz"
    with bz2.open(COBLONG_BZ2, "rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    G = roads.graph_from_file(gz, DEFAULT_SPEEDS_KMH)
    assert (G.number_of_nodes(), G.number_of_edges()) == coblong_counts


@needs_data
def test_coblong_file_counts(coblong_counts: tuple[int, int]) -> None:
    nodes, edges = coblong_counts
    # README (raw osmnx): 1122 nodes / 2421 edges; we keep the largest strongly connected component
    assert 1000 <= nodes <= 1122 and 2200 <= edges <= 2421


@needs_data
def test_buahbatu_from_file() -> None:
    G = roads.graph_from_file(BUAHBATU_BZ2, DEFAULT_SPEEDS_KMH)
    # README (raw osmnx): ~4230 nodes / 10274 edges; after filtering and the largest SCC ~3900
    assert 3700 <= G.number_of_nodes() <= 4100, G.number_of_nodes()
    assert 9000 <= G.number_of_edges() <= 10274
    _check_graph(G)
    assert G.graph["routeplan_source"].endswith("buahbatu_bandung_drive.osm.bz2")


@needs_data
def test_west_oakland_from_file() -> None:
    G = roads.graph_from_file(WEST_OAKLAND, DEFAULT_SPEEDS_KMH)
    assert 10 <= G.number_of_nodes() <= 47
    assert nx.is_strongly_connected(G)


_FOOTWAY_ONLY = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
  <node id="1" lat="-6.880" lon="107.610"/>
  <node id="2" lat="-6.881" lon="107.611"/>
  <node id="3" lat="-6.882" lon="107.610"/>
  <node id="4" lat="-6.8805" lon="107.6105"/>
  <node id="5" lat="-6.8806" lon="107.6106"/>
  <node id="6" lat="-6.8807" lon="107.6105"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="footway"/></way>
  <way id="11"><nd ref="4"/><nd ref="5"/><nd ref="6"/><nd ref="4"/><tag k="building" v="yes"/></way>
</osm>
"""


def test_file_without_drivable_roads_is_an_input_error(tmp_path: Path) -> None:
    f = tmp_path / "footway.osm"
    f.write_text(_FOOTWAY_ONLY, encoding="utf-8")
    with pytest.raises(InputError, match="no drivable roads"):
        roads.graph_from_file(f, DEFAULT_SPEEDS_KMH)


def test_file_with_buildings_only_is_an_input_error(tmp_path: Path) -> None:
    f = tmp_path / "buildings.osm"
    f.write_text(_FOOTWAY_ONLY.replace('<tag k="highway" v="footway"/>', '<tag k="building" v="yes"/>'),
                 encoding="utf-8")
    with pytest.raises(InputError, match="no drivable roads"):
        roads.graph_from_file(f, DEFAULT_SPEEDS_KMH)


@pytest.mark.parametrize("suffix", [".osm", ".osm.pbf"])
def test_malformed_file_is_an_input_error(tmp_path: Path, suffix: str) -> None:
    f = tmp_path / f"broken{suffix}"
    f.write_text('<?xml version="1.0"?>\n<osm version="0.6"><node id="1" lat="-6.8" lon="107.6"><way', encoding="utf-8")
    with pytest.raises(InputError) as err:
        roads.graph_from_file(f, DEFAULT_SPEEDS_KMH)
    assert str(f) in str(err.value) and "\n" not in str(err.value)


@needs_data
def test_polygon_downloads_without_nominatim_and_is_cached(online: OSMServer) -> None:
    from shapely.geometry import box

    area = box(107.6099, -6.8849, 107.6179, -6.8769)  # the centre of Coblong
    G = roads.graph_from_polygon(area, DEFAULT_SPEEDS_KMH, "bbox test")
    assert online.count("nominatim") == 0 and online.count("overpass") == 1
    assert G.number_of_nodes() > 20 and G.graph["routeplan_cache_hit"] is False
    _check_graph(G)
    online.reset()
    G2 = roads.graph_from_polygon(area, DEFAULT_SPEEDS_KMH, "bbox test")
    assert online.count() == 0 and G2.graph["routeplan_cache_hit"] is True


def test_offline_machine_fails_fast_without_retries(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No DNS (an offline machine): one clear line at once, not minutes of back-off."""
    import time as _time

    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):  # the resolver is never asked: this stands for "offline"
        if host == "nominatim.routeplan-test.invalid":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(settings, "nominatim_url", "http://nominatim.routeplan-test.invalid")
    monkeypatch.setattr(settings, "cache_folder", tmp_path)
    monkeypatch.setattr(settings, "http_backoff_s", 5.0)
    t0 = _time.monotonic()
    with pytest.raises(NetworkError, match="cannot resolve nominatim.routeplan-test.invalid") as err:
        roads.graph_from_place("Kunir, Lumajang", DEFAULT_SPEEDS_KMH)
    assert _time.monotonic() - t0 < 10.0  # retries would wait 5 + 10 + 20 s
    assert "\n" not in str(err.value)


def test_local_file_graph_is_cached_by_content(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    src = OSM / "west_oakland.osm.bz2"
    if not src.exists():
        pytest.skip(f"shared real OSM data not found at {src}")
    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")
    copy = tmp_path / "w.osm.bz2"
    shutil.copy(src, copy)
    G1 = roads.graph_from_file(copy, DEFAULT_SPEEDS_KMH)
    G2 = roads.graph_from_file(copy, DEFAULT_SPEEDS_KMH)
    assert G1.graph["routeplan_cache_hit"] is False and G2.graph["routeplan_cache_hit"] is True
    assert dict(G1.nodes(data=True)) == dict(G2.nodes(data=True))
    tt = lambda G: sorted((u, v, k, d["travel_time_car"]) for u, v, k, d in G.edges(keys=True, data=True))  # noqa: E731
    assert tt(G1) == tt(G2)
    # a damaged cache entry is rebuilt, never trusted
    entry = next((tmp_path / "cache" / "graphs").glob("*.graph.npz"))
    entry.write_bytes(entry.read_bytes()[:-10] + b"0123456789")
    assert roads.graph_from_file(copy, DEFAULT_SPEEDS_KMH).graph["routeplan_cache_hit"] is False
    # other speeds are another graph
    slow = {k: {c: v / 2 for c, v in t.items()} for k, t in DEFAULT_SPEEDS_KMH.items()}
    assert roads.graph_from_file(copy, slow).graph["routeplan_cache_hit"] is False


def test_the_recorded_server_is_quiet_about_clients_that_went_away(server: OSMServer, capfd) -> None:
    # a client closing a hanging or truncated request is part of what these tests do, not an error of the server
    for exc in (ConnectionResetError(104, "reset by peer"), BrokenPipeError(32, "broken pipe")):
        try:
            raise exc
        except OSError:
            server._httpd.handle_error(None, ("127.0.0.1", 0))
    assert capfd.readouterr().err == ""
    try:  # anything else still shows
        raise ValueError("a bug in a handler")
    except ValueError:
        server._httpd.handle_error(None, ("127.0.0.1", 0))
    assert "a bug in a handler" in capfd.readouterr().err
