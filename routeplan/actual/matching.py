"""Map matching: a hidden-Markov model over the road edges near each GPS point, solved with Viterbi.

The hidden state of a point is the road edge it was on (and where along it); the states of a point are the
edges within ``match_radius_m`` (the nearest few). The model is the usual one for GPS tracks
(Newson & Krumm 2009):

* emission: a Gaussian on the distance from the point to the edge (``match_sigma_m``, the GPS noise);
* transition: an exponential on ``|road distance - straight-line distance|`` between two consecutive
  points (``match_beta_m``): a car moves along roads, so the two distances agree for the true edges.

The road distance between two candidates on different edges goes through the edges' end nodes (shortest
paths on the undirected road graph, cached per node and cut off near the straight-line distance: a point
whose candidates cannot be reached from the previous ones starts a new stretch). Points that barely moved
are thinned out first: they carry no information on the road and dominate a track that dwells.

Why not a library: ``leuvenmapmatching`` (the HMM matcher on PyPI) needs the graph copied into its own map
structure; it was not tried. This one uses the road graph as loaded, shapely's STRtree for the candidates and
numpy per step, and matches a week of six units in seconds (``benchmarks/actual.py``).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import shapely
from shapely.geometry import LineString

import routeplan.settings as settings
from routeplan.model.geo import frame_of

#: Points closer than this (metres) to the last kept point are thinned out before matching.
THIN_M = 20.0
#: Two consecutive points whose straight-line speed is above this (m/s, 180 km/h) are a GPS jump.
MAX_SPEED_MS = 50.0
#: Most candidate edges per point.
MAX_CANDIDATES = 5
#: Node distance tables kept in the cache.
_CACHE_NODES = 20_000


@dataclass
class MatchResult:
    """The matched track.

    Attributes
    ----------
    km
        Road distance along the matched edges, plus the straight line across breaks of the chain.
    edges
        The matched edge (index into :attr:`RoadMatcher.edge_nodes`) of each point used, -1 where none.
    used
        Indices of the track points that were matched (after thinning).
    matched_share
        Share of the used points that lie on a matched edge.
    breaks
        Number of times the chain was broken (no candidate edge, a GPS jump or no road connection).
    """

    km: float
    edges: np.ndarray
    used: np.ndarray
    matched_share: float
    breaks: int = 0
    offsets: np.ndarray = field(default_factory=lambda: np.zeros(0))


class RoadMatcher:
    """Hidden-Markov map matcher over a road graph (see the module's text).

    Parameters
    ----------
    G
        The road graph (nodes with ``x``/``y`` in degrees, edges with an optional ``geometry``).
    sigma, beta, radius
        Emission noise, transition scale and candidate radius in metres (defaults from settings).
    """

    def __init__(self, G: nx.MultiDiGraph, sigma: float | None = None, beta: float | None = None,
                 radius: float | None = None) -> None:
        self.sigma = settings.match_sigma_m if sigma is None else sigma
        self.beta = settings.match_beta_m if beta is None else beta
        self.radius = settings.match_radius_m if radius is None else radius
        self.frame = frame_of(G)
        seen: set[tuple[int, int, int]] = set()
        lines: list[LineString] = []
        ends: list[tuple[int, int]] = []
        self.graph = nx.Graph()
        for u, v, k, d in sorted(G.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])):
            key = (min(u, v), max(u, v), k)
            if key in seen or u == v:
                continue
            seen.add(key)
            geom = d.get("geometry")
            if geom is None:
                coords = np.array([[G.nodes[u]["x"], G.nodes[u]["y"]], [G.nodes[v]["x"], G.nodes[v]["y"]]])
            else:
                coords = np.asarray(geom.coords)
            x, y = self.frame.xy(coords[:, 0], coords[:, 1])
            line = LineString(np.column_stack([x, y]))
            lines.append(line)
            ends.append((u, v))
            w = float(line.length)
            if not self.graph.has_edge(u, v) or self.graph[u][v]["length"] > w:
                self.graph.add_edge(u, v, length=w)
        self.lines = np.array(lines, dtype=object)
        self.edge_nodes = np.array(ends, dtype=np.int64).reshape(-1, 2)
        self.lengths = shapely.length(self.lines) if len(lines) else np.zeros(0)
        self.tree = shapely.STRtree(self.lines)
        self._dist: OrderedDict[int, tuple[float, dict[int, float]]] = OrderedDict()

    # -- candidates ---------------------------------------------------------------------------------
    def candidates(self, x: np.ndarray, y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per point: (edge indices, distances, offsets along the edge), nearest first, at most a few."""
        pts = shapely.points(x, y)
        pi, ei = self.tree.query(pts, predicate="dwithin", distance=self.radius)
        dist = shapely.distance(self.lines[ei], pts[pi]) if len(pi) else np.zeros(0)
        off = shapely.line_locate_point(self.lines[ei], pts[pi]) if len(pi) else np.zeros(0)
        order = np.lexsort((ei, dist, pi))
        pi, ei, dist, off = pi[order], ei[order], dist[order], off[order]
        out: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        starts = np.searchsorted(pi, np.arange(len(x) + 1))
        for i in range(len(x)):
            a, b = starts[i], min(starts[i + 1], starts[i] + MAX_CANDIDATES)
            out.append((ei[a:b], dist[a:b], off[a:b]))
        return out

    # -- road distances -----------------------------------------------------------------------------
    def _from(self, node: int, cutoff: float) -> dict[int, float]:
        got = self._dist.get(node)
        if got is not None and got[0] >= cutoff:
            self._dist.move_to_end(node)
            return got[1]
        reach = max(cutoff, 2 * got[0]) if got is not None else max(cutoff, 500.0)
        table = nx.single_source_dijkstra_path_length(self.graph, node, cutoff=reach, weight="length")
        self._dist[node] = (reach, table)
        if len(self._dist) > _CACHE_NODES:
            self._dist.popitem(last=False)
        return table

    def road_distance(self, e1: int, s1: float, e2: int, s2: float, cutoff: float) -> float:
        """Shortest road distance (metres) from ``s1`` along edge ``e1`` to ``s2`` along ``e2`` (inf beyond ``cutoff``)."""
        if e1 == e2:
            return abs(s2 - s1)
        a1, b1 = self.edge_nodes[e1]
        a2, b2 = self.edge_nodes[e2]
        l1, l2 = self.lengths[e1], self.lengths[e2]
        best = math.inf
        for n1, d1 in ((int(a1), s1), (int(b1), l1 - s1)):
            table = self._from(n1, cutoff)
            for n2, d2 in ((int(a2), s2), (int(b2), l2 - s2)):
                mid = table.get(n2)
                if mid is not None:
                    best = min(best, d1 + mid + d2)
        return best

    # -- Viterbi ------------------------------------------------------------------------------------
    def match(self, lon: np.ndarray, lat: np.ndarray, t: np.ndarray) -> MatchResult:
        """Match a track (degrees, seconds) to the roads; see :class:`MatchResult`."""
        x, y = self.frame.xy(lon, lat)
        used = _thin(x, y, np.asarray(t, dtype=float))
        if len(used) == 0:
            return MatchResult(0.0, np.zeros(0, dtype=np.int64), used, 0.0)
        ux, uy, ut = x[used], y[used], np.asarray(t, dtype=float)[used]
        cands = self.candidates(ux, uy)
        edges = np.full(len(used), -1, dtype=np.int64)
        offsets = np.zeros(len(used))
        km_m = 0.0
        breaks = 0
        chain: list[int] = []  # indices (into used) of the current stretch
        for i in range(len(used)):
            jump = bool(chain) and _speed(ux, uy, ut, chain[-1], i) > MAX_SPEED_MS
            if len(cands[i][0]) == 0 or jump:
                if chain:
                    km_m += self._solve(chain, cands, ux, uy, edges, offsets)
                    breaks += 1
                    chain = []
                continue
            chain.append(i)
        if chain:
            km_m += self._solve(chain, cands, ux, uy, edges, offsets)
        # straight line across the breaks between matched stretches (when the track was not interrupted)
        m = np.flatnonzero(edges >= 0)
        for a, b in zip(m[:-1], m[1:]):
            if b > a + 1 and ut[b] - ut[a] <= settings.actual_max_gap_minutes * 60:
                km_m += math.hypot(ux[b] - ux[a], uy[b] - uy[a])
        share = float((edges >= 0).mean())
        return MatchResult(km_m / 1000, edges, used, share, breaks, offsets)

    def _solve(self, chain: list[int], cands: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
               x: np.ndarray, y: np.ndarray, edges: np.ndarray, offsets: np.ndarray) -> float:
        """Viterbi over one stretch; writes its edges and offsets, returns its road distance (metres).

        A step none of whose candidates is reachable from the previous point's splits the stretch there.
        """
        total = 0.0
        start = 0
        while start < len(chain):
            end, metres = self._viterbi(chain[start:], cands, x, y, edges, offsets)
            total += metres
            start += end
        return total

    def _viterbi(self, chain: list[int], cands: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
                 x: np.ndarray, y: np.ndarray, edges: np.ndarray, offsets: np.ndarray) -> tuple[int, float]:
        e0, d0, _o0 = cands[chain[0]]
        cost = 0.5 * (d0 / self.sigma) ** 2
        back: list[np.ndarray] = []
        steps: list[np.ndarray] = []  # road distance of the chosen transition into each state
        n = 1
        for i_prev, i in zip(chain[:-1], chain[1:]):
            ep, _dp, op = cands[i_prev]
            ec, dc, oc = cands[i]
            gc = math.hypot(x[i] - x[i_prev], y[i] - y[i_prev])
            cutoff = 2 * gc + 2 * self.radius + 100
            road = np.array([[self.road_distance(int(a), float(sa), int(b), float(sb), cutoff)
                              for b, sb in zip(ec, oc)] for a, sa in zip(ep, op)])
            trans = np.abs(road - gc) / self.beta
            total = cost[:, None] + trans
            if not np.isfinite(total).any():
                break  # no road connects the two points: the stretch ends here
            arg = np.argmin(total, axis=0)
            cost = total[arg, np.arange(len(ec))] + 0.5 * (dc / self.sigma) ** 2
            back.append(arg)
            steps.append(road[arg, np.arange(len(ec))])
            n += 1
        state = int(np.argmin(cost))
        metres = 0.0
        for k in range(n - 1, -1, -1):
            i = chain[k]
            edges[i] = cands[i][0][state]
            offsets[i] = cands[i][2][state]
            if k > 0:
                metres += float(steps[k - 1][state])
                state = int(back[k - 1][state])
        return n, metres


def _thin(x: np.ndarray, y: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Indices of the points kept for matching: each at least :data:`THIN_M` from the last kept one."""
    keep: list[int] = []
    lx = ly = math.inf
    for i in range(len(x)):
        if math.hypot(x[i] - lx, y[i] - ly) >= THIN_M:
            keep.append(i)
            lx, ly = x[i], y[i]
    return np.array(keep, dtype=np.int64)


def _speed(x: np.ndarray, y: np.ndarray, t: np.ndarray, a: int, b: int) -> float:
    dt_s = max(t[b] - t[a], 1.0)
    return math.hypot(x[b] - x[a], y[b] - y[a]) / dt_s
