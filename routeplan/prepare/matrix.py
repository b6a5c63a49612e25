"""Stop-to-stop travel-time and distance matrices on the road graph, and the road path of every leg."""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

log = logging.getLogger(__name__)


@dataclass
class CSRGraph:
    """A road graph as a sparse matrix over node positions, for one edge weight."""

    nodes: list[int]
    index: dict[int, int]
    matrix: sp.csr_matrix
    length: sp.csr_matrix  # metres along the fastest parallel edge


def to_csr(G: nx.MultiDiGraph, weight: str) -> CSRGraph:
    """Build a CSR matrix of ``weight`` over the graph's edges, taking the minimum over parallel edges.

    Parameters
    ----------
    G
        A road graph (``networkx.MultiDiGraph``).
    weight
        Edge attribute, e.g. ``travel_time_car``; edges without it are not usable.

    Returns
    -------
    CSRGraph
    """
    nodes = list(G.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    rows, cols, w, ln = [], [], [], []
    for u, v, d in G.edges(data=True):
        if weight in d and u != v:
            rows.append(index[u])
            cols.append(index[v])
            w.append(float(d[weight]))
            ln.append(float(d.get("length", 0.0)))
    rows_a, cols_a, w_a, ln_a = map(np.asarray, (rows, cols, w, ln))
    # keep only the cheapest of parallel edges: sort by weight and take the first of each (row, col)
    order = np.lexsort((w_a, cols_a, rows_a))
    rows_a, cols_a, w_a, ln_a = rows_a[order], cols_a[order], w_a[order], ln_a[order]
    first = np.ones(len(rows_a), dtype=bool)
    if len(rows_a):
        first[1:] = (rows_a[1:] != rows_a[:-1]) | (cols_a[1:] != cols_a[:-1])
    n = len(nodes)
    # csgraph treats explicit zeros as missing edges: keep a tiny positive weight instead
    wk = np.maximum(w_a[first], 1e-6)
    m = sp.csr_matrix((wk, (rows_a[first], cols_a[first])), shape=(n, n))
    lm = sp.csr_matrix((ln_a[first] + 1e-9, (rows_a[first], cols_a[first])), shape=(n, n))
    return CSRGraph(nodes, index, m, lm)


#: Sources per Dijkstra call: bounds the transient full-width distance array (rows x graph nodes).
_BLOCK = 64
#: Below this many (sources x graph nodes) the searches run in this process: forking and sending the
#: results back costs more than it saves on a kecamatan-sized graph (measured on Buahbatu, 1000 stops).
_PARALLEL_MIN_WORK = 20_000_000
_shared: tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray] | None = None  # (matrix, length, all sources) for forked workers


#: Up to this many road nodes a source's whole shortest-path tree is kept (a few MB at most).
_FULL_TREE_NODES = 20_000


def _path_tree(pred_row: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The part of one shortest-path tree that lies on paths to ``targets``: (nodes sorted, their parents).

    Keeping only these nodes, instead of a predecessor for every road node, is what lets a regency-sized
    graph (200 000 nodes, 1000 stops) keep every leg's road path in a fraction of the memory.
    """
    if len(pred_row) <= _FULL_TREE_NODES:
        # a kecamatan-sized graph: the whole tree is small, and walking it level by level costs more
        nodes = np.nonzero(pred_row >= 0)[0].astype(np.int32)
        return nodes, pred_row[nodes].astype(np.int32)
    on = np.zeros(len(pred_row), dtype=bool)
    cur = targets[pred_row[targets] >= 0]
    while cur.size:
        on[cur] = True
        up = pred_row[cur]
        up = up[up >= 0]
        cur = np.unique(up[~on[up]])
    on &= pred_row >= 0  # the source itself has no parent and stays out
    nodes = np.nonzero(on)[0].astype(np.int32)
    return nodes, pred_row[nodes].astype(np.int32)


def _tree_lengths(lm: sp.csr_matrix, tree: tuple[np.ndarray, np.ndarray], source: int, src: np.ndarray) -> np.ndarray:
    """Metres from ``source`` to each of ``src`` along a compact path tree, by pointer jumping."""
    nodes, parents = tree
    k = len(nodes)
    out = np.full(len(src), np.inf)
    out[src == source] = 0.0
    if k == 0:
        return out
    # local parent index; the source (not in the tree) becomes a virtual root at position k
    size = int(max(nodes[-1], parents.max(), source, src.max())) + 1
    where = np.full(size, k, dtype=np.int64)
    where[nodes] = np.arange(k)
    local = where[parents]
    d = np.zeros(k + 1)
    d[:k] = np.asarray(lm[parents, nodes]).ravel()
    p = np.append(local, k)
    while True:  # after r rounds d holds the length of the last 2^r edges of each path
        nxt = p[p]
        if np.array_equal(nxt, p):
            break
        d = d + d[p]
        p = nxt
    pos = where[src]
    hit = pos < k
    out[hit] = d[pos[hit]]
    return out


def _block(matrix: sp.csr_matrix, lm: sp.csr_matrix, chunk: np.ndarray, src: np.ndarray):
    """Dijkstra from ``chunk``: durations and metres to ``src``, and each source's tree towards ``src``."""
    dist, pred = dijkstra(matrix, directed=True, indices=chunk, return_predecessors=True)
    tt = dist[:, src]
    del dist
    trees = [_path_tree(pred[a], src) for a in range(len(chunk))]
    del pred
    length = np.vstack([_tree_lengths(lm, tree, int(s), src) for tree, s in zip(trees, chunk)])
    return tt, length, trees


def _forked_block(chunk: np.ndarray):
    if _shared is None:
        raise RuntimeError("_forked_block runs only in a worker forked by _all_blocks")
    matrix, lm, src = _shared
    return _block(matrix, lm, chunk, src)


def _all_blocks(csr: CSRGraph, src: np.ndarray, workers: int) -> tuple[np.ndarray, np.ndarray, list]:
    """Durations, metres and path trees from every source, in blocks.

    scipy's Dijkstra holds the GIL, so threads do not run searches in parallel; with ``workers`` > 1
    and enough work the blocks go to forked worker processes (where ``fork`` exists).
    """
    global _shared
    n = csr.matrix.shape[0]
    k = len(src)
    tt = np.empty((k, k))
    length = np.empty((k, k))
    trees: list = [None] * k
    chunks = [src[i:i + _BLOCK] for i in range(0, k, _BLOCK)]
    starts = list(range(0, k, _BLOCK))
    parallel = workers > 1 and len(chunks) > 1 and k * n >= _PARALLEL_MIN_WORK and "fork" in mp.get_all_start_methods()
    if parallel:
        _shared = (csr.matrix, csr.length, src)
        try:
            with ProcessPoolExecutor(max_workers=min(workers, len(chunks)), mp_context=mp.get_context("fork")) as pool:
                results = pool.map(_forked_block, chunks)
                for s, (a, b, c) in zip(starts, results):
                    tt[s:s + len(a)], length[s:s + len(a)], trees[s:s + len(a)] = a, b, c
        finally:
            _shared = None
    else:
        for s, ch in zip(starts, chunks):
            a, b, c = _block(csr.matrix, csr.length, ch, src)
            tt[s:s + len(a)], length[s:s + len(a)], trees[s:s + len(a)] = a, b, c
    return tt, length, trees


@dataclass
class TravelMatrix:
    """Travel times (seconds) and distances (metres) between stop nodes for one unit kind.

    ``duration[i, j]`` is ``inf`` where node ``j`` cannot be reached from node ``i``.
    """

    kind: str
    nodes: list[int]
    duration: np.ndarray
    distance: np.ndarray
    _csr: CSRGraph = field(repr=False)
    _trees: list = field(repr=False)  # per stop: (tree nodes sorted, their parents) towards the stops

    def path(self, i: int, j: int) -> list[int]:
        """Road node ids along the fastest path from stop ``i`` to stop ``j`` (positions in ``nodes``)."""
        if i == j:
            return [self.nodes[i]]
        source = self._csr.index[self.nodes[i]]
        target = self._csr.index[self.nodes[j]]
        if source == target:
            return [self.nodes[i]]
        tree_nodes, parents = self._trees[i]
        seq = [target]
        while seq[-1] != source:
            k = int(np.searchsorted(tree_nodes, seq[-1]))
            if k >= len(tree_nodes) or tree_nodes[k] != seq[-1] or parents[k] < 0:
                return []  # not reachable
            seq.append(int(parents[k]))
        return [self._csr.nodes[k] for k in reversed(seq)]


def travel_matrix(G: nx.MultiDiGraph, nodes: Sequence[int], kind: str, workers: int | None = None) -> TravelMatrix:
    """Compute the travel-time and distance matrix between ``nodes`` for a unit kind.

    Parameters
    ----------
    G
        Road graph with ``travel_time_<kind>`` edge attributes.
    nodes
        Road node ids of the stops (duplicates allowed).
    kind
        Unit kind, e.g. ``car`` or ``motorcycle``.
    workers
        Processes for the one-to-all searches (scipy holds the GIL, so threads would not help);
        defaults to the number of cores (at most 8).

    Returns
    -------
    TravelMatrix
    """
    csr = to_csr(G, f"travel_time_{kind}")
    uniq = list(dict.fromkeys(nodes))
    src = np.array([csr.index[n] for n in uniq], dtype=np.int64)
    workers = workers or min(os.cpu_count() or 1, 8)
    tt, length, trees = _all_blocks(csr, src, workers)
    pos = {n: k for k, n in enumerate(uniq)}
    sel = np.array([pos[n] for n in nodes], dtype=np.int64)
    if len(sel) == len(uniq):  # no duplicate stops: keep the arrays as they are
        tm = TravelMatrix(kind, list(nodes), tt, length, csr, trees)
    else:
        tm = TravelMatrix(kind, list(nodes), tt[np.ix_(sel, sel)], length[np.ix_(sel, sel)], csr,
                          [trees[k] for k in sel])
    log.info("%s matrix %d x %d", kind, len(nodes), len(nodes))
    return tm


@dataclass
class LocationMatrices:
    """Travel matrices between a plan's locations, one :class:`TravelMatrix` per unit kind.

    Location ``i`` is road node ``nodes[i]``; the optimizer refers to locations by this index.
    """

    nodes: list[int]
    by_kind: dict[str, TravelMatrix]

    @property
    def kinds(self) -> list[str]:
        """The unit kinds, sorted (the optimizer's matrix profiles follow this order)."""
        return sorted(self.by_kind)

    def index(self) -> dict[int, int]:
        """Location index of every road node."""
        return {n: i for i, n in enumerate(self.nodes)}


def location_matrices(G: nx.MultiDiGraph, nodes: Sequence[int], kinds: Sequence[str]) -> LocationMatrices:
    """Compute the travel matrices between road ``nodes`` for each unit kind (see :func:`travel_matrix`).

    Parameters
    ----------
    G
        Road graph with ``travel_time_<kind>`` edge attributes.
    nodes
        Road node ids of the locations, without repeats.
    kinds
        Unit kinds, e.g. ``["car", "motorcycle"]``.

    Returns
    -------
    LocationMatrices
    """
    return LocationMatrices(list(nodes), {k: travel_matrix(G, nodes, k) for k in sorted(kinds)})
