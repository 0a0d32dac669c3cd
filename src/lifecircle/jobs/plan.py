"""``lifecircle plan``: from a results folder to new facility sites for one category, with before/after indicators.

Reads a results folder (``docs/outputs.md``), builds the sparse coverage of every candidate site within the
category's walking threshold with the engine's bounded searches (:func:`~lifecircle.planning.coverage_from_engine`,
never a dense home × candidate matrix), honours the existing facilities (homes they already serve are
``already_covered``), solves the chosen problem (:mod:`lifecircle.planning.mclp`, :mod:`~lifecircle.planning.lscp` or
:mod:`~lifecircle.planning.pmedian`) and writes the plan folder:

Homes weigh with the denominator of the indicator being improved (``--weight`` overrides, see
:class:`PlanOptions`), so the plan maximises the rate that indicator reports; capacities stay in people.

* ``sites.parquet`` — the chosen sites (GeoParquet, run CRS): ``order`` (1 = largest contribution), ``site_id``
  (``plan-<category>-<order>``), ``name`` (the parcel's name or address, else the nearest named street),
  ``street``, ``candidate`` (row of the candidate list), ``candidate_id``, ``node_id`` (−1 for parcels),
  ``category``, ``newly_covered`` (in the plan's weight, people or m²: what the site newly covers; with capacities
  what it serves; for the p-median the homes for which it becomes the nearest facility) and
  ``newly_covered_people`` (the same in people), ``edge_id``, ``edge_frac``, ``access_m``, ``access_s`` (where the
  site joins the network, as in ``facilities.parquet``), ``x``, ``y`` (metres), ``lon``, ``lat`` (degrees), point
  geometry;
* ``candidates.parquet`` — every candidate that would newly cover someone on its own, ranked: ``rank``,
  ``candidate``, ``candidate_id``, ``node_id``, ``newly_covered_alone`` (plan's weight), ``chosen``, point geometry;
* ``plan.json`` — problem, weight (denominator, unit, why), objective (and its unit), bound, gap, status, whether
  proven optimal, the method asked / the stages run / the stage kept, coverage rates (0–1 of the weight) before and
  after (:mod:`lifecircle.jobs.plan_rates`: the indicator's own ``comparison.csv`` row when the plan improves it
  with its denominator; with capacities the served rate and the uncapacitated one beside it), mean walk before and
  after, parameters, counts, timings (s) — ``docs/outputs.md``;
* ``comparison.csv`` — every indicator of the run's profiles, whole area and per sub-area, before and after the new
  sites are added as facilities of the category: the scenario evaluation of :mod:`lifecircle.scenarios`
  (:func:`~lifecircle.scenarios.evaluate_scenario`, columns :data:`lifecircle.scenarios.COMPARISON_COLUMNS`), so a
  plan and a scenario adding the same sites report the same numbers.

Files appear only when the whole plan succeeded (:func:`lifecircle.results.staging.staged_results`).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from lifecircle import engine
from lifecircle.errors import LifecircleInputError
from lifecircle.indicators import load_profile
from lifecircle.indicators.profiles import DENOMINATORS
from lifecircle.indicators.table import choose_denominator
from lifecircle.jobs.plan_rates import nearest_cost, plan_rates
from lifecircle.network.model import WalkNetwork
from lifecircle.planning import (
    CoverageProblem,
    SitingResult,
    connected_nodes,
    coverage_from_engine,
    node_points,
    rank_candidates,
    solve_lscp,
    solve_mclp,
    solve_pmedian,
)
from lifecircle.planning.naming import nearest_street_names, parcel_names
from lifecircle.points.categories import known_categories
from lifecircle.points.layers import read_layer
from lifecircle.points.snapping import snap_points
from lifecircle.progress import Steps
from lifecircle.report import build_report
from lifecircle.results.folder import FOR_SCENARIO, REPORT_FILE, ResultsFolder, RunRecord
from lifecircle.results.staging import staged_results
from lifecircle.results.writer import input_record
from lifecircle.scenarios import Scenario, evaluate_scenario, load_results

#: Prefix of the id given to each new site in the after-plan ``f_<category>`` column.
NEW_SITE_PREFIX = "plan-"



@dataclass
class PlanOptions:
    """What to plan. Exactly one of ``sites``, ``target_rate`` and ``p_median`` is given.

    Attributes
    ----------
    category
        Facility category id of the new sites (``data/categories.csv``), e.g. ``"elderly_care"``.
    sites
        MCLP: number of new sites maximising the newly covered weight (see ``weight``).
    target_rate
        LSCP: share (0–1] of the weight to cover (existing facilities included) with the fewest new sites.
    p_median
        p-median: number of new sites minimising the weighted walking time (seconds × weight); homes nothing
        reaches within the threshold are charged the threshold.
    weight
        What each home counts with: ``population`` (people), ``land`` (residential land area, m²) or ``floor``
        (residential floor area, m²). Default: the denominator of the indicator being improved — the run's
        ``--denominator`` when it gave one, population when the homes have no area (points), else the
        indicator's profile's own (residential land area for TD/T 1063) — so the plan maximises the rate the
        indicator reports.
    profile, indicator
        Where the threshold comes from: a coverage indicator of a profile (default: the first coverage indicator of
        the run's profiles measuring ``category`` alone, else the first one that includes it).
    threshold_min
        Walking-time threshold in minutes, overriding the indicator's.
    candidates
        A layer of available parcels (points or polygons; their centroid is snapped to the network); default every
        network node.
    every_kth_node
        With node candidates, keep node ids 0, k, 2k, ... (fewer candidates, faster).
    method
        ``auto``, ``exact`` (HiGHS) or ``greedy``.
    time_limit_s
        Seconds the solver may spend.
    capacity_column
        Column of the ``candidates`` layer: people a site may serve at most.
    snap_max_m
        Parcels farther than this from the network (metres) are left out.
    out
        The plan folder; default ``<results_dir>/plan-<category>``.
    update_report
        Rebuild ``<results_dir>/report.html`` (which then shows the plan) when the plan folder is inside the
        results folder and a report exists.
    """

    category: str
    sites: int | None = None
    target_rate: float | None = None
    p_median: int | None = None
    weight: str | None = None
    profile: str | None = None
    indicator: str | None = None
    threshold_min: float | None = None
    candidates: Path | None = None
    every_kth_node: int = 1
    method: str = "auto"
    time_limit_s: float = 60.0
    capacity_column: str | None = None
    snap_max_m: float = 200.0
    out: Path | None = None
    update_report: bool = True


@dataclass
class PlanResult:
    """What :func:`plan` wrote and found.

    Attributes
    ----------
    out
        The plan folder.
    result
        The solver's :class:`~lifecircle.planning.SitingResult` (objective, bound, gap...).
    sites
        ``sites.parquet`` as a GeoDataFrame.
    candidates
        ``candidates.parquet``.
    comparison
        ``comparison.csv``.
    threshold
        The threshold used: seconds (``walk_time_s``) or metres (``network_distance_m``).
    threshold_kind
        ``walk_time_s`` or ``network_distance_m``.
    summary
        ``plan.json`` as a dict.
    """

    out: Path
    result: SitingResult
    sites: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    comparison: pd.DataFrame
    threshold: float
    threshold_kind: str
    summary: dict = field(default_factory=dict)


@dataclass
class _Threshold:
    value: float
    kind: str  # walk_time_s or network_distance_m
    categories: tuple[str, ...]  # what "already covered" is measured against
    profile: str | None
    indicator: str | None
    denominator: str | None = None  # the profile's own coverage denominator
    overridden: bool = False  # --threshold-min replaced the indicator's threshold


#: ``--weight`` choices → coverage denominators (:data:`lifecircle.indicators.profiles.DENOMINATORS`).
WEIGHTS = {"population": "population", "land": "residential_land_area", "floor": "floor_area"}
#: Unit of each denominator's weight, as plan.json states it.
WEIGHT_UNITS = {"population": "people", "residential_land_area": "m² residential land", "floor_area": "m² floor area"}


@dataclass
class _Weight:
    denominator: str  # population, residential_land_area or floor_area
    values: np.ndarray  # per home, in the denominator's unit (people or m²); missing values count 0
    source: str  # why this denominator

    @property
    def unit(self) -> str:
        return WEIGHT_UNITS[self.denominator]


@dataclass
class _Candidates:
    points: engine.Points
    ids: np.ndarray  # str ids
    node_id: np.ndarray  # int64, −1 for parcels
    geometry: gpd.GeoSeries  # run CRS
    access_m: np.ndarray  # metres of the access leg (for network-distance indicators)
    capacity: np.ndarray | None
    names: np.ndarray  # str: a parcel's own name or address, "" for none (nodes)


# ---------------------------------------------------------------------------------------------------------------------
# validation and reading
# ---------------------------------------------------------------------------------------------------------------------


def _check_options(opt: PlanOptions) -> str:
    """Validate the options; return the problem name (``mclp``, ``lscp`` or ``pmedian``)."""

    known = known_categories()
    if opt.category not in known:
        raise LifecircleInputError(f"Unknown category '{opt.category}'. Use one of the category ids of "
                                   f"lifecircle/data/categories.csv: {', '.join(known)}.")
    given = {"--sites": opt.sites, "--target-rate": opt.target_rate, "--p-median": opt.p_median}
    chosen = [k for k, v in given.items() if v is not None]
    if len(chosen) != 1:
        raise LifecircleInputError("Give exactly one of --sites K (maximal covering: K new sites covering the most "
                                   "people), --target-rate R (fewest sites reaching a coverage rate R) or --p-median P "
                                   f"(P sites minimising walking time); got {', '.join(chosen) or 'none'}.")
    for name, k in (("--sites", opt.sites), ("--p-median", opt.p_median)):
        if k is not None and (not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1):
            raise LifecircleInputError(f"{name} must be a whole number of new sites >= 1, got {k!r}.")
    if opt.target_rate is not None and not (0.0 < float(opt.target_rate) <= 1.0):
        raise LifecircleInputError(f"--target-rate must be a share in (0, 1], e.g. 0.9 for 90 % of the population; "
                                   f"got {opt.target_rate}.")
    if opt.threshold_min is not None and not (np.isfinite(opt.threshold_min) and opt.threshold_min > 0):
        raise LifecircleInputError(f"--threshold-min must be a positive number of minutes, got {opt.threshold_min}.")
    if not isinstance(opt.every_kth_node, (int, np.integer)) or opt.every_kth_node < 1:
        raise LifecircleInputError(f"--every-kth-node must be a whole number >= 1, got {opt.every_kth_node!r}.")
    if opt.weight is not None and opt.weight not in WEIGHTS:
        raise LifecircleInputError(f"--weight must be one of {', '.join(WEIGHTS)} (what each home counts with); got "
                                   f"{opt.weight!r}.")
    if opt.method not in ("auto", "exact", "greedy"):
        raise LifecircleInputError(f"--method must be auto, exact or greedy; got {opt.method!r}.")
    if not (np.isfinite(opt.time_limit_s) and opt.time_limit_s > 0):
        raise LifecircleInputError(f"--time-limit must be a positive number of seconds, got {opt.time_limit_s}.")
    if opt.capacity_column is not None and opt.candidates is None:
        raise LifecircleInputError("--capacity-column names a column of the --candidates layer (people each parcel's "
                                   "facility could serve); give --candidates too.")
    if opt.candidates is not None and not Path(opt.candidates).is_file():
        raise LifecircleInputError(f"The candidates layer '{opt.candidates}' does not exist; give a file of "
                                   "available parcels (GeoPackage, GeoJSON, Shapefile, GeoParquet or CSV).")
    return "mclp" if opt.sites is not None else ("lscp" if opt.target_rate is not None else "pmedian")


def _run_profiles(run: RunRecord) -> list:
    """The run's indicator profiles (built-in names or the user's TOML files named in run.json)."""
    out = []
    for name in run.profile_names:
        try:
            out.append(load_profile(name))
        except (LifecircleInputError, OSError) as exc:
            raise LifecircleInputError(f"The run's profile '{name}' cannot be read ({exc}); restore the file or rerun "
                                       "the assessment.") from exc
    return out


def _threshold(opt: PlanOptions, profiles: list) -> _Threshold:
    """The threshold and the indicator it comes from (``--threshold-min`` wins over the indicator's)."""

    pool = profiles
    if opt.profile is not None:
        pool = [load_profile(opt.profile)]
    ind = prof = None
    if opt.indicator is not None:
        for p in pool:
            if any(i.id == opt.indicator for i in p.indicators):
                prof, ind = p, p.indicator(opt.indicator)
                break
        if ind is None:
            if len(pool) == 1:
                pool[0].indicator(opt.indicator)  # raises, naming the profile's indicators
            raise LifecircleInputError(f"No profile of the run ({', '.join(p.id for p in pool) or 'none'}) has an "
                                       f"indicator '{opt.indicator}'; name its profile with --profile.")
        if ind.kind != "coverage":
            raise LifecircleInputError(f"Indicator '{ind.id}' is a {ind.kind} indicator; siting needs a coverage "
                                       "indicator (one category set within one threshold).")
        if opt.category not in ind.categories:
            raise LifecircleInputError(f"Indicator '{ind.id}' measures {', '.join(ind.categories)}, not "
                                       f"'{opt.category}'; choose an indicator of that category or give --threshold-min.")
    elif opt.threshold_min is None:
        found = [(p, i) for p in pool for i in p.indicators if i.kind == "coverage" and opt.category in i.categories
                 and i.threshold_kind in ("walk_time_s", "network_distance_m")]
        alone = [(p, i) for p, i in found if i.categories == (opt.category,)]
        if not (alone or found):
            raise LifecircleInputError(f"No walking indicator of the profiles {', '.join(p.id for p in pool)} measures "
                                       f"'{opt.category}'; give the threshold with --threshold-min (minutes).")
        prof, ind = (alone or found)[0]
    if opt.threshold_min is not None:
        cats = ind.categories if ind is not None else (opt.category,)
        return _Threshold(60.0 * float(opt.threshold_min), "walk_time_s", cats, prof.id if prof else None,
                          ind.id if ind else None, prof.denominator if prof else None, overridden=True)
    assert ind is not None and prof is not None  # found above, or an error was raised
    if ind.threshold_kind not in ("walk_time_s", "network_distance_m"):
        raise LifecircleInputError(f"Indicator '{ind.id}' uses a straight-line radius, which no walking network "
                                   "changes; give a walking threshold with --threshold-min (minutes).")
    return _Threshold(float(ind.threshold), ind.threshold_kind, ind.categories, prof.id, ind.id, prof.denominator)


def _weight(opt: PlanOptions, thr: _Threshold, homes: pd.DataFrame, run_denominator: str | None) -> _Weight:
    """What each home counts with: ``--weight``, else the indicator's denominator as ``indicator_table`` chooses it
    (the run's ``--denominator``, population for homes without area, else the profile's own)."""
    if opt.weight is not None:
        den, source = WEIGHTS[opt.weight], f"--weight {opt.weight}"
    else:
        chosen, note = choose_denominator(homes, run_denominator)
        if chosen is not None:
            den = chosen
            source = note or "the run's --denominator"
        elif thr.denominator is not None:
            den, source = thr.denominator, f"the denominator of profile {thr.profile} (indicator {thr.indicator})"
        else:
            den, source = "population", "no indicator gives a denominator: population"
    column = DENOMINATORS[den]
    values = pd.to_numeric(homes[column], errors="coerce").fillna(0.0).to_numpy(np.float64) \
        if column in homes.columns else np.zeros(len(homes))
    if values.sum() <= 0:
        raise LifecircleInputError(f"The homes have no {column} (weight {den}); choose another weight with --weight "
                                   "population, land or floor.")
    if np.any(values < 0):
        raise LifecircleInputError(f"Column {column} of homes.parquet holds negative values; a weight must be >= 0.")
    return _Weight(den, values, source)


# ---------------------------------------------------------------------------------------------------------------------
# candidates
# ---------------------------------------------------------------------------------------------------------------------


def _node_candidates(net: WalkNetwork, g: engine.Graph, every_k: int) -> _Candidates:
    """Every k-th network node as a candidate, standing on the node: fraction 0 of an edge leaving it (or 1 of one
    entering it), no access leg."""
    nodes = connected_nodes(g, np.arange(0, net.n_nodes, every_k, dtype=np.int64))
    xy = net.nodes[["x", "y"]].to_numpy(np.float64)[nodes]
    geom = gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=net.crs)
    return _Candidates(node_points(g, nodes), np.array([f"node{k}" for k in nodes], object),
                       nodes, geom, np.zeros(len(nodes)), None, np.full(len(nodes), "", dtype=object))


def _parcel_candidates(net: WalkNetwork, path: Path, capacity_column: str | None, snap_max_m: float) -> _Candidates:
    """Parcels of the user's layer, each snapped (centroid) to the network like a facility."""

    layer = read_layer(path)
    if len(layer) == 0:
        raise LifecircleInputError(f"The candidates layer '{path}' is empty; give at least one available parcel.")
    if capacity_column is not None:
        if capacity_column not in layer.columns:
            raise LifecircleInputError(f"The candidates layer '{path}' has no column '{capacity_column}'; its columns "
                                       f"are {', '.join(c for c in layer.columns if c != layer.geometry.name)}.")
        cap = pd.to_numeric(layer[capacity_column], errors="coerce")
        if cap.isna().any() or (cap < 0).any():
            raise LifecircleInputError(f"Column '{capacity_column}' of '{path}' must hold numbers >= 0 (people a site "
                                       "can serve) in every row.")
        layer = layer.assign(_capacity=cap.to_numpy(np.float64))
    ids = layer["id"].astype(str) if "id" in layer.columns else pd.Series([f"parcel{i}" for i in range(len(layer))])
    layer = layer.assign(id=ids.to_numpy())
    metric = layer.to_crs(net.crs)
    metric = metric.set_geometry(metric.geometry.representative_point())
    snapped = snap_points(net, metric, snap_max_m)
    frame = snapped.frame
    if len(frame) == 0:
        raise LifecircleInputError(f"No parcel of '{path}' lies within {snap_max_m:g} m of the walking network; check "
                                   "the layer's CRS and extent, or raise --snap-max.")
    edge, frac, acc = snapped.arrays("access_s")
    return _Candidates(engine.Points(edge, frac, acc), frame["id"].astype(str).to_numpy(object),
                       np.full(len(frame), -1, np.int64), frame.geometry.reset_index(drop=True),
                       frame["access_m"].to_numpy(np.float64),
                       frame["_capacity"].to_numpy(np.float64) if capacity_column is not None else None,
                       parcel_names(frame))


# ---------------------------------------------------------------------------------------------------------------------
# walking costs before / after
# ---------------------------------------------------------------------------------------------------------------------


def _existing_cost(homes: gpd.GeoDataFrame, fac: gpd.GeoDataFrame, net: WalkNetwork, thr: _Threshold,
                   graph: engine.Graph) -> np.ndarray:
    """Per home, the cost (s or m) to the nearest existing facility of the threshold's categories."""
    known = nearest_cost(homes, thr.categories, thr.kind)
    if known is not None:
        return known
    access = "access_s" if thr.kind == "walk_time_s" else "access_m"
    keep = fac["category"].astype(str).isin(thr.categories).to_numpy()
    f = fac.loc[keep]
    pts = engine.Points(f["edge_id"].to_numpy(np.int64), f["edge_frac"].to_numpy(np.float64), f[access].to_numpy(np.float64))
    origins = engine.Points(homes["edge_id"].to_numpy(np.int64), homes["edge_frac"].to_numpy(np.float64),
                            homes[access].to_numpy(np.float64))
    return engine.nearest(graph, origins, pts, np.zeros(len(f), np.int64), 1).time[:, 0]


# ---------------------------------------------------------------------------------------------------------------------
# the plan
# ---------------------------------------------------------------------------------------------------------------------


def _in_crs(frame: gpd.GeoDataFrame, crs: str) -> gpd.GeoDataFrame:
    if frame.crs is None:
        return frame.set_crs(crs)
    return frame if frame.crs == crs else frame.to_crs(crs)


def _objective_unit(problem: str, wt: _Weight) -> str:
    """The objective's unit: the weight's for MCLP (people or m²), ``sites`` for LSCP, weight × seconds (metres on
    a network-distance threshold) for the p-median (``person-seconds`` with people)."""
    if problem == "lscp":
        return "sites"
    if problem == "pmedian":
        return "person-seconds" if wt.denominator == "population" else f"{wt.unit} × seconds"
    return wt.unit


def _solve(problem: str, prob: CoverageProblem, opt: PlanOptions) -> SitingResult:
    if opt.sites is not None:
        return solve_mclp(prob, int(opt.sites), method=opt.method, time_limit_s=opt.time_limit_s)
    if opt.target_rate is not None:
        return solve_lscp(prob, float(opt.target_rate), method=opt.method, time_limit_s=opt.time_limit_s)
    assert opt.p_median is not None  # _check_options gave exactly one
    return solve_pmedian(prob, int(opt.p_median), method=opt.method, time_limit_s=opt.time_limit_s)


def _json_number(x: float) -> float | str | None:
    x = float(x)
    if np.isnan(x):
        return None
    return x if np.isfinite(x) else ("inf" if x > 0 else "-inf")


def _wgs84(geom: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    w = geom.to_crs("EPSG:4326")
    return w.x.to_numpy(np.float64), w.y.to_numpy(np.float64)


def plan(results_dir: str | Path, options: PlanOptions, quiet: bool = False) -> PlanResult:
    """Choose new sites for ``options.category`` on a results folder and write the plan folder.

    Parameters
    ----------
    results_dir
        A results folder of ``lifecircle assess`` / ``demo`` (``docs/outputs.md``).
    options
        What to plan (:class:`PlanOptions`).
    quiet
        No progress bars.

    Returns
    -------
    PlanResult

    Raises
    ------
    LifecircleInputError
        Unknown category, profile or indicator; not exactly one of sites / target rate / p-median; k < 1; a target
        rate outside (0, 1] or out of reach; no candidate; a folder that is not a results folder.
    """
    folder = ResultsFolder(results_dir, need=FOR_SCENARIO)
    results_dir = folder.path
    problem = _check_options(options)
    run = folder.run
    profiles = _run_profiles(run)
    thr = _threshold(options, profiles)
    out = Path(options.out) if options.out is not None else results_dir / f"plan-{options.category}"
    if out.exists() and not out.is_dir():
        raise LifecircleInputError(f"The output '{out}' exists and is not a folder; choose another --out.")
    t_start = time.perf_counter()
    with Steps(quiet=quiet) as steps, staged_results(out) as stage:
        with steps.step("Reading the results folder"):
            run_res = load_results(folder)
            net = run_res.network
            homes = run_res.homes = _in_crs(run_res.homes, net.crs)
            fac = run_res.facilities = _in_crs(run_res.facilities, net.crs)
            weight = "time_s" if thr.kind == "walk_time_s" else "length_m"
            graph = engine.Graph.from_network(net, weight=weight)
            access = "access_s" if weight == "time_s" else "access_m"
            home_pts = engine.Points(homes["edge_id"].to_numpy(np.int64), homes["edge_frac"].to_numpy(np.float64),
                                     homes[access].to_numpy(np.float64))
        with steps.step("Candidate sites"):
            if options.candidates is not None:
                cand = _parcel_candidates(net, Path(options.candidates), options.capacity_column, options.snap_max_m)
            else:
                cand = _node_candidates(net, graph, options.every_kth_node)
            if len(cand.ids) == 0:
                raise LifecircleInputError("There is no candidate site: the network has no node with an edge (or the "
                                           "parcels layer none near it).")
            cand_pts = cand.points
            if weight == "length_m":
                cand_pts = engine.Points(cand.points.edge, cand.points.frac, cand.access_m)
        with steps.step("Coverage of every candidate (bounded searches)"):
            existing = _existing_cost(homes, fac, net, thr, graph)
            times, cover = coverage_from_engine(graph, home_pts, cand_pts, thr.value)
            pop = pd.to_numeric(homes["population"], errors="coerce").fillna(0.0).to_numpy(np.float64)
            wt = _weight(options, thr, homes, run_res.denominator)
            prob = CoverageProblem(demand_weight=wt.values, cover=cover, already_covered=existing <= thr.value,
                                   cost=times if problem == "pmedian" else None, capacity=cand.capacity,
                                   existing_cost=existing if problem == "pmedian" else None,
                                   cost_limit_s=thr.value if problem == "pmedian" else None,
                                   demand_people=None if wt.denominator == "population" else pop)
        with steps.step("Solving"):
            res = _solve(problem, prob, options)
            res.objective_unit = _objective_unit(res.problem, wt)
            ranking = rank_candidates(prob)
        with steps.step("Indicators before and after"):
            chosen = np.asarray(res.sites, np.int64)
            new_ids = np.array([f"{NEW_SITE_PREFIX}{options.category}-{k}" for k in range(1, len(chosen) + 1)], object)
            new_pts = engine.Points(cand.points.edge[chosen], cand.points.frac[chosen], cand.points.access[chosen])
            new_geom = cand.geometry.iloc[chosen].reset_index(drop=True)
            streets = nearest_street_names(run_res.network.edges, new_geom)
            names = np.where(cand.names[chosen] != "", cand.names[chosen], streets).astype(object)
            added = gpd.GeoDataFrame({"id": new_ids.astype(str), "category": options.category,
                                      "name": names.astype(str),
                                      "capacity": (cand.capacity[chosen] if cand.capacity is not None
                                                   else np.full(len(chosen), np.nan))},
                                     geometry=new_geom.values, crs=net.crs)
            outcome = evaluate_scenario(run_res, Scenario(name=out.name, add_facilities=added,
                                                          add_category=options.category))
            comparison = outcome.comparison
            capacitated = cand.capacity is not None and res.problem != "pmedian"
            rates = plan_rates(wt.values, wt.denominator, existing,
                               nearest_cost(outcome.homes, thr.categories, thr.kind), thr.value, comparison,
                               thr.profile, thr.indicator, thr.overridden,
                               res.coverage_rate if capacitated else None)
            if rates.after is None and res.problem != "pmedian":
                rates.after = res.coverage_rate
        with steps.step("Writing the plan"):
            lon, lat = _wgs84(new_geom)
            people = (np.asarray(res.newly_covered_people, np.float64) if res.newly_covered_people is not None
                      else np.asarray(res.newly_covered, np.float64))
            sites = gpd.GeoDataFrame({
                "order": np.arange(1, len(chosen) + 1, dtype=np.int64),
                "site_id": new_ids.astype(str),
                "name": names.astype(str),
                "street": streets.astype(str),
                "candidate": chosen,
                "candidate_id": cand.ids[chosen].astype(str),
                "node_id": cand.node_id[chosen],
                "category": options.category,
                "newly_covered": np.asarray(res.newly_covered, np.float64),
                "newly_covered_people": people,
                "edge_id": new_pts.edge, "edge_frac": new_pts.frac,
                "access_m": cand.access_m[chosen], "access_s": new_pts.access,
                "x": new_geom.x.to_numpy(np.float64), "y": new_geom.y.to_numpy(np.float64),
                "lon": lon, "lat": lat,
            }, geometry=new_geom.values, crs=net.crs)
            keep = ranking["newly_covered_alone"].to_numpy() > 0
            rk = ranking.loc[keep].reset_index(drop=True)
            ci = rk["candidate"].to_numpy(np.int64)
            candidates = gpd.GeoDataFrame({
                "rank": rk["rank"].to_numpy(np.int64), "candidate": ci, "candidate_id": cand.ids[ci].astype(str),
                "node_id": cand.node_id[ci], "newly_covered_alone": rk["newly_covered_alone"].to_numpy(np.float64),
                "chosen": np.isin(ci, chosen),
            }, geometry=cand.geometry.iloc[ci].values, crs=net.crs)
            stage.write_parquet(sites, "sites.parquet")
            stage.write_parquet(candidates, "candidates.parquet")
            comparison.to_csv(stage.path("comparison.csv"), index=False)
            total = float(wt.values.sum())
            summary: dict[str, Any] = {
                "created": RunRecord.now(),
                "results_dir": str(results_dir.resolve()),
                "category": options.category,
                "problem": res.problem,
                "weight": {"denominator": wt.denominator, "unit": wt.unit, "source": wt.source, "total": total},
                "objective": _json_number(res.objective),
                "objective_unit": res.objective_unit,
                "bound": _json_number(res.bound),
                "gap": _json_number(res.gap),
                "status": res.status,
                "proven_optimal": res.proven_optimal,
                "method": options.method,
                "method_ran": list(res.ran),
                "solution_from": res.method,
                "capacitated": cand.capacity is not None,
                "n_sites": int(len(chosen)),
                "newly_covered": float(np.sum(res.newly_covered)) if res.problem != "pmedian" else None,
                "newly_covered_people": float(np.sum(people)) if res.problem != "pmedian" else None,
                "coverage_denominator": wt.denominator,
                "coverage_rate_before": _json_number(rates.before) if rates.before is not None else None,
                "coverage_rate_after": _json_number(rates.after) if rates.after is not None else None,
                "coverage_rate_after_uncapacitated": (_json_number(rates.after_uncapacitated)
                                                      if rates.after_uncapacitated is not None else None),
                "coverage_rate_from": rates.source,
                "mean_cost_before": rates.mean_walk_s_before,
                "mean_cost_after": rates.mean_walk_s_after,
                "threshold": thr.value,
                "threshold_kind": thr.kind,
                "threshold_from": {"profile": thr.profile, "indicator": thr.indicator,
                                   "categories": list(thr.categories),
                                   "override_min": options.threshold_min},
                "counts": {"homes": int(len(homes)), "population": float(pop.sum()), "candidates": int(len(cand.ids)),
                           "candidate_pairs": int(cover.nnz),
                           "homes_already_covered": int(prob.already_covered.sum()),
                           "people_already_covered": float(pop[prob.already_covered].sum()),
                           "weight_already_covered": float(wt.values[prob.already_covered].sum())},
                "parameters": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(options).items()},
                "inputs": input_record({"candidates": options.candidates}),
                "notes": list(res.notes),
                "solve_time_s": round(res.solve_time_s, 3),
                "timings_s": dict(steps.timings_s),
            }
            summary["timings_s"]["total"] = round(time.perf_counter() - t_start, 3)
            stage.write_json(summary, "plan.json")
    if options.update_report and out.resolve().parent == results_dir.resolve() and folder.has(REPORT_FILE):
        build_report(results_dir)
    return PlanResult(out=out, result=res, sites=sites, candidates=candidates, comparison=comparison,
                      threshold=thr.value, threshold_kind=thr.kind, summary=summary)
