"""Hotspot analysis in the workspace: upload incidents, run, view, adopt as the scenario's hotspot layer."""

from __future__ import annotations

import json
import random
import time

from .conftest import SAMPLE, Server, csrf_of, zip_folder

EVIL_TYPE = "<script>alert(1)</script>{{7*7}}"


def _incidents() -> bytes:
    """Incidents clustered around three places of the synthetic sample (fixed seed)."""
    rnd = random.Random(5)
    rows = ["lat,lon,type,date"]
    centres = [(-8.2201, 113.2155), (-8.2350, 113.2000), (-8.2100, 113.2300)]
    for i in range(240):
        lat, lon = centres[i % 3]
        kind = EVIL_TYPE if i % 40 == 0 else ("curanmor" if i % 2 else "curat")
        rows.append(f"{lat + rnd.gauss(0, 0.002):.6f},{lon + rnd.gauss(0, 0.002):.6f},\"{kind}\","
                    f"2025-{1 + i % 12:02d}-{1 + i % 28:02d} {i % 24:02d}:00")
    return ("\n".join(rows) + "\n").encode("utf-8")


def test_upload_run_view_and_adopt(server: Server) -> None:
    sid = server.api("POST", "/api/scenarios", "plan", files={"file": ("s.zip", zip_folder(SAMPLE))}).json()["id"]
    s = server.login("plan")
    page = s.get(f"{server.url}/scenarios/{sid}/hotspots", timeout=30).text
    r = s.post(f"{server.url}/scenarios/{sid}/hotspots", data={"csrf": csrf_of(page)},
               files={"file": ("kejadian.csv", _incidents())}, timeout=60)
    assert r.status_code == 200
    deadline = time.monotonic() + 240
    while True:
        page = s.get(f"{server.url}/scenarios/{sid}/hotspots", timeout=30).text
        state = page.split('class="run-state">', 1)[1].split("<", 1)[0].strip()
        if state not in ("menunggu", "berjalan"):
            break
        assert time.monotonic() < deadline, page
        time.sleep(1)
    assert state == "selesai", page
    run_id = int(page.split('href="/hotspots/', 1)[1].split("/", 1)[0])
    view = s.get(f"{server.url}/hotspots/{run_id}/files/hotspots.html", timeout=30)
    assert view.status_code == 200 and "<script>alert(1)</script>" not in view.text
    assert s.get(f"{server.url}/hotspots/{run_id}/files/..%2finput%2fincidents.csv", timeout=30).status_code == 404
    produced = s.get(f"{server.url}/hotspots/{run_id}/files/hotspots.geojson", timeout=30).json()
    version = page.split('name="version" value="', 1)[1].split('"', 1)[0]
    ana = server.login("ana")
    r = ana.post(f"{server.url}/hotspots/{run_id}/adopt", data={"csrf": csrf_of(ana.get(server.url + "/").text),
                                                                "version": version}, timeout=30)
    assert r.status_code == 403  # an analyst runs analyses but does not change scenarios
    assert s.post(f"{server.url}/hotspots/{run_id}/adopt", data={"version": version}, timeout=30).status_code == 403
    r = s.post(f"{server.url}/hotspots/{run_id}/adopt", data={"csrf": csrf_of(page), "version": version}, timeout=30)
    assert r.status_code == 200 and "Dipakai (plan)" in r.text
    layer = json.loads((server.data / "scenarios" / str(sid) / "hotspots.geojson").read_text(encoding="utf-8"))
    assert layer == produced
    r = s.post(f"{server.url}/hotspots/{run_id}/adopt", data={"csrf": csrf_of(page), "version": version}, timeout=30)
    assert r.status_code == 409  # the scenario changed since the page was loaded


def test_bad_incident_file_fails_the_run_with_the_reason(server: Server) -> None:
    sid = server.api("POST", "/api/scenarios", "plan", files={"file": ("s.zip", zip_folder(SAMPLE))}).json()["id"]
    s = server.login("ana")
    page = s.get(f"{server.url}/scenarios/{sid}/hotspots", timeout=30).text
    assert s.post(f"{server.url}/scenarios/{sid}/hotspots", data={"csrf": csrf_of(page)},
                  files={"file": ("x.bin", b"\0\1\2binary")}, timeout=30).status_code == 400
    s.post(f"{server.url}/scenarios/{sid}/hotspots", data={"csrf": csrf_of(page)},
           files={"file": ("bad.csv", b"lat,lon\n")}, timeout=30)
    deadline = time.monotonic() + 120
    while "gagal" not in (page := s.get(f"{server.url}/scenarios/{sid}/hotspots", timeout=30).text):
        assert time.monotonic() < deadline
        time.sleep(1)
    assert "no incidents" in page and str(server.data) not in page
