"""An independent evaluator for the attribution tests: every scenario recomputed in full with the steps of
``assess`` (walking columns of every home, then the indicator table), never incrementally."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from lifecircle.accessibility import walking_columns
from lifecircle.errors import LifecircleInputError
from lifecircle.indicators import load_profile
from lifecircle.indicators.table import indicator_table
from lifecircle.monitor.evaluate import VALUE_COLUMNS, check_results_folder
from lifecircle.network.model import SnappedPoints
from lifecircle.points.snapping import snap_points


class WalkingEvaluator:
    """Re-evaluate a results folder with facilities added or removed, recomputing every walking time."""

    label = "walking_columns + indicator_table"

    def __init__(self, results_dir: str | Path) -> None:
        folder = check_results_folder(results_dir)
        run = folder.run
        self.results_dir = folder.path
        self.profiles = [load_profile(p) for p in run.profile_names]
        self.areas = run.areas
        self.denominator = run.denominator
        self.snap_max_m = run.snap_max_m
        self.net = folder.network()
        self._homes = folder.homes(snapped=True)
        self._facilities = folder.facilities(snapped=True)
        self._empty = gpd.GeoDataFrame(geometry=[], crs=self.net.crs)
        self.facility_ids = frozenset(self._facilities["id"].astype(str))

    @property
    def facilities(self) -> gpd.GeoDataFrame:
        return self._facilities

    def __call__(self, name: str, add_facilities: gpd.GeoDataFrame | None = None,
                 remove_facilities: tuple[str, ...] = ()) -> pd.DataFrame:
        unknown = sorted(set(map(str, remove_facilities)) - self.facility_ids)
        if unknown:
            raise LifecircleInputError(f"Scenario '{name}': {', '.join(unknown[:5])} are not facilities of the run "
                                       f"in {self.results_dir}.")
        fac = self._facilities[~self._facilities["id"].astype(str).isin(set(map(str, remove_facilities)))]
        if add_facilities is not None and len(add_facilities):
            snapped = snap_points(self.net, add_facilities, self.snap_max_m)
            if len(snapped.unsnapped):
                ids = ", ".join(snapped.unsnapped["id"].astype(str).head(5))
                raise LifecircleInputError(f"Scenario '{name}': the facilities {ids} are farther than "
                                           f"{self.snap_max_m:g} m from the walking network of the run.")
            fac = pd.concat([fac, snapped.frame[[c for c in snapped.frame.columns if c in fac.columns]]],
                            ignore_index=True)
            fac = gpd.GeoDataFrame(fac, geometry="geometry", crs=self.net.crs)
        homes = walking_columns(self.net, SnappedPoints(self._homes, self._empty), SnappedPoints(fac, self._empty),
                                self.profiles)
        return indicator_table(homes, self.profiles, self.areas, self.denominator)[list(VALUE_COLUMNS)]
