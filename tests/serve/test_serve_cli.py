"""``routeplan users`` and ``routeplan serve`` on the command line."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest
import uvicorn

from routeplan.cli import main
from routeplan.serve.app import open_state
from routeplan.serve.auth import check_login, user_for_token
from routeplan.serve.settings import ServeConfig

from .conftest import ROOT


def _run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "routeplan", *args], input=stdin, capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def test_users_add_and_token(tmp_path) -> None:
    data = tmp_path / "d"
    r = _run("users", "add", "Bripka Sari", "--role", "planner", "--data", str(data), stdin="s3cret-pass\n")
    assert r.returncode == 0, r.stderr
    r = _run("users", "token", "Bripka Sari", "--data", str(data))
    assert r.returncode == 0 and r.stdout.startswith("rp_")
    st = open_state(ServeConfig(data=data))
    with st.factory() as db:
        user = user_for_token(db, r.stdout.strip())
        assert user is not None and user.name == "Bripka Sari" and user.role == "planner"
        assert user.password_hash.startswith("$argon2")
        assert check_login(db, "Bripka Sari", "s3cret-pass", "test") is not None
        assert check_login(db, "Bripka Sari", "wrong-pass", "test") is None


@pytest.mark.parametrize("args,stdin,message", [
    (["users", "add", "x", "--role", "planner"], "short\n", "at least 8 characters"),
    (["users", "add", "o", "--role", "officer"], "long-enough\n", "needs --unit"),
    (["users", "add", "a\tb", "--role", "admin"], "long-enough\n", "control character"),
    (["users", "token", "nobody"], "", "no user 'nobody'"),
])
def test_users_bad_input_is_one_line(tmp_path, capsys, args, stdin, message, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(stdin))
    assert main([*args, "--data", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_duplicate_user_refused(tmp_path, capsys, monkeypatch) -> None:
    for expected in (0, 2):
        monkeypatch.setattr("sys.stdin", __import__("io").StringIO("long-enough\n"))
        assert main(["users", "add", "sari", "--role", "analyst", "--data", str(tmp_path)]) == expected
    assert "exists already" in capsys.readouterr().err


def test_serve_without_the_extra_says_how_to_install(tmp_path, capsys, monkeypatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "fastapi" else real(name, *a))
    assert main(["serve", "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "pip install 'routeplan[serve]'" in err and err.count("\n") == 1


@pytest.mark.parametrize("host,warned", [("127.0.0.1", False), ("::1", False), ("0.0.0.0", True)])
def test_warning_when_not_on_loopback(tmp_path, capsys, monkeypatch, host, warned) -> None:
    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw))
    assert main(["serve", "--data", str(tmp_path), "--host", host, "--port", "8123"]) == 0
    assert seen["host"] == host and seen["port"] == 8123
    assert ("warning: listening on" in capsys.readouterr().err) is warned
