"""Where do we stand: each target against the latest recorded value, and each responsible unit's projects.

Everything is relative to an ``as_of`` date (default today):

* a target's *latest value* is that of the run with the latest ``data_date`` on or before ``as_of`` that has the
  indicator for the target's area (and profile, when the target names one);
* a target is ``met`` when that value satisfies it (``value >= target`` for ``at_least``, ``<=`` for ``at_most``),
  ``missed`` when not met and its due date has passed, ``open`` when not met and not yet due, ``no data`` when no
  run has the indicator;
* a project is ``late`` when its planned completion date is before ``as_of`` and it is neither completed nor
  cancelled; ``done late`` when it was completed after its planned completion date; a project completed after
  ``as_of`` counts as not done at ``as_of``.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lifecircle.monitor.store import MonitorStore

#: Columns of :func:`target_status`.
TARGET_STATUS_COLUMNS = (
    "profile", "indicator", "area", "period", "due_date", "direction", "target", "value", "run_id", "data_date",
    "gap", "state", "name_zh", "name_en", "unit", "source_document",
)
#: Columns of :func:`unit_status`: counts of projects per responsible unit.
UNIT_STATUS_COLUMNS = ("responsible_unit", "projects", "done", "done_late", "late", "in_progress", "not_due",
                       "cancelled")


def target_status(store: MonitorStore, as_of: date | None = None) -> pd.DataFrame:
    """One row per target with the latest value on or before ``as_of`` (:data:`TARGET_STATUS_COLUMNS`).

    ``gap`` is how far the value is from the target in the indicator's unit, positive when the target is not
    reached (``target - value`` for ``at_least``, ``value - target`` for ``at_most``); NaN without data.
    """
    as_of = as_of or date.today()
    df = store.con.execute(
        """
        WITH candidates AS (
            SELECT t.profile AS t_profile, t.indicator, t.area, t.period, iv.profile AS v_profile, iv.value,
                   iv.run_id, r.data_date, iv.name_zh, iv.name_en, iv.unit,
                   row_number() OVER (PARTITION BY t.profile, t.indicator, t.area, t.period, iv.profile
                                      ORDER BY r.data_date DESC, r.run_id DESC) AS rk
            FROM targets t
            JOIN indicator_values iv ON iv.indicator = t.indicator AND iv.area = t.area
                                    AND (t.profile = '' OR iv.profile = t.profile)
            JOIN runs r ON r.run_id = iv.run_id AND r.data_date <= ?
        )
        SELECT coalesce(c.v_profile, t.profile) AS profile, t.indicator, t.area, t.period, t.due_date, t.direction,
               t.value AS target, c.value, c.run_id, c.data_date, c.name_zh, c.name_en, c.unit, t.source_document
        FROM targets t
        LEFT JOIN candidates c ON c.rk = 1 AND c.t_profile = t.profile AND c.indicator = t.indicator
                               AND c.area = t.area AND c.period = t.period
        ORDER BY t.indicator, t.area, t.due_date, profile
        """,
        [as_of],
    ).df()
    at_least = df["direction"] == "at_least"
    df["gap"] = (df["target"] - df["value"]).where(at_least, df["value"] - df["target"])
    met = df["gap"] <= 1e-12
    due = pd.to_datetime(df["due_date"]).dt.date < as_of
    df["state"] = "open"
    df.loc[due & ~met, "state"] = "missed"
    df.loc[met, "state"] = "met"
    df.loc[df["value"].isna(), "state"] = "no data"
    df["unit"] = [u if isinstance(u, str) and u else _known_unit(p, i) for u, p, i in
                  zip(df["unit"], df["profile"], df["indicator"])]
    return df[list(TARGET_STATUS_COLUMNS)]


def _known_unit(profile: str, indicator: str) -> str | None:
    """'share' for coverage indicators of the built-in profiles (when no run has recorded the unit), else None."""
    from lifecircle.monitor.targets import SHARE_KINDS, known_indicators

    kinds = {k for (p, i), k in known_indicators(None).items() if i == indicator and (not profile or p == profile)}
    return "share" if kinds and kinds <= set(SHARE_KINDS) else None


def _projects(store: MonitorStore, as_of: date) -> pd.DataFrame:
    df = store.con.execute(
        "SELECT project_id, name, category, responsible_unit, planned_completion, actual_completion, status, lon, lat "
        "FROM projects"
    ).df()
    planned = pd.to_datetime(df["planned_completion"])
    actual = pd.to_datetime(df["actual_completion"])
    day = pd.Timestamp(as_of)
    done_by = (df["status"] == "completed") & (actual <= day)
    cancelled = df["status"] == "cancelled"
    open_ = ~done_by & ~cancelled
    df["done"] = done_by
    df["done_late"] = done_by & (actual > planned)
    df["late"] = open_ & (planned < day)
    df["not_due"] = open_ & ~df["late"]
    df["in_progress"] = df["not_due"] & (df["status"] == "under_construction")
    df["cancelled"] = cancelled
    df["days_late"] = ((day - planned).dt.days).where(df["late"], 0).astype(int)
    return df


def project_states(store: MonitorStore, as_of: date | None = None) -> pd.DataFrame:
    """Every project of the ledger with its ``state`` at ``as_of``: ``done``, ``done_late``, ``late``,
    ``in_progress`` (under construction, not yet due), ``not_due`` or ``cancelled``; with ``lon``/``lat`` (WGS-84,
    NaN for an address only), dates, status and ``days_late``."""
    df = _projects(store, as_of or date.today())
    state = pd.Series("not_due", index=df.index, dtype=object)
    state[df["in_progress"]] = "in_progress"
    state[df["late"]] = "late"
    state[df["done"]] = "done"
    state[df["done_late"]] = "done_late"
    state[df["cancelled"]] = "cancelled"
    df["state"] = state
    return df[["project_id", "name", "category", "responsible_unit", "planned_completion", "actual_completion",
               "status", "lon", "lat", "state", "days_late"]].sort_values("project_id").reset_index(drop=True)


def unit_status(store: MonitorStore, as_of: date | None = None) -> pd.DataFrame:
    """Projects per responsible unit at ``as_of`` (:data:`UNIT_STATUS_COLUMNS`), most late first.

    ``done`` counts projects completed on or before ``as_of`` (``done_late`` of them after their planned date);
    ``late`` open projects past their planned completion; ``not_due`` open projects not yet due (``in_progress``
    of them under construction); ``cancelled`` projects taken off the list.
    """
    as_of = as_of or date.today()
    df = _projects(store, as_of)
    if df.empty:
        return pd.DataFrame(columns=list(UNIT_STATUS_COLUMNS))
    flags = ["done", "done_late", "late", "in_progress", "not_due", "cancelled"]
    g = df.groupby("responsible_unit", sort=True)
    out = g[flags].sum().astype(int)
    out.insert(0, "projects", g.size())
    out = out.reset_index().sort_values(["late", "responsible_unit"], ascending=[False, True], kind="stable")
    return out[list(UNIT_STATUS_COLUMNS)].reset_index(drop=True)


def late_projects(store: MonitorStore, as_of: date | None = None) -> pd.DataFrame:
    """The late projects at ``as_of``: id, name, category, responsible unit, planned completion, status and
    ``days_late`` (days since the planned completion), most overdue first."""
    as_of = as_of or date.today()
    df = _projects(store, as_of)
    df = df[df["late"]].sort_values(["days_late", "project_id"], ascending=[False, True])
    return df[["project_id", "name", "category", "responsible_unit", "planned_completion", "status",
               "days_late"]].reset_index(drop=True)


_STATE_STYLE = {"met": "green", "open": "yellow", "missed": "bold red", "no data": "dim"}


def _fmt_value(v: float, unit: str | None) -> str:
    if pd.isna(v):
        return "—"
    if unit and str(unit).startswith("share"):
        return f"{100 * v:.1f}%"
    return f"{v:.3g}"


def _targets_table(targets: pd.DataFrame) -> Table:
    t = Table(title="Targets 目标", title_justify="left")
    for col in ("indicator 指标", "area", "period", "target", "latest", "data date", "gap", "state"):
        t.add_column(col, justify="right" if col in ("target", "latest", "gap") else "left")
    for r in targets.itertuples(index=False):
        unit = r.unit if isinstance(r.unit, str) else None
        sign = "≥" if r.direction == "at_least" else "≤"
        name = r.indicator + (f" {r.name_zh}" if isinstance(r.name_zh, str) and r.name_zh else "")
        when = "—" if pd.isna(r.data_date) else str(r.data_date)[:10]
        t.add_row(escape(name), escape(r.area), r.period, f"{sign} {_fmt_value(r.target, unit)}",
                  _fmt_value(r.value, unit), when, _fmt_value(r.gap, unit), f"[{_STATE_STYLE[r.state]}]{r.state}[/]")
    return t


def _units_table(units: pd.DataFrame) -> Table:
    u = Table(title="Projects per responsible unit 责任单位", title_justify="left")
    for col in ("responsible unit 责任单位", "projects", "done", "of which late", "late", "not yet due",
                "cancelled"):
        u.add_column(col, justify="left" if col.startswith("responsible") else "right")
    for r in units.itertuples(index=False):
        late = f"[bold red]{r.late}[/]" if r.late else "0"
        u.add_row(escape(r.responsible_unit), str(r.projects), str(r.done), str(r.done_late), late, str(r.not_due),
                  str(r.cancelled))
    return u


def _late_table(late: pd.DataFrame) -> Table:
    lt = Table(title="Late projects 逾期项目", title_justify="left")
    for col in ("id", "name", "category", "responsible unit", "planned", "status", "days late"):
        lt.add_column(col, justify="right" if col == "days late" else "left")
    for r in late.itertuples(index=False):
        lt.add_row(escape(r.project_id), escape(r.name), r.category, escape(r.responsible_unit),
                   str(r.planned_completion)[:10], r.status, str(r.days_late))
    return lt


def _fmt_gain(v: float, unit: str | None) -> str:
    if pd.isna(v):
        return "—"
    if unit and str(unit).startswith("share"):
        return f"{100 * v:+.2f} pts"
    return f"{v:+.3g}"


def _indicator_units(store: MonitorStore) -> dict[tuple[str, str], str | None]:
    rows = store.con.execute("SELECT DISTINCT profile, indicator, unit FROM indicator_values").fetchall()
    return {(p, i): u for p, i, u in rows}


def _attribution_table(store: MonitorStore, run_before: int, run_after: int) -> Table | None:
    from lifecircle.monitor.attribution import measured_change, unit_gains

    gains = unit_gains(store, run_after)
    if gains.empty:
        return None
    units = _indicator_units(store)
    change = measured_change(store, run_before, run_after).set_index(["profile", "indicator"])["change"]
    moved = gains.groupby(["profile", "indicator"])["gain"].apply(lambda g: bool((g.abs() > 1e-12).any()))
    t = Table(title=f"Coverage delivered, projects completed between run {run_before} and run {run_after} "
                    "(leave-one-out) 项目贡献", title_justify="left")
    for col in ("indicator 指标", "responsible unit 责任单位", "projects", "gain", "measured change"):
        t.add_column(col, justify="right" if col in ("projects", "gain", "measured change") else "left")
    for (profile, indicator), grp in gains.groupby(["profile", "indicator"], sort=True):
        if not moved.get((profile, indicator), False):
            continue
        unit = units.get((profile, indicator))
        first = True
        for r in grp.sort_values("responsible_unit", key=lambda s: s.eq(""), kind="stable").itertuples(index=False):
            name = r.responsible_unit or "joint (shared) 共同"
            total = _fmt_gain(change.get((profile, indicator), float("nan")), unit) if first else ""
            t.add_row(escape(indicator) if first else "", escape(name), str(r.n_projects) if r.responsible_unit else "",
                      _fmt_gain(r.gain, unit), total)
            first = False
    return t


def _planned_table(store: MonitorStore) -> Table | None:
    from lifecircle.monitor.attribution import planned_values

    planned = planned_values(store)
    if planned.empty:
        return None
    units = _indicator_units(store)
    t = Table(title=f"If everything on the list is built (run {int(planned['run_id'].iloc[0])}) 清单全部建成",
              title_justify="left")
    for col in ("indicator 指标", "now", "all built", "gain"):
        t.add_column(col, justify="left" if col.startswith("indicator") else "right")
    for r in planned.itertuples(index=False):
        if not (abs(r.gain) > 1e-12 or r.indicator.startswith("life_circle")):
            continue  # indicators the list does not move are left out
        unit = units.get((r.profile, r.indicator))
        t.add_row(escape(r.indicator), _fmt_value(r.value_without, unit), _fmt_value(r.value_with, unit),
                  _fmt_gain(r.gain, unit))
    return t


def render_attribution(store: MonitorStore, console: Console) -> None:
    """Print the stored attribution of the latest attributed run (per unit) and the "everything built" scenario."""
    from lifecircle.monitor.attribution import stored_attribution

    pair = stored_attribution(store)
    table = _attribution_table(store, *pair) if pair else None
    if table is not None:
        console.print(table)
    planned = _planned_table(store)
    if planned is not None:
        console.print(planned)


def render_status(store: MonitorStore, as_of: date | None = None, console: Console | None = None) -> None:
    """Print the target table, the per-unit project table, the late projects and the stored attribution to
    ``console`` (stdout)."""
    as_of = as_of or date.today()
    console = console or Console()
    runs = store.con.execute("SELECT count(*), max(data_date) FROM runs WHERE data_date <= ?", [as_of]).fetchone()
    console.print(f"[bold]Life-circle monitoring status as of {as_of.isoformat()}[/] — store "
                  f"{escape(str(store.path))} ({runs[0]} run(s) up to then, latest data {runs[1] or 'none'})")
    targets = target_status(store, as_of)
    if targets.empty:
        console.print("No targets: import them with 'lifecircle monitor targets import FILE'.")
    else:
        console.print(_targets_table(targets))
    units = unit_status(store, as_of)
    if units.empty:
        console.print("No projects: import the project list with 'lifecircle monitor projects import FILE'.")
    else:
        console.print(_units_table(units))
    late = late_projects(store, as_of)
    if not late.empty:
        console.print(_late_table(late))
    render_attribution(store, console)
