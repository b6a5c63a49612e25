import pytest

from routeplan.report.scorecard import score_plan, scorecard_panel_html


def test_scorecard_figures_are_consistent(demo_plan):
    plan, ctx = demo_plan
    card = score_plan(plan, ctx)
    req = card["required_visits"]
    assert req["served"] == plan.served_required and req["required"] == plan.required_visits
    assert 0 <= card["hotspots"]["risk_covered_pct"] <= 100
    total_hs_min = sum((s.departure - s.arrival).total_seconds() / 60 for r in plan.routes for s in r.stops if s.kind == "hotspot")
    assert card["hotspots"]["dwell_minutes"] == pytest.approx(total_hs_min, abs=0.1)
    km = sum(r.distance_m for r in plan.routes) / 1000
    assert sum(u["km"] for u in card["units"]) == pytest.approx(km, abs=0.1 * len(card["units"]))
    for u in card["units"]:
        assert u["idle_share"] is None or 0 <= u["idle_share"] <= 1
    gaps = {g["id"]: g for g in card["largest_gap_per_object"]}
    daily = [o for o in ctx.objects if o.visits_per_week == 7]
    for o in daily:  # a daily visit is never more than two days apart
        assert gaps[o.id]["largest_gap_hours"] <= 48
    assert card["desa"] and sum(d["served_visits"] for d in card["desa"]) == plan.served_required


def test_panel_escapes_text(demo_plan):
    plan, ctx = demo_plan
    card = score_plan(plan, ctx)
    card["units"][0]["unit"] = "<script>alert(1)</script>"
    html = scorecard_panel_html(card, "en")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)" in html
    assert "Required visits served" in html
    assert "Kunjungan wajib terlayani" in scorecard_panel_html(card, "id")


def test_hotspot_dosage_follows_risk(demo_plan):
    plan, ctx = demo_plan
    per = score_plan(plan, ctx)["hotspots"]["per_hotspot"]
    per.sort(key=lambda x: x["risk"])
    half = len(per) // 2
    low = sum(x["minutes"] for x in per[:half]) / half
    high = sum(x["minutes"] for x in per[half:]) / (len(per) - half)
    assert high > low
    # stops at hotspots are Koper-curve length, inside active hours
    spots = {h.id: h for h in ctx.hotspots}
    for r in plan.routes:
        for s in r.stops:
            if s.kind == "hotspot":
                assert 10 <= (s.departure - s.arrival).total_seconds() / 60 <= 16
                h = spots[s.id]
                if h.active_hours:
                    m = s.arrival.hour * 60 + s.arrival.minute
                    assert any((m - a) % 1440 <= ((b - a) % 1440 or 1440) for a, b in h.active_hours), (s.id, s.arrival)
