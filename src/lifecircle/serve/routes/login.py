"""Sign in and out, and who am I (with the CSRF token the page sends back on every change)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel

from lifecircle.monitor.store import MonitorStore
from lifecircle.serve.accounts import authenticate, rehash_if_needed
from lifecircle.serve.deps import Viewer, WorkspaceDep, session_of
from lifecircle.serve.security import (
    CSRF_HEADER,
    LOGIN_COOKIE,
    SESSION_COOKIE,
    SESSION_MAX_AGE_S,
    Session,
    needs_rehash,
    new_token,
    same_token,
)

router = APIRouter(tags=["login"])


class Credentials(BaseModel):
    user_name: str
    password: str


def _stored_hash(store: MonitorStore, user_name: str) -> str:
    row = store.con.execute("SELECT password_hash FROM users WHERE user_name = ?", [user_name]).fetchone()
    return str(row[0]) if row else ""


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_login_cookie(request: Request, response: Response, ws: WorkspaceDep) -> str:
    """Issue the pre-session cookie of the sign-in form; returns its CSRF token (the page embeds it)."""
    token = new_token()
    response.set_cookie(LOGIN_COOKIE, ws.signer.login_cookie(token), max_age=SESSION_MAX_AGE_S, httponly=True,
                        samesite="strict", secure=_secure(request), path="/")
    return token


@router.post("/api/login")
def login(body: Credentials, request: Request, response: Response, ws: WorkspaceDep) -> dict[str, Any]:
    token = ws.signer.read_login(request.cookies.get(LOGIN_COOKIE))
    if not same_token(request.headers.get(CSRF_HEADER), token):
        raise HTTPException(403, "The sign-in form has expired or was not sent by this site; reload the page.")
    client = request.client.host if request.client else "unknown"
    keys = (f"user:{body.user_name.lower()[:64]}", f"addr:{client}")
    wait = ws.throttle.retry_after_s(*keys)
    if wait > 0:
        raise HTTPException(429, f"Too many failed sign-ins; try again in {int(wait // 60) + 1} minutes.",
                            headers={"Retry-After": str(int(wait) + 1)})
    with ws.reading() as store:
        user = authenticate(store, body.user_name, body.password)
    if user is None:
        ws.throttle.failed(*keys)
        raise HTTPException(401, "Wrong user name or password, or the account is disabled.")
    ws.throttle.succeeded(keys[0])
    with ws.reading() as store:
        stale = needs_rehash(_stored_hash(store, user.user_name))
    if stale:
        with ws.writing() as store:
            rehash_if_needed(store, user.user_name, body.password)
    session = Session(user.user_name, user.session_epoch, new_token())
    response.set_cookie(SESSION_COOKIE, ws.signer.session_cookie(session), max_age=SESSION_MAX_AGE_S,
                        httponly=True, samesite="strict", secure=_secure(request), path="/")
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return {"user_name": user.user_name, "role": user.role, "unit": user.unit, "csrf": session.csrf}


@router.post("/api/logout")
def logout(user: Viewer, response: Response) -> dict[str, Any]:
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"signed_out": user.user_name}


@router.get("/api/me")
def me(request: Request, ws: WorkspaceDep) -> dict[str, Any]:
    found = session_of(request, ws)
    if found is None:
        raise HTTPException(401, "Sign in first.")
    session, user = found
    return {"user_name": user.user_name, "role": user.role, "unit": user.unit, "csrf": session.csrf}
