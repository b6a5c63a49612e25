"""Route sketches of the briefings: the route on the roads around it, main road names, numbered stops whose
labels do not overlap, the depot, a scale bar and north.

A sketch is laid out once (:func:`layout`, in pixels of a fixed-width canvas) and drawn twice: as inline SVG
for the HTML pages (:func:`to_svg`) and with PDF primitives (:mod:`routeplan.render.pdf`). The roads come
from the plan's road graph (:func:`road_lines`, kept in the plan folder as ``roads.geojson`` so that
``routeplan brief`` draws the same sketch later); without them the route lines alone are drawn.
Black, grey and white only, so it prints in black and white.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import shapely
from shapely.geometry import LineString, box
from shapely.strtree import STRtree

from routeplan import settings
from routeplan.i18n import t

#: Road classes drawn on sketches: highway values -> (class, stroke width px, grey).
MAIN = {"motorway", "trunk", "primary", "secondary", "motorway_link", "trunk_link", "primary_link", "secondary_link"}
TERTIARY = {"tertiary", "tertiary_link"}
ROAD_STYLE = {"main": (4.0, "#8a8a8a"), "tertiary": (2.6, "#a8a8a8"), "minor": (1.2, "#c4c4c4")}

Pt = tuple[float, float]


def _first(v: Any) -> str:
    if isinstance(v, (list, tuple)):
        v = v[0] if v else ""
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


def road_lines(G: nx.MultiDiGraph) -> dict[str, Any]:
    """The road graph as GeoJSON lines with ``name`` and ``cls`` (main, tertiary, minor), each street once."""
    feats = []
    seen: set[tuple[Any, ...]] = set()
    for u, v, data in G.edges(data=True):
        key = (min(u, v), max(u, v), _first(data.get("osmid")))
        if key in seen:
            continue
        seen.add(key)
        geom = data.get("geometry")
        pts = list(geom.coords) if geom is not None else [(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])]
        hw = _first(data.get("highway"))
        cls = "main" if hw in MAIN else "tertiary" if hw in TERTIARY else "minor"
        feats.append({"type": "Feature", "properties": {"name": _first(data.get("name")), "cls": cls},
                      "geometry": {"type": "LineString", "coordinates": [[round(x, 6), round(y, 6)] for x, y in pts]}})
    return {"type": "FeatureCollection", "features": feats}


def read_roads(path: Path) -> list[tuple[str, str, list[Pt]]] | None:
    """Roads of a ``roads.geojson`` written by :func:`road_lines` as ``(name, cls, points)``; None when absent."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        # a class the sketch does not draw (an edited file) is drawn as a minor road
        return [(str(f["properties"].get("name") or ""), _road_class(f["properties"].get("cls")),
                 [(float(x), float(y)) for x, y in f["geometry"]["coordinates"]]) for f in data["features"]]
    except (ValueError, KeyError, TypeError):
        return None  # a damaged optional file: the sketch falls back to the route lines


def _road_class(value: Any) -> str:
    return value if isinstance(value, str) and value in ROAD_STYLE else "minor"


def roads_from_graph(G: nx.MultiDiGraph | None) -> list[tuple[str, str, list[Pt]]] | None:
    """:func:`road_lines` of a graph as ``(name, cls, points)``, or None without a graph."""
    if G is None:
        return None
    return [(f["properties"]["name"], f["properties"]["cls"], [tuple(p) for p in f["geometry"]["coordinates"]])
            for f in road_lines(G)["features"]]


class RoadIndex:
    """Roads ``(name, cls, points)`` as shapely lines in a spatial index, built once for all sketches of a plan.

    A plan has dozens of routes and its road graph thousands of streets; building every street's line again for
    each sketch was most of the time of drawing them.
    """

    def __init__(self, roads: list[tuple[str, str, list[Pt]]]):
        # the edges of one street (name and class) joined where they meet end to end: a dense town has thousands
        # of edges in a sketch, and each was a polyline of its own to lay out, write and draw
        groups: dict[tuple[str, str], list[list[Pt]]] = {}
        for name, cls, pts in roads:
            if len(pts) >= 2:
                groups.setdefault((name, _road_class(cls)), []).append(pts)
        self.roads: list[tuple[str, str, list[Pt]]] = []
        lines = []
        for (name, cls), parts in groups.items():
            merged = shapely.line_merge(shapely.MultiLineString(parts)) if len(parts) > 1 else LineString(parts[0])
            for g in getattr(merged, "geoms", [merged]):
                self.roads.append((name, cls, list(g.coords)))
                lines.append(g)
        self.lines = np.array(lines, dtype=object)
        self.tree = STRtree(self.lines)

    def clipped(self, frame: Any) -> list[tuple[str, str, Any]]:
        """``(name, cls, geometry)`` of the roads meeting ``frame``, cut to it, in the order they were given."""
        hits = np.sort(self.tree.query(frame, predicate="intersects"))
        if not len(hits):
            return []
        parts = self.lines[hits].copy()
        # most roads of a sketch lie wholly inside its frame: only those crossing its edge are cut (GEOS overlay is
        # the costly part of clipping)
        shapely.prepare(frame)
        cut = ~shapely.contains_properly(frame, parts)
        parts[cut] = shapely.intersection(parts[cut], frame)
        return [(self.roads[i][0], self.roads[i][1], g) for i, g in zip(hits.tolist(), parts)]


def road_index(roads: list[tuple[str, str, list[Pt]]] | RoadIndex | None) -> RoadIndex | None:
    """``roads`` as a :class:`RoadIndex` (as given when it is one already), or None without roads."""
    if roads is None or isinstance(roads, RoadIndex):
        return roads
    return RoadIndex(roads)


def _projected_roads(clipped: list[tuple[str, str, Any]], ox: float, oy: float, x0: float, y0: float, kx: float,
                     scale: float, height: float) -> list[tuple[str, str, list[Pt]]]:
    """The clipped roads' lines in canvas pixels, as :func:`layout`'s ``P`` projects a point, all at once.

    Points closer than a quarter pixel to the line through their neighbours are left out (shapely's
    simplify, in degrees of latitude): at a sketch's scale a town's streets have several vertices a pixel.
    """
    if not clipped:
        return []
    # a cut road may fall apart into several lines (or touch the frame in a point): its lines, all at once
    pieces, owner = shapely.get_parts(np.array([g for _n, _c, g in clipped], dtype=object), return_index=True)
    keep = (shapely.get_type_id(pieces) == 1) & (shapely.get_num_coordinates(pieces) >= 2)
    parts = [(clipped[k][0], clipped[k][1], g) for k, g in zip(owner[keep].tolist(), pieces[keep])]
    if not parts:
        return []
    lines = shapely.simplify(pieces[keep], 0.25 / scale)
    coords, which = shapely.get_coordinates(lines, return_index=True)
    xs = np.round(ox + (coords[:, 0] - x0) * kx * scale, 1).tolist()
    ys = np.round(height - oy - (coords[:, 1] - y0) * scale, 1).tolist()
    bounds = np.searchsorted(which, np.arange(len(parts) + 1)).tolist()
    return [(name, cls, list(zip(xs[a:b], ys[a:b]))) for (name, cls, _g), a, b in zip(parts, bounds, bounds[1:])
            if b - a >= 2]


@dataclass
class Label:
    """A stop-number label: its text, box centre and size, and the point it names."""

    text: str
    x: float
    y: float
    w: float
    h: float
    ax: float
    ay: float


@dataclass
class Sketch:
    """A laid-out route sketch in pixels (origin top left)."""

    width: float
    height: float
    roads: list[tuple[str, list[Pt]]] = field(default_factory=list)
    route: list[Pt] = field(default_factory=list)
    depot: Pt | None = None
    stops: list[tuple[float, float, bool]] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    road_labels: list[tuple[str, float, float, float]] = field(default_factory=list)
    arrows: list[tuple[float, float, float]] = field(default_factory=list)
    scale_px: float = 0.0
    scale_text: str = ""


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Overlapping area of two boxes (x0, y0, x1, y1)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


# long: one layout pass (projection, roads, labels, road names, arrows, scale) reads best in one place
def layout(path: list[Pt], stops: list[dict[str, Any]], depot: Pt | None,
           roads: list[tuple[str, str, list[Pt]]] | RoadIndex | None = None, width: int = 600,
           max_height: int = 440) -> Sketch | None:
    """Lay out a route sketch: project lon/lat (equirectangular), place labels, pick road names.

    Parameters
    ----------
    path
        The route's road path (lon, lat).
    stops
        Stops in visiting order, dicts with ``lon``, ``lat`` and ``kind``.
    depot
        The depot (lon, lat), or None.
    roads
        ``(name, cls, points)`` of the road graph (or their :class:`RoadIndex`, when many sketches share them),
        or None to draw the route lines alone.
    width, max_height
        Canvas size in pixels.
    """
    pts = list(path) + [(s["lon"], s["lat"]) for s in stops] + ([depot] if depot else [])
    if not pts:
        return None
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    lat0 = (min(ys) + max(ys)) / 2
    kx = math.cos(math.radians(lat0))
    margin = settings.sketch_margin_m / 111_320
    x0, x1 = min(xs) - margin / kx * 0.3, max(xs) + margin / kx * 0.3
    y0, y1 = min(ys) - margin * 0.3, max(ys) + margin * 0.3
    span_x, span_y = max((x1 - x0) * kx, 1e-4), max(y1 - y0, 1e-4)
    pad = 26
    scale = min((width - 2 * pad) / span_x, (max_height - 2 * pad) / span_y)
    height = max(int(min(max_height, span_y * scale + 2 * pad)), 180)
    ox, oy = (width - span_x * scale) / 2, (height - span_y * scale) / 2

    def P(lon: float, lat: float) -> Pt:
        return (round(ox + (lon - x0) * kx * scale, 1), round(height - oy - (lat - y0) * scale, 1))

    sk = Sketch(width=width, height=height)
    # roads within the canvas (clipped to its lon/lat box)
    lon_lo, lon_hi = x0 - (ox / scale) / kx, x0 + ((width - ox) / scale) / kx
    lat_lo, lat_hi = y0 - oy / scale, y0 + (height - oy) / scale
    frame = box(lon_lo, lat_lo, lon_hi, lat_hi)
    named: dict[str, tuple[float, str, list[Pt]]] = {}
    index = road_index(roads)
    for name, cls, pp in _projected_roads(index.clipped(frame) if index else [], ox, oy, x0, y0, kx, scale, height):
        sk.roads.append((cls, pp))
        if name and cls != "minor":
            length = sum(math.dist(a, b) for a, b in zip(pp, pp[1:]))
            rank = length * (3 if cls == "main" else 1)
            if rank > named.get(name, (0.0, "", []))[0]:
                named[name] = (rank, cls, pp)
    sk.roads.sort(key=lambda r: ("minor", "tertiary", "main").index(r[0]))
    sk.route = [P(x, y) for x, y in path]
    if depot:
        sk.depot = P(*depot)
    sk.stops = [(*P(s["lon"], s["lat"]), s.get("kind") == "hotspot") for s in stops]
    blocked: list[tuple[float, float, float, float]] = [(x - 5, y - 5, x + 5, y + 5) for x, y, _ in sk.stops]
    if sk.depot:
        dx, dy = sk.depot
        blocked.append((dx - 9, dy - 9, dx + 9, dy + 9))
    # stop numbers: stops drawn within 7 px of each other share one label ("3/7")
    groups: list[tuple[float, float, list[int]]] = []
    for i, (x, y, _h) in enumerate(sk.stops, start=1):
        g0 = next((g for g in groups if math.dist((g[0], g[1]), (x, y)) < 7), None)
        if g0:
            g0[2].append(i)
        else:
            groups.append((x, y, [i]))
    for x, y, nums in groups:
        text = "/".join(map(str, nums)) if len(nums) <= 3 else f"{nums[0]}/…/{nums[-1]}"
        w, h = max(20.0, 8.5 * len(text) + 8), 18.0
        best: tuple[float, Pt] | None = None
        for dist in (17, 25, 36, 50):
            for k in range(8):
                ang = math.radians(-45 + 45 * k)
                cx, cy = x + dist * math.cos(ang) * (1 + w / 60), y - dist * math.sin(ang)
                bx = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
                out = bx[0] < 2 or bx[1] < 2 or bx[2] > width - 2 or bx[3] > height - 22
                cost = sum(_overlap(bx, o) for o in blocked) + (1e6 if out else 0) + dist * 0.01
                if best is None or cost < best[0]:
                    best = (cost, (cx, cy))
            if best and best[0] < 1:
                break
        assert best is not None
        cx, cy = best[1]
        blocked.append((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
        sk.labels.append(Label(text, round(cx, 1), round(cy, 1), w, h, x, y))
    # road names along their longest stretch, where they do not cover a label
    for name, (_rank, _cls, pp) in sorted(named.items(), key=lambda kv: -kv[1][0])[: settings.sketch_road_labels]:
        segs = sorted(zip(pp, pp[1:]), key=lambda ab: -math.dist(*ab))
        (ax, ay), (bx2, by2) = segs[0]
        ang = math.degrees(math.atan2(by2 - ay, bx2 - ax))
        if ang > 90:
            ang -= 180
        elif ang < -90:
            ang += 180
        mx, my = (ax + bx2) / 2, (ay + by2) / 2
        half = 3.3 * len(name)
        bxn = (mx - half, my - 7, mx + half, my + 7)
        if any(_overlap(bxn, o) > 0 for o in blocked) or not (half < mx < width - half and 10 < my < height - 24):
            continue
        blocked.append(bxn)
        sk.road_labels.append((name, round(mx, 1), round(my, 1), round(ang, 1)))
    # direction arrows at about every 80 px of the route
    run = 0.0
    for a, b in zip(sk.route, sk.route[1:]):
        seg = math.dist(a, b)
        run += seg
        if run >= 80 and seg > 6:
            run = 0.0
            sk.arrows.append(((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))))
    metres_per_px = 111_320 / scale
    target = metres_per_px * width / 4
    nice = min((c for c in (100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000) if c >= target / 2), default=20000)
    sk.scale_px = round(nice / metres_per_px, 1)
    sk.scale_text = f"{nice / 1000:g} km" if nice >= 1000 else f"{nice} m"
    return sk


def to_svg(sk: Sketch | None, lang: str = "id") -> str:
    """The sketch as inline SVG; every text is escaped (road names come from OSM)."""
    if sk is None:
        return ""
    W, H = sk.width, sk.height
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" font-family="sans-serif">'
           f'<rect width="{W}" height="{H}" fill="#fff"/>']
    # one path of many lines per road class: a town's sketch has thousands of streets, and an element each was
    # most of a briefing's bytes (it travels over WhatsApp); the class names the style, never text from a file
    lines: dict[str, list[str]] = {}
    for cls, pp in sk.roads:
        lines.setdefault(cls if cls in ROAD_STYLE else "minor", []).append("M" + " ".join(f"{x},{y}" for x, y in pp))
    for cls, parts in lines.items():
        sw, grey = ROAD_STYLE[cls]
        out.append(f'<path class="road {cls}" d="{" ".join(parts)}" fill="none" stroke="{grey}" stroke-width="{sw}" '
                   'stroke-linecap="round"/>')
    if len(sk.route) >= 2:
        d = " ".join(f"{x},{y}" for x, y in sk.route)
        out.append(f'<polyline points="{d}" fill="none" stroke="#fff" stroke-width="7" stroke-linejoin="round"/>')
        out.append(f'<polyline class="route" points="{d}" fill="none" stroke="#111" stroke-width="3" '
                   'stroke-linejoin="round" stroke-linecap="round"/>')
    for x, y, ang in sk.arrows:
        out.append(f'<path class="arrow" d="M-5,-4 L4,0 L-5,4 z" fill="#111" transform="translate({x:.1f},{y:.1f}) rotate({ang:.0f})"/>')
    for name, x, y, ang in sk.road_labels:
        out.append(f'<text class="road-name" x="{x}" y="{y}" transform="rotate({ang} {x} {y})" font-size="11" '
                   f'font-style="italic" text-anchor="middle" dominant-baseline="middle" fill="#333" stroke="#fff" '
                   f'stroke-width="3" paint-order="stroke">{escape(name)}</text>')
    if sk.depot:
        x, y = sk.depot
        out.append(f'<rect class="depot" x="{x - 8}" y="{y - 8}" width="16" height="16" fill="#111" stroke="#fff" stroke-width="1.5"/>')
    for x, y, hot in sk.stops:
        out.append(f'<circle class="stop" cx="{x}" cy="{y}" r="4.5" fill="{"#555" if hot else "#fff"}" stroke="#111" stroke-width="2"/>')
    for lb in sk.labels:
        out.append(f'<line x1="{lb.ax}" y1="{lb.ay}" x2="{lb.x}" y2="{lb.y}" stroke="#111" stroke-width="1"/>'
                   f'<g class="label"><rect x="{lb.x - lb.w / 2:.1f}" y="{lb.y - lb.h / 2:.1f}" width="{lb.w:.1f}" '
                   f'height="{lb.h:.1f}" rx="8" fill="#fff" stroke="#111" stroke-width="1.5"/>'
                   f'<text x="{lb.x}" y="{lb.y + 4.5}" font-size="13" font-weight="700" text-anchor="middle">'
                   f"{escape(lb.text)}</text></g>")
    out.append(f'<g class="scale"><line x1="10" y1="{H - 10}" x2="{10 + sk.scale_px:.1f}" y2="{H - 10}" stroke="#111" stroke-width="3"/>'
               f'<text x="10" y="{H - 16}" font-size="14">{sk.scale_text}</text></g>')
    out.append(f'<g class="north"><path d="M{W - 16} 8 l6 16 h-12 z" fill="#111"/>'
               f'<text x="{W - 16}" y="40" font-size="14" text-anchor="middle">{escape(t("north", lang))}</text></g>')
    out.append("</svg>")
    return "".join(out)
