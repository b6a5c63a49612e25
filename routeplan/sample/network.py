"""The synthetic road network: a provincial road, a market town, desa and hamlets, village roads and farm tracks."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import numpy as np
from shapely.geometry import LineString, Point
from shapely.strtree import STRtree

from routeplan.sample.frame import (
    DESA_CENTRES,
    HALF_H,
    HALF_W,
    SYNTHETIC,
    TOWN_Y,
    Pt,
    clamp,
    polyline,
    primary_x,
    to_lonlat,
)

_SNAP_M = 1.0  # points closer than this become one OSM node
_T_SNAP_M = 4.0  # a way ending this close to another way is joined to it

_STREET_NAMES = (
    "Jalan Melati", "Jalan Kenanga", "Jalan Mawar", "Jalan Flamboyan", "Jalan Pahlawan", "Jalan Diponegoro",
    "Jalan Sudirman", "Jalan Gajah Mada", "Jalan Hayam Wuruk", "Jalan Imam Bonjol", "Jalan Kartini",
    "Jalan Masjid", "Jalan Sekolah", "Gang Anggrek", "Gang Dahlia", "Gang Cempaka", "Gang Kamboja",
    "Jalan Mangga", "Jalan Durian", "Jalan Rambutan", "Jalan Nangka", "Jalan Sawo", "Jalan Wijaya Kusuma",
    "Jalan Teratai", "Jalan Semeru", "Jalan Bromo", "Jalan Brawijaya", "Jalan Ahmad Yani",
)
_DUSUN_NAMES = (
    "Krajan", "Kebonan", "Sumberan", "Tegalrejo", "Gondang", "Karangsari", "Sidomulyo", "Ngemplak",
    "Sumbersari", "Plalangan", "Darungan", "Kalibendo", "Wonorejo", "Gedangan", "Tanggul", "Pakis",
    "Rowogempol", "Sawahan", "Kedungsari", "Jambearum", "Kampung Baru", "Tegalsari",
)


@dataclass
class _Way:
    pts: list[Pt]
    tags: dict[str, str]
    splits: list[Pt] = field(default_factory=list)  # points forced into the way (junctions)
    nodes: list[int] = field(default_factory=list)


class Net:
    """Ways in local metres; :meth:`build` nodes every crossing and gives shared OSM node ids."""

    def __init__(self) -> None:
        self.ways: list[_Way] = []
        self.xy: list[Pt] = []
        self._grid: dict[tuple[int, int], list[int]] = {}

    def add(self, pts: Sequence[Pt], **tags: str) -> int:
        """Add a way through ``pts`` (points closer than a metre merged) with OSM ``tags``; its index."""
        clean = [pts[0]]
        for p in pts[1:]:
            if math.dist(p, clean[-1]) > _SNAP_M:
                clean.append(p)
        self.ways.append(_Way(list(clean), dict(tags)))
        return len(self.ways) - 1

    def attach(self, way: int, p: Pt) -> Pt:
        """The point of ``way`` nearest to ``p``, registered as a junction of that way."""
        line = LineString(self.ways[way].pts)
        q = line.interpolate(line.project(Point(p)))
        pt = (q.x, q.y)
        self.ways[way].splits.append(pt)
        return pt

    def _node(self, p: Pt) -> int:
        cx, cy = math.floor(p[0] / (2 * _SNAP_M)), math.floor(p[1] / (2 * _SNAP_M))
        best, best_d = -1, _SNAP_M
        for gx in (cx - 1, cx, cx + 1):
            for gy in (cy - 1, cy, cy + 1):
                for nid in self._grid.get((gx, gy), ()):
                    d = math.dist(self.xy[nid], p)
                    if d <= best_d:
                        best, best_d = nid, d
        if best >= 0:
            return best
        self.xy.append(p)
        self._grid.setdefault((cx, cy), []).append(len(self.xy) - 1)
        return len(self.xy) - 1

    def build(self) -> None:
        """Join T-junctions, node every crossing and give each way its node ids."""
        lines = [LineString(w.pts) for w in self.ways]
        tree = STRtree(lines)
        # T-junctions: a way ending within a few metres of another way is joined to it
        for i, w in enumerate(self.ways):
            for end in (0, -1):
                p = Point(w.pts[end])
                for j in sorted(int(k) for k in tree.query(p, predicate="dwithin", distance=_T_SNAP_M)):
                    if j == i or lines[j].distance(p) == 0.0:
                        continue
                    q = lines[j].interpolate(lines[j].project(p))
                    w.pts[end] = (q.x, q.y)
                    self.ways[j].splits.append((q.x, q.y))
                    break
            lines[i] = LineString(w.pts)
        for i, li in enumerate(lines):
            for j in sorted(int(k) for k in tree.query(li)):
                if j <= i:
                    continue
                for p in _points_of(li.intersection(lines[j])):
                    self.ways[i].splits.append(p)
                    self.ways[j].splits.append(p)
        for w, line in zip(self.ways, lines):
            cum = [0.0]
            for a, b in zip(w.pts, w.pts[1:]):
                cum.append(cum[-1] + math.dist(a, b))
            keyed = [(cum[k], 0, k, p) for k, p in enumerate(w.pts)]
            keyed += [(line.project(Point(p)), 1, k, p) for k, p in enumerate(w.splits)]
            keyed.sort(key=lambda t: (t[0], t[1], t[2]))
            ids: list[int] = []
            for _, _, _, p in keyed:
                nid = self._node(p)
                if not ids or ids[-1] != nid:
                    ids.append(nid)
            w.nodes = ids
        self.ways = [w for w in self.ways if len(w.nodes) >= 2]

    def check_connected(self) -> None:
        """Raise if the network is not one strongly connected component (oneway respected)."""
        n = len(self.xy)
        fwd: list[list[int]] = [[] for _ in range(n)]
        back: list[list[int]] = [[] for _ in range(n)]
        used: set[int] = set()
        for w in self.ways:
            oneway = w.tags.get("oneway") == "yes"
            for u, v in zip(w.nodes, w.nodes[1:]):
                used.update((u, v))
                fwd[u].append(v)
                back[v].append(u)
                if not oneway:
                    fwd[v].append(u)
                    back[u].append(v)
        start = min(used)
        for adj in (fwd, back):
            seen = {start}
            stack = [start]
            while stack:
                for v in adj[stack.pop()]:
                    if v not in seen:
                        seen.add(v)
                        stack.append(v)
            if seen != used:
                raise RuntimeError(f"synthetic network is not strongly connected ({len(used) - len(seen)} nodes cut off)")


def _points_of(geom: Any) -> list[Pt]:
    if geom.is_empty:
        return []
    if isinstance(geom, Point):
        return [(geom.x, geom.y)]
    if hasattr(geom, "geoms"):
        out: list[Pt] = []
        for g in geom.geoms:
            out.extend(_points_of(g))
        return out
    coords = list(geom.coords)  # an overlap: node its ends
    return [tuple(coords[0]), tuple(coords[-1])]


def _rot(c: Pt, theta: float, u: float, v: float) -> Pt:
    ct, st = math.cos(theta), math.sin(theta)
    return (c[0] + u * ct - v * st, c[1] + u * st + v * ct)


def _street(c: Pt, theta: float, u0: float, v0: float, u1: float, v1: float, rng: np.random.Generator,
            step: float = 85.0, jitter: float = 3.0) -> list[Pt]:
    """A residential street in the rotated frame of a cluster; a vertex falls on u=0 / v=0 when crossed."""
    length = math.hypot(u1 - u0, v1 - v0)
    n = max(2, math.ceil(length / step))
    if n % 2:
        n += 1
    along_u = v0 == v1
    pts = []
    for k in range(n + 1):
        t = k / n
        u, v = u0 + (u1 - u0) * t, v0 + (v1 - v0) * t
        if 0 < k < n and k != n // 2:  # the middle vertex stays exact: the desa centre lies on it
            j = float(rng.normal(0.0, jitter))
            if along_u:
                v += j
            else:
                u += j
        pts.append(clamp(_rot(c, theta, u, v)))
    return pts


def build_network(rng: np.random.Generator) -> tuple[Net, dict[str, Any]]:
    """The whole network, noded and checked, and where its parts are.

    ``info`` holds ``primary`` (the provincial road's way), ``town`` (the market town centre), ``town_ways``,
    ``clusters`` (desa name -> its street ways) and ``dusun`` (desa name -> ``(name, centre, ways)`` per hamlet).
    The steps draw from ``rng`` in this order; changing it changes the sample.
    """
    net = Net()
    info: dict[str, Any] = {"clusters": {}, "dusun": {}}
    prim = _provincial_road(net)
    info["primary"] = prim
    info["town"] = (primary_x(TOWN_Y), TOWN_Y)
    info["town_ways"], gx, gy = _market_town(net, prim, rng)
    _desa_centres(net, rng, info["clusters"])
    _hamlets(net, rng, info["dusun"])
    _village_roads(net, prim, gx, gy, rng)
    _farm_tracks(net, rng)
    net.build()
    net.check_connected()
    return net, info


def _provincial_road(net: Net) -> int:
    """1. the provincial road, south to north."""
    ys = np.linspace(-HALF_H + 5.0, HALF_H - 5.0, 67)
    return net.add([(primary_x(float(y)), float(y)) for y in ys], highway="primary",
                   name="Jalan Raya Tempeh - Yosowilangun", surface="asphalt")


def _market_town(net: Net, prim: int, rng: np.random.Generator) -> tuple[list[int], list[float], list[float]]:
    """2. the market town: a street grid across the provincial road, two one-way streets by the market.

    Returns the town's ways and the x and y of its grid lines.
    """
    names = list(_STREET_NAMES)
    xc = primary_x(TOWN_Y)
    gx = [xc + d for d in (-450.0, -300.0, -150.0, 150.0, 300.0, 450.0, 600.0)]
    gy = [TOWN_Y + d for d in (-300.0, -150.0, 0.0, 150.0, 300.0)]
    town_ways: list[int] = []
    k = 0
    for y in gy:
        if y == TOWN_Y:
            junction = net.attach(prim, (xc, y))
            town_ways.append(net.add(polyline((gx[0], y), junction, rng, 75.0, 2.0), highway="residential",
                                     name="Jalan Pasar Barat"))
            town_ways.append(net.add(polyline(junction, (gx[-1], y), rng, 75.0, 2.0), highway="residential",
                                     name="Jalan Pasar Kunir", oneway="yes"))
            continue
        town_ways.append(net.add(polyline((gx[0], y), (gx[-1], y), rng, 75.0, 2.0), highway="residential",
                                 name=names[k]))
        k += 1
    for x in gx:
        tags: dict[str, str] = {"highway": "residential", "name": names[k]}
        a, b = (x, gy[0]), (x, gy[-1])
        if x == gx[3]:
            tags = {"highway": "residential", "name": "Jalan Pasar Timur", "oneway": "yes"}
            a, b = b, a  # one way southbound
        town_ways.append(net.add(polyline(a, b, rng, 75.0, 2.0), **tags))
        k += 1
    return town_ways, gx, gy


def _desa_centres(net: Net, rng: np.random.Generator, clusters: dict[str, list[int]]) -> None:
    """3. desa centres: a small rotated grid of residential streets each (their ways into ``clusters``)."""
    for name, c in DESA_CENTRES.items():
        theta = float(rng.uniform(0.0, math.pi))
        half_u, half_v = float(rng.uniform(230.0, 320.0)), float(rng.uniform(160.0, 230.0))
        ids: list[int] = []
        for v in (-half_v * 0.75, 0.0, half_v * 0.75):
            ids.append(net.add(_street(c, theta, -half_u, v, half_u, v, rng), highway="residential",
                               name=f"Jalan {name}" if v == 0.0 else f"Gang {name} {len(ids) + 1}"))
        for u in (-half_u * 0.6, 0.0, half_u * 0.6):
            ids.append(net.add(_street(c, theta, u, -half_v, u, half_v, rng), highway="residential",
                               name=f"Gang {name} {len(ids) + 1}"))
        clusters[name] = ids


def _hamlet_sites(c: Pt, n_dusun: int, rng: np.random.Generator) -> list[Pt]:
    """Up to ``n_dusun`` hamlet centres around the desa centre ``c``, in its own part of the area."""
    others = list(DESA_CENTRES.values())
    base = float(rng.uniform(0.0, 2 * math.pi))
    cands = []
    for j in range(16):
        ang = base + j * math.pi / 8
        dist = float(rng.uniform(650.0, 950.0))
        p = (c[0] + dist * math.cos(ang), c[1] + dist * math.sin(ang))
        if abs(p[0]) > HALF_W - 350 or abs(p[1]) > HALF_H - 350:
            continue
        near = min(others, key=lambda o: math.dist(o, p))
        if near != c or abs(p[0] - primary_x(p[1])) < 350:
            continue
        cands.append((-min(math.dist(o, p) for o in others if o != c), j, p))
    cands.sort()
    chosen: list[Pt] = []
    for _, _, p in cands:
        if all(math.dist(p, q) > 900 for q in chosen):
            chosen.append(p)
        if len(chosen) == n_dusun:
            break
    return chosen


def _hamlets(net: Net, rng: np.random.Generator, dusun: dict[str, list[tuple[str, Pt, list[int]]]]) -> None:
    """4. hamlets (dusun): a crossroads each, linked to the desa centre (each into ``dusun``)."""
    dn = 0
    for name, c in DESA_CENTRES.items():
        n_dusun = 1 + int(rng.integers(1, 3))
        dusun[name] = []
        for p in _hamlet_sites(c, n_dusun, rng):
            dname = _DUSUN_NAMES[dn % len(_DUSUN_NAMES)]
            dn += 1
            theta = float(rng.uniform(0.0, math.pi))
            lu, lv = float(rng.uniform(150.0, 230.0)), float(rng.uniform(120.0, 200.0))
            ids = [net.add(_street(p, theta, -lu, 0.0, lu, 0.0, rng), highway="residential", name=f"Jalan Dusun {dname}"),
                   net.add(_street(p, theta, 0.0, -lv, 0.0, lv, rng), highway="residential", name=f"Gang {dname}")]
            net.add(polyline(c, p, rng, 160.0, 8.0, 0.08), highway="unclassified", name=f"Jalan Dusun {dname}")
            dusun[name].append((dname, p, ids))


#: Unclassified roads between desa centres (or to the provincial road at a northing when the second is None).
_DESA_LINKS: list[tuple[str, str | None, float]] = [
    ("Kunir Lor", None, 1900.0), ("Kunir Lor", "Kedungmoro", 0), ("Kunir Lor", "Jatimulyo", 0),
    ("Jatimulyo", None, 4350.0), ("Jatimulyo", "Kedungmoro", 0), ("Karanglo", "Sukosari", 0),
    ("Kabuaran", "Kedungmoro", 0), ("Kabuaran", "Dorogowok", 0), ("Kunir Kidul", None, -1000.0),
    ("Kunir Kidul", "Dorogowok", 0), ("Kunir Kidul", "Kabuaran", 0), ("Sukosari", "Jatiguwi", 0),
    ("Jatiguwi", "Jatirejo", 0), ("Jatirejo", None, -3850.0), ("Sukorejo", None, -3650.0),
    ("Sukorejo", "Dorogowok", 0), ("Jatirejo", "Sukorejo", 0), ("Karanglo", "Kunir Lor", 0),
    ("Kunir Kidul", "Sukorejo", 0),
]


def _village_roads(net: Net, prim: int, gx: list[float], gy: list[float], rng: np.random.Generator) -> None:
    """5. village roads: tertiary to the provincial road and the area edge, unclassified between desa."""
    C = DESA_CENTRES

    def link(a: Pt, b: Pt, hw: str, nm: str, bow: float = 0.1) -> int:
        return net.add(polyline(a, b, rng, 170.0, 9.0, bow), highway=hw, name=nm)

    def on_primary(y: float) -> Pt:
        return net.attach(prim, (primary_x(y), y))

    town_e, town_w = (gx[-1], TOWN_Y + 150.0), (gx[0], TOWN_Y - 150.0)
    link(town_e, C["Kabuaran"], "tertiary", "Jalan Raya Kabuaran")
    link(C["Kabuaran"], (HALF_W - 5.0, 1250.0), "tertiary", "Jalan Raya Kabuaran")
    link(town_w, C["Sukosari"], "tertiary", "Jalan Raya Sukosari")
    link(C["Sukosari"], (-HALF_W + 5.0, 650.0), "tertiary", "Jalan Raya Sukosari")
    link(on_primary(-2000.0), C["Dorogowok"], "tertiary", "Jalan Raya Dorogowok")
    link(C["Dorogowok"], (HALF_W - 5.0, -2400.0), "tertiary", "Jalan Raya Dorogowok")
    link(on_primary(-2350.0), C["Jatiguwi"], "tertiary", "Jalan Raya Jatiguwi")
    link(C["Jatiguwi"], (-HALF_W + 5.0, -2000.0), "tertiary", "Jalan Raya Jatiguwi")
    link(on_primary(3600.0), C["Kedungmoro"], "tertiary", "Jalan Raya Kedungmoro")
    link(on_primary(3300.0), C["Karanglo"], "tertiary", "Jalan Raya Karanglo")
    link(C["Karanglo"], (-HALF_W + 5.0, 3700.0), "unclassified", "Jalan Karanglo")
    link(C["Kedungmoro"], (HALF_W - 5.0, 3900.0), "unclassified", "Jalan Kedungmoro")
    for a, b, y in _DESA_LINKS:
        target = on_primary(y) if b is None else C[b]
        link(C[a], target, "unclassified", f"Jalan {b or a}")
    link((gx[3], gy[-1]), C["Kunir Lor"], "unclassified", "Jalan Kunir Lor")
    link((gx[4], gy[0]), C["Kunir Kidul"], "unclassified", "Jalan Kunir Kidul")


def _farm_tracks(net: Net, rng: np.random.Generator) -> None:
    """6. farm tracks through the cane and rice fields: from a road vertex outwards, some rejoining a road."""
    roads = [i for i, w in enumerate(net.ways) if w.tags["highway"] in ("tertiary", "unclassified")]
    n_tracks = 0
    attempts = 0
    while n_tracks < 70 and attempts < 500:
        attempts += 1
        wi = roads[int(rng.integers(len(roads)))]
        pts = net.ways[wi].pts
        if len(pts) < 3:
            continue
        vi = int(rng.integers(1, len(pts) - 1))
        p0, pa, pb = pts[vi], pts[vi - 1], pts[vi + 1]
        dx, dy = pb[0] - pa[0], pb[1] - pa[1]
        nrm = math.hypot(dx, dy)
        side = 1.0 if rng.uniform() < 0.5 else -1.0
        ang = math.atan2(dx * side, -dy * side) + float(rng.normal(0.0, 0.25))
        length = float(rng.uniform(350.0, 1100.0))
        end = (p0[0] + length * math.cos(ang), p0[1] + length * math.sin(ang))
        if nrm == 0 or abs(end[0]) > HALF_W - 60 or abs(end[1]) > HALF_H - 60:
            continue
        if min(math.dist(end, q) for q in DESA_CENTRES.values()) < 350:
            continue
        rejoin = rng.uniform() < 0.45
        if rejoin:  # run on to the nearest vertex of another road
            end = _nearest_vertex(net, roads, wi, end)
        net.add(polyline(p0, end, rng, 130.0, 14.0, 0.12), highway="track", surface="unpaved")
        n_tracks += 1


def _nearest_vertex(net: Net, roads: list[int], skip: int, end: Pt) -> Pt:
    """The vertex of a road other than ``skip`` nearest ``end`` within 700 m, else ``end``."""
    best, best_d = None, 700.0
    for wj in roads:
        if wj == skip:
            continue
        for q in net.ways[wj].pts:
            dq = math.dist(q, end)
            if dq < best_d:
                best, best_d = q, dq
    return best if best is not None else end


def offset_from_road(net: Net, target: Pt, dist: float) -> Pt:
    """A point ``dist`` metres east of the road node nearest ``target``."""
    arr = np.array(net.xy)
    i = int(np.argmin(np.hypot(arr[:, 0] - target[0], arr[:, 1] - target[1])))
    return (net.xy[i][0] + dist, net.xy[i][1])


def osm_xml(net: Net) -> str:
    """The built network as OSM XML (nodes renumbered from 1 in id order, ways in order)."""
    used = sorted({n for w in net.ways for n in w.nodes})
    new_id = {old: i + 1 for i, old in enumerate(used)}
    s, w_, n_, e_ = -HALF_H, -HALF_W, HALF_H, HALF_W
    lo_min, la_min = to_lonlat(w_, s)
    lo_max, la_max = to_lonlat(e_, n_)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<!-- {escape(SYNTHETIC)} -->",
        '<osm version="0.6" generator="routeplan.sample">',
        f'  <bounds minlat="{la_min:.7f}" minlon="{lo_min:.7f}" maxlat="{la_max:.7f}" maxlon="{lo_max:.7f}"/>',
    ]
    for old in used:
        lon, lat = to_lonlat(*net.xy[old])
        out.append(f'  <node id="{new_id[old]}" visible="true" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    for i, w in enumerate(net.ways):
        out.append(f'  <way id="{i + 1}" visible="true" version="1">')
        out.extend(f'    <nd ref="{new_id[n]}"/>' for n in w.nodes)
        out.extend(f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in w.tags.items())
        out.append("  </way>")
    out.append("</osm>")
    return "\n".join(out) + "\n"
