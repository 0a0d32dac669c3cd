"""Evaluate a plan: added or removed facilities and new network links, with every indicator before and after."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from lifecircle.errors import LifecircleInputError
from lifecircle.network.model import SnappedPoints, WalkNetwork
from lifecircle.results.columns import DISTANCE_PREFIX, categories_in
from lifecircle.scenarios.facilities import apply_added, apply_removed, prepare_added, removed_rows
from lifecircle.scenarios.links import DEFAULT_LINK_SNAP_M, DEFAULT_NODE_MERGE_M, insert_links, remap_points
from lifecircle.scenarios.loading import Results

#: Recomputation modes of :func:`evaluate_scenario`.
RECOMPUTE_MODES = ("incremental", "full")
#: Columns of :attr:`ScenarioOutcome.comparison`.
COMPARISON_COLUMNS = ("profile", "indicator", "area", "before", "after", "change", "numerator_before",
                      "numerator_after", "denominator_kind", "threshold", "threshold_kind", "unit", "name_zh", "name_en")


@dataclass
class Scenario:
    """A plan to evaluate against a run.

    Attributes
    ----------
    name
        What the plan is called (reports, ``scenario.json``).
    add_facilities
        Points (any CRS) with ``category`` (a category id of ``lifecircle/data/categories.csv``) and optional ``id``,
        ``capacity`` (places), ``name``; None for none.
    remove_facilities
        Ids of facilities of the run's ``facilities.parquet`` (every row of an id goes: all its categories). An added
        facility may take a removed id: that moves the facility.
    add_links
        Lines (any CRS): new footbridges, elevators or stair links, optional ``highway``, ``time_s`` (seconds),
        ``oneway``, ``name`` (:func:`lifecircle.scenarios.links.insert_links`); None for none.
    add_category
        When given, the category of every added facility (overrides their ``category`` column).
    link_snap_m
        Metres within which each end of a link must lie from a network edge.
    node_merge_m
        Metres along an edge within which a link end joins the edge's end node instead of splitting the edge.
    """

    name: str = "scenario"
    add_facilities: gpd.GeoDataFrame | None = None
    remove_facilities: tuple[str, ...] = ()
    add_links: gpd.GeoDataFrame | None = None
    add_category: str | None = None
    link_snap_m: float = DEFAULT_LINK_SNAP_M
    node_merge_m: float = DEFAULT_NODE_MERGE_M

    def is_empty(self) -> bool:
        return ((self.add_facilities is None or len(self.add_facilities) == 0) and not self.remove_facilities
                and (self.add_links is None or len(self.add_links) == 0))


@dataclass
class ScenarioOutcome:
    """What a scenario changes.

    Attributes
    ----------
    scenario
        The plan evaluated.
    homes
        The homes with their ``t_`` (seconds), ``f_``, ``d_`` (metres), ``r_`` (metres) columns after the plan.
    facilities
        The facilities after the plan (removed rows gone, added rows snapped, ``access_kind`` "scenario").
    network
        The walking network after the plan (the run's when no link is added).
    indicators_before, indicators_after
        Rows of ``indicators.csv`` computed from the homes before and after, with the run's profiles and sub-areas.
    comparison
        One row per profile, indicator and area: :data:`COMPARISON_COLUMNS` (``change`` = after − before).
    recomputed
        What was searched again: ``mode``, ``categories_added``, ``homes_searched_after_removal`` per category,
        ``all_categories`` (True when links changed the network).
    """

    scenario: Scenario
    homes: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    network: WalkNetwork
    indicators_before: pd.DataFrame
    indicators_after: pd.DataFrame
    comparison: pd.DataFrame
    recomputed: dict = field(default_factory=dict)


def compare_indicators(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Before/after table of two ``indicators.csv`` frames, matched on profile, indicator and area."""
    keys = ["profile", "indicator", "area"]
    info = ["denominator_kind", "threshold", "threshold_kind", "unit", "name_zh", "name_en"]
    b = before[keys + ["value", "numerator"] + info].rename(columns={"value": "before", "numerator": "numerator_before"})
    a = after[keys + ["value", "numerator"]].rename(columns={"value": "after", "numerator": "numerator_after"})
    out = b.merge(a, on=keys, how="outer", sort=False)
    out["change"] = out["after"] - out["before"]
    return out[list(COMPARISON_COLUMNS)].reset_index(drop=True)


def _snapped(frame: gpd.GeoDataFrame) -> SnappedPoints:
    return SnappedPoints(frame=frame, unsnapped=frame.iloc[:0])


def _full_columns(net: WalkNetwork, homes: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, profiles) -> gpd.GeoDataFrame:
    from lifecircle.accessibility import walking_columns

    return walking_columns(net, _snapped(homes), _snapped(facilities), profiles)


def evaluate_scenario(res: Results, sc: Scenario, recompute: str = "incremental") -> ScenarioOutcome:
    """Apply the plan ``sc`` to the run ``res`` and recompute walking times and every indicator.

    Parameters
    ----------
    res
        A run (:func:`lifecircle.scenarios.load_results`).
    sc
        The plan. Removals are applied first, then additions, then links.
    recompute
        ``"incremental"`` searches again only what the change affects (module :mod:`lifecircle.scenarios.facilities`;
        with links every category is searched again on the new network, since every walk may change);
        ``"full"`` reruns the whole engine step (:func:`lifecircle.jobs.assess.walking_columns`). Both give the same
        times (ties between equally near facilities aside, where ``f_`` may name the other one).

    Returns
    -------
    ScenarioOutcome

    Raises
    ------
    LifecircleInputError
        Unknown facility id to remove, unknown category, an added facility or a link end too far from the network,
        a layer without CRS, an unknown ``recompute`` mode.
    """
    if recompute not in RECOMPUTE_MODES:
        raise LifecircleInputError(f"recompute={recompute!r}: choose 'incremental' or 'full'.")
    if not isinstance(sc, Scenario):
        raise LifecircleInputError("evaluate_scenario needs a lifecircle.scenarios.Scenario.")
    profiles = res.loaded_profiles()
    net = res.network
    gone = removed_rows(res.facilities, sc.remove_facilities)
    remaining = res.facilities.loc[~gone].reset_index(drop=True)
    removed = res.facilities.loc[gone].reset_index(drop=True)
    # a removed id may be reused by an added facility (a facility moved elsewhere)
    added = prepare_added(net, sc.add_facilities, remaining["id"], res.snap_max_m, sc.add_category,
                          res.edge_index())
    if sc.add_links is not None and len(sc.add_links):
        new_net, splits = insert_links(net, sc.add_links, res.walk_profile, sc.link_snap_m, sc.node_merge_m)
    else:
        new_net, splits = net, []
    rev = new_net.edges["rev"].to_numpy(np.int64)
    fac_after = remaining if not len(added) else gpd.GeoDataFrame(
        pd.concat([remaining, added], ignore_index=True), geometry="geometry", crs=remaining.crs)
    fac_after = remap_points(fac_after, splits, rev)  # added ones too: they were snapped on the run's network
    homes = remap_points(res.homes, splits, rev)

    recomputed: dict = {"mode": recompute, "categories_added": sorted(set(added["category"])) if len(added) else [],
                        "all_categories": bool(splits) or (sc.add_links is not None and len(sc.add_links) > 0)}
    if recompute == "full" or recomputed["all_categories"]:
        homes_after = _full_columns(new_net, homes, fac_after, profiles)
    else:
        homes_after = homes.copy()
        graphs = {"time_s": res.graph("time_s")}
        if categories_in(homes.columns, DISTANCE_PREFIX):
            graphs["length_m"] = res.graph("length_m")
        if len(removed):
            recomputed["homes_searched_after_removal"] = apply_removed(net, homes_after, removed, remaining, graphs)
        if len(added):
            apply_added(net, homes_after, added, graphs)
    table = res.indicator_table()  # only the indicators reading a changed column are computed again
    before = table.frame.copy()
    after = table.updated({c: homes_after[c].to_numpy() for c in table.reads})
    return ScenarioOutcome(
        scenario=sc,
        homes=homes_after,
        facilities=fac_after,
        network=new_net,
        indicators_before=before,
        indicators_after=after,
        comparison=compare_indicators(before, after),
        recomputed=recomputed,
    )
