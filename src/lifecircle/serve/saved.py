"""What-if plans saved in the store (table ``saved_scenarios``): the plan as the page sent it, the run it applies
to, and the indicators before and after at the time it was saved; each save has an audit row."""

from __future__ import annotations

import json
from typing import Any

from lifecircle.errors import LifecircleInputError
from lifecircle.monitor.audit import add_audit_row
from lifecircle.monitor.store import MonitorStore
from lifecircle.serve.shaping import plain

_COLUMNS = ("scenario_id", "name", "results_key", "plan_json", "summary_json", "created_by", "created_at")


def _check_name(name: str) -> str:
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > 120 or any(ord(ch) < 32 for ch in name):
        raise LifecircleInputError("A plan needs a name of 1-120 characters (no control characters).")
    return name


def save_scenario(store: MonitorStore, name: str, results_key: str, plan: dict[str, Any], answer: dict[str, Any],
                  user_name: str) -> dict[str, Any]:
    """Store a plan and its whole-area comparison; returns ``scenario_id`` and ``name``."""
    name = _check_name(name)
    summary = [r for r in answer["comparison"] if r.get("area") == "ALL"]
    with store.transaction() as con:
        if con.execute("SELECT 1 FROM saved_scenarios WHERE name = ?", [name]).fetchone() is not None:
            raise LifecircleInputError(f"A plan named '{name}' is already saved; choose another name.")
        sid = store.next_id("saved_scenarios", "scenario_id")
        con.execute("INSERT INTO saved_scenarios VALUES (?, ?, ?, ?, ?, ?, now()::TIMESTAMP)",
                    [sid, name, results_key, json.dumps(plan, ensure_ascii=False), json.dumps(summary), user_name])
        add_audit_row(con, user_name, "save", "scenario", str(sid), None,
                      {"name": name, "run": results_key, "plan": json.dumps(plan, ensure_ascii=False)})
    return {"scenario_id": sid, "name": name}


def _item(row: tuple[Any, ...]) -> dict[str, Any]:
    d = dict(zip(_COLUMNS, row))
    d["plan"] = json.loads(d.pop("plan_json"))
    d["comparison"] = json.loads(d.pop("summary_json"))
    d["created_at"] = plain(d["created_at"])
    return d


def list_saved(store: MonitorStore) -> list[dict[str, Any]]:
    rows = store.con.execute(f"SELECT {', '.join(_COLUMNS)} FROM saved_scenarios ORDER BY scenario_id").fetchall()
    return [_item(r) for r in rows]


def get_saved(store: MonitorStore, scenario_id: int) -> dict[str, Any]:
    row = store.con.execute(f"SELECT {', '.join(_COLUMNS)} FROM saved_scenarios WHERE scenario_id = ?",
                            [int(scenario_id)]).fetchone()
    if row is None:
        raise LifecircleInputError(f"There is no saved plan {scenario_id}.")
    return _item(row)


def compare_saved(store: MonitorStore, a: int, b: int) -> dict[str, Any]:
    """Two saved plans side by side: per profile and indicator, the value before and after each plan."""
    pa, pb = get_saved(store, a), get_saved(store, b)
    key = ("profile", "indicator")
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for tag, item in (("a", pa), ("b", pb)):
        for r in item["comparison"]:
            k = (r["profile"], r["indicator"])
            row = rows.setdefault(k, {**{c: r[c] for c in key}, "name_zh": r.get("name_zh"),
                                      "name_en": r.get("name_en"), "unit": r.get("unit"),
                                      "threshold_kind": r.get("threshold_kind"),
                                      "before": r.get("before")})
            row[f"after_{tag}"] = r.get("after")
            row[f"change_{tag}"] = r.get("change")
    return {"a": {"scenario_id": a, "name": pa["name"], "run": pa["results_key"]},
            "b": {"scenario_id": b, "name": pb["name"], "run": pb["results_key"]},
            "rows": list(rows.values())}
