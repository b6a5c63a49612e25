"""Security rules of ``routeplan serve``, each against the real server: authentication, roles, CSRF, escaping,
uploads (zip-slip, symbolic links, size, type) and file routes (no path outside the plan folder)."""

from __future__ import annotations

import io
import json
import os
import stat
import zipfile
from pathlib import Path

import pytest
import requests

from .conftest import PASSWORD, SAMPLE, Server, csrf_of, zip_folder

EVIL = "<script>alert(1)</script>{{7*7}}{% raw %}x"


@pytest.mark.parametrize("method,path", [("GET", "/api/scenarios"), ("POST", "/api/scenarios"),
                                         ("GET", "/api/jobs/1"), ("GET", "/api/plans/1"),
                                         ("GET", "/api/plans/1/files/map.html"),
                                         ("POST", "/api/scenarios/1/plans")])
def test_api_needs_a_token(server: Server, method: str, path: str) -> None:
    assert server.api(method, path, who=None).status_code == 401
    r = server.api(method, path, who=None, headers={"Authorization": "Bearer rp_wrong"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("path", ["/", "/scenarios/1", "/jobs/1", "/plans/1", "/plans/1/files/map.html",
                                  "/plans/1/zip"])
def test_pages_redirect_to_login(server: Server, path: str) -> None:
    from urllib.parse import quote

    r = requests.get(server.url + path, allow_redirects=False, timeout=30)
    assert r.status_code == 303
    assert r.headers["location"] == ("/login" if path == "/" else "/login?next=" + quote(path, safe=""))


@pytest.mark.parametrize(("target", "lands"), [
    ("/checkin/VO-001", "/checkin/VO-001"),  # a scanned QR poster opens again after logging in
    ("//evil.example/x", "/"), ("https://evil.example/", "/"), ("/\\evil.example", "/"), ("/a\r\nSet-Cookie:x", "/"),
])
def test_login_returns_to_the_page_asked_for_and_only_on_this_server(server: Server, target: str, lands: str) -> None:
    s = requests.Session()
    page = s.get(server.url + "/login", params={"next": target}, timeout=30).text
    token = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    r = s.post(server.url + "/login", data={"name": "off", "password": PASSWORD, "csrf": token, "next": target},
               timeout=30, allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == lands


def test_roles_are_enforced(server: Server, planned: dict) -> None:
    sid, pid = planned["scenario"], planned["plan"]
    assert server.api("POST", "/api/scenarios", "ana", files={"file": ("s.zip", b"PK")}).status_code == 403
    assert server.api("POST", f"/api/scenarios/{sid}/plans", "ana", json={}).status_code == 403
    assert server.api("POST", f"/api/scenarios/{sid}/plans", "chief", json={}).status_code == 403
    assert server.api("GET", "/api/scenarios", "off").status_code == 403
    assert server.api("GET", f"/api/plans/{pid}/files/map.html", "off").status_code == 403
    assert server.api("POST", f"/api/plans/{pid}/approve", "plan").status_code == 403
    assert server.api("POST", f"/api/plans/{pid}/approve", "ana").status_code == 403
    page = server.login("off").get(f"{server.url}/plans/{pid}", timeout=30)
    assert page.status_code == 403


def test_session_cookie_flags_and_login_throttling(server: Server) -> None:
    s = requests.Session()
    token = csrf_of(s.get(server.url + "/login", timeout=30).text)
    r = s.post(server.url + "/login", data={"name": "ana", "password": PASSWORD, "csrf": token},
               allow_redirects=False, timeout=30)
    cookie = r.headers["set-cookie"]
    assert "rp_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    s = requests.Session()
    token = csrf_of(s.get(server.url + "/login", timeout=30).text)
    for _ in range(5):
        r = s.post(server.url + "/login", data={"name": "victim", "password": "wrong", "csrf": token}, timeout=30)
        assert r.status_code == 401
    r = s.post(server.url + "/login", data={"name": "victim", "password": PASSWORD, "csrf": token},
               allow_redirects=False, timeout=30)
    assert r.status_code == 429  # the right password too, until the window passes


def test_csrf_is_required_on_forms(server: Server, planned: dict) -> None:
    r = requests.post(server.url + "/login", data={"name": "ana", "password": PASSWORD}, timeout=30)
    assert r.status_code == 403
    s = server.login("plan")
    good = csrf_of(s.get(server.url + "/", timeout=30).text)
    for path, data in [("/scenarios/sample", {}), (f"/scenarios/{planned['scenario']}/plans", {"seed": "1"}),
                       (f"/plans/{planned['plan']}/approve", {}), ("/logout", {}), ("/lang", {"lang": "en"})]:
        assert s.post(server.url + path, data=data, timeout=30).status_code == 403, path
        assert s.post(server.url + path, data={**data, "csrf": "x" + good}, timeout=30).status_code == 403, path
    assert s.get(server.url + "/", timeout=30).status_code == 200  # still logged in: /logout was refused


def _evil_sample() -> bytes:
    toml = (SAMPLE / "scenario.toml").read_text(encoding="utf-8")
    first = next(line for line in toml.splitlines() if line.startswith("name = "))
    toml = toml.replace(first, f"name = {EVIL!r}".replace("'", '"'), 1)
    return zip_folder(SAMPLE, {"scenario.toml": toml.encode("utf-8")})


def test_names_are_rendered_literally(server: Server) -> None:
    r = server.api("POST", "/api/scenarios", "plan", files={"file": ("evil.zip", _evil_sample())})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    s = server.login("plan")
    for path in ("/", f"/scenarios/{sid}"):
        html = s.get(server.url + path, timeout=30).text
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;{{7*7}}{% raw %}x" in html
        assert "49" not in html.split("&lt;/script&gt;")[1][:10]


def _zip(entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for info, data in entries:
            zf.writestr(info, data)
    return buf.getvalue()


def test_zip_slip_and_symlinks_are_refused(server: Server) -> None:
    toml = (SAMPLE / "scenario.toml").read_bytes()
    link = zipfile.ZipInfo("s/roads.osm")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    cases = {"slip": _zip([("s/scenario.toml", toml), ("s/../../evil.txt", b"x")]),
             "absolute": _zip([("s/scenario.toml", toml), ("/tmp/evil.txt", b"x")]),
             "symlink": _zip([("s/scenario.toml", toml), (link, b"/etc/passwd")]),
             "not a zip": b"<html>not a zip</html>",
             "no scenario": _zip([("a.txt", b"x")])}
    before = sorted(p.name for p in server.data.rglob("*") if p.is_file())
    for what, data in cases.items():
        r = server.api("POST", "/api/scenarios", "plan", files={"file": ("s.zip", data)})
        assert r.status_code == 400, (what, r.text)
    assert not list(server.data.parent.rglob("evil.txt"))
    assert not (Path("/tmp") / "evil.txt").exists() or (Path("/tmp") / "evil.txt").stat().st_size != 1
    assert sorted(p.name for p in server.data.rglob("*") if p.is_file() and not p.name.startswith("routeplan.db")) == \
        sorted(n for n in before if not n.startswith("routeplan.db"))


def test_scenario_reading_outside_its_folder_is_refused(server: Server) -> None:
    toml = (SAMPLE / "scenario.toml").read_text(encoding="utf-8").replace('"roads.osm"', '"../../roads.osm"')
    r = server.api("POST", "/api/scenarios", "plan",
                   files={"file": ("s.zip", zip_folder(SAMPLE, {"scenario.toml": toml.encode()}))})
    assert r.status_code == 400


def test_oversize_upload_is_413(server: Server) -> None:
    big = os.urandom(3 * 1024 * 1024)  # the test server's limit is 2 MiB
    r = server.api("POST", "/api/scenarios", "plan", files={"file": ("big.zip", b"PK\x03\x04" + big)})
    assert r.status_code == 413


@pytest.mark.parametrize("rel", ["..%2f..%2frouteplan.db", "%2e%2e/%2e%2e/routeplan.db", "%2fetc%2fpasswd",
                                 "briefings/..%2f..%2f..%2frouteplan.db", ".routeplan", "nothing.html",
                                 "gpx", "..%5c..%5crouteplan.db", "link.txt"])
def test_file_routes_stay_inside_the_plan_folder(server: Server, planned: dict, rel: str) -> None:
    folder = server.data / "plans" / f"job-{planned['job']}"
    if not (folder / "link.txt").exists():
        (folder / "link.txt").symlink_to(server.data / "routeplan.db" if not server.db else "/etc/passwd")
    assert server.api("GET", f"/api/plans/{planned['plan']}/files/{rel}", "ana").status_code == 404
    s = server.login("ana")
    assert s.get(f"{server.url}/plans/{planned['plan']}/files/{rel}", timeout=30).status_code == 404


def test_scenario_edit_checks_version_and_validates(server: Server, planned: dict) -> None:
    sid = planned["scenario"]
    a, b = server.login("plan"), server.login("admin")
    page_a, page_b = a.get(f"{server.url}/scenarios/{sid}", timeout=30).text, \
        b.get(f"{server.url}/scenarios/{sid}", timeout=30).text
    version = page_a.split('name="version" value="', 1)[1].split('"', 1)[0]
    toml = (server.data / "scenarios" / str(sid) / "scenario.toml").read_text(encoding="utf-8")
    bad = a.post(f"{server.url}/scenarios/{sid}/edit", timeout=30,
                 data={"csrf": csrf_of(page_a), "version": version, "toml": toml.replace("\ndays = 7", "\ndayz = 7")})
    assert bad.status_code == 400 and "did you mean &#39;days&#39;" in bad.text and 'id="toml-error"' in bad.text
    assert str(server.data) not in bad.text  # messages name the file, not the server's folders
    ok = a.post(f"{server.url}/scenarios/{sid}/edit", timeout=30,
                data={"csrf": csrf_of(page_a), "version": version, "toml": toml + "\n# edited by plan\n"})
    assert ok.status_code == 200, ok.text
    stale = b.post(f"{server.url}/scenarios/{sid}/edit", timeout=30,
                   data={"csrf": csrf_of(page_b), "version": version, "toml": toml + "\n# edited by admin\n"})
    assert stale.status_code == 409 and "changed by someone else" in stale.text
    now = (server.data / "scenarios" / str(sid) / "scenario.toml").read_text(encoding="utf-8")
    assert "edited by plan" in now and "edited by admin" not in now


def test_layer_editor_validates_checks_version_and_csrf(server: Server, planned: dict) -> None:
    r = server.api("POST", "/api/scenarios", "plan", files={"file": ("s.zip", zip_folder(SAMPLE))})
    sid = r.json()["id"]
    s = server.login("plan")
    page = s.get(f"{server.url}/scenarios/{sid}/objects", timeout=30)
    assert page.status_code == 200 and "/static/leaflet/leaflet.js" in page.text and "unpkg" not in page.text
    csrf = page.text.split('data-csrf="', 1)[1].split('"', 1)[0]
    got = s.get(f"{server.url}/scenarios/{sid}/objects.geojson", timeout=30).json()
    layer, version = got["layer"], got["version"]
    url = f"{server.url}/scenarios/{sid}/objects.geojson"
    assert s.post(url, json={"version": version, "layer": layer}, timeout=30).status_code == 403  # no CSRF header
    bad = json.loads(json.dumps(layer))
    bad["features"][1]["properties"]["category"] = "casino"
    r = s.post(url, json={"version": version, "layer": bad}, headers={"X-CSRF-Token": csrf}, timeout=30)
    assert r.status_code == 400 and "unknown category 'casino'" in r.json()["error"]
    assert str(server.data) not in r.json()["error"]
    del layer["features"][0]
    r = s.post(url, json={"version": version, "layer": layer}, headers={"X-CSRF-Token": csrf}, timeout=30)
    assert r.status_code == 200 and r.json()["version"] == version + 1
    r = s.post(url, json={"version": version, "layer": layer}, headers={"X-CSRF-Token": csrf}, timeout=30)
    assert r.status_code == 409
    stored = json.loads((server.data / "scenarios" / str(sid) / "vital_objects.geojson").read_text(encoding="utf-8"))
    assert len(stored["features"]) == len(layer["features"])
    ana = server.login("ana")
    page = ana.get(f"{server.url}/scenarios/{sid}/objects", timeout=30).text
    csrf = page.split('data-csrf="', 1)[1].split('"', 1)[0]
    r = ana.post(url, json={"version": version + 1, "layer": layer}, headers={"X-CSRF-Token": csrf}, timeout=30)
    assert r.status_code == 403


def test_layer_import_and_export(server: Server) -> None:
    sid = server.api("POST", "/api/scenarios", "plan", files={"file": ("s.zip", zip_folder(SAMPLE))}).json()["id"]
    s = server.login("plan")
    page = s.get(f"{server.url}/scenarios/{sid}/objects", timeout=30).text
    exported = s.get(f"{server.url}/scenarios/{sid}/objects.geojson?download=1", timeout=30)
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    layer = json.loads(exported.content)
    layer["features"] = layer["features"][:5]
    layer["features"][0]["properties"]["name"] = EVIL
    url = f"{server.url}/scenarios/{sid}/objects/import"
    form = {"csrf": csrf_of(page), "version": page.split('name="version" value="', 1)[1].split('"', 1)[0]}
    r = s.post(url, data=form, files={"file": ("x.csv", b"id,name\n1,a\n")}, timeout=30)
    assert r.status_code == 400 and "x.csv: vital objects CSV needs lat and lon columns" in r.text
    r = s.post(url, data=form, files={"file": ("v.geojson", json.dumps(layer).encode())}, timeout=30)
    assert r.status_code == 200 and "<script>alert(1)" not in r.text
    stored = json.loads((server.data / "scenarios" / str(sid) / "vital_objects.geojson").read_text(encoding="utf-8"))
    assert len(stored["features"]) == 5 and stored["features"][0]["properties"]["name"] == EVIL
    r = s.post(url, data={**form, "csrf": "wrong"}, files={"file": ("v.geojson", b"{}")}, timeout=30)
    assert r.status_code == 403
    r = s.post(url, data=form, files={"file": ("v.geojson", json.dumps(layer).encode())}, timeout=30)
    assert r.status_code == 409  # the version of the page is old now
