"""Attribution: which completed project moved which indicator, and what the rest of the list would bring.

**Projects completed between two runs.** For two recorded runs ``before`` and ``after`` (ordered by data date),
the projects of the ledger with status ``completed`` and an actual completion date in
``(before.data_date, after.data_date]`` are evaluated on the *later* run (its network, homes and facilities) by
scenarios that keep or take away each project's facility:

* each project's facility is looked for among the later run's facilities: the nearest facility of the same category
  within ``match_radius_m`` metres of the project's coordinates (one facility per project, nearest pairs first). A
  project found there is removed in the scenarios without it; a project not found (the map data does not show it
  yet) is added in the scenarios with it;
* ``all``: every completed project present; ``none``: none of them. ``total = all − none`` is the change those
  projects made on the later network. When the two runs differ only by those facilities, ``none`` is the earlier
  run and ``total`` is the measured change ``after − before``;
* **the overlap rule, leave-one-out with a joint remainder**: each project's ``gain = all − (all without it)``, the
  coverage that would be lost without that project alone; the **joint remainder** ``total − Σ gains`` is the part
  that no single project can claim: positive when projects cover the same homes (each could be spared, not both),
  negative when they complement each other (a composite indicator that needs a school *and* a clinic). The parts
  sum to ``total`` by construction, and when no two projects reach the same home of a single-category coverage
  indicator the remainder of that indicator is 0. The cost is ``n + 2`` evaluations for ``n`` projects (Shapley
  values would need ``2^n``);
* per responsible unit, the gains of its projects are summed; the joint remainder is shown on its own line and is not
  shared out.

**Everything on the list built** (``planned``): on a run (default the latest), all projects of the ledger that are not
cancelled and whose facility is not already in the run's data (optionally only those planned to be completed by
``due_by``) are added together: "if everything on the list is built on time, coverage will be X".

Stored in ``project_effects`` (one row per project or line × run × profile × indicator × area, ``gain`` in the
indicator's unit: a share for coverage rates) with ``method``:

``leave_one_out``
    a project's own gain: ``value_with`` = all, ``value_without`` = all without it;
``joint_remainder``
    ``project_id`` empty; ``gain`` = total − Σ gains (``value_with``/``value_without`` empty);
``all_completed``
    ``project_id`` empty; ``value_without`` = none, ``value_with`` = all, ``gain`` = total;
``all_planned``
    ``project_id`` empty; ``value_without`` = the run as measured, ``value_with`` = with the whole list built.

and one row of ``attributions`` per later run (the earlier run, counts, the matching radius, the evaluator).
Recomputing for the same later run replaces its rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lifecircle.errors import LifecircleInputError
from lifecircle.monitor.evaluate import VALUE_COLUMNS, EvaluatorFactory, ScenarioEvaluator, default_evaluator
from lifecircle.monitor.store import MonitorStore
from lifecircle.results.folder import ResultsFolder

#: Metres between a project's coordinates and a facility of its category in the run's data for them to be taken as
#: the same facility. A tolerance for geocoding and for where the map puts a building's access point, not a
#: planning standard; change it with ``--match-radius``.
MATCH_RADIUS_M = 100.0

#: ``method`` values of ``project_effects``.
LEAVE_ONE_OUT = "leave_one_out"
JOINT_REMAINDER = "joint_remainder"
ALL_COMPLETED = "all_completed"
ALL_PLANNED = "all_planned"
#: Columns of the effect tables returned and stored (without ``run_id`` and ``computed_at``).
EFFECT_COLUMNS = ("project_id", "profile", "indicator", "area", "value_without", "value_with", "gain", "method")
_KEY = ["profile", "indicator", "area"]
#: ``project_id`` of the rows that are not one project's (joint remainder, all completed, all planned).
NO_PROJECT = ""


@dataclass(frozen=True)
class Attribution:
    """The attribution of the projects completed between two runs.

    Attributes
    ----------
    run_before, run_after
        The two runs (``run_id``); the scenarios are evaluated on ``run_after``.
    projects
        One row per completed project: ``project_id``, ``name``, ``category``, ``responsible_unit``,
        ``actual_completion``, ``facility_id`` (the matched facility of the later run, None when the data does not
        show it: it was added in the scenarios), ``match_m`` (metres to it).
    effects
        :data:`EFFECT_COLUMNS` rows (methods ``leave_one_out``, ``joint_remainder``, ``all_completed``).
    skipped
        Completed projects without coordinates (address only): they cannot be placed on the network.
    """

    run_before: int
    run_after: int
    projects: pd.DataFrame
    effects: pd.DataFrame
    skipped: tuple[str, ...]


@dataclass(frozen=True)
class PlannedScenario:
    """The whole list built on one run: ``projects`` added (not yet in the run's data), ``effects`` (method
    ``all_planned``), ``skipped`` projects without coordinates."""

    run_id: int
    projects: pd.DataFrame
    effects: pd.DataFrame
    skipped: tuple[str, ...]


def leave_one_out(evaluate_set: Callable[[frozenset[str]], pd.DataFrame], project_ids: Sequence[str]) -> pd.DataFrame:
    """Leave-one-out gains of ``project_ids`` with the joint remainder and the total.

    Parameters
    ----------
    evaluate_set
        ``evaluate_set(S)`` returns the indicator values (:data:`~lifecircle.monitor.evaluate.VALUE_COLUMNS`) when
        exactly the projects of ``S`` are built.
    project_ids
        The projects (distinct ids).

    Returns
    -------
    pandas.DataFrame
        :data:`EFFECT_COLUMNS`: per project ``gain = v(all) − v(all − {p})`` (method ``leave_one_out``); the joint
        remainder ``v(all) − v(∅) − Σ gains`` (``joint_remainder``); the total ``v(all) − v(∅)``
        (``all_completed``). Gains are in the indicator's unit; for every indicator the project gains plus the
        remainder equal the total.
    """
    ids = list(dict.fromkeys(map(str, project_ids)))
    if not ids:
        return pd.DataFrame(columns=list(EFFECT_COLUMNS))
    everything = frozenset(ids)
    v_all = _values(evaluate_set(everything), "with")
    v_none = _values(evaluate_set(frozenset()), "without")
    total = v_all.merge(v_none, on=_KEY, how="outer")
    total["gain"] = total["value_with"] - total["value_without"]
    parts = [total.assign(project_id=NO_PROJECT, method=ALL_COMPLETED)]
    gains_sum = pd.Series(0.0, index=pd.MultiIndex.from_frame(total[_KEY]))
    for pid in ids:
        v_wo = v_none if len(ids) == 1 else _values(evaluate_set(everything - {pid}), "without")
        one = v_all.merge(v_wo, on=_KEY, how="outer")
        one["gain"] = one["value_with"] - one["value_without"]
        parts.append(one.assign(project_id=pid, method=LEAVE_ONE_OUT))
        gains_sum = gains_sum.add(one.set_index(_KEY)["gain"], fill_value=0.0)
    joint = total[_KEY].copy()
    joint["gain"] = total.set_index(_KEY)["gain"].to_numpy() - gains_sum.reindex(
        pd.MultiIndex.from_frame(total[_KEY])).to_numpy()
    joint["value_with"] = np.nan
    joint["value_without"] = np.nan
    parts.append(joint.assign(project_id=NO_PROJECT, method=JOINT_REMAINDER))
    out = pd.concat(parts, ignore_index=True)
    return out[list(EFFECT_COLUMNS)]


def _values(df: pd.DataFrame, side: str) -> pd.DataFrame:
    out = df[list(VALUE_COLUMNS)].rename(columns={"value": f"value_{side}"}).copy()
    out[f"value_{side}"] = pd.to_numeric(out[f"value_{side}"], errors="coerce").astype(float)
    return out


def _run_row(store: MonitorStore, run_id: int) -> tuple[int, date, str, str | None]:
    row = store.con.execute("SELECT run_id, data_date, results_dir, crs FROM runs WHERE run_id = ?",
                            [int(run_id)]).fetchone()
    if row is None:
        known = [r[0] for r in store.con.execute("SELECT run_id FROM runs ORDER BY run_id").fetchall()]
        raise LifecircleInputError(f"There is no recorded run {run_id}; recorded runs: {known or 'none'} "
                                   "('lifecircle monitor status' lists them).")
    return int(row[0]), row[1], str(row[2]), row[3]


def project_points(projects: pd.DataFrame) -> gpd.GeoDataFrame:
    """The facilities the projects build, as ``add_facilities`` of a scenario: ``id`` = ``project:<project_id>``,
    ``category``, ``name``, ``capacity`` (places/beds, NaN when unknown), WGS-84 points."""
    return gpd.GeoDataFrame(
        {"id": [f"project:{p}" for p in projects["project_id"]],
         "category": projects["category"].astype(str).to_numpy(),
         "name": projects["name"].astype(str).to_numpy(),
         "capacity": pd.to_numeric(projects["capacity"], errors="coerce").to_numpy(float),
         "project_id": projects["project_id"].astype(str).to_numpy()},
        geometry=shapely.points(projects["lon"].to_numpy(float), projects["lat"].to_numpy(float)),
        crs="EPSG:4326",
    )


def match_facilities(projects: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame,
                     radius_m: float = MATCH_RADIUS_M) -> pd.DataFrame:
    """Each project's facility in a run's data: the nearest facility of the same category within ``radius_m``
    metres, one facility per project, the closest pairs matched first.

    Parameters
    ----------
    projects
        :func:`project_points` (WGS-84).
    facilities
        The run's ``facilities.parquet`` (``id``, ``category``, points in the run's metric CRS).
    radius_m
        Largest distance (metres) for a match.

    Returns
    -------
    pandas.DataFrame
        ``project_id``, ``facility_id`` (None when unmatched), ``match_m`` (metres, NaN when unmatched).
    """
    if not (np.isfinite(radius_m) and radius_m >= 0):
        raise LifecircleInputError(f"--match-radius must be a distance in metres >= 0, got {radius_m}.")
    pts = projects.to_crs(facilities.crs)
    pairs = []
    for i, (cat, geom) in enumerate(zip(pts["category"], pts.geometry)):
        same = facilities[facilities["category"].astype(str) == cat]
        if same.empty:
            continue
        d = same.geometry.distance(geom).to_numpy()
        for j in np.flatnonzero(d <= radius_m):
            pairs.append((float(d[j]), i, str(same["id"].iloc[j])))
    facility: dict[int, str] = {}
    dist: dict[int, float] = {}
    taken: set[str] = set()
    for d, i, fid in sorted(pairs):
        if i in facility or fid in taken:
            continue
        facility[i], dist[i] = fid, d
        taken.add(fid)
    return pd.DataFrame({
        "project_id": projects["project_id"].astype(str).to_numpy(),
        "facility_id": pd.Series([facility.get(i) for i in range(len(projects))], dtype=object),
        "match_m": [dist.get(i, np.nan) for i in range(len(projects))],
    })


def _ledger(store: MonitorStore) -> pd.DataFrame:
    return store.con.execute(
        "SELECT project_id, name, category, lon, lat, capacity, responsible_unit, planned_completion, "
        "actual_completion, status FROM projects ORDER BY project_id"
    ).df()


def _split_located(projects: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    located = projects["lon"].notna() & projects["lat"].notna()
    return projects[located].reset_index(drop=True), tuple(projects.loc[~located, "project_id"].astype(str))


def completed_between(store: MonitorStore, run_before: int, run_after: int) -> pd.DataFrame:
    """Ledger rows of the projects completed after the data date of ``run_before`` and on or before that of
    ``run_after``."""
    _, d0, _, _ = _run_row(store, run_before)
    _, d1, _, _ = _run_row(store, run_after)
    if d1 <= d0:
        raise LifecircleInputError(
            f"Run {run_after} (data of {d1}) is not later than run {run_before} (data of {d0}): give the earlier run "
            "first, the later second (their data dates are in 'lifecircle monitor status')."
        )
    p = _ledger(store)
    done = pd.to_datetime(p["actual_completion"])
    sel = (p["status"] == "completed") & (done > pd.Timestamp(d0)) & (done <= pd.Timestamp(d1))
    return p[sel].reset_index(drop=True)


def _set_evaluator(evaluator: ScenarioEvaluator, add: gpd.GeoDataFrame, match: pd.DataFrame
                   ) -> Callable[[frozenset[str]], pd.DataFrame]:
    """``evaluate_set(S)`` on the later run: projects in S present, the others absent."""
    in_run = {p: (None if pd.isna(f) else str(f)) for p, f in zip(match["project_id"], match["facility_id"])}

    def evaluate_set(present: frozenset[str]) -> pd.DataFrame:
        to_add = add[add["project_id"].isin(present) & add["project_id"].map(lambda p: in_run[p] is None)]
        to_remove = tuple(sorted(f for p, f in in_run.items() if p not in present and f is not None))
        name = "with " + (", ".join(sorted(present)) or "none of the projects")
        return evaluator(name, to_add.drop(columns="project_id"), to_remove)

    return evaluate_set


def attribute_runs(store: MonitorStore, run_before: int, run_after: int, *,
                   evaluator_factory: EvaluatorFactory = default_evaluator,
                   match_radius_m: float = MATCH_RADIUS_M, write: bool = True) -> Attribution:
    """Attribute the change between two recorded runs to the projects completed between them (module docstring).

    Parameters
    ----------
    store
        The open store (written in one transaction when ``write``).
    run_before, run_after
        ``run_id`` of the earlier and the later run; the later run's results folder must still exist.
    evaluator_factory
        Builds the scenario evaluator of a results folder (default: the scenario engine,
        :func:`~lifecircle.monitor.evaluate.scenarios_evaluator`).
    match_radius_m
        Metres within which a facility of the later run is taken as a project's (:data:`MATCH_RADIUS_M`).
    write
        Store the result in ``project_effects`` and ``attributions`` (replacing an earlier attribution of
        ``run_after``).

    Raises
    ------
    LifecircleInputError
        When a run is unknown, the runs are not in data-date order, or the later run's folder is incomplete.
    """
    projects, skipped = _split_located(completed_between(store, run_before, run_after))
    _, _, folder, _ = _run_row(store, run_after)
    if projects.empty:
        match = pd.DataFrame({"project_id": pd.Series([], dtype=object), "facility_id": pd.Series([], dtype=object),
                              "match_m": pd.Series([], dtype=float)})
        effects = pd.DataFrame(columns=list(EFFECT_COLUMNS))
        name = "none"
    else:
        evaluator = evaluator_factory(Path(folder))
        name = str(getattr(evaluator, "label", type(evaluator).__name__))
        facilities = ResultsFolder(folder).facilities()
        add = project_points(projects)
        match = match_facilities(add, facilities, match_radius_m)
        effects = leave_one_out(_set_evaluator(evaluator, add, match), list(projects["project_id"]))
    projects = projects.astype({"project_id": object})
    table = projects.merge(match.astype({"project_id": object}), on="project_id", how="left")[
        ["project_id", "name", "category", "responsible_unit", "actual_completion", "facility_id", "match_m"]]
    result = Attribution(int(run_before), int(run_after), table, effects, skipped)
    if write:
        with store.transaction() as con:
            con.execute("DELETE FROM project_effects WHERE run_id = ? AND method IN (?, ?, ?)",
                        [int(run_after), LEAVE_ONE_OUT, JOINT_REMAINDER, ALL_COMPLETED])
            con.execute("DELETE FROM attributions WHERE run_id = ?", [int(run_after)])
            _insert_effects(con, effects, int(run_after))
            con.execute("INSERT INTO attributions VALUES (?, ?, ?, ?, ?, ?, now()::TIMESTAMP)",
                        [int(run_after), int(run_before), len(table), int(table["facility_id"].isna().sum()),
                         float(match_radius_m), name])
    return result


def _insert_effects(con, effects: pd.DataFrame, run_id: int) -> None:
    if effects.empty:
        return
    frame = effects[list(EFFECT_COLUMNS)].copy()
    frame.insert(1, "run_id", run_id)
    for c in ("value_without", "value_with", "gain"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype(float)
    con.register("_effects", frame)
    con.execute("INSERT INTO project_effects SELECT project_id, run_id, profile, indicator, area, value_without, "
                "value_with, gain, method, now()::TIMESTAMP FROM _effects")
    con.unregister("_effects")


def latest_run_id(store: MonitorStore) -> int:
    """The run with the latest data date (the highest id among equals)."""
    row = store.con.execute("SELECT run_id FROM runs ORDER BY data_date DESC, run_id DESC LIMIT 1").fetchone()
    if row is None:
        raise LifecircleInputError("No run is recorded yet: record one with 'lifecircle monitor record RESULTS_DIR'.")
    return int(row[0])


def previous_run_id(store: MonitorStore, run_id: int) -> int | None:
    """The run recorded just before ``run_id`` in data-date order (None for the first)."""
    _, d, _, _ = _run_row(store, run_id)
    row = store.con.execute("SELECT run_id FROM runs WHERE data_date < ? ORDER BY data_date DESC, run_id DESC LIMIT 1",
                            [d]).fetchone()
    return None if row is None else int(row[0])


def evaluate_planned(store: MonitorStore, run_id: int | None = None, *, due_by: date | None = None,
                     evaluator_factory: EvaluatorFactory = default_evaluator,
                     match_radius_m: float = MATCH_RADIUS_M, write: bool = True) -> PlannedScenario:
    """"If everything on the list is built": the run ``run_id`` (default the latest) with every project that is not
    cancelled and not already in the run's data (within ``match_radius_m`` metres) added; only those planned to be
    completed on or before ``due_by`` when given. Stored as ``project_effects`` rows of method ``all_planned``."""
    run_id = latest_run_id(store) if run_id is None else int(run_id)
    _, _, folder, _ = _run_row(store, run_id)
    p = _ledger(store)
    p = p[p["status"] != "cancelled"]
    if due_by is not None:
        p = p[pd.to_datetime(p["planned_completion"]) <= pd.Timestamp(due_by)]
    projects, skipped = _split_located(p.reset_index(drop=True))
    effects = pd.DataFrame(columns=list(EFFECT_COLUMNS))
    added = projects.iloc[0:0]
    if not projects.empty:
        evaluator = evaluator_factory(Path(folder))
        add = project_points(projects)
        match = match_facilities(add, ResultsFolder(folder).facilities(), match_radius_m)
        new = match["facility_id"].isna().to_numpy()
        added = projects[new].reset_index(drop=True)
        before = _values(evaluator("the run as measured", add.iloc[0:0].drop(columns="project_id"), ()), "without")
        after = _values(evaluator("everything on the list built", add[new].drop(columns="project_id"), ()), "with")
        effects = before.merge(after, on=_KEY, how="outer")
        effects["gain"] = effects["value_with"] - effects["value_without"]
        effects = effects.assign(project_id=NO_PROJECT, method=ALL_PLANNED)[list(EFFECT_COLUMNS)]
    if write:
        with store.transaction() as con:
            con.execute("DELETE FROM project_effects WHERE run_id = ? AND method = ?", [run_id, ALL_PLANNED])
            _insert_effects(con, effects, run_id)
    return PlannedScenario(run_id, added, effects, skipped)


def stored_attribution(store: MonitorStore, run_after: int | None = None) -> tuple[int, int] | None:
    """(run_before, run_after) of the stored attribution of ``run_after`` (default the latest attributed run)."""
    sql = "SELECT run_before, run_id FROM attributions"
    row = (store.con.execute(sql + " WHERE run_id = ?", [int(run_after)]).fetchone() if run_after is not None else
           store.con.execute(sql + " JOIN runs USING (run_id) ORDER BY data_date DESC, run_id DESC LIMIT 1").fetchone())
    return None if row is None else (int(row[0]), int(row[1]))


def project_gains(store: MonitorStore, run_after: int, area: str = "ALL") -> pd.DataFrame:
    """The stored leave-one-out gains of ``run_after`` for ``area`` with each project's name, category and unit,
    plus the joint remainder (``project_id`` empty)."""
    return store.con.execute(
        """SELECT e.project_id, p.name, p.category, p.responsible_unit, e.profile, e.indicator, e.value_without,
                  e.value_with, e.gain, e.method
           FROM project_effects e LEFT JOIN projects p USING (project_id)
           WHERE e.run_id = ? AND e.area = ? AND e.method IN (?, ?)
           ORDER BY e.profile, e.indicator, e.method DESC, e.project_id""",
        [int(run_after), area, LEAVE_ONE_OUT, JOINT_REMAINDER],
    ).df()


def unit_gains(store: MonitorStore, run_after: int | None = None, area: str = "ALL") -> pd.DataFrame:
    """Per responsible unit, profile and indicator: the summed leave-one-out gain of its projects completed between
    the runs of the attribution of ``run_after`` (default the latest), and ``n_projects``; the joint remainder
    follows as the unit ``""``. Empty when nothing is attributed."""
    pair = stored_attribution(store, run_after)
    cols = ["responsible_unit", "profile", "indicator", "gain", "n_projects"]
    if pair is None:
        return pd.DataFrame(columns=cols)
    g = project_gains(store, pair[1], area)
    g["responsible_unit"] = g["responsible_unit"].where(g["method"] == LEAVE_ONE_OUT, "").fillna("")
    out = (g.groupby(["responsible_unit", "profile", "indicator"], sort=True)
           .agg(gain=("gain", "sum"), n_projects=("project_id", lambda s: int((s != "").sum())))
           .reset_index())
    return out[cols]


def measured_change(store: MonitorStore, run_before: int, run_after: int, area: str = "ALL") -> pd.DataFrame:
    """Recorded values of both runs and ``change = after − before`` per profile and indicator for ``area``."""
    return store.con.execute(
        """SELECT b.profile, b.indicator, a.value AS before, b.value AS after, b.value - a.value AS change
           FROM indicator_values b JOIN indicator_values a
             ON a.profile = b.profile AND a.indicator = b.indicator AND a.area = b.area AND a.run_id = ?
           WHERE b.run_id = ? AND b.area = ? ORDER BY b.profile, b.indicator""",
        [int(run_before), int(run_after), area],
    ).df()


def planned_values(store: MonitorStore, run_id: int | None = None, area: str = "ALL") -> pd.DataFrame:
    """The stored "everything on the list built" scenario of ``run_id`` (default the latest run that has one):
    ``run_id, profile, indicator, value_without, value_with, gain``."""
    where = "e.run_id = ?" if run_id is not None else (
        "e.run_id = (SELECT e2.run_id FROM project_effects e2 JOIN runs r2 USING (run_id) WHERE e2.method = ? "
        "ORDER BY r2.data_date DESC, e2.run_id DESC LIMIT 1)")
    params = [int(run_id)] if run_id is not None else [ALL_PLANNED]
    return store.con.execute(
        f"""SELECT e.run_id, e.profile, e.indicator, e.value_without, e.value_with, e.gain FROM project_effects e
            WHERE {where} AND e.area = ? AND e.method = ? ORDER BY e.profile, e.indicator""",
        [*params, area, ALL_PLANNED],
    ).df()


#: ``part`` values of :func:`reconciliation`, in the order of the table.
PART_UNIT, PART_JOINT, PART_OTHER, PART_MEASURED = "unit", "joint", "other", "measured"


def reconciliation(store: MonitorStore, run_after: int | None = None, area: str = "ALL") -> pd.DataFrame:
    """The measured change between the two runs of an attribution, taken apart, per profile and indicator.

    ``unit`` rows: the summed leave-one-out gain of each responsible unit's projects; ``joint``: the joint remainder
    (what overlapping projects cover together); ``other``: the change not due to the listed projects — the measured
    change minus the change the listed projects make on the later run (facilities that appeared in or vanished from
    the data without being on the list, network and homes edits); ``measured``: ``after − before`` as recorded. The
    ``unit``, ``joint`` and ``other`` rows sum to ``measured`` by construction.

    Parameters
    ----------
    run_after
        The later run of the attribution (default: the latest attributed run).
    area
        ``ALL`` (the whole study area) or a sub-area id.

    Returns
    -------
    pandas.DataFrame
        ``profile, indicator, part, responsible_unit, n_projects, value`` (``value`` in the indicator's unit: a
        share, so 0.01 is one percentage point); empty when nothing is attributed.
    """
    cols = ["profile", "indicator", "part", "responsible_unit", "n_projects", "value"]
    pair = stored_attribution(store, run_after)
    if pair is None:
        return pd.DataFrame(columns=cols)
    before, after = pair
    units = unit_gains(store, after, area)
    total = store.con.execute(
        "SELECT profile, indicator, gain FROM project_effects WHERE run_id = ? AND area = ? AND method = ?",
        [after, area, ALL_COMPLETED]).df().set_index(["profile", "indicator"])["gain"]
    change = measured_change(store, before, after, area).set_index(["profile", "indicator"])["change"]
    rows: list[tuple[str, str, str, str, int, float]] = []
    for (profile, indicator), grp in units.groupby(["profile", "indicator"], sort=True):
        for r in grp.sort_values("responsible_unit", key=lambda s: s.eq(""), kind="stable").itertuples(index=False):
            part = PART_UNIT if r.responsible_unit else PART_JOINT
            rows.append((profile, indicator, part, r.responsible_unit, int(r.n_projects), float(r.gain)))
        measured = float(change.get((profile, indicator), np.nan))
        listed = float(total.get((profile, indicator), np.nan))
        rows.append((profile, indicator, PART_OTHER, "", 0, measured - listed))
        rows.append((profile, indicator, PART_MEASURED, "", 0, measured))
    return pd.DataFrame(rows, columns=cols)
