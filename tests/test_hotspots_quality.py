"""Data-quality notes of incident records (routeplan.hotspots.quality) in summary.json and on the console."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from routeplan.cli import main
from routeplan.hotspots import evaluate, read_incidents
from routeplan.hotspots.quality import check_quality, coordinate_piles, stray_dates

PAYLOAD = "{{7*7}} {% raw %} <script>alert(1)</script>"
FALLBACK = (39.95, -75.16)  # the "city centre" a failed geocode falls back to


def _messy_csv(path, n=1000, pile=140, seed=3):
    """Incidents of 2012-13 around two real clusters, ``pile`` of them on one fallback point, two stray dates."""
    rng = np.random.default_rng(seed)
    centres = np.array([[39.97, -75.14], [39.93, -75.18]])
    which = rng.integers(0, 2, n)
    lat = centres[which, 0] + rng.normal(0, 0.003, n)
    lon = centres[which, 1] + rng.normal(0, 0.003, n)
    lat[:pile], lon[:pile] = FALLBACK
    days = rng.integers(0, 730, n)
    times = pd.Timestamp("2012-01-01") + pd.to_timedelta(days, unit="D") + pd.to_timedelta(rng.integers(0, 24, n), "h")
    times = np.array(times.astype(str), dtype=object)
    times[500], times[501] = "2053-06-01 10:00:00", "2020-02-02 10:00:00"
    kinds = np.array(["THEFT", "VEHICLE THEFT - AUTO", "BURGLARY-AUTO", "BATTERY", PAYLOAD])
    types = kinds[rng.integers(0, len(kinds), n)]
    df = pd.DataFrame({"lat": lat, "lon": lon, "date": times, "type": types})
    df.to_csv(path, index=False)
    return path


def test_piles_are_found_and_capped(tmp_path):
    inc = read_incidents(_messy_csv(tmp_path / "inc.csv"))
    piles, keep, cap = coordinate_piles(inc)
    assert cap == 10  # 1 % of 1000
    assert piles[0] == {"lat": FALLBACK[0], "lon": FALLBACK[1], "incidents": 140}
    assert len(piles) == 1 and int((~keep).sum()) == 130
    # an ordinary point is never touched
    assert keep[140:].all()


def test_stray_dates_outside_the_bulk_or_in_the_future():
    t = pd.Series(pd.to_datetime(["2012-03-01"] * 300 + ["2013-10-01"] * 300 + ["2053-06-01", "2020-02-02",
                                                                                 "2014-06-01", None]))
    mask, span = stray_dates(t, today=pd.Timestamp("2030-01-01"))
    assert list(np.flatnonzero(mask)) == [600, 601]  # 2014 is within a year of the bulk
    assert span is not None and span[0].year == 2011 and span[1].year == 2014
    mask, _ = stray_dates(pd.Series(pd.to_datetime(["2026-01-01"] * 50 + ["2026-12-30"])),
                          today=pd.Timestamp("2026-11-30"))
    assert list(np.flatnonzero(mask)) == [50]  # in the future


def test_check_quality_notes_and_counts(tmp_path):
    inc = read_incidents(_messy_csv(tmp_path / "inc.csv"))
    q = check_quality(inc, today=pd.Timestamp("2026-11-30"))
    c = q.counts
    assert c["unmatched_types"] == int((inc["raw_type"].isin(["BATTERY", PAYLOAD])).sum())
    assert set(c["unmatched_top"]) == {"BATTERY", PAYLOAD}
    assert c["left_out_of_estimate"] == 130 and c["stray_dates"] == 2
    text = "\n".join(q.notes)
    assert "count as 'lainnya'" in text and "BATTERY" in text
    assert "140 of 1000 incidents (14.0%) share one point" in text
    assert "2 incidents dated outside the bulk" in text and "2053-06-01" in text


def test_evaluation_leaves_stray_dates_out(tmp_path):
    inc = read_incidents(_messy_csv(tmp_path / "inc.csv"))
    ev = evaluate(inc, "2013-07-01", cell_m=200, bandwidth=300)
    t = inc["time"]
    assert ev["n_stray_dates"] == 2
    assert ev["n_test"] == int((t >= "2013-07-01").sum()) - 2  # 2053 and 2020 were test incidents before


def test_summary_and_console_carry_the_notes(tmp_path, capsys):
    src = _messy_csv(tmp_path / "inc.csv")
    out = tmp_path / "out"
    rc = main(["hotspots", str(src), "--out", str(out), "--bandwidth", "300", "--train-until", "2013-07-01"])
    assert rc == 0
    printed = capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    notes = summary["notes"]
    assert any("share one point" in n for n in notes)
    assert any("dated outside the bulk" in n for n in notes)
    assert any(PAYLOAD in n for n in notes)  # user text kept verbatim in JSON
    for n in notes:
        assert f"note: {n}" in printed
    dq = summary["data_quality"]
    assert dq["incidents"] == 1000 and dq["left_out_of_estimate"] == 130
    assert summary["counts"]["incidents"] == 870
    assert summary["evaluation"]["n_stray_dates"] == 2
    # the fallback point no longer makes the top hotspot
    top = json.loads((out / "hotspots.geojson").read_text(encoding="utf-8"))["features"][0]
    lons = [p[0] for p in top["geometry"]["coordinates"][0]]
    lats = [p[1] for p in top["geometry"]["coordinates"][0]]
    assert not (min(lats) <= FALLBACK[0] <= max(lats) and min(lons) <= FALLBACK[1] <= max(lons))
    html = (out / "hotspots.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "{{7*7}}" not in html.replace("{{ 7*7 }}", "")


@pytest.mark.parametrize("share", [0.05])
def test_clean_data_has_no_notes(tmp_path, share):
    rng = np.random.default_rng(0)
    n = 200
    df = pd.DataFrame({"lat": 39.97 + rng.normal(0, 0.01, n), "lon": -75.14 + rng.normal(0, 0.01, n),
                       "date": (pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 300, n), "D")).astype(str),
                       "type": rng.choice(["ROBBERY", "THEFT"], n)})
    df.to_csv(tmp_path / "c.csv", index=False)
    q = check_quality(read_incidents(tmp_path / "c.csv"), today=pd.Timestamp("2026-11-30"))
    assert q.notes == [] and q.for_estimate.all() and not q.stray_dates.any()
    assert coordinate_piles(read_incidents(tmp_path / "c.csv"), share=share)[0] == []


def test_many_piles_make_one_note(tmp_path):
    rng = np.random.default_rng(5)
    n = 1000
    lat, lon = 39.97 + rng.normal(0, 0.01, n), -75.14 + rng.normal(0, 0.01, n)
    for k in range(5):  # five points with 20 + k incidents each
        sl = slice(100 * k, 100 * k + 20 + k)
        lat[sl], lon[sl] = 39.96 + 0.002 * k, -75.15
    pd.DataFrame({"lat": lat, "lon": lon}).to_csv(tmp_path / "p.csv", index=False)
    q = check_quality(read_incidents(tmp_path / "p.csv"))
    assert len(q.counts["piles"]) == 5 and q.counts["pile_cap"] == 10
    assert len(q.notes) == 1
    assert q.notes[0].startswith("5 points each hold 10 or more of the 1000 incidents (110 in all, 11.0%; "
                                 "the largest 24 at 39.968000, -75.150000)")
    assert "(60 left out;" in q.notes[0]
