"""Small rules of ``routeplan serve``: no server path in what the API serves; expired sessions are cleaned up."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from sqlalchemy import select

from routeplan.serve.app import open_state
from routeplan.serve.auth import open_session
from routeplan.serve.db import transaction
from routeplan.serve.models import User, WebSession, utcnow
from routeplan.serve.settings import ServeConfig

from .conftest import Server


def test_plan_json_has_no_server_path(server: Server, planned: dict) -> None:
    pid = planned["plan"]
    data = str(server.data.resolve())
    plan = server.api("GET", f"/api/plans/{pid}", "ana")
    assert plan.status_code == 200 and plan.json()["scenario_file"] == "scenario.toml"
    assert data not in plan.text and str(server.data) not in plan.text
    for rel in ("plan.json", "inputs/manifest.json"):
        r = server.api("GET", f"/api/plans/{pid}/files/{rel}", "ana")
        assert r.status_code == 200 and data not in r.text and "scenario.toml" in r.text, rel
    z = zipfile.ZipFile(io.BytesIO(server.login("ana").get(f"{server.url}/plans/{pid}/zip", timeout=120).content))
    for name in (f"plan-{pid}/plan.json", f"plan-{pid}/inputs/manifest.json"):
        assert data not in z.read(name).decode("utf-8"), name


def test_expired_sessions_are_cleaned_up_at_the_next_login(server: Server) -> None:
    st = open_state(ServeConfig(data=server.data, db_url=server.db or ""))
    with transaction(st.factory) as db:
        user = db.scalar(select(User).where(User.name == "victim"))
        assert user is not None
        open_session(db, st.cfg, user)
        stale = db.scalar(select(WebSession).where(WebSession.user_id == user.id).order_by(WebSession.id.desc()))
        assert stale is not None
        stale.expires = utcnow() - dt.timedelta(minutes=1)
    expired = select(WebSession).where(WebSession.expires < utcnow())
    with st.factory() as db:
        assert db.scalar(expired) is not None
    server.login("ana")  # any login clears the expired sessions
    with st.factory() as db:
        assert db.scalar(expired) is None
