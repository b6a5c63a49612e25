"""``routeplan serve`` (the web workspace) and ``routeplan users`` (its accounts and API tokens)."""

from __future__ import annotations

import argparse
import getpass
import importlib.util
import ipaddress
import sys
from pathlib import Path
from typing import Any

from routeplan.cli._args import positive, whole
from routeplan.errors import InputError

INSTALL_HINT = "routeplan serve needs the 'serve' extra: pip install 'routeplan[serve]'"
DEFAULT_DATA = "routeplan-data"


def _need_extra() -> None:
    for mod in ("fastapi", "uvicorn", "sqlalchemy", "alembic", "argon2", "multipart"):
        if importlib.util.find_spec(mod) is None:
            raise InputError(INSTALL_HINT)


def _config(args: argparse.Namespace) -> Any:
    from routeplan.serve.settings import ServeConfig  # lazy: the optional 'serve' extra

    cfg = ServeConfig(data=Path(args.data), db_url=getattr(args, "db", None) or "")
    cfg.scheduler = getattr(args, "scheduler", None) or ""
    if getattr(args, "max_upload_mb", None):
        cfg.max_upload_bytes = int(args.max_upload_mb * 1024 * 1024)
    return cfg


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cmd_serve(args: argparse.Namespace) -> int:
    _need_extra()
    import uvicorn  # lazy: the optional 'serve' extra

    from routeplan.serve.app import create_app  # lazy: the optional 'serve' extra

    if not _loopback(args.host):
        print(f"routeplan: warning: listening on {args.host}, not only on this computer; put it behind HTTPS "
              "and a firewall", file=sys.stderr)
    cfg = _config(args)
    print(f"routeplan serve: http://{args.host}:{args.port}/ (data in {cfg.data}; Ctrl+C stops)", file=sys.stderr)
    uvicorn.run(create_app(cfg), host=args.host, port=args.port, log_level="warning")
    return 0


def _read_password() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("password: ")
    return sys.stdin.readline().rstrip("\r\n")


def cmd_users(args: argparse.Namespace) -> int:
    _need_extra()
    from routeplan.serve.app import open_state  # lazy: the optional 'serve' extra
    from routeplan.serve.auth import add_user, new_token  # lazy: the optional 'serve' extra

    st = open_state(_config(args))
    if args.action == "add":
        add_user(st.factory, args.name, args.role, _read_password(), args.unit)
        print(f"user {args.name} ({args.role}) added")
    else:
        print(new_token(st.factory, args.name))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="the web workspace (needs the 'serve' extra)")
    p.add_argument("--data", default=DEFAULT_DATA, help="data folder: database, scenarios, plans")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: this computer only)")
    p.add_argument("--port", type=whole(1, 65535), default=8000)
    p.add_argument("--db", default=None, help="database URL (default: SQLite in DATA; or postgresql://...)")
    p.add_argument("--max-upload-mb", type=positive, default=50.0, help="largest scenario upload (MiB)")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="run plan jobs on this Dask scheduler (the batch engine) instead of the process pool; "
                        "its workers must reach the database and see DATA at the same path")
    p.set_defaults(func=cmd_serve)

    u = sub.add_parser("users", help="accounts of the web workspace")
    usub = u.add_subparsers(dest="action", required=True)
    add = usub.add_parser("add", help="add a user; the password is read from stdin")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=["admin", "commander", "planner", "analyst", "officer"])
    add.add_argument("--unit", default=None, help="an officer's unit id (they see only its briefings)")
    tok = usub.add_parser("token", help="print a new API token of a user")
    tok.add_argument("name")
    for q in (add, tok):
        q.add_argument("--data", default=DEFAULT_DATA)
        q.add_argument("--db", default=None)
    u.set_defaults(func=cmd_users)
