"""Pages of ``routeplan serve``: language switch, the officer's page, plan history and downloads."""

from __future__ import annotations

import io
import zipfile

from .conftest import OFFICER_UNIT, Server, csrf_of


def test_language_switch(server: Server) -> None:
    s = server.login("ana")
    home = s.get(server.url + "/", timeout=30).text
    assert '<html lang="id">' in home and "Skenario" in home
    r = s.post(server.url + "/lang", data={"lang": "en", "csrf": csrf_of(home)}, timeout=30)
    assert r.status_code == 200 and '<html lang="en">' in r.text and "Scenarios" in r.text
    s.post(server.url + "/lang", data={"lang": "id", "csrf": csrf_of(r.text)}, timeout=30)


def test_officer_page_lists_only_their_unit(server: Server, planned: dict) -> None:
    page = server.login("off").get(server.url + "/", timeout=30).text
    links = [part.split('"', 1)[0] for part in page.split('class="briefing-link" href="')[1:]]
    assert links and all(f"/briefings/{OFFICER_UNIT}_" in link for link in links)
    assert "Skenario baru" not in page


def test_plan_page_history_and_zip(server: Server, planned: dict) -> None:
    s = server.login("chief")
    scen = s.get(f"{server.url}/scenarios/{planned['scenario']}", timeout=30).text
    assert f'href="/plans/{planned["plan"]}"' in scen and 'id="start-plan"' not in scen  # a commander does not plan
    page = s.get(f"{server.url}/plans/{planned['plan']}", timeout=30).text
    for href in ("files/map.html", "files/briefings/index.html", "/zip", "files/stops.csv", "files/plan.gpkg"):
        assert href in page
    z = zipfile.ZipFile(io.BytesIO(s.get(f"{server.url}/plans/{planned['plan']}/zip", timeout=60).content))
    names = z.namelist()
    assert f"plan-{planned['plan']}/plan.json" in names and any("/gpx/" in n for n in names)
    assert all(n.startswith(f"plan-{planned['plan']}/") and ".." not in n for n in names)


def test_diff_of_two_plans(server: Server, planned: dict) -> None:
    """A second plan with another seed: the diff page lists visits that moved and the change of the figures."""
    r = server.api("POST", f"/api/scenarios/{planned['scenario']}/plans", "plan",
                   json={"seed": 7, "time_limit": 20, "iterations": 30})
    job = server.wait_job(r.json()["id"])
    assert job["state"] == "done", job
    s = server.login("ana")
    page = s.get(f"{server.url}/plans/{job['plan_id']}", timeout=30).text
    assert f'href="/plans/{planned["plan"]}/diff/{job["plan_id"]}"' in page
    diff = s.get(f"{server.url}/plans/{planned['plan']}/diff/{job['plan_id']}", timeout=30)
    assert diff.status_code == 200
    a = server.api("GET", f"/api/plans/{planned['plan']}", "ana").json()
    b = server.api("GET", f"/api/plans/{job['plan_id']}", "ana").json()
    km_a = round(sum(r["distance_km"] for r in a["routes"]), 1)
    km_b = round(sum(r["distance_km"] for r in b["routes"]), 1)
    assert f"<td>{km_a}</td><td>{km_b}</td>" in diff.text
    moved = diff.text.split('id="moved"', 1)[1]
    assert moved.count("<tr>") >= 2  # header + at least one object whose visits changed with the seed
    assert s.get(f"{server.url}/plans/{planned['plan']}/diff/999999", timeout=30).status_code == 404


def test_edit_history_and_audit_log(server: Server, planned: dict) -> None:
    s = server.login("admin")
    page = s.get(f"{server.url}/scenarios/{planned['scenario']}", timeout=30).text
    edits = page.split('id="edits"', 1)[1].split("</table>", 1)[0]
    assert "created" in edits and "<td>plan</td>" in edits
    audit = s.get(f"{server.url}/audit", timeout=30)
    assert audit.status_code == 200
    for action in ("scenario_add", "plan_start", "plan_done", "login"):
        assert f"<td>{action}</td>" in audit.text, action
    assert server.login("chief").get(f"{server.url}/audit", timeout=30).status_code == 403
