"""Prepared road graphs in the cache folder, in a format that cannot run code when it is read.

An entry ``cache_folder/graphs/<key>.graph.npz`` is an uncompressed zip of ``.npy`` arrays of plain
numbers (no pickle, no object arrays) with one JSON document (``meta``) for the graph attributes, the
column names and kinds, and the attribute values that are text or lists. ``<key>.graph.npz.sha256``
beside it holds its SHA-256. Reading never unpickles anything: members are parsed with
``numpy.lib.format`` header checks and ``numpy.frombuffer``. Nodes, edges, keys, every attribute (with
its exact Python type: ``float``, ``numpy.float64``, ``int``, ``bool``, text, lists, shapely
LineStrings) and the order of nodes, edges and in-edges come back exactly as they were stored, so a
plan from a warm cache is byte-identical to one from a cold cache.

Any damaged, foreign, old or oversized entry or sidecar is logged and rebuilt; a cache folder that
cannot be written is logged and planning goes on.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import shapely
from shapely.geometry import LineString

from routeplan import settings
from routeplan._io import write_bytes_atomic

log = logging.getLogger(__name__)

#: The format's name and version, stored in every entry; anything else is not read.
SCHEMA = "routeplan-graph/1"
_SUFFIX = ".graph.npz"
_INT64 = (-(1 << 63), (1 << 63) - 1)
_DTYPES = {"int64": np.dtype("<i8"), "float64": np.dtype("<f8"), "bool": np.dtype("|b1"), "uint8": np.dtype("|u1")}
_MEMBER = re.compile(r"[a-z0-9_]{1,40}\.npy")


class _Unstorable(Exception):
    """The graph holds a value this format cannot store exactly: it is then not cached."""


# ------------------------------------------------------------------ writing

def _json_exact(value: Any, depth: int = 0) -> bool:
    """Whether JSON gives back an equal value of the same types (no tuples, no numpy scalars)."""
    t = type(value)
    if value is None or t in (str, bool, float):
        return True
    if t is int:
        return True
    if t is list and depth < 20:
        return all(_json_exact(v, depth + 1) for v in value)
    if t is dict and depth < 20:
        return all(type(k) is str and _json_exact(v, depth + 1) for k, v in value.items())
    return False


def _is_line(value: Any) -> bool:
    return type(value) is LineString and not value.has_z and len(value.coords) >= 2


def _column(name: str, rows: list[int], values: list[Any], total: int, prefix: str,
            arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """Store one attribute (present on ``rows``) and return its description for ``meta``."""
    types = {type(v) for v in values}
    col: dict[str, Any] = {"name": name, "arrays": prefix, "partial": len(rows) < total}
    if col["partial"]:
        arrays[f"{prefix}_rows"] = np.asarray(rows, dtype=np.int64)
    if types == {float}:
        col["kind"] = "float"
    elif types == {np.float64}:
        col["kind"] = "float64"
    elif types == {bool}:
        col["kind"] = "bool"
    elif types == {int} and all(_INT64[0] <= v <= _INT64[1] for v in values):
        col["kind"] = "int"
    elif all(_is_line(v) for v in values):
        col["kind"] = "linestring"
        _, coords, (offsets,) = shapely.to_ragged_array(values)
        arrays[f"{prefix}_coords"] = np.ascontiguousarray(coords, dtype=np.float64)
        arrays[f"{prefix}_offsets"] = np.asarray(offsets, dtype=np.int64)
        return col
    elif all(_json_exact(v) for v in values):
        col["kind"] = "json"
        col["values"] = values
        return col
    else:
        raise _Unstorable(f"attribute {name!r} has values of types {sorted(t.__name__ for t in types)}")
    dtype = {"float": np.float64, "float64": np.float64, "bool": bool, "int": np.int64}[col["kind"]]
    arrays[f"{prefix}_values"] = np.asarray(values, dtype=dtype)
    return col


def _columns(dicts: list[dict], prefix: str, arrays: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    names: dict[str, tuple[list[int], list[Any]]] = {}
    for i, d in enumerate(dicts):
        for k, v in d.items():
            if type(k) is not str:
                raise _Unstorable(f"attribute name {k!r} is not text")
            rows, values = names.setdefault(k, ([], []))
            rows.append(i)
            values.append(v)
    return [_column(name, rows, values, len(dicts), f"{prefix}{j}", arrays)
            for j, (name, (rows, values)) in enumerate(names.items())]


def dumps(G: nx.MultiDiGraph) -> bytes:
    """The graph as the bytes of a cache entry.

    Raises
    ------
    _Unstorable
        A node id, key or attribute value that the format cannot give back exactly.
    """
    if type(G) is not nx.MultiDiGraph:
        raise _Unstorable(f"a {type(G).__name__}, not a MultiDiGraph")
    nodes = list(G.nodes)
    if not all(type(n) is int and _INT64[0] <= n <= _INT64[1] for n in nodes):
        raise _Unstorable("node ids that are not 64-bit integers")
    pos = {n: i for i, n in enumerate(nodes)}
    edges = list(G.edges(keys=True, data=True))
    if not all(type(k) is int and _INT64[0] <= k <= _INT64[1] for _, _, k, _ in edges):
        raise _Unstorable("edge keys that are not 64-bit integers")
    graph_attrs = {k: v for k, v in G.graph.items() if k != "routeplan_cache_hit"}
    if not _json_exact(graph_attrs):
        raise _Unstorable("graph attributes that are not plain JSON values")
    arrays: dict[str, np.ndarray] = {
        "node_id": np.asarray(nodes, dtype=np.int64),
        "edge_u": np.asarray([pos[u] for u, _, _, _ in edges], dtype=np.int64),
        "edge_v": np.asarray([pos[v] for _, v, _, _ in edges], dtype=np.int64),
        "edge_key": np.asarray([k for _, _, k, _ in edges], dtype=np.int64),
    }
    meta = {
        "schema": SCHEMA,
        "graph": graph_attrs,
        "nodes": _columns([d for _, d in G.nodes(data=True)], "n", arrays),
        "edges": _columns([d for *_, d in edges], "e", arrays),
    }
    arrays["meta"] = np.frombuffer(json.dumps(meta, ensure_ascii=True, allow_nan=True).encode("ascii"), dtype=np.uint8)
    buf = io.BytesIO()
    # ZIP_STORED members of plain dtypes: nothing to unpickle (typed as Any: numpy's stub would let a member
    # named "allow_pickle" bind to that keyword, which no member here is named)
    members: dict[str, Any] = arrays
    np.savez(buf, **members)
    return buf.getvalue()


# ------------------------------------------------------------------ reading

def _arrays(blob: bytes) -> dict[str, np.ndarray]:
    """Every member of an entry as a numpy array, checked before anything is allocated."""
    out: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        infos = z.infolist()
        if sum(i.file_size for i in infos) > len(blob):
            raise ValueError("members larger than the file")
        for info in infos:
            if info.compress_type != zipfile.ZIP_STORED or not _MEMBER.fullmatch(info.filename):
                raise ValueError(f"unexpected member {info.filename[:60]!r}")
            raw = z.read(info)  # checks the member's CRC
            f = io.BytesIO(raw)
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise ValueError(f"npy version {version}")
            if dtype not in _DTYPES.values() or fortran or not 1 <= len(shape) <= 2:
                raise ValueError(f"member {info.filename!r}: dtype {dtype}, shape {shape}")
            count = int(np.prod(shape, dtype=np.int64))
            offset = f.tell()
            if len(raw) - offset != count * dtype.itemsize:
                raise ValueError(f"member {info.filename!r}: {len(raw) - offset} bytes for shape {shape}")
            out[info.filename[:-4]] = np.frombuffer(raw, dtype=dtype, count=count, offset=offset).reshape(shape)
    return out


def _want(arrays: dict[str, np.ndarray], name: str, dtype: str, n: int | None = None, ndim: int = 1) -> np.ndarray:
    a = arrays[name]
    if a.dtype != _DTYPES[dtype] or a.ndim != ndim or (n is not None and len(a) != n):
        raise ValueError(f"array {name!r} is {a.dtype} {a.shape}")
    return a


def _fill(dicts: list[dict], columns: Any, arrays: dict[str, np.ndarray]) -> None:
    if not isinstance(columns, list):
        raise ValueError("columns are not a list")
    total = len(dicts)
    for col in columns:
        name, kind, prefix = col["name"], col["kind"], col["arrays"]
        if not isinstance(name, str) or not isinstance(prefix, str) or not re.fullmatch(r"[a-z][0-9]{1,6}", prefix):
            raise ValueError("column without a name or arrays")
        rows: Any = range(total)
        if col["partial"] is True:
            r = _want(arrays, f"{prefix}_rows", "int64")
            if len(r) and (r[0] < 0 or r[-1] >= total or np.any(np.diff(r) <= 0)):
                raise ValueError(f"rows of {name!r} out of range")
            rows = r.tolist()
        n = len(rows)
        if kind == "json":
            values = col["values"]
            if not isinstance(values, list) or len(values) != n:
                raise ValueError(f"values of {name!r}")
        elif kind == "linestring":
            coords = _want(arrays, f"{prefix}_coords", "float64", ndim=2)
            offsets = _want(arrays, f"{prefix}_offsets", "int64", n + 1)
            if coords.shape[1] != 2 or offsets[0] != 0 or offsets[-1] != len(coords) or np.any(np.diff(offsets) < 2):
                raise ValueError(f"geometry of {name!r}")
            values = list(shapely.from_ragged_array(shapely.GeometryType.LINESTRING, coords, (offsets,)))
        else:
            dtype = {"float": "float64", "float64": "float64", "bool": "bool", "int": "int64"}.get(kind)
            if dtype is None:
                raise ValueError(f"kind {kind!r}")
            arr = _want(arrays, f"{prefix}_values", dtype, n)
            values = list(arr) if kind == "float64" else arr.tolist()  # numpy scalars only where they were
        for i, v in zip(rows, values):
            dicts[i][name] = v


def loads(blob: bytes) -> nx.MultiDiGraph:
    """The graph stored in the bytes of a cache entry.

    Raises
    ------
    Exception
        Any kind, for anything that is not an intact entry of this schema.
    """
    arrays = _arrays(blob)
    meta = json.loads(bytes(_want(arrays, "meta", "uint8")).decode("ascii"))
    if not isinstance(meta, dict) or meta.get("schema") != SCHEMA:
        raise ValueError(f"schema {str(meta.get('schema') if isinstance(meta, dict) else None)[:40]!r}")
    node_id = _want(arrays, "node_id", "int64")
    u = _want(arrays, "edge_u", "int64")
    v = _want(arrays, "edge_v", "int64", len(u))
    key = _want(arrays, "edge_key", "int64", len(u))
    n = len(node_id)
    if len(np.unique(node_id)) != n or (len(u) and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= n)):
        raise ValueError("node ids repeat or edges point outside the nodes")
    if not isinstance(meta.get("graph"), dict):
        raise ValueError("graph attributes")
    node_attrs: list[dict] = [{} for _ in range(n)]
    edge_attrs: list[dict] = [{} for _ in range(len(u))]
    _fill(node_attrs, meta.get("nodes"), arrays)
    _fill(edge_attrs, meta.get("edges"), arrays)
    ids = node_id.tolist()
    uid, vid = [ids[i] for i in u.tolist()], [ids[i] for i in v.tolist()]
    G = nx.MultiDiGraph()
    G.graph.update(meta["graph"])
    G.add_nodes_from(zip(ids, node_attrs))
    # in stored order: adjacency and in-edge order as in the graph that was stored (a copy() of it)
    G.add_edges_from(zip(uid, vid, key.tolist(), edge_attrs))
    if G.number_of_edges() != len(u):
        raise ValueError("repeated edge keys")
    return G


# ------------------------------------------------------------------ the cache folder

def _paths(key: str) -> tuple[Path, Path, Path]:
    folder = Path(settings.cache_folder) / "graphs"
    return folder, folder / f"{key}{_SUFFIX}", folder / f"{key}{_SUFFIX}.sha256"


def load(key: str) -> nx.MultiDiGraph | None:
    """The cached graph under ``key``, or None (missing, damaged, foreign, old or oversized: logged)."""
    _folder, gpath, spath = _paths(key)
    if not gpath.exists() and not spath.exists():
        return None
    try:
        with open(spath, "rb") as fh:
            expected = fh.read(200).decode("ascii").strip()
        info = gpath.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("not a regular file")
        if info.st_size > int(settings.max_cache_file_bytes):
            raise ValueError(f"{info.st_size} bytes, above routeplan.settings.max_cache_file_bytes")
        blob = gpath.read_bytes()
        if hashlib.sha256(blob).hexdigest() != expected:
            raise ValueError("it does not match its checksum")
        G = loads(blob)
    except Exception as exc:  # noqa: BLE001 - whatever is wrong with a cache entry, it is rebuilt
        log.warning("cached graph %s unusable (%s: %s); rebuilding", gpath, type(exc).__name__,
                    str(exc).splitlines()[0][:200] if str(exc) else "")
        return None
    return G


def store(key: str, G: nx.MultiDiGraph) -> None:
    """Write the graph under ``key``: entry first, checksum last, each through a temporary file and an
    atomic rename (a crash in between leaves a mismatch, i.e. a rebuild). Never raises for the cache."""
    folder, gpath, spath = _paths(key)
    try:
        blob = dumps(G)
    except _Unstorable as exc:
        log.warning("road graph not cached: %s", exc)
        return
    if len(blob) > int(settings.max_cache_file_bytes):
        log.warning("road graph not cached: %d bytes, above routeplan.settings.max_cache_file_bytes", len(blob))
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path, data in ((gpath, blob), (spath, (hashlib.sha256(blob).hexdigest() + "\n").encode("ascii"))):
            write_bytes_atomic(path, data)
    except OSError as exc:  # a read-only or full cache folder, or a folder in the way: plan without caching
        log.warning("could not cache the road graph: %s", exc)


def cached_graph(key: str, build: Callable[[], nx.MultiDiGraph]) -> nx.MultiDiGraph:
    """The prepared graph under ``key`` from the cache, or built by ``build`` and stored.

    ``G.graph["routeplan_cache_hit"]`` tells which. A failed build writes nothing.
    """
    G = load(key)
    if G is not None:
        log.info("road graph from cache %s", _paths(key)[1])
        G.graph["routeplan_cache_hit"] = True
        return G
    G = build()
    store(key, G)
    G.graph["routeplan_cache_hit"] = False
    return G
