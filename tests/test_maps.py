"""The plan map: self-contained (no remote assets), offline road base, compact lines, escaping, i18n."""

from __future__ import annotations

import dataclasses
import functools
import re
import tempfile
from pathlib import Path

import pytest

EVIL = "<script>alert(1)</script>"


@functools.cache
def evil_plan() -> tuple:
    """The offline sample planned quickly, with one visited vital object renamed to ``<script>...``."""
    import routeplan
    from routeplan.cli import sample_scenario_path

    plan, ctx = routeplan.plan(sample_scenario_path(), seed=1, time_limit=20, max_iterations=300)
    victim = next(s for r in plan.routes for s in r.stops if s.kind == "vital_object")
    for r in plan.routes:
        for s in r.stops:
            if s.id == victim.id:
                s.name = EVIL
    ctx.objects = [dataclasses.replace(o, name=EVIL) if o.id == victim.id else o for o in ctx.objects]
    return plan, ctx


@functools.cache
def evil_plan_dir(lang: str = "id") -> Path:
    """A plan folder (``write_plan``) of :func:`evil_plan`, written once per test process."""
    from routeplan import write_plan

    plan, ctx = evil_plan()
    out = Path(tempfile.mkdtemp(prefix="routeplan-evil-")) / "plan"
    write_plan(plan, ctx, out, lang=lang)
    return out


@pytest.fixture(scope="module")
def map_html() -> str:
    return (evil_plan_dir() / "map.html").read_text(encoding="utf-8")


def test_map_is_self_contained(map_html):
    from routeplan.render.offline import remote_assets

    assert remote_assets(map_html) == []
    for tag in re.findall(r"<(?:script|link)\b[^>]*>", map_html, re.I):
        assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", tag), tag
    assert "L.map(" in map_html and "Leaflet" in map_html  # Leaflet inlined
    for gone in ("bootstrap", "font-awesome", "fontawesome", "jquery-", "awesome-markers"):
        assert gone not in map_html.lower()


def test_map_size_and_layers(map_html):
    plan, _ctx = evil_plan()
    assert len(map_html.encode()) < 3 * 1024 * 1024
    assert map_html.count('"className": "rp-route"') == sum(1 for r in plan.routes if len(r.path) >= 2)
    assert map_html.count('"className": "rp-stop"') == sum(len(r.stops) for r in plan.routes)
    # the offline road base: main roads drawn thicker than minor ones
    assert '"cls": "main"' in map_html and '"cls": "minor"' in map_html
    # OSM tiles offered but off by default (never added to the map on load)
    assert "tile.openstreetmap.org" in map_html
    tile_var = re.search(r"var (tile_layer_\w+) = L\.tileLayer\(", map_html).group(1)
    assert f"{tile_var}.addTo(" not in map_html


def test_map_escapes_user_text(map_html):
    assert EVIL not in map_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in map_html


def test_E_blocks_template_literal_injection():
    from routeplan.render.maps import E

    out = E("`${alert(1)}` \\ <b>")
    assert "`" not in out and "${" not in out and "\\" not in out and "<b>" not in out


def test_compact_line_rounds_and_simplifies():
    from routeplan.render.maps import compact_line

    pts = [(113.0 + i * 1e-6, -8.0) for i in range(100)] + [(113.01, -8.0)]
    out = compact_line(pts)
    assert len(out) == 2 and all(len(str(c).split(".")[-1]) <= 5 for p in out for c in p)


def test_map_language_english():
    from routeplan.render.maps import render_plan_map

    plan, ctx = evil_plan()
    en = render_plan_map(plan, ctx, "en")
    idn = render_plan_map(plan, ctx, "id")
    assert "Road network (offline)" in en and "Vital object" in en and "Monday" in en
    assert "Jaringan jalan (luring)" in idn and "Objek vital" in idn and "Senin" in idn


def _lab(hexcol: str, sim: list | None = None) -> tuple[float, float, float]:
    """CIELAB of an sRGB colour, optionally through a colour-blindness simulation matrix (Machado 2009)."""
    def lin(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    rgb = [lin(int(hexcol[i:i + 2], 16) / 255) for i in (1, 3, 5)]
    if sim:
        rgb = [min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb)))) for row in sim]
    r, g, b = rgb
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(v):
        return v ** (1 / 3) if v > 0.008856 else 7.787 * v + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


DEUTERANOPIA = [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
PROTANOPIA = [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]


def test_sixteen_units_stay_distinct_also_to_colour_blind_readers():
    import itertools
    import math

    from routeplan.render.maps import UNIT_COLOURS, unit_dashes

    assert len(set(UNIT_COLOURS)) == 16
    styles = unit_dashes({f"u{i}": c for i, c in enumerate(UNIT_COLOURS)})
    looks = list(zip(UNIT_COLOURS, styles.values()))
    assert len(set(looks)) == 16
    for (c1, d1), (c2, d2) in itertools.combinations(looks, 2):
        normal = math.dist(_lab(c1), _lab(c2))
        assert normal > 10, (c1, c2)
        if d1 == d2:  # same line style: the colours alone must tell them apart, with colour-blind eyes too
            for sim in (DEUTERANOPIA, PROTANOPIA):
                assert math.dist(_lab(c1, sim), _lab(c2, sim)) > 8, (c1, c2)


def test_legend_reads_unit_kinds_and_counts_objects_apart_from_visits(map_html):
    plan, ctx = evil_plan()
    assert "(Mobil (R4))" not in map_html and "R4-1 (Mobil)" in map_html and "R2-1 (Motor)" in map_html
    visited = len({s.id for r in plan.routes for s in r.stops if s.kind == "vital_object"})
    assert (f"Objek vital: {visited}/{len(ctx.objects)} objek dikunjungi, "
            f"{plan.served_required}/{plan.required_visits} kunjungan wajib") in map_html


def test_filter_control_has_a_layer_per_route(map_html):
    plan, _ctx = evil_plan()
    data = re.search(r'"groups": (\[\[.*?\]\])\}', map_html).group(1)
    import json

    groups = json.loads(data)
    assert len(groups) == len(plan.routes)
    assert 'data-dim=\\"u\\"' in map_html or 'data-dim="u"' in map_html
    assert "imperial: false" in map_html and "L.control.scale()" not in map_html  # metric only, not folium's
