"""Test input for the monitoring store: hand-made results folders (run.json + indicators.csv + facilities.parquet),
user CSV files, and a dump of a store to compare before/after."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely


#: Metric CRS of the hand-made runs (UTM 48N: Chongqing).
RUN_CRS = "EPSG:32648"

INDICATOR_HEADER = ["profile", "indicator", "area", "value", "numerator", "denominator", "threshold",
                    "threshold_kind", "source", "name_zh", "name_en", "confidence", "denominator_kind", "unit"]


def write_run(folder: Path, *, created: str, values: dict[tuple[str, str], float],
              facilities: list[tuple[str, str, float, float]] | None = None, profile: str = "cn-health-check",
              inputs: dict | None = None, study_area: str = "Test district", unit: str = "share") -> Path:
    """Write a small coherent results folder: ``values`` maps (indicator, area) to a coverage share; ``facilities``
    are (id, category, lon, lat) in WGS-84, written projected to RUN_CRS like 'assess' does."""
    folder.mkdir(parents=True, exist_ok=True)
    run = {
        "created": created,
        "study_area": study_area,
        "crs": RUN_CRS,
        "inputs": inputs if inputs is not None else {"osm": {"path": "/data/city.osm.pbf", "sha256": "ab" * 32}},
        "parameters": {"profiles": [profile], "walk_profile": "planning", "snap_max_m": 200.0},
        "versions": {"lifecircle": "0.1.0"},
        "timings_s": {"network": 1.5},
    }
    (folder / "run.json").write_text(json.dumps(run, indent=2), encoding="utf-8")
    rows = []
    for (indicator, area), v in values.items():
        rows.append([profile, indicator, area, v, v * 1000.0, 1000.0, 900.0, "walk_time_s", "TD/T 1063-2021",
                     "名称", "Name", "🟡", "area_m2", unit])
    pd.DataFrame(rows, columns=INDICATOR_HEADER).to_csv(folder / "indicators.csv", index=False)
    facilities = facilities or []
    gdf = gpd.GeoDataFrame(
        {"id": [f[0] for f in facilities], "category": [f[1] for f in facilities],
         "name": [f"facility {f[0]}" for f in facilities], "capacity": [float("nan")] * len(facilities)},
        geometry=shapely.points([(f[2], f[3]) for f in facilities]) if facilities else [],
        crs="EPSG:4326",
    ).to_crs(RUN_CRS)
    gdf.to_parquet(folder / "facilities.parquet", index=False)
    return folder


def dump(store_or_path) -> dict[str, list]:
    """Every row of every table of a store, sorted: to compare a store before and after an operation."""
    from lifecircle.monitor import open_store

    own = not hasattr(store_or_path, "con")
    s = open_store(store_or_path) if own else store_or_path
    try:
        tables = [r[0] for r in s.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT internal ORDER BY table_name").fetchall()]
        return {t: sorted(map(repr, s.con.execute(f"SELECT * FROM {t}").fetchall())) for t in tables}
    finally:
        if own:
            s.close()


def write_csv(path: Path, header: list[str], rows: list[list], encoding: str = "utf-8") -> Path:
    """A CSV file as a user would save it (test input)."""
    pd.DataFrame(rows, columns=header).to_csv(path, index=False, encoding=encoding)
    return path


LEDGER_HEADER = ["project_id", "name", "category", "lon", "lat", "coords", "address", "capacity",
                 "responsible_unit", "planned_start", "planned_completion", "actual_completion", "status",
                 "cost_10k_cny", "note"]


def ledger_row(pid: str, *, category: str = "kindergarten", lon="106.5716", lat="29.5572", address="",
               unit: str = "Education Commission", planned: str = "2025-12-31", actual: str = "",
               status: str = "planned", coords: str = "", capacity: str = "", cost: str = "") -> list:
    return [pid, f"project {pid}", category, lon, lat, coords, address, capacity, unit, "", planned, actual, status,
            cost, ""]
