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


def test_dosage_ratio_is_the_share_of_minutes_over_the_share_by_risk_and_hours():
    """The dosage rule: presence in proportion to risk x the intensity of the active hours (issue #12)."""
    from types import SimpleNamespace

    from routeplan.model.layers import Hotspot
    from routeplan.report.scorecard import dosage_ratios

    day = Hotspot("A", "all day", 0.0, 0.0, 1.0, ())  # weight 1 x 24 hours
    night = Hotspot("B", "night", 0.0, 0.0, 0.5, ((0, 360),))  # weight 0.5 x 6 hours
    zero = Hotspot("C", "no risk", 0.0, 0.0, 0.0, ())  # no weight: no share to compare with
    ctx = SimpleNamespace(hotspots=[day, night, zero])
    ratios = dosage_ratios(ctx, {"A": 240.0, "B": 60.0})  # type: ignore[arg-type]
    # minutes 0.8 / 0.2 of the total against 24/27 and 3/27 by the rule
    assert ratios["A"] == pytest.approx(0.8 / (24 / 27)) and ratios["B"] == pytest.approx(0.2 / (3 / 27))
    assert ratios["C"] is None
    assert set(dosage_ratios(ctx, {}).values()) == {None}  # type: ignore[arg-type]


def test_dosage_in_the_scorecard_names_the_hotspots_far_from_their_share(demo_plan):
    plan, ctx = demo_plan
    hot = score_plan(plan, ctx)["hotspots"]
    ratios = {x["id"]: x["dosage_ratio"] for x in hot["per_hotspot"]}
    assert all(r is not None and r >= 0 for r in ratios.values())
    assert hot["dosage_low"] == sorted(h for h, r in ratios.items() if r < 0.5)
    assert hot["dosage_high"] == sorted(h for h, r in ratios.items() if r > 2.0)
    # the shares of the minutes weighted by the rule's shares add up to the whole
    from routeplan.optimize.areas import hour_intensity

    w = {h.id: h.risk * sum(hour_intensity(h, k) for k in range(24)) for h in ctx.hotspots}
    assert sum(ratios[h] * w[h] / sum(w.values()) for h in w) == pytest.approx(1.0, abs=0.01)
