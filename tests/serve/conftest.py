"""A real ``routeplan serve`` process on 127.0.0.1 (a free port) with a fresh data folder, users and tokens.

The server runs against SQLite in its data folder, and also against PostgreSQL when ``ROUTEPLAN_TEST_PG`` holds
a server URL (``postgresql://user@127.0.0.1:PORT/postgres``): a throw-away database is created for the run and
dropped after it. Servers are started in their own process group and stopped (with their job workers) by the
fixture.
"""

from __future__ import annotations

import io
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from routeplan.serve.app import open_state
from routeplan.serve.auth import add_user, new_token
from routeplan.serve.settings import ServeConfig

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
PASSWORD = "correct horse battery"
USERS = {"admin": "admin", "plan": "planner", "chief": "commander", "ana": "analyst", "off": "officer", "victim": "analyst"}
OFFICER_UNIT = "R2-1"
#: A tiny search budget: plans of the sample take seconds instead of a minute.
TINY = {"seed": 1, "time_limit": 20, "iterations": 30}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(*args: str, stdin: str = "", data: Path, db: str | None = None) -> str:
    cmd = [sys.executable, "-m", "routeplan", *args, "--data", str(data)] + (["--db", db] if db else [])
    res = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    return res.stdout.strip()


@dataclass
class Server:
    data: Path
    db: str | None
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    tokens: dict[str, str] = field(default_factory=dict)
    #: More options of ``routeplan serve`` (e.g. ``--scheduler``).
    args: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, max_upload_mb: float = 2.0) -> Server:
        cmd = [sys.executable, "-m", "routeplan", "serve", "--data", str(self.data), "--port", str(self.port),
               "--max-upload-mb", str(max_upload_mb)] + (["--db", self.db] if self.db else []) + self.args
        self.log = open(self.data.parent / f"server-{self.port}.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=self.log, stderr=self.log, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {(self.data.parent / f'server-{self.port}.log').read_text()}")
            try:
                if requests.get(self.url + "/api/health", timeout=2).ok:
                    return self
            except requests.ConnectionError:
                time.sleep(0.2)
        raise RuntimeError("server did not answer within 60 s")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the server and the job workers it started (its process group)."""
        if self.proc is None:
            return
        pgid = self.proc.pid  # start_new_session: the group of the server we started
        try:
            os.killpg(pgid, sig)
            self.proc.wait(timeout=60)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        try:
            os.killpg(pgid, signal.SIGKILL)  # leftover job workers of this server only
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=10)
        self.proc = None
        self.log.close()

    def api(self, method: str, path: str, who: str | None = "admin", **kw) -> requests.Response:
        headers = kw.pop("headers", {})
        if who:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        return requests.request(method, self.url + path, headers=headers, timeout=60, **kw)

    def wait_job(self, job_id: int, who: str = "plan", timeout: float = 240) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.api("GET", f"/api/jobs/{job_id}", who).json()
            if job["state"] not in ("queued", "running"):
                return job
            time.sleep(0.5)
        raise AssertionError(f"job {job_id} did not end within {timeout} s")

    def login(self, who: str, password: str = PASSWORD) -> requests.Session:
        """A browser-like session logged in through the login form (with its CSRF token)."""
        s = requests.Session()
        page = s.get(self.url + "/login", timeout=30).text
        token = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        r = s.post(self.url + "/login", data={"name": who, "password": password, "csrf": token}, timeout=30,
                   allow_redirects=False)
        assert r.status_code == 303, r.text
        return s


def csrf_of(html: str) -> str:
    return html.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def zip_folder(folder: Path, replace: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.iterdir()):
            if p.is_file():
                zf.writestr(f"sample/{p.name}", (replace or {}).get(p.name, p.read_bytes()))
    return buf.getvalue()


def _pg_database() -> Iterator[str | None]:
    url = os.environ.get("ROUTEPLAN_TEST_PG")
    if not url:
        yield None
        return
    import psycopg

    name = "routeplan_test_" + secrets.token_hex(4)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    base = url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def new_server(tmp: Path, db: str | None, args: list[str] | None = None) -> Server:
    data = tmp / "data"
    srv = Server(data=data, db=db, args=args or [])
    # in-process through the library (the `routeplan users` command itself is tested in test_serve_cli.py)
    st = open_state(ServeConfig(data=data, db_url=db or ""))
    for name, role in USERS.items():
        add_user(st.factory, name, role, PASSWORD, OFFICER_UNIT if role == "officer" else None)
        srv.tokens[name] = new_token(st.factory, name)
    return srv.start()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory) -> Iterator[Server]:
    """A running server with the five users, on SQLite and (when configured) on PostgreSQL."""
    gen = _pg_database() if request.param == "postgresql" else iter([None])
    db = next(gen)
    if request.param == "postgresql" and db is None:
        pytest.skip("ROUTEPLAN_TEST_PG is not set (.ci/run starts a throw-away PostgreSQL server and sets it)")
    srv = new_server(tmp_path_factory.mktemp(f"serve-{request.param}"), db)
    try:
        yield srv
    finally:
        srv.stop()
        if hasattr(gen, "close"):
            gen.close()


@pytest.fixture(scope="session")
def planned(server: Server) -> dict:
    """The sample uploaded and planned once per server: ``{"scenario": id, "job": id, "plan": id}``."""
    r = server.api("POST", "/api/scenarios", "plan", files={"file": ("sample.zip", zip_folder(SAMPLE))})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    r = server.api("POST", f"/api/scenarios/{sid}/plans", "plan", json=TINY)
    assert r.status_code == 202, r.text
    job = server.wait_job(r.json()["id"])
    assert job["state"] == "done", job
    return {"scenario": sid, "job": job["id"], "plan": job["plan_id"]}
