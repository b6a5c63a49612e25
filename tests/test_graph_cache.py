"""The prepared-graph cache: a format that cannot run code when read, exact round trips, and any
damaged, foreign or old entry (or its checksum sidecar) rebuilt instead of crashing or trusted."""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import zipfile
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from conftest import SAMPLE
from test_bad_input import osm_xml

from routeplan import settings
from routeplan.cli import main
from routeplan.load import roads
from routeplan.load.scenario import DEFAULT_SPEEDS_KMH

BUAHBATU = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "osm" / "buahbatu_bandung_drive.osm.bz2"


def assert_same_graph(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> None:
    """Equal nodes, edges, keys, attributes with their exact types, and the same iteration orders."""
    def plain(d: dict) -> dict:  # osmnx stamps each build with its time
        return {k: v for k, v in d.items() if k not in ("routeplan_cache_hit", "created_date")}

    assert plain(a.graph) == plain(b.graph)
    assert list(a.nodes) == list(b.nodes)
    assert list(a.edges(keys=True)) == list(b.edges(keys=True))
    assert [list(a.pred[n]) for n in a] == [list(b.pred[n]) for n in b]  # in-edge order too
    for (n, da), (_, db) in zip(a.nodes(data=True), b.nodes(data=True)):
        assert da == db and {k: type(v) for k, v in da.items()} == {k: type(v) for k, v in db.items()}, n
    for (u, v, k, da), (*_, db) in zip(a.edges(keys=True, data=True), b.edges(keys=True, data=True)):
        ga, gb = da.get("geometry"), db.get("geometry")
        assert (ga is None) == (gb is None)
        if ga is not None:
            assert ga.wkb == gb.wkb, (u, v, k)
        da = {x: y for x, y in da.items() if x != "geometry"}
        db = {x: y for x, y in db.items() if x != "geometry"}
        assert da == db, (u, v, k)
        assert {x: type(y) for x, y in da.items()} == {x: type(y) for x, y in db.items()}, (u, v, k)
        for x, y in da.items():  # list-valued attributes keep their element types
            if isinstance(y, list):
                assert [type(e) for e in y] == [type(e) for e in db[x]], (u, v, k, x)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setattr(settings, "cache_folder", folder)
    monkeypatch.setattr(settings, "cache_local_graphs", True)
    return folder / "graphs"


@pytest.fixture
def osm_file(tmp_path: Path) -> Path:
    f = tmp_path / "roads.osm"
    f.write_text(osm_xml(), encoding="utf-8")
    return f


def _entries(folder: Path) -> tuple[list[Path], list[Path]]:
    """(data files, checksum sidecars) in the graph cache."""
    files = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    return [p for p in files if not p.name.endswith(".sha256")], [p for p in files if p.name.endswith(".sha256")]


def _forge(folder: Path, payload: bytes) -> None:
    """Replace every cache entry with ``payload`` and make every sidecar match it, as an attacker who can
    write to a shared cache folder would."""
    data, sidecars = _entries(folder)
    assert data and sidecars
    for p in data:
        p.write_bytes(payload)
    for s in sidecars:
        s.write_text(hashlib.sha256(payload).hexdigest() + "\n", encoding="ascii")


class _Marker:
    """Unpickling this creates the marker file: stands for any command a crafted pickle could run."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def _npz_with_object_array(marker: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        member = io.BytesIO()
        np.save(member, np.array([_Marker(marker)], dtype=object), allow_pickle=True)
        z.writestr("meta.npy", member.getvalue())
    return buf.getvalue()


# ------------------------------------------------------------------ never runs code

@pytest.mark.parametrize("kind", ["pickle", "npz with a pickled object array"])
def test_crafted_cache_entry_is_never_executed(cache: Path, osm_file: Path, tmp_path: Path, kind: str) -> None:
    G1 = roads.graph_from_file(osm_file, DEFAULT_SPEEDS_KMH)
    assert G1.graph["routeplan_cache_hit"] is False
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Marker(marker)) if kind == "pickle" else _npz_with_object_array(marker)
    _forge(cache, payload)
    G2 = roads.graph_from_file(osm_file, DEFAULT_SPEEDS_KMH)
    assert not marker.exists(), "a cache file ran code"
    assert G2.graph["routeplan_cache_hit"] is False
    assert_same_graph(G1, G2)
    # what is written back holds plain arrays only: numpy reads every member without pickle
    data, _ = _entries(cache)
    for p in data:
        with np.load(p, allow_pickle=False) as npz:
            for name in npz.files:
                assert npz[name].dtype != object
    assert roads.graph_from_file(osm_file, DEFAULT_SPEEDS_KMH).graph["routeplan_cache_hit"] is True


# ------------------------------------------------------------------ damage means rebuild

def _damage(cache: Path, how: str) -> None:
    (entry,), (sidecar,) = _entries(cache)
    if how == "sidecar not UTF-8":
        sidecar.write_bytes(b"\xff\xfe\x00garbage")
    elif how == "sidecar empty":
        sidecar.write_bytes(b"")
    elif how == "sidecar is a folder":
        sidecar.unlink()
        sidecar.mkdir()
    elif how == "sidecar missing":
        sidecar.unlink()
    elif how == "entry truncated":
        entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])
    elif how == "entry is a folder":
        entry.unlink()
        entry.mkdir()
    elif how == "entry garbage, sidecar matching":
        _forge(cache, b"\x00" * 1000)
    elif how == "foreign zip, sidecar matching":
        buf = io.BytesIO()
        np.savez(buf, meta=np.frombuffer(json.dumps({"schema": "something-else"}).encode(), dtype=np.uint8))
        _forge(cache, buf.getvalue())
    elif how == "compressed member, sidecar matching":
        buf = io.BytesIO()
        with zipfile.ZipFile(entry) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                dst.writestr(info.filename, src.read(info))
        _forge(cache, buf.getvalue())
    elif how == "edge index out of range, sidecar matching":
        with np.load(entry, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        arrays["edge_v"] = arrays["edge_v"] + 10**6
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        _forge(cache, buf.getvalue())
    else:  # pragma: no cover
        raise AssertionError(how)


DAMAGE = ["sidecar not UTF-8", "sidecar empty", "sidecar is a folder", "sidecar missing", "entry truncated",
          "entry is a folder", "entry garbage, sidecar matching", "foreign zip, sidecar matching",
          "compressed member, sidecar matching", "edge index out of range, sidecar matching"]


@pytest.mark.parametrize("how", DAMAGE)
def test_damaged_cache_or_sidecar_is_rebuilt(cache: Path, osm_file: Path, how: str, caplog) -> None:
    G1 = roads.graph_from_file(osm_file, DEFAULT_SPEEDS_KMH)
    _damage(cache, how)
    with caplog.at_level("WARNING", logger="routeplan"):
        G2 = roads.graph_from_file(osm_file, DEFAULT_SPEEDS_KMH)
    assert G2.graph["routeplan_cache_hit"] is False
    assert any("rebuilding" in r.getMessage() for r in caplog.records), caplog.text  # logged, not silent
    assert_same_graph(G1, G2)
    # planning goes on either way; where the damaged path could be replaced, the next run is warm again
    G3 = roads.graph_from_file(osm_file, DEFAULT_SPEEDS_KMH)
    assert_same_graph(G1, G3)
    if "folder" not in how:
        assert G3.graph["routeplan_cache_hit"] is True


def test_oversized_cache_entry_is_neither_read_nor_written(cache: Path, osm_file: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    G1 = roads.graph_from_file(osm_file, DEFAULT_SPEEDS_KMH)
    (entry,), _ = _entries(cache)
    monkeypatch.setattr(settings, "max_cache_file_bytes", entry.stat().st_size - 1)
    G2 = roads.graph_from_file(osm_file, DEFAULT_SPEEDS_KMH)
    assert G2.graph["routeplan_cache_hit"] is False
    assert_same_graph(G1, G2)
    assert roads.graph_from_file(osm_file, DEFAULT_SPEEDS_KMH).graph["routeplan_cache_hit"] is False
    monkeypatch.setattr(settings, "max_cache_file_bytes", entry.stat().st_size)
    assert roads.graph_from_file(osm_file, DEFAULT_SPEEDS_KMH).graph["routeplan_cache_hit"] is True


def test_unwritable_cache_folder_does_not_stop_planning(cache: Path, osm_file: Path) -> None:
    cache.parent.mkdir(parents=True)
    cache.write_text("not a folder", encoding="utf-8")  # graphs/ cannot be created
    G = roads.graph_from_file(osm_file, DEFAULT_SPEEDS_KMH)
    assert G.graph["routeplan_cache_hit"] is False and G.number_of_nodes() > 0
    # the cache of online areas (place, bbox, boundary) goes on the same way
    G2 = roads._cached_graph("online-area-key", lambda: G.copy())
    assert G2.graph["routeplan_cache_hit"] is False and G2.number_of_nodes() == G.number_of_nodes()


# ------------------------------------------------------------------ exact round trips

def test_real_graph_round_trips_exactly(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not BUAHBATU.exists():
        pytest.skip(f"real data not available: {BUAHBATU} is missing")
    monkeypatch.setattr(settings, "cache_local_graphs", False)
    fresh = roads.graph_from_file(BUAHBATU, DEFAULT_SPEEDS_KMH)
    monkeypatch.setattr(settings, "cache_local_graphs", True)
    cold = roads.graph_from_file(BUAHBATU, DEFAULT_SPEEDS_KMH)
    warm = roads.graph_from_file(BUAHBATU, DEFAULT_SPEEDS_KMH)
    assert (cold.graph["routeplan_cache_hit"], warm.graph["routeplan_cache_hit"]) == (False, True)
    # the attributes the pipeline uses are there, with geometry, lists and numpy floats among them
    edges = [d for *_, d in warm.edges(keys=True, data=True)]
    assert any("geometry" in d for d in edges) and any(isinstance(d["highway"], list) for d in edges)
    assert all(isinstance(d["length"], float) and "travel_time_motorcycle" in d for d in edges)
    assert_same_graph(fresh, warm)
    assert_same_graph(cold, warm)
    assert cold.graph["created_date"] == warm.graph["created_date"]


def test_plan_from_a_warm_cache_is_byte_identical(cache: Path, tmp_path: Path, capsys) -> None:
    args = [str(SAMPLE / "scenario.toml"), "--iterations", "300", "--time-limit", "60", "--quiet"]
    assert main(["plan", *args, "--out", str(tmp_path / "cold")]) == 0
    assert any(cache.iterdir())
    assert main(["plan", *args, "--out", str(tmp_path / "warm")]) == 0
    capsys.readouterr()
    assert (tmp_path / "cold" / "plan.json").read_bytes() == (tmp_path / "warm" / "plan.json").read_bytes()
    assert (tmp_path / "cold" / "routes.geojson").read_bytes() == (tmp_path / "warm" / "routes.geojson").read_bytes()
