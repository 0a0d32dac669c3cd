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
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lifecircle.monitor.store import MonitorStore
from lifecircle.monitor.vocab import statuses
from lifecircle.points.categories import category_catalogue

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


def gap_text(gap: float, direction: str, unit: str | None, lang: str = "en") -> str:
    """How far a value is from its target, in words: ``10.0 pts short`` (差 10.0 个百分点) when not reached,
    ``met, 10.0 pts above target`` (已达标，高出目标 10.0 个百分点) when reached; shares in percentage points,
    other units in the indicator's unit. ``gap`` is :func:`target_status`'s (positive when not reached)."""
    if gap is None or pd.isna(gap):
        return "—"
    share = bool(unit) and str(unit).startswith("share")
    size = abs(float(gap)) * (100.0 if share else 1.0)
    amount = f"{size:.1f}" if share else f"{size:.3g}"
    pts_en, pts_zh = (" pts", " 个百分点") if share else ("", "")
    if gap > 1e-12:
        return f"差 {amount}{pts_zh}" if lang == "zh" else f"{amount}{pts_en} short"
    if float(amount) == 0.0:
        return "已达标（恰好达到目标）" if lang == "zh" else "met, exactly on target"
    if lang == "zh":
        side = "高出" if direction == "at_least" else "低于"
        return f"已达标，{side}目标 {amount}{pts_zh}"
    side = "above" if direction == "at_least" else "below"
    return f"met, {amount}{pts_en} {side} target"


def _table(title: str) -> Table:
    """A status table that fits the console: light rules, and long cells wrap (long words fold) instead of being
    cut."""
    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)


def _column(t: Table, name: str, *, right: bool = False, keep: bool = False) -> None:
    """Add a column; ``keep``: never wrap nor cut (ids, dates), the other columns give way."""
    t.add_column(name, justify="right" if right else "left", no_wrap=keep, overflow="fold")


def _fit_words(t: Table, index: int, values: list[str]) -> None:
    """Make column ``index`` at least as wide as the longest word of its values (in terminal cells), so no id
    or word is cut or folded."""
    words = [w for v in [*values, str(t.columns[index].header)] for w in v.split()]
    t.columns[index].min_width = max(map(cell_len, words), default=1)


def _targets_table(targets: pd.DataFrame) -> Table:
    t = _table("Targets 目标")
    for col in ("indicator 指标", "area", "period", "target", "latest", "data date", "state and gap 状态与差距"):
        _column(t, col, right=col in ("target", "latest"), keep=col in ("period", "data date"))
    _fit_words(t, 0, [str(i) for i in targets["indicator"]])
    for r in targets.itertuples(index=False):
        unit = r.unit if isinstance(r.unit, str) else None
        sign = "≥" if r.direction == "at_least" else "≤"
        name = r.indicator + (f" {r.name_zh}" if isinstance(r.name_zh, str) and r.name_zh else "")
        when = "—" if pd.isna(r.data_date) else str(r.data_date)[:10]
        gap = gap_text(r.gap, r.direction, unit)
        state = gap if r.state == "met" else r.state + ("" if gap == "—" else f": {gap}")
        t.add_row(escape(name), escape(r.area), r.period, f"{sign} {_fmt_value(r.target, unit)}",
                  _fmt_value(r.value, unit), when, f"[{_STATE_STYLE[r.state]}]{escape(state)}[/]")
    return t


def _units_table(units: pd.DataFrame) -> Table:
    u = _table("Projects per responsible unit 责任单位")
    for col in ("responsible unit 责任单位", "projects", "done", "of which late", "late", "not yet due",
                "cancelled"):
        _column(u, col, right=not col.startswith("responsible"))
    for r in units.itertuples(index=False):
        late = f"[bold red]{r.late}[/]" if r.late else "0"
        u.add_row(escape(r.responsible_unit), str(r.projects), str(r.done), str(r.done_late), late, str(r.not_due),
                  str(r.cancelled))
    return u


def _late_table(late: pd.DataFrame) -> Table:
    lt = _table("Late projects 逾期项目")
    for col in ("id", "name", "category 类别", "unit 责任单位", "planned", "status 状态", "days late"):
        _column(lt, col, right=col == "days late", keep=col in ("id", "planned"))
    _fit_words(lt, 0, [str(p) for p in late["project_id"]])
    names = {c.id: c.name_zh for c in category_catalogue().values()}
    status_zh = {s.id: s.name_zh for s in statuses().values()}
    for r in late.itertuples(index=False):
        lt.add_row(escape(r.project_id), escape(r.name), names.get(r.category, r.category),
                   escape(r.responsible_unit), str(r.planned_completion)[:10], status_zh.get(r.status, r.status),
                   str(r.days_late))
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
    """Per indicator the projects moved: each unit's gain, the joint remainder, the change not due to the listed
    projects, and the measured change they sum to (:func:`~lifecircle.monitor.attribution.reconciliation`)."""
    from lifecircle.monitor.attribution import PART_JOINT, PART_MEASURED, PART_OTHER, PART_UNIT, reconciliation

    rec = reconciliation(store, run_after)
    if rec.empty:
        return None
    units = _indicator_units(store)
    moved = rec[rec["part"].isin([PART_UNIT, PART_JOINT])].groupby(["profile", "indicator"])["value"].apply(
        lambda g: bool((g.abs() > 1e-12).any()))  # the indicators the listed projects moved
    t = _table(f"Coverage delivered, projects completed between run {run_before} and run {run_after} "
               "(leave-one-out) 项目贡献")
    for col in ("indicator 指标", "part 组成", "projects", "change 变化"):
        _column(t, col, right=col in ("projects", "change 变化"))
    labels = {PART_JOINT: "joint (shared) 共同",
              PART_OTHER: "not due to listed projects (facilities that appeared or vanished in the data) 非清单项目",
              PART_MEASURED: "= measured change 实测变化"}
    for (profile, indicator), grp in rec.groupby(["profile", "indicator"], sort=True):
        if not moved.get((profile, indicator), False):
            continue
        unit = units.get((profile, indicator))
        for k, r in enumerate(grp.itertuples(index=False)):
            name = r.responsible_unit if r.responsible_unit else labels[r.part]
            value = _fmt_gain(r.value, unit)
            t.add_row(escape(indicator) if k == 0 else "", escape(name), str(r.n_projects) if r.n_projects else "",
                      f"[bold]{value}[/]" if r.part == PART_MEASURED else value,
                      end_section=r.part == PART_MEASURED)
    return t


def _planned_table(store: MonitorStore) -> Table | None:
    from lifecircle.monitor.attribution import planned_values

    planned = planned_values(store)
    if planned.empty:
        return None
    units = _indicator_units(store)
    t = _table(f"If everything on the list is built (run {int(planned['run_id'].iloc[0])}) 清单全部建成")
    for col in ("indicator 指标", "now", "all built", "gain"):
        _column(t, col, right=not col.startswith("indicator"))
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
    runs = store.con.execute("SELECT count(*), max(data_date) FROM runs WHERE data_date <= ?",
                             [as_of]).fetchone() or (0, None)
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
