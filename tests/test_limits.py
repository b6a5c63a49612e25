"""Tiny files, huge work: what routeplan reads is bounded by ``routeplan.settings`` and refused early.

OSM files are streamed once (decompressing .bz2/.gz with a byte cap) and refused on too many nodes,
ways or elements, a way with too many node references, an over-long XML token or a DOCTYPE, before
osmnx loads them whole. The bombs run in a child process under an address-space limit, so a
regression fails the test instead of eating the machine.
"""

from __future__ import annotations

import bz2
import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_bad_input import FAST, LAT0, LON0, assert_refused, osm_xml, world

from routeplan import settings
from routeplan.errors import InputError
from routeplan.load import roads
from routeplan.load.scenario import DEFAULT_SPEEDS_KMH

#: Address-space limit of the child process in the bomb tests: a normal plan of the tiny world
#: needs about 600 MiB of address space; the bombs needed several GiB before the limits existed.
CHILD_AS_BYTES = 1536 << 20


def _long_way(n_refs: int, way_id: int = 77) -> str:
    """A residential way that goes back and forth between two grid nodes ``n_refs`` times in all."""
    refs = "".join(f'<nd ref="{1000 + (i % 2)}"/>' for i in range(n_refs))
    return f'<way id="{way_id}">{refs}<tag k="highway" v="residential"/></way>\n'


def _with(extra: str) -> str:
    return osm_xml().replace("</osm>", extra + "</osm>")


def _write(path: Path, xml: str) -> Path:
    data = xml.encode("utf-8")
    name = path.name
    if name.endswith(".bz2"):
        data = bz2.compress(data)
    elif name.endswith(".gz"):
        data = gzip.compress(data)
    elif name.endswith(".pbf"):
        import osmium

        plain = path.with_name("plain.osm")
        plain.write_bytes(data)
        with osmium.SimpleWriter(str(path)) as writer:
            for obj in osmium.FileProcessor(str(plain)):
                writer.add(obj)
        return path
    path.write_bytes(data)
    return path


@pytest.fixture(autouse=True)
def _no_graph_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "cache_local_graphs", False)


# ------------------------------------------------------------------ file size

def test_file_just_above_the_size_limit_says_by_how_much(tmp_path: Path) -> None:
    from routeplan._io import check_input_file

    f = tmp_path / "vo.geojson"
    with open(f, "wb") as fh:  # sparse: no disk used
        fh.truncate(settings.max_input_bytes + 1)
    with pytest.raises(InputError) as err:
        check_input_file(f, "vital objects")
    assert f"file is {settings.max_input_bytes + 1} bytes, above the 200 MiB limit" in str(err.value)


# ------------------------------------------------------------------ node references per way

@pytest.mark.parametrize("name", ["roads.osm", "roads.osm.bz2", "roads.osm.gz", "roads.osm.pbf"])
def test_way_with_more_node_refs_than_osm_allows_is_refused(tmp_path: Path, name: str) -> None:
    f = _write(tmp_path / name, _with(_long_way(2001)))
    with pytest.raises(InputError) as err:
        roads.graph_from_file(f, DEFAULT_SPEEDS_KMH)
    msg = str(err.value)
    assert msg.startswith(str(f)) and "way 77 has more than 2000 node references" in msg, msg
    assert "max_way_nodes" in msg and "\n" not in msg


def test_way_at_the_limit_is_read(tmp_path: Path) -> None:
    f = _write(tmp_path / "roads.osm.bz2", _with(_long_way(settings.max_way_nodes)))
    G = roads.graph_from_file(f, DEFAULT_SPEEDS_KMH)
    assert G.number_of_nodes() >= 20  # read, not refused


# ------------------------------------------------------------------ counts over the whole file

@pytest.mark.parametrize("name", ["roads.osm", "roads.osm.pbf"])
@pytest.mark.parametrize("setting, limit, fragment", [
    ("max_osm_nodes", 24, "more than 24 nodes"),
    ("max_osm_ways", 9, "more than 9 ways"),
    ("max_osm_elements", 90, "more than 90 elements"),
])
def test_whole_file_counts_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str,
                                       setting: str, limit: int, fragment: str) -> None:
    f = _write(tmp_path / name, osm_xml())  # 25 nodes, 10 ways, 25 + 10 + 50 + 10 elements
    roads.graph_from_file(f, DEFAULT_SPEEDS_KMH)  # fine with the defaults
    monkeypatch.setattr(settings, setting, limit)
    with pytest.raises(InputError) as err:
        roads.graph_from_file(f, DEFAULT_SPEEDS_KMH)
    assert fragment in str(err.value) and setting in str(err.value), str(err.value)


# ------------------------------------------------------------------ what the XML itself may hold

def test_decompressed_size_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "max_osm_decompressed_bytes", 1 << 20)
    f = _write(tmp_path / "roads.osm.bz2", _with(" " * (2 << 20)))
    with pytest.raises(InputError) as err:
        roads.graph_from_file(f, DEFAULT_SPEEDS_KMH)
    assert "decompresses to more than 1 MiB" in str(err.value), str(err.value)
    assert "max_osm_decompressed_bytes" in str(err.value)


def test_over_long_xml_token_is_refused(tmp_path: Path) -> None:
    huge = f'<node id="5" lat="{LAT0}" lon="{LON0}"><tag k="note" v="{"A" * (settings.max_osm_token_bytes + (128 << 10))}"/></node>'
    f = _write(tmp_path / "roads.osm.gz", _with(huge))
    with pytest.raises(InputError) as err:
        roads.graph_from_file(f, DEFAULT_SPEEDS_KMH)
    assert "XML token longer than 1 MiB" in str(err.value) and "max_osm_token_bytes" in str(err.value)


def test_doctype_and_entities_are_refused(tmp_path: Path) -> None:
    laughs = ('<?xml version="1.0"?>\n<!DOCTYPE osm [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>\n')
    f = _write(tmp_path / "roads.osm", laughs + osm_xml().split("\n", 1)[1].replace('v="residential"', 'v="residential"/><tag k="x" v="&b;"', 1))
    with pytest.raises(InputError, match="DOCTYPE"):
        roads.graph_from_file(f, DEFAULT_SPEEDS_KMH)


@pytest.mark.parametrize("name, content", [
    ("roads.osm.bz2", b"BZh91AY&SY not really bzip2"),
    ("roads.osm.gz", gzip.compress(b"<osm>", mtime=0)[:-6]),
    ("roads.osm", b"<osm><node id='1'></way></osm>"),
])
def test_broken_streams_are_one_line_input_errors_in_the_pre_scan(tmp_path: Path, name: str, content: bytes) -> None:
    from routeplan.load._osmcheck import check_osm_xml

    f = tmp_path / name
    f.write_bytes(content)
    for read in (check_osm_xml, lambda p: roads.graph_from_file(p, DEFAULT_SPEEDS_KMH)):
        with pytest.raises(InputError) as err:
            read(f)
        assert str(err.value).startswith(f"{f}: cannot read OSM roads") and "\n" not in str(err.value)


# ------------------------------------------------------------------ bombs, through the real CLI

def _bz2_streams(head: str, body: bytes, repeat: int, tail: str) -> bytes:
    """A multi-stream .bz2 (as ``bzip2`` writes for concatenated files): ``body`` compressed once and
    repeated, so a few hundred kB decompress to gigabytes, like a crafted bomb."""
    return bz2.compress(head.encode()) + bz2.compress(body) * repeat + bz2.compress(tail.encode())


def _run_limited(tmp_path: Path, sc: Path, *pre: str) -> subprocess.CompletedProcess:
    """``routeplan plan`` in a child with an address-space limit (and ``pre`` statements run first)."""
    if sys.platform != "linux":
        pytest.skip("the address-space limit of the child needs Linux (RLIMIT_AS)")
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (CHILD_AS_BYTES, CHILD_AS_BYTES))

    code = "; ".join([*pre, "import sys", "from routeplan.cli import main", "sys.exit(main(sys.argv[1:]))"])
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "ROUTEPLAN_CACHE_LOCAL": "0"}
    return subprocess.run([sys.executable, "-c", code, "plan", str(sc), "--out", str(tmp_path / "out"), *FAST],
                          capture_output=True, text=True, timeout=120, env=env, preexec_fn=limit)


def _assert_one_line_refusal(proc: subprocess.CompletedProcess, out: Path, *fragments: str) -> None:
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("routeplan: error: ") and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    for frag in fragments:
        assert frag in lines[0], (frag, lines[0])
    assert not out.exists()


def test_tiny_bz2_with_a_million_node_refs_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    sc = world(tmp_path / "w")
    head, tail = osm_xml().rsplit("</osm>", 1)
    pair = b'<nd ref="1000"/><nd ref="1001"/>'
    data = _bz2_streams(head + '<way id="77">', pair * 50_000, 10, '<tag k="highway" v="residential"/></way></osm>' + tail)
    assert len(data) < 64_000  # 1 000 000 references in a few tens of kB
    (sc.parent / "roads.osm.bz2").write_bytes(data)
    sc.write_text(sc.read_text(encoding="utf-8").replace('"roads.osm"', '"roads.osm.bz2"'), encoding="utf-8")
    proc = _run_limited(tmp_path, sc)
    _assert_one_line_refusal(proc, tmp_path / "out", "roads.osm.bz2", "way 77", "max_way_nodes")


def test_bz2_bomb_with_one_giant_attribute_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """3 GiB of one tag value from about 40 kB: refused long before the decompression cap."""
    sc = world(tmp_path / "w")
    head, tail = osm_xml().rsplit("</osm>", 1)
    data = _bz2_streams(head + f'<node id="5" lat="{LAT0}" lon="{LON0}"><tag k="note" v="', b"A" * (4 << 20), 768,
                        '"/></node></osm>' + tail)
    (sc.parent / "roads.osm.bz2").write_bytes(data)
    sc.write_text(sc.read_text(encoding="utf-8").replace('"roads.osm"', '"roads.osm.bz2"'), encoding="utf-8")
    proc = _run_limited(tmp_path, sc)
    _assert_one_line_refusal(proc, tmp_path / "out", "roads.osm.bz2", "XML token longer than")


def test_bz2_bomb_of_padding_stops_at_the_decompression_cap(tmp_path: Path) -> None:
    """Harmless-looking padding that never ends: stopped at the byte cap (lowered here to 64 MiB)."""
    sc = world(tmp_path / "w")
    head, tail = osm_xml().rsplit("</osm>", 1)
    data = _bz2_streams(head, b"\n" * (4 << 20), 128, "</osm>" + tail)  # 512 MiB of newlines
    (sc.parent / "roads.osm.bz2").write_bytes(data)
    sc.write_text(sc.read_text(encoding="utf-8").replace('"roads.osm"', '"roads.osm.bz2"'), encoding="utf-8")
    proc = _run_limited(tmp_path, sc, "from routeplan import settings",
                        "settings.max_osm_decompressed_bytes = 64 << 20")
    _assert_one_line_refusal(proc, tmp_path / "out", "roads.osm.bz2", "decompresses to more than 64 MiB")


# ------------------------------------------------------------------ layers, candidate stops, incidents

def _points(n: int, **props) -> list[dict]:
    """``n`` vital objects spread over the tiny world's roads (unique ids)."""
    import math

    side = math.ceil(math.sqrt(n))
    return [{"type": "Feature", "properties": {"id": f"VO-{i}", "name": f"Objek {i}", "category": "atm", **props},
             "geometry": {"type": "Point", "coordinates": [LON0 + 0.008 * (i % side) / side,
                                                           LAT0 + 0.008 * (i // side) / side]}}
            for i in range(n)]


@pytest.fixture
def no_heavy_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail (instead of running for minutes or running out of memory) if planning gets that far."""
    from routeplan.optimize import routing
    from routeplan.prepare import matrix

    def boom(*_a, **_k):
        raise AssertionError("reached the travel-time matrix or the optimizer")

    monkeypatch.setattr(matrix, "travel_matrix", boom)
    monkeypatch.setattr(routing.RoutingModel, "solve", boom)


def test_100000_vital_objects_are_refused_before_planning(tmp_path: Path, capsys, no_heavy_work) -> None:
    import json

    sc = world(tmp_path / "w", layer=json.dumps({"type": "FeatureCollection", "features": _points(100_000)}))
    line = assert_refused(capsys, sc, tmp_path / "out", "vo.geojson", "100000 features",
                          f"limit of {settings.max_layer_features}", "max_layer_features")
    assert "\n" not in line


@pytest.mark.parametrize("layer_name", ["vo.csv", "hs.geojson"])
def test_layer_feature_limit_applies_to_csv_and_hotspots(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch,
                                                         layer_name: str) -> None:
    import json

    from routeplan.load.layers import read_hotspots, read_vital_objects

    monkeypatch.setattr(settings, "max_layer_features", 30)
    f = tmp_path / layer_name
    if layer_name.endswith(".csv"):
        rows = [f"VO-{i},atm,{p['geometry']['coordinates'][1]},{p['geometry']['coordinates'][0]}"
                for i, p in enumerate(_points(31))]
        f.write_text("id,category,lat,lon\n" + "\n".join(rows) + "\n", encoding="utf-8")
        read = read_vital_objects
    else:
        f.write_text(json.dumps({"type": "FeatureCollection", "features": _points(31, risk=1.0)}), encoding="utf-8")
        read = read_hotspots
    with pytest.raises(InputError, match="max_layer_features") as err:
        read(f)
    assert "more than 30 features" in str(err.value) or "31 features" in str(err.value)
    monkeypatch.setattr(settings, "max_layer_features", 31)
    assert len(read(f)) == 31


def test_too_many_candidate_stops_are_refused_before_the_model_is_solved(tmp_path: Path, capsys,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """5 000 objects (under the layer limit) visited daily for a week: 35 000 candidate stops."""
    import json

    from routeplan.optimize import routing

    def boom(*_a, **_k):
        raise AssertionError("reached the optimizer")

    monkeypatch.setattr(routing.RoutingModel, "solve", boom)
    # this model's matrices (5 000 locations) are over the matrix limit too, which is checked first: lift it
    monkeypatch.setattr(settings, "max_model_matrix_bytes", 10**12)
    sc = world(tmp_path / "w", layer=json.dumps({"type": "FeatureCollection",
                                                 "features": _points(5000, visits_per_week=7)}))
    sc.write_text(sc.read_text(encoding="utf-8").replace("days = 2", "days = 7"), encoding="utf-8")
    assert_refused(capsys, sc, tmp_path / "out", "scenario.toml",
                   f"more than {settings.max_candidate_stops} candidate stops", "max_candidate_stops")


def test_a_model_whose_matrices_would_not_fit_is_refused_before_they_are_built(tmp_path: Path, capsys,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Every unit on duty in any 12 hours gets a routing profile of its own (its shifts' copies of the depot):
    matrices of units x locations squared. With a profile per shift a regency-sized single plan asked for over 20 GB and the
    machine killed it; the limit refuses such a model first."""
    from routeplan.optimize import fleet, routing

    def boom(*_a, **_k):
        raise AssertionError("reached the optimizer")

    built = []
    real = fleet._profile_matrices
    monkeypatch.setattr(fleet, "_profile_matrices", lambda *a, **k: built.append(1) or real(*a, **k))
    monkeypatch.setattr(routing.RoutingModel, "solve", boom)
    monkeypatch.setattr(settings, "max_model_matrix_bytes", 1)
    sc = world(tmp_path / "w")
    err = assert_refused(capsys, sc, tmp_path / "out", "scenario.toml", "of travel matrices",
                         "max_model_matrix_bytes", "routing profiles")
    assert not built  # refused before a matrix was allocated
    assert "Traceback" not in err


def test_incident_count_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from routeplan import hotspots as hs

    monkeypatch.setattr(settings, "max_incidents", 50)
    csv_file = tmp_path / "inc.csv"
    csv_file.write_text("lat,lon,type\n" + "".join(f"{LAT0 + i * 1e-4},{LON0},curat\n" for i in range(51)),
                        encoding="utf-8")
    geo = tmp_path / "inc.geojson"
    geo.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"type": "curat"}, "geometry": {"type": "Point", "coordinates": [LON0, LAT0]}}
        for _ in range(51)]}), encoding="utf-8")
    for f in (csv_file, geo):
        with pytest.raises(InputError, match="max_incidents") as err:
            hs.read_incidents(f)
        assert str(err.value).startswith(f"{f}: more than 50 incidents, above the limit"), str(err.value)
    monkeypatch.setattr(settings, "max_incidents", 51)
    assert len(hs.read_incidents(csv_file)) == 51 and len(hs.read_incidents(geo)) == 51


def test_objects_command_reads_osm_files_within_the_same_limits(tmp_path: Path, capsys) -> None:
    """``routeplan objects`` loads the OSM file through osmnx too: the same pre-scan guards it."""
    from routeplan.cli import main

    sc = world(tmp_path / "w", roads=_with(_long_way(2001)))
    out = tmp_path / "objects.geojson"
    rc = main(["objects", str(sc), "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert err.strip().startswith("routeplan: error: ") and len(err.strip().splitlines()) == 1, err
    assert "way 77 has more than 2000 node references" in err and not out.exists()
