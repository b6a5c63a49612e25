"""Pages of ``routeplan serve``: language switch, the officer's page, plan history and downloads."""

from __future__ import annotations

import io
import zipfile

from conftest import OFFICER_UNIT, Server, csrf_of


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
