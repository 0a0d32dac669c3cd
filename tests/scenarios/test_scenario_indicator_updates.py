"""The indicators a scenario returns (updated: only those reading a changed walking-time column are computed again)
are exactly those of a full ``indicator_table`` on the scenario's homes, for added, moved and removed facilities and
for a new link, on the embedded Helsinki run."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString

from lifecircle.indicators.table import indicator_table
from lifecircle.scenarios import Scenario, evaluate_scenario, load_results


@pytest.fixture(scope="module")
def res(helsinki_run):
    return load_results(helsinki_run)


def _full(res, outcome) -> pd.DataFrame:
    return indicator_table(outcome.homes, res.loaded_profiles(), res.areas, res.denominator, res.area_id_column)


def _point(res, row: int, crs="EPSG:4326"):
    return gpd.GeoSeries([res.homes.geometry.iloc[row]], crs=res.homes.crs).to_crs(crs).iloc[0]


def _busiest(res, category: str) -> str:
    return str(res.homes[f"f_{category}"].astype(str).value_counts().index[0])


def _footbridge(res) -> gpd.GeoDataFrame:
    """A link from a home's street corner to the node within 150 m that is farthest to walk to (it shortens walks)."""
    net = res.network
    u, v, c, _ = net.edge_arrays()
    a = int(net.edges["u"].iat[int(res.homes["edge_id"].iat[0])])
    walk = dijkstra(coo_matrix((c, (u, v)), shape=(net.n_nodes,) * 2).tocsr(), indices=[a])[0]
    x, y = net.nodes["x"].to_numpy(), net.nodes["y"].to_numpy()
    straight = np.hypot(x - x[a], y - y[a])
    b = int(np.argmax(np.where((straight < 150) & np.isfinite(walk), walk - straight, -np.inf)))
    return gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(x[a], y[a]), (x[b], y[b])])],
                            crs=net.crs)


def _plans(res) -> dict[str, Scenario]:
    moved = _busiest(res, "supermarket")
    added = gpd.GeoDataFrame({"category": ["elderly_care", "health_station"]},
                             geometry=[_point(res, 40), _point(res, 200)], crs=4326)
    move = gpd.GeoDataFrame({"category": ["supermarket"], "id": [moved]}, geometry=[_point(res, 300)], crs=4326)
    return {
        "add": Scenario(name="add", add_facilities=added),
        "move": Scenario(name="move", add_facilities=move, remove_facilities=(moved,)),
        "remove": Scenario(name="remove", remove_facilities=(_busiest(res, "primary_school"),
                                                             _busiest(res, "health_station"))),
        "link": Scenario(name="link", add_links=_footbridge(res)),
    }


@pytest.mark.parametrize("plan", ["add", "move", "remove", "link"])
def test_updated_indicators_equal_a_full_recomputation(res, plan):
    outcome = evaluate_scenario(res, _plans(res)[plan])
    pd.testing.assert_frame_equal(outcome.indicators_after, _full(res, outcome), check_exact=True)
    pd.testing.assert_frame_equal(outcome.indicators_before, res.indicators(), check_exact=True)
    changed = outcome.comparison["change"].fillna(0).to_numpy() != 0
    assert changed.any(), plan  # the plan does move some indicator: the comparison is not vacuous


def test_only_indicators_reading_a_changed_column_move(res):
    outcome = evaluate_scenario(res, _plans(res)["add"])
    table = res.indicator_table()
    before, after = outcome.indicators_before, outcome.indicators_after
    moved = set(before.loc[~np.isclose(before["value"], after["value"], equal_nan=True), "indicator"])
    columns = [f"{p}_{c}" for p in ("t", "d", "r") for c in ("elderly_care", "health_station")]
    readers = {indicator for _, indicator in table.indicators_reading(columns)}
    assert moved and moved <= readers
    assert len(readers) < len(before[["profile", "indicator"]].drop_duplicates())
