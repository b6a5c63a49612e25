"""Briefing pages (without a browser): one per route, index and print-all, escaping, languages, CLI."""

from __future__ import annotations

import json
import re

import pytest
from test_maps import EVIL, evil_plan_dir


@pytest.fixture(scope="module")
def out():
    return evil_plan_dir()


def test_one_page_per_route_plus_index(out):
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    files = sorted(p.name for p in (out / "briefings").glob("*.html"))
    assert "index.html" in files and "all.html" in files
    assert len(files) == len(plan["routes"]) + 2
    all_html = (out / "briefings" / "all.html").read_text(encoding="utf-8")
    assert all_html.count('<section class="sheet') == len(plan["routes"])
    assert "@page{size:A4 portrait" in all_html and "break-after:page" in all_html


def test_pages_escape_user_text_and_are_offline(out):
    from routeplan.render.offline import remote_assets

    for f in (out / "briefings").glob("*.html"):
        text = f.read_text(encoding="utf-8")
        assert EVIL not in text, f
        assert remote_assets(text) == [], f
        assert "<script" not in text  # briefings need no JavaScript at all
    idx = (out / "briefings" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in idx
    hits = [f for f in (out / "briefings").glob("*_*.html") if "&lt;script&gt;alert(1)" in f.read_text(encoding="utf-8")]
    assert hits


def test_briefing_content(out):
    from routeplan.model.planfile import read_plan
    from routeplan.render.export import route_slug

    plan = read_plan(out)
    r = max(plan.routes, key=lambda r: len(r.stops))
    html = (out / "briefings" / f"{route_slug(r)}.html").read_text(encoding="utf-8")
    km = f"{r.distance_km:.1f}".replace(".", ",")  # the decimal comma of Bahasa Indonesia, as on the scorecard
    for text in (r.unit, r.crew, r.depot_name, r.shift, f"{km} km", "Tindakan", "Jam rencana"):
        assert text in html, text
    assert html.count('class="stop"') == len(r.stops)  # numbered circles in the SVG map
    assert len(re.findall(r'<tr class="kind-', html)) == len(r.stops)
    assert "<svg" in html and "polyline" in html


def test_brief_cli_english(out, tmp_path):
    from routeplan.cli import main

    assert main(["brief", str(out), "--out", str(tmp_path / "b"), "--lang", "en"]) == 0
    idx = (tmp_path / "b" / "index.html").read_text(encoding="utf-8")
    assert 'lang="en"' in idx and "Patrol briefings" in idx
    page = next(p for p in (tmp_path / "b").glob("*_*.html"))
    text = page.read_text(encoding="utf-8")
    assert "What to do" in text and "Tindakan" not in text


def test_brief_cli_missing_plan(tmp_path):
    from routeplan.cli import main

    assert main(["brief", str(tmp_path), "--out", str(tmp_path / "b")]) == 2


def test_every_template_text_is_in_catalogue():
    from importlib import resources

    from routeplan.i18n import CATALOGUE, guidance
    from routeplan.load.layers import CATEGORIES

    for name in ("briefing.html.j2", "index.html.j2"):
        src = resources.files("routeplan.render").joinpath("templates", name).read_text(encoding="utf-8")
        for key in re.findall(r"T\.(\w+)", src):
            assert key in CATALOGUE and CATALOGUE[key]["id"] and CATALOGUE[key]["en"], key
    for cat in list(CATEGORIES) + ["hotspot"]:
        assert f"todo_{cat}" in CATALOGUE
        assert guidance(cat, "id") != guidance(cat, "en")


def test_night_shift_times_carry_their_calendar_date():
    from fieldplans import night_plan

    from routeplan.render.briefing import render_briefings

    html = render_briefings(night_plan(30), "id")["R4-1_2026-11-30_malam.html"]
    times = re.findall(r'<time datetime="([^"]+)">([^<]+)</time>', html)
    assert len(times) == 30
    for iso, shown in times:
        day, month = iso[8:10], iso[5:7]
        assert shown.startswith(f"{day}-{month} {iso[11:16]}"), (iso, shown)
    assert any(iso.startswith("2026-12-01T0") for iso, _ in times)  # stops after midnight, dated Tuesday
    assert "30-11 22:00" in html and "01-12 " in html  # start and end of the shift with their dates


def test_each_stop_has_coordinates_geo_link_and_qr():
    from fieldplans import night_plan

    from routeplan.render.briefing import render_briefings
    from routeplan.render.navlinks import geo_uri

    plan = night_plan(8)
    html = render_briefings(plan, "en")["R4-1_2026-11-30_malam.html"]
    for s in plan.routes[0].stops:
        geo = geo_uri(s.lat, s.lon)
        assert f'href="{geo}"' in html and f'data-geo="{geo}"' in html
        assert f"{s.lat:.5f}, {s.lon:.5f}" in html
    assert html.count('<svg class="qr"') == 8
    assert html.count("https://www.google.com/maps/dir/?api=1&amp;destination=") == 8


def test_index_links_pdfs_and_scorecard(out):
    idx = (out / "briefings" / "index.html").read_text(encoding="utf-8")
    pdfs = sorted(p.name for p in (out / "briefings" / "pdf").glob("*.pdf"))
    for name in pdfs:
        assert f'href="pdf/{name}"' in idx, name
    assert 'href="../scorecard.html"' in idx
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    units = {r["unit"] for r in plan["routes"]}
    assert len(pdfs) == len(plan["routes"]) + len(units)


def test_brief_from_the_folder_draws_the_same_sketches(out, tmp_path):
    from routeplan.render.briefing import brief

    assert (out / "roads.geojson").is_file()
    brief(out, tmp_path / "b")
    for page in (out / "briefings").glob("*_*.html"):
        again = (tmp_path / "b" / page.name).read_text(encoding="utf-8")
        assert 'class="road ' in again
        assert again == page.read_text(encoding="utf-8"), page.name
    for pdf in (out / "briefings" / "pdf").glob("*.pdf"):
        assert (tmp_path / "b" / "pdf" / pdf.name).read_bytes() == pdf.read_bytes(), pdf.name


def test_brief_replaces_the_briefings_of_its_own_plan_folder(out, tmp_path):
    import shutil

    from routeplan.render.briefing import brief

    plan = shutil.copytree(out, tmp_path / "plan")
    brief(plan, plan / "briefings", lang="en")  # the folder written with the plan, PDFs included, is replaced
    brief(plan, plan / "briefings", lang="en")  # ... and again
    idx = (plan / "briefings" / "index.html").read_text(encoding="utf-8")
    assert 'lang="en"' in idx and 'href="../scorecard.html"' in idx
    assert sorted(p.name for p in (plan / "briefings" / "pdf").glob("*.pdf")) == sorted(
        p.name for p in (out / "briefings" / "pdf").glob("*.pdf"))


def test_brief_with_an_approval_line_on_every_page_and_pdf(out, tmp_path):
    """The web workspace's approval line: escaped in HTML, printed on every PDF route page, absent by default."""
    import io

    import pypdf

    from routeplan.render.briefing import brief

    line = "Disetujui oleh <script>x</script>{{7*7}}{% raw %}, 2026-11-30 18:05 UTC+07:00"
    brief(out, tmp_path / "b", approval=line)
    pages = sorted((tmp_path / "b").glob("*.html"))
    assert len(pages) > 3
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "Disetujui oleh &lt;script&gt;x&lt;/script&gt;{{7*7}}{% raw %}, 2026-11-30 18:05" in text, page.name
        assert "<script>x" not in text
    for pdf in (tmp_path / "b" / "pdf").glob("*.pdf"):
        reader = pypdf.PdfReader(io.BytesIO(pdf.read_bytes()))
        first = reader.pages[0].extract_text().replace("\n", " ")
        assert "Disetujui oleh <script>x</script>{{7*7}}{% raw %}" in first, pdf.name
    assert "Disetujui" not in (out / "briefings" / "index.html").read_text(encoding="utf-8")
