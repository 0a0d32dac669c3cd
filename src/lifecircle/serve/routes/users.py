"""Accounts (admin only): list, add, disable, set a password; the audit log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from lifecircle.monitor.audit import audit_rows
from lifecircle.serve.accounts import add_user, disable_user, list_users, set_password
from lifecircle.serve.deps import Admin, WorkspaceDep
from lifecircle.serve.shaping import records

router = APIRouter(tags=["users"])


class NewUser(BaseModel):
    user_name: str
    role: str
    password: str
    unit: str | None = None


class NewPassword(BaseModel):
    password: str


@router.get("/api/users")
def users(user: Admin, ws: WorkspaceDep) -> list[dict[str, Any]]:
    with ws.reading() as store:
        return records(list_users(store))


@router.post("/api/users")
def create_user(body: NewUser, user: Admin, ws: WorkspaceDep) -> dict[str, Any]:
    with ws.writing() as store:
        made = add_user(store, body.user_name, body.role, body.password, unit=body.unit, by=user.user_name)
    return {"user_name": made.user_name, "role": made.role, "unit": made.unit}


@router.post("/api/users/{user_name}/disable")
def disable(user_name: str, user: Admin, ws: WorkspaceDep) -> dict[str, Any]:
    with ws.writing() as store:
        disable_user(store, user_name, by=user.user_name)
    return {"disabled": user_name}


@router.post("/api/users/{user_name}/password")
def password(user_name: str, body: NewPassword, user: Admin, ws: WorkspaceDep) -> dict[str, Any]:
    with ws.writing() as store:
        set_password(store, user_name, body.password, by=user.user_name)
    return {"password_set": user_name}


@router.get("/api/audit")
def audit(user: Admin, ws: WorkspaceDep, object_kind: str | None = None, object_id: str | None = None,
          limit: int = 500) -> list[dict[str, Any]]:
    with ws.reading() as store:
        return records(audit_rows(store, object_kind=object_kind, object_id=object_id, limit=max(1, min(limit, 5000))))
