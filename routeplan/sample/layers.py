"""The synthetic layers placed on the network: vital objects, crime hotspots and desa boundaries (GeoJSON)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
from shapely.geometry import MultiPoint, Point, Polygon, box
from shapely.ops import voronoi_diagram

from routeplan.sample.frame import (
    DESA_CENTRES,
    HALF_H,
    HALF_W,
    LAT0,
    LON0,
    M_PER_DEG_LAT,
    M_PER_DEG_LON,
    SYNTHETIC,
    Pt,
    clamp,
    desa_of,
    lonlat7,
    polygon_coords,
    primary_x,
)
from routeplan.sample.network import Net

# (category, name, desa the name refers to or None, anchor, extra properties)
_OBJECTS: list[tuple[str, str, str | None, str, dict[str, Any]]] = [
    ("pasar", "Pasar Kunir", None, "market", {"priority": 1, "visits_per_week": 7, "dwell_minutes": 15,
                                             "windows": ["04:00-10:00"]}),
    ("pasar", "Pasar Kedungmoro", "Kedungmoro", "centre", {"priority": 2, "visits_per_week": 2,
                                                           "windows": ["04:00-09:00"], "days": ["mon", "thu"]}),
    ("bank", "Bank BRI Unit Kunir", None, "town", {"priority": 1, "windows": ["08:00-15:00"]}),
    ("bank", "Bank Jatim Kantor Kas Kunir", None, "town", {}),
    ("bank", "Bank BRI Teras Jatiguwi", "Jatiguwi", "centre", {"visits_per_week": 3}),
    ("atm", "ATM BRI Pasar Kunir", None, "market", {"visits_per_week": 4, "windows": ["19:00-02:00"]}),
    ("spbu", "SPBU 54.673.12 Kunir", None, "primary:-700", {"priority": 1, "visits_per_week": 5,
                                                            "windows": ["20:00-04:00"]}),
    ("spbu", "SPBU 54.673.27 Jatimulyo", None, "primary:4000", {}),
    ("kantor_kecamatan", "Kantor Kecamatan Kunir", None, "town", {"priority": 1}),
    *[("kantor_desa", f"Kantor Desa {d}", d, "centre", {}) for d in DESA_CENTRES],
    ("sekolah", "SMP Negeri 1 Kunir", None, "town", {"priority": 2, "windows": ["06:30-07:30", "12:00-13:30"],
                                                    "days": ["mon", "tue", "wed", "thu", "fri", "sat"]}),
    ("sekolah", "SDN Kunir Lor 01", "Kunir Lor", "desa", {}),
    ("sekolah", "SDN Kunir Kidul 02", "Kunir Kidul", "desa", {}),
    ("sekolah", "SDN Kedungmoro 01", "Kedungmoro", "desa", {}),
    ("sekolah", "MI Miftahul Ulum Karanglo", "Karanglo", "desa", {"dwell_minutes": 8}),
    ("sekolah", "SDN Sukosari 01", "Sukosari", "desa", {}),
    ("sekolah", "SDN Jatirejo 03", "Jatirejo", "desa", {}),
    ("sekolah", "MTs Al-Hikmah Dorogowok", "Dorogowok", "desa", {}),
    ("tempat_ibadah", "Masjid Jami' Al-Ikhlas Kunir", None, "town", {"visits_per_week": 1, "dwell_minutes": 20,
                                                                     "windows": ["11:30-13:00"], "days": ["fri"]}),
    ("tempat_ibadah", "Masjid Baiturrahman Kabuaran", "Kabuaran", "desa", {}),
    ("tempat_ibadah", "Masjid Al-Falah Jatiguwi", "Jatiguwi", "desa", {}),
    ("tempat_ibadah", "Masjid Nurul Iman Sukorejo", "Sukorejo", "desa", {}),
    ("tempat_ibadah", "Musholla Al-Amin Jatimulyo", "Jatimulyo", "desa", {"visits_per_week": 1}),
    ("tempat_ibadah", "Masjid Darussalam Dorogowok", "Dorogowok", "desa", {}),
    ("tempat_ibadah", "GKJW Jemaat Kunir Kidul", "Kunir Kidul", "desa", {"visits_per_week": 1,
                                                                        "windows": ["06:00-10:00"], "days": ["sun"]}),
    ("tempat_ibadah", "Masjid At-Taqwa Karanglo", "Karanglo", "desa", {}),
    ("tps", "TPS 03 Karanglo", "Karanglo", "desa", {"priority": 1, "visits_per_week": 2}),
    ("tps", "TPS 01 Kunir Lor", "Kunir Lor", "desa", {}),
    ("tps", "TPS 05 Kedungmoro", "Kedungmoro", "desa", {}),
    ("tps", "TPS 02 Sukosari", "Sukosari", "desa", {}),
    ("tps", "TPS 04 Jatirejo", "Jatirejo", "desa", {}),
    ("tps", "TPS 07 Kabuaran", "Kabuaran", "desa", {}),
    ("tps", "TPS 01 Jatimulyo", "Jatimulyo", "desa", {}),
    ("minimarket", "Indomaret Kunir", None, "town", {"windows": ["21:00-02:00"]}),
    ("minimarket", "Alfamart Kunir Kidul", None, "primary:-1300", {}),
    ("minimarket", "Indomaret Jatiguwi", "Jatiguwi", "desa", {}),
    ("minimarket", "Alfamart Jatimulyo", None, "primary:4350", {}),
    ("minimarket", "Indomaret Sukorejo", "Sukorejo", "desa", {"visits_per_week": 2}),
    ("gudang", "Gudang Tebu KUD Tani Makmur Dorogowok", "Dorogowok", "dusun", {"priority": 2, "visits_per_week": 3,
                                                                              "windows": ["20:00-04:00"]}),
    ("pabrik", "Pabrik Penggilingan Padi Sumber Rejeki Kabuaran", "Kabuaran", "dusun", {}),
]


def _anchor_candidates(net: Net, info: dict[str, Any], anchor: str, desa: str | None) -> list[Pt]:
    """Road nodes an object with this anchor may be placed near."""
    nodes_of = {i: [net.xy[n] for n in w.nodes] for i, w in enumerate(net.ways)}
    xc, yc = info["town"]
    if anchor == "market":
        return [p for p in net.xy if math.dist(p, (xc + 120.0, yc)) < 180]
    if anchor == "town":
        return [p for i in info["town_ways"] for p in nodes_of[i]]
    if anchor.startswith("primary:"):
        y = float(anchor.split(":")[1])
        return [p for p in nodes_of[info["primary"]] if abs(p[1] - y) < 250]
    assert desa is not None, anchor  # the other anchors name their desa in _OBJECTS
    if anchor == "centre":
        return [p for p in net.xy if math.dist(p, DESA_CENTRES[desa]) < 200]
    if anchor == "desa":
        return [p for i in info["clusters"][desa] for p in nodes_of[i]]
    return [p for _, _, ids in info["dusun"][desa] for i in ids for p in nodes_of[i]]  # dusun


def vital_objects(net: Net, info: dict[str, Any], rng: np.random.Generator) -> list[dict[str, Any]]:
    """The vital objects as GeoJSON features, each 20-140 m off a road near its anchor, ids ``VO-001``..."""
    all_nodes = np.array(net.xy)
    placed: list[Pt] = []
    feats = []
    for k, (cat, name, desa, anchor, extra) in enumerate(_OBJECTS):
        cands = _anchor_candidates(net, info, anchor, desa)
        for _ in range(200):
            base = cands[int(rng.integers(len(cands)))]
            dist, ang = float(rng.uniform(30.0, 110.0)), float(rng.uniform(0.0, 2 * math.pi))
            p = clamp((base[0] + dist * math.cos(ang), base[1] + dist * math.sin(ang)), 50.0)
            nearest = float(np.min(np.hypot(all_nodes[:, 0] - p[0], all_nodes[:, 1] - p[1])))
            if nearest < 20.0 or nearest > 140.0 or any(math.dist(p, q) < 35.0 for q in placed):
                continue
            if desa is not None and desa_of(p) != desa:
                continue
            break
        else:
            raise RuntimeError(f"could not place {name}")
        placed.append(p)
        props: dict[str, Any] = {"id": f"VO-{k + 1:03d}", "name": name, "category": cat, "desa": desa or desa_of(p)}
        props.update(extra)
        feats.append({"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": lonlat7(p)}})
    return feats


# (name, anchor, shape, risk, types, active hours or None for any time)
_HOTSPOTS: list[tuple[str, str, str, float, list[str], list[str] | None]] = [
    ("Parkir Pasar Kunir", "obj:Pasar Kunir", "circle", 0.92, ["curanmor", "curas"], ["04:00-10:00"]),
    ("Pasar Kedungmoro (hari pasaran)", "obj:Pasar Kedungmoro", "cell", 0.58, ["curanmor"], ["04:00-09:00"]),
    ("SPBU Kunir malam", "obj:SPBU 54.673.12 Kunir", "circle", 0.61, ["curas"], ["22:00-04:00"]),
    ("SPBU Jatimulyo", "obj:SPBU 54.673.27 Jatimulyo", "point", 0.44, ["curas"], ["20:00-02:00"]),
    ("Jalan Raya Tempeh - Yosowilangun utara", "primary:3900", "cell", 0.67, ["curanmor", "curas"],
     ["18:00-23:00"]),
    ("Jalan Raya Tempeh - Yosowilangun Kunir Kidul", "primary:-1800", "cell", 0.73, ["curanmor"],
     ["18:00-23:00"]),
    ("Jalan Raya Tempeh - Yosowilangun selatan", "primary:-4300", "cell", 0.49, ["curas", "curanmor"],
     ["19:00-01:00"]),
    ("Simpang Tiga Kunir", "primary:1300", "circle", 0.55, ["curanmor"], None),
    ("Kandang ternak Jatiguwi", "dusun:Jatiguwi", "circle", 0.71, ["curhewan"], ["23:00-04:00"]),
    ("Kandang ternak Dorogowok", "dusun:Dorogowok", "circle", 0.64, ["curhewan"], ["23:00-04:00"]),
    ("Kandang ternak Karanglo", "dusun:Karanglo", "cell", 0.38, ["curhewan"], ["23:00-04:00"]),
    ("Kandang ternak Sukorejo", "dusun:Sukorejo", "circle", 0.47, ["curhewan", "curat"], ["22:00-04:00"]),
    ("Kandang ternak Kedungmoro", "dusun:Kedungmoro", "point", 0.29, ["curhewan"], ["00:00-04:00"]),
    ("Indomaret Kunir", "obj:Indomaret Kunir", "point", 0.35, ["curat"], ["21:00-03:00"]),
    ("Bank BRI Unit Kunir", "obj:Bank BRI Unit Kunir", "cell", 0.52, ["curas"], ["08:00-15:00"]),
    ("Gudang Tebu Dorogowok", "obj:Gudang Tebu KUD Tani Makmur Dorogowok", "cell", 0.41, ["curat"],
     ["20:00-04:00"]),
    ("Parkir SMP Negeri 1 Kunir", "obj:SMP Negeri 1 Kunir", "point", 0.22, ["curanmor"], ["07:00-13:00"]),
    ("Permukiman Kabuaran", "desa:Kabuaran", "cell", 0.33, ["curat"], ["00:00-04:00"]),
    ("Jalan tembus Jatirejo - Sukorejo", "mid:Jatirejo:Sukorejo", "circle", 0.57, ["curas", "curanmor"],
     ["19:00-02:00"]),
    ("Permukiman Kunir Lor", "desa:Kunir Lor", "circle", 0.18, ["curat", "curanmor"], None),
]


def _hotspot_centre(net: Net, info: dict[str, Any], obj_xy: dict[str, Pt], anchor: str,
                    rng: np.random.Generator) -> Pt:
    """The road node (or the point between an object and its road) a hotspot is centred on."""
    all_nodes = np.array(net.xy)

    def nearest_node(p: Pt) -> Pt:
        i = int(np.argmin(np.hypot(all_nodes[:, 0] - p[0], all_nodes[:, 1] - p[1])))
        return net.xy[i]

    kind, _, rest = anchor.partition(":")
    if kind == "obj":
        o = obj_xy[rest]
        n = nearest_node(o)
        return ((o[0] + n[0]) / 2, (o[1] + n[1]) / 2)  # between the object and its road
    if kind == "primary":
        return nearest_node((primary_x(float(rest)), float(rest)))
    if kind == "dusun":
        _, p, _ = info["dusun"][rest][0]
        ang = float(rng.uniform(0.0, 2 * math.pi))
        return nearest_node((p[0] + 120 * math.cos(ang), p[1] + 120 * math.sin(ang)))
    if kind == "desa":
        ctr = DESA_CENTRES[rest]
        ang = float(rng.uniform(0.0, 2 * math.pi))
        return nearest_node((ctr[0] + 150 * math.cos(ang), ctr[1] + 150 * math.sin(ang)))
    a, b = rest.split(":")  # mid:A:B
    pa, pb = DESA_CENTRES[a], DESA_CENTRES[b]
    return nearest_node(((pa[0] + pb[0]) / 2, (pa[1] + pb[1]) / 2))


def _hotspot_geometry(c: Pt, shape: str, rng: np.random.Generator) -> dict[str, Any]:
    """A point, a square cell or a 16-gon circle of 75-125 m around ``c``, as GeoJSON geometry."""
    if shape == "point":
        return {"type": "Point", "coordinates": lonlat7(c)}
    if shape == "cell":
        half = float(rng.uniform(75.0, 125.0))
        cell = box(c[0] - half, c[1] - half, c[0] + half, c[1] + half)
        return {"type": "Polygon", "coordinates": polygon_coords(cell)}
    radius = float(rng.uniform(75.0, 125.0))
    ring = [(c[0] + radius * math.cos(2 * math.pi * i / 16), c[1] + radius * math.sin(2 * math.pi * i / 16))
            for i in range(16)]
    return {"type": "Polygon", "coordinates": polygon_coords(Polygon(ring))}


def hotspots(net: Net, info: dict[str, Any], objects: list[dict[str, Any]],
             rng: np.random.Generator) -> list[dict[str, Any]]:
    """The crime hotspots as GeoJSON features (ids ``HS-01``...), placed by their anchors."""
    obj_xy: dict[str, Pt] = {}
    for f in objects:
        lon, lat = f["geometry"]["coordinates"]
        obj_xy[f["properties"]["name"]] = ((lon - LON0) * M_PER_DEG_LON, (lat - LAT0) * M_PER_DEG_LAT)
    feats = []
    for k, (name, anchor, shape, risk, types, hours) in enumerate(_HOTSPOTS):
        c = _hotspot_centre(net, info, obj_xy, anchor, rng)
        geom = _hotspot_geometry(c, shape, rng)
        props: dict[str, Any] = {"id": f"HS-{k + 1:02d}", "name": name, "risk": risk, "types": types}
        if hours is not None:
            props["active_hours"] = hours
        feats.append({"type": "Feature", "properties": props, "geometry": geom})
    return feats


def desa_polygons() -> list[dict[str, Any]]:
    """The desa boundaries: the Voronoi cells of the desa centres, clipped to the area (ids ``DS-01``...)."""
    area = box(-HALF_W, -HALF_H, HALF_W, HALF_H)
    cells = voronoi_diagram(MultiPoint(list(DESA_CENTRES.values())), envelope=area)
    feats = []
    for k, (name, c) in enumerate(DESA_CENTRES.items()):
        cell = next(g for g in cells.geoms if g.contains(Point(c)))
        poly = cell.intersection(area)
        feats.append({"type": "Feature", "properties": {"id": f"DS-{k + 1:02d}", "desa": name},
                      "geometry": {"type": "Polygon", "coordinates": polygon_coords(poly)}})
    return feats


def feature_collection(name: str, features: list[dict[str, Any]]) -> str:
    """A GeoJSON FeatureCollection (CRS84, with the SYNTHETIC note), one feature per line."""
    head = {"type": "FeatureCollection", "name": name, "description": SYNTHETIC,
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}}
    text = json.dumps(head, ensure_ascii=False)[:-1] + ', "features": [\n'
    text += ",\n".join(json.dumps(f, ensure_ascii=False) for f in features)
    return text + "\n]}\n"
