"""Accounts of the shared workspace, stored in the monitoring store (table ``users``).

Roles:

``admin``
    Manages accounts, targets and runs; may edit every project.
``editor``
    A responsible unit (责任单位): edits only the projects whose ``responsible_unit`` is its own ``unit``; saves
    what-if plans.
``viewer``
    Reads everything, changes nothing (what-if plans may be tried, not saved).

Every change of an account is written with an audit row (the hash itself is never logged).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from lifecircle.errors import LifecircleInputError
from lifecircle.monitor.audit import add_audit_row
from lifecircle.monitor.store import MonitorStore
from lifecircle.serve.security import (
    MIN_PASSWORD_CHARS,
    hash_password,
    needs_rehash,
    verify_password,
)

#: The roles, from most to least rights.
ROLES = ("admin", "editor", "viewer")

_USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


@dataclass(frozen=True)
class User:
    """An account: ``unit`` is the responsible unit of an editor (None for admin and viewer)."""

    user_name: str
    role: str
    unit: str | None
    active: bool
    session_epoch: int

    def may_edit_project(self, responsible_unit: str) -> bool:
        """True for an admin, and for an editor whose unit is ``responsible_unit``."""
        return self.role == "admin" or (self.role == "editor" and self.unit == responsible_unit)


def check_user_name(name: str) -> str:
    """``name`` when it is a valid account name (letters, digits, ``._@-``, at most 64, no leading punctuation)."""
    if not isinstance(name, str) or not _USER_NAME.match(name):
        raise LifecircleInputError(
            f"'{name}' is not a valid user name: use 1-64 letters, digits or . _ @ - (starting with a letter or digit).")
    return name


def check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_CHARS:
        raise LifecircleInputError(f"The password must have at least {MIN_PASSWORD_CHARS} characters.")


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("user_name", "role", "unit", "active")}


def _row(store: MonitorStore, user_name: str) -> dict[str, Any] | None:
    r = store.con.execute("SELECT user_name, role, unit, password_hash, active, session_epoch FROM users "
                          "WHERE user_name = ?", [user_name]).fetchone()
    if r is None:
        return None
    return dict(zip(("user_name", "role", "unit", "password_hash", "active", "session_epoch"), r))


def get_user(store: MonitorStore, user_name: str) -> User | None:
    """The account ``user_name`` (active or not), or None."""
    r = _row(store, user_name)
    if r is None:
        return None
    return User(r["user_name"], r["role"], r["unit"], bool(r["active"]), int(r["session_epoch"]))


def add_user(store: MonitorStore, user_name: str, role: str, password: str, *, unit: str | None = None,
             by: str = "cli") -> User:
    """Create an account. An editor needs its responsible unit (the ``responsible_unit`` text of its projects)."""
    check_user_name(user_name)
    if role not in ROLES:
        raise LifecircleInputError(f"Role '{role}' is not one of {', '.join(ROLES)}.")
    unit = (unit or "").strip() or None
    if role == "editor" and unit is None:
        raise LifecircleInputError("An editor needs --unit: the responsible unit (责任单位) whose projects it edits.")
    if role != "editor" and unit is not None:
        raise LifecircleInputError(f"Only an editor has a unit; a {role} edits {'all' if role == 'admin' else 'no'} "
                                   "projects. Leave out --unit.")
    check_password(password)
    with store.transaction() as con:
        if _row(store, user_name) is not None:
            raise LifecircleInputError(f"There is already a user '{user_name}'; choose another name or use "
                                       "'lifecircle users passwd'.")
        con.execute("INSERT INTO users VALUES (?, ?, ?, ?, TRUE, 0, now()::TIMESTAMP)",
                    [user_name, role, unit, hash_password(password)])
        after = {"user_name": user_name, "role": role, "unit": unit, "active": True}
        add_audit_row(con, by, "add", "user", user_name, None, after)
    return User(user_name, role, unit, True, 0)


def list_users(store: MonitorStore) -> pd.DataFrame:
    """Every account: ``user_name, role, unit, active, created_at`` (no hashes)."""
    return store.con.execute("SELECT user_name, role, unit, active, created_at FROM users ORDER BY user_name").df()


def _existing(store: MonitorStore, user_name: str) -> dict[str, Any]:
    r = _row(store, user_name)
    if r is None:
        raise LifecircleInputError(f"There is no user '{user_name}' ('lifecircle users list' shows them).")
    return r


def disable_user(store: MonitorStore, user_name: str, *, by: str = "cli") -> None:
    """Disable an account and end its sessions (the account and its audit trail stay)."""
    with store.transaction() as con:
        before = _existing(store, user_name)
        con.execute("UPDATE users SET active = FALSE, session_epoch = session_epoch + 1 WHERE user_name = ?",
                    [user_name])
        add_audit_row(con, by, "disable", "user", user_name, _public(before), {**_public(before), "active": False})


def set_password(store: MonitorStore, user_name: str, password: str, *, by: str = "cli") -> None:
    """Set a new password and end the account's other sessions."""
    check_password(password)
    with store.transaction() as con:
        before = _existing(store, user_name)
        con.execute("UPDATE users SET password_hash = ?, session_epoch = session_epoch + 1 WHERE user_name = ?",
                    [hash_password(password), user_name])
        add_audit_row(con, by, "password", "user", user_name, _public(before), _public(before))


def authenticate(store: MonitorStore, user_name: str, password: str) -> User | None:
    """The active account when ``password`` is its password, else None (unknown, disabled or wrong password).
    Reads only; :func:`rehash_if_needed` then upgrades a hash made with weaker parameters."""
    r = _row(store, user_name) if isinstance(user_name, str) and _USER_NAME.match(user_name) else None
    if r is None:
        verify_password(_DUMMY_HASH, password)  # the same work whether or not the user exists
        return None
    if not verify_password(r["password_hash"], password) or not r["active"]:
        return None
    return User(r["user_name"], r["role"], r["unit"], True, int(r["session_epoch"]))


def rehash_if_needed(store: MonitorStore, user_name: str, password: str) -> bool:
    """Hash the (verified) password again when its stored hash uses weaker parameters than the current ones;
    returns whether it did."""
    r = _row(store, user_name)
    if r is None or not needs_rehash(r["password_hash"]):
        return False
    with store.transaction() as con:
        con.execute("UPDATE users SET password_hash = ? WHERE user_name = ?", [hash_password(password), user_name])
    return True


_DUMMY_HASH = hash_password("not a password of anybody")
