"""An indicator table updated for changed walking times equals the table computed from scratch, age groups, notes
and sub-areas included, and leaves the rows of indicators that do not read a changed column as they were."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from lifecircle.indicators.table import IndicatorTable, indicator_table
from lifecircle.points.categories import known_categories


def _homes(n: int = 60, seed: int = 3) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    frame: dict = {"id": [f"h{i}" for i in range(n)], "population": rng.uniform(0, 300, n),
                   "area_m2": rng.uniform(100, 5000, n), "floor_area_m2": np.where(rng.random(n) < 0.1, np.nan, 900.0),
                   "age_65plus": rng.uniform(0, 50, n), "age_3_5": np.where(rng.random(n) < 0.1, np.nan, 5.0)}
    for c in known_categories():
        for prefix in ("t", "d", "r"):
            t = rng.uniform(0, 1500, n)
            frame[f"{prefix}_{c}"] = np.where(rng.random(n) < 0.1, np.inf, t)
    frame["t_middle_school"] = np.inf  # a category no home reaches: its indicators carry a note
    return gpd.GeoDataFrame(frame, geometry=[Point(*xy) for xy in rng.uniform(0, 2500, (n, 2))], crs="EPSG:4545")


def test_updated_table_equals_the_table_of_the_changed_homes():
    homes = _homes()
    profiles = ["cn-health-check", "cn-gb50180", "bruno-15min"]
    table = IndicatorTable(homes, profiles, "grid:1000")
    pd.testing.assert_frame_equal(table.frame, indicator_table(homes, profiles, "grid:1000"), check_exact=True)
    changed = homes.copy()
    changed["t_elderly_care"] = np.minimum(changed["t_elderly_care"], np.linspace(0, 800, len(homes)))
    changed["t_middle_school"] = np.where(np.arange(len(homes)) % 2 == 0, 300.0, np.nan)  # NaN: unreachable
    changed["d_kindergarten"] = changed["d_kindergarten"] * 0.5
    update = {c: changed[c].to_numpy() for c in table.reads}
    after = table.updated(update)
    pd.testing.assert_frame_equal(after, indicator_table(changed, profiles, "grid:1000"), check_exact=True)

    readers = set(table.indicators_reading(["t_elderly_care", "t_middle_school", "d_kindergarten"]))
    keys = list(zip(after["profile"], after["indicator"], strict=True))
    untouched = np.array([k not in readers for k in keys])
    assert untouched.any() and (~untouched).any()
    pd.testing.assert_frame_equal(after.loc[untouched], table.frame.loc[untouched], check_exact=True)
    assert (after.loc[~untouched, "value"].to_numpy() != table.frame.loc[~untouched, "value"].to_numpy()).any()
    pd.testing.assert_frame_equal(table.updated({}), table.frame, check_exact=True)  # nothing changed: same rows
