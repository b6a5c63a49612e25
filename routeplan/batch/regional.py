"""The regional form of a region file: one road file, kecamatan boundaries, regional layers and a template.

::

    name = "Polres Lumajang"
    osm_file = "lumajang.osm.pbf"        # roads of the whole region (.osm, .osm.pbf, ...)
    kecamatan = "kecamatan.geojson"      # one polygon per kecamatan, named by 'kecamatan' or 'name'
    template = "template.toml"           # [plan], [[shifts]], [speeds], and every [[depots]] and [[units]]
    vital_objects = "objects.geojson"    # optional regional layers (GeoJSON)
    hotspots = "hotspots.geojson"
    desa = "desa.geojson"
    buffer_m = 1000                      # roads kept around each kecamatan (default 1000)

Each kecamatan becomes a scenario folder (:func:`split_region`): the roads within ``buffer_m`` of its boundary,
the layer features that name it in a ``kecamatan`` property or lie in it, the depots inside it and the units of
those depots. The folders are cached by content under the cache folder: the same inputs are split once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tomllib
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import osmium
from shapely.geometry import Point, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep

from routeplan import settings
from routeplan._io import atomic_output_dir, check_input_file, read_text, safe_filename, write_text_atomic
from routeplan._toml import toml_table, toml_value
from routeplan.errors import InputError

log = logging.getLogger(__name__)

REGIONAL_KEYS = ("name", "osm_file", "kecamatan", "template", "vital_objects", "hotspots", "desa", "buffer_m")
_LAYERS = ("vital_objects", "hotspots", "desa")
_M_PER_DEG = 111_320.0


def _path(region: Path, raw: dict[str, Any], key: str, required: bool = True) -> Path | None:
    value = raw.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{region}: '{key}' must be a file path")
    p = Path(value).expanduser()
    what = {"osm_file": "OSM", "kecamatan": "kecamatan boundary", "vital_objects": "vital-object layer",
            "hotspots": "hotspot layer", "desa": "desa layer"}.get(key, key)
    return check_input_file(p if p.is_absolute() else region.parent / p, what,
                            settings.max_osm_bytes if key == "osm_file" else None)


def _features(path: Path, what: str) -> list[dict[str, Any]]:
    if path.suffix.lower() not in (".geojson", ".json"):
        raise InputError(f"{path}: regional {what} must be GeoJSON")
    try:
        data = json.loads(read_text(path, what))
    except ValueError as exc:
        raise InputError(f"{path}: not valid GeoJSON ({' '.join(str(exc).split())[:120]})") from None
    feats = data.get("features") if isinstance(data, dict) else None
    if not isinstance(feats, list):
        raise InputError(f"{path}: not a GeoJSON FeatureCollection")
    return [f for f in feats if isinstance(f, dict)]


def _kecamatan(path: Path) -> list[tuple[str, BaseGeometry]]:
    out: list[tuple[str, BaseGeometry]] = []
    for i, f in enumerate(_features(path, "kecamatan boundaries")):
        props = f.get("properties") or {}
        name = next((str(props[k]).strip() for k in ("kecamatan", "name", "nama") if props.get(k)), "")
        try:
            geom = shape(f.get("geometry"))
        except Exception:  # shapely raises several types for a bad geometry
            geom = None
        if not name or geom is None or geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
            raise InputError(f"{path} feature {i + 1}: needs a 'kecamatan' (or 'name') and a polygon")
        out.append((name, geom))
    if not out:
        raise InputError(f"{path}: no kecamatan polygons")
    return out


def _digest(paths: list[Path], extra: str) -> str:
    h = hashlib.sha256(extra.encode())
    for p in paths:
        h.update(b"\x00")
        with open(p, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()[:24]


def _runs(inside: list[bool]) -> list[tuple[int, int]]:
    """(start, end) index ranges of the runs of ``True``, each widened by one node on both sides."""
    runs, start = [], None
    for i, v in enumerate([*inside, False]):
        if v and start is None:
            start = i
        elif not v and start is not None:
            runs.append((max(0, start - 1), min(len(inside) - 1, i)))
            start = None
    return [r for r in runs if r[1] > r[0]]


def _clip_roads(osm_file: Path, areas: list[BaseGeometry]) -> list[str]:
    """OSM XML per area: the parts of every highway way inside the area (and the edge that leaves it), with tags."""
    prepared = [(prep(a), a.bounds) for a in areas]
    nodes: list[dict[int, tuple[float, float]]] = [{} for _ in areas]
    ways: list[list[str]] = [[] for _ in areas]
    proc = osmium.FileProcessor(str(osm_file)).with_locations().with_filter(osmium.filter.KeyFilter("highway"))
    try:
        for obj in proc:
            if not isinstance(obj, osmium.osm.Way):
                continue
            pts = [(nd.ref, nd.lon, nd.lat) for nd in obj.nodes if nd.location.valid()]
            if len(pts) < 2:
                continue
            lo = (min(p[1] for p in pts), min(p[2] for p in pts), max(p[1] for p in pts), max(p[2] for p in pts))
            tags = [f"    <tag k={quoteattr(t.k)} v={quoteattr(t.v)}/>" for t in obj.tags]
            for k, (area, b) in enumerate(prepared):
                if lo[2] < b[0] or lo[0] > b[2] or lo[3] < b[1] or lo[1] > b[3]:
                    continue
                for a, z in _runs([area.contains(Point(x, y)) for _, x, y in pts]):
                    part = pts[a:z + 1]
                    nodes[k].update((r, (x, y)) for r, x, y in part)
                    ways[k].append("\n".join([f'  <way id="{len(ways[k]) + 1}" version="1">',
                                              *(f'    <nd ref="{r}"/>' for r, _, _ in part), *tags, "  </way>"]))
    except RuntimeError as exc:  # osmium's error for a damaged file
        raise InputError(f"{osm_file}: cannot read the OSM file ({' '.join(str(exc).split())[:160]})") from None
    out = []
    for k in range(len(areas)):
        body = [f'  <node id="{r}" version="1" lat="{y:.7f}" lon="{x:.7f}"/>' for r, (x, y) in sorted(nodes[k].items())]
        out.append('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="routeplan batch">\n'
                   + "\n".join(body + ways[k]) + "\n</osm>\n")
    return out


def _where(feat: dict[str, Any], names: list[str], areas: list[BaseGeometry]) -> int | None:
    props = feat.get("properties") or {}
    named = str(props.get("kecamatan", "")).strip()
    if named:
        return names.index(named) if named in names else None
    try:
        p = shape(feat.get("geometry")).representative_point()
    except Exception:  # a feature without a usable geometry: the kecamatan's layer check reports it
        return None
    return next((k for k, a in enumerate(areas) if a.covers(p)), None)


# long: one scenario file per kecamatan, from the template's tables in their order
def _scenario_text(name: str, template: dict[str, Any], area: BaseGeometry, layers: list[str], tpl: Path) -> str:
    depots = [d for d in template.get("depots", []) if isinstance(d, dict)
              and isinstance(d.get("lon"), (int, float)) and isinstance(d.get("lat"), (int, float))
              and area.covers(Point(float(d["lon"]), float(d["lat"])))]
    ids = {str(d.get("id")) for d in depots}
    units = [u for u in template.get("units", []) if isinstance(u, dict) and str(u.get("depot")) in ids]
    if not units:
        raise InputError(f"{tpl}: no [[units]] has a depot inside kecamatan {name!r}")
    text = f"# made by routeplan batch from {tpl.name} for kecamatan {json.dumps(name, ensure_ascii=False)}\n"
    text += f"name = {toml_value(name)}\n\n"
    text += toml_table("area", {"name": name, "osm_file": "roads.osm"})
    for key in ("plan", "speeds"):
        if isinstance(template.get(key), dict):
            text += toml_table(key, template[key])
    if layers:
        text += toml_table("layers", {k: f"{k}.geojson" for k in layers})
    for d in depots:
        text += toml_table("depots", d, array=True)
    for s in template.get("shifts", []):
        text += toml_table("shifts", s, array=True)
    for u in units:
        text += toml_table("units", u, array=True)
    unit_ids = {str(u.get("id")) for u in units}
    for p in template.get("pins", []):
        if isinstance(p, dict) and str(p.get("unit")) in unit_ids:
            text += toml_table("pins", p, array=True)
    return text


def split_region(region: Path, raw: dict[str, Any]) -> list[tuple[str, Path | None, str, dict[str, Any]]]:
    """Make one scenario folder per kecamatan of a regional region file (cached by content).

    Returns (folder name, scenario path or None, error, boundary as GeoJSON) per kecamatan, in the boundary
    layer's order: a kecamatan that cannot be made (no unit there) has its one-line error instead of a scenario.
    """
    unknown = [k for k in raw if k not in REGIONAL_KEYS]
    if unknown:
        raise InputError(f"{region}: unknown key {str(unknown[0])[:60]!r} in the regional form; use one of "
                         f"{', '.join(REGIONAL_KEYS)}")
    buffer_m = raw.get("buffer_m", 1000)
    if isinstance(buffer_m, bool) or not isinstance(buffer_m, (int, float)) or not 0 <= buffer_m <= 20000:
        raise InputError(f"{region}: buffer_m must be metres from 0 to 20000, got {buffer_m!r}")
    for k in ("osm_file", "kecamatan", "template"):
        if not isinstance(raw.get(k), str) or not str(raw[k]).strip():
            raise InputError(f"{region}: '{k}' must be a file path (the regional form needs osm_file, kecamatan "
                             "and template)")
    osm_file, kec_file, tpl = (_path(region, raw, k) for k in ("osm_file", "kecamatan", "template"))
    assert osm_file is not None and kec_file is not None and tpl is not None
    layer_files = {k: p for k in _LAYERS if (p := _path(region, raw, k, required=False)) is not None}
    try:
        template = tomllib.loads(read_text(tpl, "template"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{tpl}: not valid TOML ({' '.join(str(exc).split())[:160]})") from None
    kec = _kecamatan(kec_file)
    names = [n for n, _ in kec]
    folders = [safe_filename(n) for n in names]
    if len({f.casefold() for f in folders}) < len(folders):
        raise InputError(f"{kec_file}: two kecamatan give the same folder name; name each kecamatan uniquely")
    key = _digest([osm_file, kec_file, tpl, *layer_files.values()], f"{buffer_m}|{sorted(layer_files)}")
    cache = Path(settings.cache_folder) / "regions" / key
    if not (cache / "done.json").is_file():
        _write_split(cache, osm_file, kec, layer_files, template, tpl, folders, float(buffer_m))
    done = json.loads((cache / "done.json").read_text(encoding="utf-8"))
    outlines = [json.loads(json.dumps(mapping(g.simplify(0.0003, preserve_topology=True)))) for _, g in kec]
    return [(f, cache / "k" / f / "scenario.toml" if not done[f] else None, done[f], o)
            for f, o in zip(folders, outlines)]


def _write_split(cache: Path, osm_file: Path, kec: list[tuple[str, BaseGeometry]], layer_files: dict[str, Path],
                 template: dict[str, Any], tpl: Path, folders: list[str], buffer_m: float) -> None:
    log.info("splitting %s into %d kecamatan (buffer %s m)", osm_file, len(kec), buffer_m)
    areas = [g for _, g in kec]
    roads = _clip_roads(osm_file, [a.buffer(buffer_m / _M_PER_DEG) for a in areas])
    names = [n for n, _ in kec]
    per_layer: dict[str, list[list[dict[str, Any]]]] = {}
    for layer, path in layer_files.items():
        per_layer[layer] = [[] for _ in kec]
        for f in _features(path, layer.replace("_", " ")):
            k = _where(f, names, areas)
            if k is not None:
                per_layer[layer][k].append(f)
    errors: dict[str, str] = {}
    with atomic_output_dir(cache / "k", kind="regions") as stage:
        for k, (name, area) in enumerate(kec):
            folder = stage / folders[k]
            layers = [layer for layer in _LAYERS if layer in per_layer and per_layer[layer][k]]
            try:
                text = _scenario_text(name, template, area, layers, tpl)
            except InputError as exc:
                errors[folders[k]] = str(exc)
                continue
            write_text_atomic(folder / "roads.osm", roads[k])
            for layer in layers:
                write_text_atomic(folder / f"{layer}.geojson", json.dumps(
                    {"type": "FeatureCollection", "features": per_layer[layer][k]}, ensure_ascii=False) + "\n")
            write_text_atomic(folder / "scenario.toml", text)
    write_text_atomic(cache / "done.json", json.dumps({f: errors.get(f, "") for f in folders}) + "\n")
