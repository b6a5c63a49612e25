"""Request dependencies: the app's state, the user of a bearer token (API) or of a session cookie (pages), roles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session, sessionmaker

from routeplan.serve.auth import same_token, session_for, user_for_token
from routeplan.serve.jobs import JobRunner
from routeplan.serve.models import User, WebSession
from routeplan.serve.settings import ServeConfig

COOKIE = "rp_session"
LOGIN_CSRF_COOKIE = "rp_login_csrf"


@dataclass
class State:
    cfg: ServeConfig
    factory: sessionmaker[Session]
    jobs: JobRunner


def state(request: Request) -> State:
    st: State = request.app.state.rp
    return st


def api_user(request: Request, st: State = Depends(state)) -> User:  # noqa: B008
    """The user of the ``Authorization: Bearer`` token; 401 without a valid one."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    user = None
    if scheme.lower() == "bearer" and token.strip():
        with st.factory() as db:
            user = user_for_token(db, token.strip())
    if user is None:
        raise HTTPException(401, "a valid bearer token is needed (routeplan users token NAME)",
                            headers={"WWW-Authenticate": "Bearer"})
    return user


def api_role(*roles: str) -> Callable[..., User]:
    def check(user: User = Depends(api_user)) -> User:  # noqa: B008
        if user.role not in roles:
            raise HTTPException(403, f"the role {user.role!r} may not do this")
        return user
    return check


class LoginRequired(Exception):
    """Raised by page dependencies without a session: the app answers with a redirect to the login page."""


@dataclass
class PageUser:
    user: User
    session: WebSession

    @property
    def lang(self) -> str:
        return self.session.lang


def page_user(request: Request, st: State = Depends(state)) -> PageUser:  # noqa: B008
    with st.factory() as db:
        found = session_for(db, request.cookies.get(COOKIE))
    if found is None:
        raise LoginRequired()
    return PageUser(*found)


def page_role(*roles: str) -> Callable[..., PageUser]:
    def check(pu: PageUser = Depends(page_user)) -> PageUser:  # noqa: B008
        if pu.user.role not in roles:
            raise HTTPException(403, "your role may not open this page")
        return pu
    return check


def check_csrf(pu: PageUser, token: str | None) -> None:
    """403 unless ``token`` is the CSRF token of the user's session (every page form sends it)."""
    if not same_token(pu.session.csrf, token):
        raise HTTPException(403, "the form's CSRF token is missing or wrong; reload the page")
