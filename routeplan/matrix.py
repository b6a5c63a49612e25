"""Stop-to-stop travel-time and distance matrices on the road graph, and the road path of every leg."""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Sequence

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


def to_csr(G: Any, weight: str) -> CSRGraph:
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


def _dijkstra_chunks(matrix: sp.csr_matrix, sources: np.ndarray, workers: int) -> tuple[np.ndarray, np.ndarray]:
    """Run Dijkstra from ``sources`` split over threads (scipy releases the GIL inside csgraph)."""
    if workers <= 1 or len(sources) < 8:
        return dijkstra(matrix, directed=True, indices=sources, return_predecessors=True)
    chunks = [c for c in np.array_split(sources, workers) if len(c)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        parts = list(pool.map(lambda c: dijkstra(matrix, directed=True, indices=c, return_predecessors=True), chunks))
    return np.vstack([p[0] for p in parts]), np.vstack([p[1] for p in parts])


def _path_lengths(lm: sp.csr_matrix, pred: np.ndarray, src: np.ndarray) -> np.ndarray:
    """Metres along each shortest-path tree, by pointer jumping over predecessors (vectorised)."""
    n = pred.shape[1]
    out = np.empty((len(src), len(src)))
    for a in range(len(src)):
        p = pred[a].astype(np.int64)
        has = p >= 0
        d = np.zeros(n)
        idx = np.nonzero(has)[0]
        d[idx] = np.asarray(lm[p[idx], idx]).ravel()
        d[~has] = 0.0
        p = np.where(has, p, np.arange(n))
        # after k rounds d holds the length of the last 2^k edges of each path
        while True:
            nxt = p[p]
            if np.array_equal(nxt, p):
                break
            d = d + d[p] * (p != np.arange(n))
            p = nxt
        row = d[src]
        row[~(has[src] | (src == src[a]))] = np.inf
        out[a] = row
    return out


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
    _pred: np.ndarray = field(repr=False)

    def path(self, i: int, j: int) -> list[int]:
        """Road node ids along the fastest path from stop ``i`` to stop ``j`` (positions in ``nodes``)."""
        if i == j:
            return [self.nodes[i]]
        target = self._csr.index[self.nodes[j]]
        pred = self._pred[i]
        if pred[target] < 0 and self._csr.index[self.nodes[i]] != target:
            return []
        seq = [target]
        while seq[-1] != self._csr.index[self.nodes[i]]:
            seq.append(int(pred[seq[-1]]))
        return [self._csr.nodes[k] for k in reversed(seq)]


def travel_matrix(G: Any, nodes: Sequence[int], kind: str, workers: int | None = None) -> TravelMatrix:
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
        Threads for the one-to-all searches; defaults to the number of cores.

    Returns
    -------
    TravelMatrix
    """
    csr = to_csr(G, f"travel_time_{kind}")
    uniq = list(dict.fromkeys(nodes))
    src = np.array([csr.index[n] for n in uniq], dtype=np.int64)
    workers = workers or min(os.cpu_count() or 1, 8)
    dist_all, pred = _dijkstra_chunks(csr.matrix, src, workers)
    tt = dist_all[:, src]
    length = _path_lengths(csr.length, pred, src)
    pos = {n: k for k, n in enumerate(uniq)}
    sel = np.array([pos[n] for n in nodes], dtype=np.int64)
    tm = TravelMatrix(kind, list(nodes), tt[np.ix_(sel, sel)], length[np.ix_(sel, sel)], csr, pred[sel])
    log.info("%s matrix %d x %d", kind, len(nodes), len(nodes))
    return tm
