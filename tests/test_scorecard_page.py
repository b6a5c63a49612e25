"""scorecard.html: plain-language figures, per unit, per desa, per object gaps, predictability in words."""

from __future__ import annotations

import re

import pytest
from test_maps import EVIL, evil_plan, evil_plan_dir


@pytest.fixture(scope="module")
def page() -> str:
    return (evil_plan_dir() / "scorecard.html").read_text(encoding="utf-8")


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_written_with_the_plan_in_bahasa(page):
    from routeplan.render.offline import remote_assets

    assert 'lang="id"' in page and "Rapor rencana patroli" in page
    assert remote_assets(page) == [] and "<script" not in page
    assert 'href="map.html"' in page and 'href="briefings/index.html"' in page
    text = _text(page)
    assert "kunjungan wajib ke objek vital terlaksana" in text
    # the jarring labels are gone: hours in words with a decimal comma, no "h", no entropy in bits
    assert re.search(r"\d+,\d sampai \d+,\d jam", text)
    for jarring in ("Risiko titik rawan tertutup", " h ", "entropy", "bits"):
        assert jarring not in text, jarring


def test_tables_per_unit_desa_and_object(page):
    plan, ctx = evil_plan()
    units = re.search(r'<table id="units">(.*?)</table>', page, re.S).group(1)
    assert units.count("<tr>") == len(ctx.scenario.units) + 1
    desa = re.search(r'<table id="desa">(.*?)</table>', page, re.S).group(1)
    assert "Kunir Lor" in desa and "/" in desa
    gaps = re.search(r'<table id="gaps">(.*?)</table>', page, re.S).group(1)
    assert gaps.count("<tr>") == len(ctx.objects) + 1
    assert EVIL not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in gaps  # names as text
    assert page.count('<svg class="bar"') >= len(ctx.objects) + len(ctx.scenario.units)
    hours = [float(h.replace(",", ".")) for h in re.findall(r"(\d+,\d) jam \(", gaps)]
    assert hours == sorted(hours, reverse=True) and hours  # longest gap first


def test_dosage_table_per_hotspot_riskiest_first(page):
    from routeplan.report.scorecard import score_plan

    plan, ctx = evil_plan()
    table = re.search(r'<table id="hotspots">(.*?)</table>', page, re.S).group(1)
    assert table.count("<tr>") == len(ctx.hotspots) + 1
    risks = [float(r.replace(",", ".")) for r in re.findall(r'<td class="num">(\d,\d\d)</td><td>', table)]
    assert risks == sorted(risks, reverse=True) and len(risks) == len(ctx.hotspots)
    riskiest = max(ctx.hotspots, key=lambda h: h.risk)
    assert f"{riskiest.name} ({riskiest.id})" in _text(table) and "×" in table
    hot = score_plan(plan, ctx)["hotspots"]
    lines = _text(re.search(r'<div id="dosage">(.*?)</div>', page, re.S).group(1))
    for h in hot["dosage_low"]:  # each hotspot far below its share is named under the table's explanation
        assert f"({h})" in lines.split("Lebih dari")[0]
    if not hot["dosage_low"] and not hot["dosage_high"]:
        assert "antara separuh dan dua kali" in lines


def test_english_and_predictability_in_words():
    from routeplan.render.scorecard_page import render_scorecard_page
    from routeplan.report.scorecard import score_plan

    plan, ctx = evil_plan()
    card = score_plan(plan, ctx) | {"predictability": {"weeks": 3, "mean_hour_entropy_bits": 2.0, "mean_repeat_share": 0.25}}
    text = _text(render_scorecard_page(card, plan, ctx, "en"))
    assert "Patrol plan scorecard" in text and "Longest gap between visits" in text
    assert "about 4.0 different hours" in text  # 2 bits explained as four equally likely hours
    assert "25 % of visits fall on the same weekday and hour as the week before" in text
    one_week = _text(render_scorecard_page(score_plan(plan, ctx), plan, ctx, "en"))
    assert "--weeks N" in one_week


def test_map_panel_links_the_page_and_reads_plainly():
    html = (evil_plan_dir() / "map.html").read_text(encoding="utf-8")
    assert "href='scorecard.html'" in html
    assert "Risiko titik rawan tertutup" not in html and re.search(r"\d+,\d sampai \d+,\d jam", html)


def test_write_weeks_writes_a_page_per_week(tmp_path):
    from routeplan import write_weeks

    plan, ctx = evil_plan()
    write_weeks([plan, plan], ctx, tmp_path / "w", lang="en")
    for week in ("week-1", "week-2"):
        text = _text((tmp_path / "w" / week / "scorecard.html").read_text(encoding="utf-8"))
        assert "different hours" in text and "same weekday and hour" in text
