"""The audit log of the shared workspace: one row per change of a project, a target or an account — who made it,
when, and the object before and after (JSON). Rows are written inside the change's own transaction, so the log
accounts for every committed change and for nothing that was rolled back."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from lifecircle.monitor.store import MonitorStore

#: Columns of :func:`audit_rows`.
AUDIT_COLUMNS = ("audit_id", "changed_at", "user_name", "action", "object_kind", "object_id", "before", "after")


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (np.floating, float)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return value


def to_json(obj: dict[str, Any] | None) -> str | None:
    """``obj`` as JSON text with dates as ISO strings and NaN as null (None stays None)."""
    if obj is None:
        return None
    return json.dumps({k: _plain(v) for k, v in obj.items()}, ensure_ascii=False, sort_keys=True)


def add_audit_row(con: duckdb.DuckDBPyConnection, user_name: str, action: str, object_kind: str, object_id: str,
                  before: dict[str, Any] | None, after: dict[str, Any] | None) -> int:
    """Append one audit row inside the caller's transaction; returns its ``audit_id``."""
    row = con.execute("SELECT coalesce(max(audit_id), 0) + 1 FROM audit_log").fetchone()
    audit_id = int(row[0]) if row else 1
    con.execute("INSERT INTO audit_log VALUES (?, now()::TIMESTAMP, ?, ?, ?, ?, ?, ?)",
                [audit_id, user_name, action, object_kind, object_id, to_json(before), to_json(after)])
    return audit_id


def audit_rows(store: MonitorStore, *, object_kind: str | None = None, object_id: str | None = None,
               limit: int | None = None) -> pd.DataFrame:
    """The audit log, newest first (:data:`AUDIT_COLUMNS`; ``before``/``after`` parsed back to dicts or None)."""
    where, params = [], []
    if object_kind is not None:
        where.append("object_kind = ?")
        params.append(object_kind)
    if object_id is not None:
        where.append("object_id = ?")
        params.append(object_id)
    sql = ("SELECT audit_id, changed_at, user_name, action, object_kind, object_id, before_json, after_json "
           "FROM audit_log" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY audit_id DESC")
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    df = store.con.execute(sql, params).df()
    df["before"] = [json.loads(t) if isinstance(t, str) else None for t in df.pop("before_json")]
    df["after"] = [json.loads(t) if isinstance(t, str) else None for t in df.pop("after_json")]
    return df[list(AUDIT_COLUMNS)]
