"""Shared dependencies of the routes: the workspace, the signed-in user, and who may call each route.

A route states its callers in its signature: ``user: Viewer`` (any signed-in account), ``user: Editor`` (admin or
unit editor) or ``user: Admin``. Each of them also checks the CSRF token of a state-changing request (any method
other than GET/HEAD/OPTIONS): a request without the session's token in ``X-CSRF-Token`` is refused (403).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from lifecircle.serve.accounts import ROLES, User, get_user
from lifecircle.serve.security import CSRF_HEADER, SESSION_COOKIE, Session, same_token
from lifecircle.serve.workspace import Workspace

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_workspace(request: Request) -> Workspace:
    ws: Workspace = request.app.state.workspace
    return ws


WorkspaceDep = Annotated[Workspace, Depends(get_workspace)]


def session_of(request: Request, ws: Workspace) -> tuple[Session, User] | None:
    """The request's valid session and its active account, or None (no cookie, forged, expired, ended)."""
    session = ws.signer.read_session(request.cookies.get(SESSION_COOKIE))
    if session is None:
        return None
    with ws.reading() as store:
        user = get_user(store, session.user_name)
    if user is None or not user.active or user.session_epoch != session.epoch:
        return None
    return session, user


def require(*roles: str) -> Callable[[Request, Workspace], User]:
    """A dependency that lets through a signed-in account with one of ``roles`` (and a valid CSRF token when the
    request changes something); 401 without a session, 403 for another role or a missing/wrong token."""
    assert set(roles) <= set(ROLES)

    def dependency(request: Request, ws: WorkspaceDep) -> User:
        found = session_of(request, ws)
        if found is None:
            raise HTTPException(401, "Sign in first (your session is missing or has ended).")
        session, user = found
        if request.method not in _SAFE_METHODS and not same_token(request.headers.get(CSRF_HEADER), session.csrf):
            raise HTTPException(403, "The request lacks this session's CSRF token; reload the page and try again.")
        if user.role not in roles:
            raise HTTPException(403, f"A {user.role} may not do this (it needs: {' or '.join(roles)}).")
        request.state.user = user
        return user

    return dependency


Viewer = Annotated[User, Depends(require(*ROLES))]
Editor = Annotated[User, Depends(require("admin", "editor"))]
Admin = Annotated[User, Depends(require("admin"))]
