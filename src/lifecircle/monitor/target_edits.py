"""Change targets from the shared workspace: one target's value, or a whole target list imported, each in one
transaction with an audit row per target added or changed."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from lifecircle.errors import LifecircleInputError
from lifecircle.monitor.audit import add_audit_row
from lifecircle.monitor.store import MonitorStore
from lifecircle.monitor.targets import TargetImport, import_targets

_TARGET_FIELDS = ("profile", "indicator", "area", "period", "due_date", "value", "direction", "source_document",
                  "note")


def target_id(profile: str, indicator: str, area: str, period: str) -> str:
    """The audit log's id of a target: ``profile/indicator/area/period``."""
    return "/".join((profile, indicator, area, period))


def _all_targets(store: MonitorStore) -> dict[str, dict[str, Any]]:
    rows = store.con.execute(f"SELECT {', '.join(_TARGET_FIELDS)} FROM targets").fetchall()
    return {target_id(*r[:4]): dict(zip(_TARGET_FIELDS, r)) for r in rows}


def set_target_value(store: MonitorStore, profile: str, indicator: str, area: str, period: str, value: float,
                     user_name: str, *, source_document: str | None = None) -> dict[str, Any]:
    """Set the value (in the indicator's unit: a share 0..1 for coverage) of an existing target; returns it after.

    Raises
    ------
    LifecircleInputError
        No such target, or a value that is not a finite number (a share outside 0..1 for a coverage target).
    """
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise LifecircleInputError(f"Target value {value!r} is not a number.")
    key = target_id(profile, indicator, area, period)
    with store.transaction() as con:
        before = _all_targets(store).get(key)
        if before is None:
            raise LifecircleInputError(f"There is no target {key}; import the target list first.")
        after = {**before, "value": float(value)}
        if source_document:
            after["source_document"] = source_document
        con.execute("UPDATE targets SET value = ?, source_document = ? WHERE profile = ? AND indicator = ? "
                    "AND area = ? AND period = ?",
                    [after["value"], after["source_document"], profile, indicator, area, period])
        add_audit_row(con, user_name, "update", "target", key, before, after)
    return after


def import_targets_audited(store: MonitorStore, path: str | Path, user_name: str, *,
                           sheet: str | None = None) -> TargetImport:
    """:func:`lifecircle.monitor.targets.import_targets` with one audit row per target added or changed, in the
    import's transaction."""
    with store.transaction() as con:
        old = _all_targets(store)
        result = import_targets(store, path, sheet=sheet)
        for key, now in sorted(_all_targets(store).items()):
            before = old.get(key)
            if before != now:
                add_audit_row(con, user_name, "import" if before is None else "import_update", "target", key,
                              before, now)
    return result
