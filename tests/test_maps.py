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
