"""Users, password hashes (argon2), API tokens, cookie sessions, CSRF tokens and login throttling."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from routeplan.errors import InputError
from routeplan.serve.db import audit, transaction
from routeplan.serve.models import ApiToken, LoginAttempt, User, WebSession, utcnow
from routeplan.serve.settings import ROLES, ServeConfig

_hasher = PasswordHasher()
#: Verified against when the user name is unknown, so a login takes as long for a missing user as for a wrong password.
_DUMMY_HASH = _hasher.hash("routeplan-not-a-password")
MIN_PASSWORD = 8


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_name(name: str) -> str:
    """A user name: 1..80 printable characters without spaces at either end."""
    if not name or len(name) > 80 or name != name.strip():
        raise InputError(f"user name {name!r} must be 1..80 characters without leading or trailing spaces")
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise InputError("user name has a control character; type it on one line")
    return name


def add_user(factory: sessionmaker[Session], name: str, role: str, password: str, unit: str | None = None) -> User:
    """Create a user; an officer needs the ``unit`` whose briefings they may read."""
    check_name(name)
    if role not in ROLES:
        raise InputError(f"--role {role!r}: choose one of {', '.join(ROLES)}")
    if role == "officer" and not unit:
        raise InputError("an officer needs --unit UNIT_ID (the unit whose briefings they see)")
    if len(password) < MIN_PASSWORD:
        raise InputError(f"the password must have at least {MIN_PASSWORD} characters")
    with transaction(factory) as db:
        if db.scalar(select(User).where(User.name == name)) is not None:
            raise InputError(f"user {name!r} exists already")
        user = User(name=name, role=role, unit=unit or None, password_hash=_hasher.hash(password))
        db.add(user)
        audit(db, "cli", "user_add", f"{name} ({role})")
    return user


def new_token(factory: sessionmaker[Session], name: str) -> str:
    """A new API token for user ``name``; only its hash is stored."""
    token = "rp_" + secrets.token_urlsafe(32)
    with transaction(factory) as db:
        user = db.scalar(select(User).where(User.name == name))
        if user is None:
            raise InputError(f"no user {name!r}; add it with 'routeplan users add'")
        db.add(ApiToken(user_id=user.id, token_hash=_digest(token)))
        audit(db, "cli", "token_new", name)
    return token


def user_for_token(db: Session, token: str) -> User | None:
    row = db.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    return db.get(User, row.user_id) if row is not None else None


def throttled(db: Session, cfg: ServeConfig, name: str, address: str) -> bool:
    """True when the name or the address has too many failed logins inside the throttle window."""
    since = utcnow() - dt.timedelta(seconds=cfg.throttle_seconds)
    for column, value, limit in ((LoginAttempt.name, name, cfg.max_failed_logins),
                                 (LoginAttempt.address, address, cfg.max_failed_logins_per_address)):
        n = db.scalar(select(func.count()).select_from(LoginAttempt).where(
            column == value, LoginAttempt.ok.is_(False), LoginAttempt.at >= since))
        if (n or 0) >= limit:
            return True
    return False


def check_login(db: Session, name: str, password: str, address: str) -> User | None:
    """The user when the password matches; every attempt is recorded for throttling."""
    user = db.scalar(select(User).where(User.name == name))
    try:
        ok = _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    except (VerificationError, InvalidHashError):
        ok = False
    db.add(LoginAttempt(name=name[:80], address=address[:64], ok=ok))
    audit(db, name[:80], "login" if ok else "login_failed", address)
    return user if ok else None


def open_session(db: Session, cfg: ServeConfig, user: User, lang: str = "id") -> str:
    """A new session for ``user``; returns the cookie value (only its hash is stored). Expired sessions go."""
    db.execute(delete(WebSession).where(WebSession.expires < utcnow()))
    token = secrets.token_urlsafe(32)
    db.add(WebSession(user_id=user.id, token_hash=_digest(token), csrf=secrets.token_urlsafe(32), lang=lang,
                      expires=utcnow() + dt.timedelta(seconds=cfg.session_seconds)))
    return token


def session_for(db: Session, cookie: str | None) -> tuple[User, WebSession] | None:
    if not cookie:
        return None
    sess = db.scalar(select(WebSession).where(WebSession.token_hash == _digest(cookie)))
    if sess is None or sess.expires < utcnow():
        return None
    user = db.get(User, sess.user_id)
    return (user, sess) if user is not None else None


def close_session(db: Session, cookie: str | None) -> None:
    if cookie:
        sess = db.scalar(select(WebSession).where(WebSession.token_hash == _digest(cookie)))
        if sess is not None:
            db.delete(sess)


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))
