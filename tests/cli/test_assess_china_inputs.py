"""The data a Chinese district has: POI exports of three web maps, land-use survey parcels, census population by
age. A Yuzhong run on the synthetic fixtures gives indicators a plain pandas recomputation from homes.parquet
reproduces (age-group coverage included), and indicators.xlsx holds the numbers of indicators.csv."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from lifecircle.cli.main import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "yuzhong"


def _assess(*args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "lifecircle.cli.main", "assess", "--quiet", *args],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def yuzhong_run(tmp_path_factory, yuzhong_pbf: Path, yuzhong_boundary: Path) -> tuple[Path, subprocess.CompletedProcess]:
    out = tmp_path_factory.mktemp("yz") / "run"
    proc = _assess(
        "--osm", str(yuzhong_pbf), "--boundary", str(yuzhong_boundary),
        "--facilities", str(FIXTURES / "amap_pois.xlsx"), "--facilities", str(FIXTURES / "baidu_pois.csv"),
        "--facilities", str(FIXTURES / "tencent_pois.csv"),
        "--poi-source", "amap", "--poi-source", "baidu", "--poi-source", "tencent",
        "--homes", str(FIXTURES / "landuse.geojson"), "--landuse-code", "DLBM", "--landuse-system", "sandiao",
        "--population", str(FIXTURES / "population_by_age.geojson"), "--population-column", "常住人口",
        "--profile", "cn-health-check", "--areas", "grid:1000", "--name", "渝中区", "--out", str(out))
    return out, proc


def test_indicators_recomputed_from_homes_with_pandas(yuzhong_run):
    out, _ = yuzhong_run
    homes = gpd.read_parquet(out / "homes.parquet")
    table = pd.read_csv(out / "indicators.csv", keep_default_na=False, na_values=[""])
    whole = table[(table["profile"] == "cn-health-check") & (table["area"] == "ALL")].set_index("indicator")
    land = homes["area_m2"].to_numpy()
    checks = {"health_15min": (["health_station", "health_centre"], 900), "middle_school_15min": (["middle_school"], 900),
              "elderly_care_5min": (["elderly_care"], 300), "primary_school_10min": (["primary_school"], 600)}
    for ind, (cats, limit) in checks.items():
        covered = homes[[f"t_{c}" for c in cats]].min(axis=1).to_numpy() <= limit
        assert np.isclose(whole.loc[ind, "value"], land[covered].sum() / land.sum()), ind
    # the POIs brought what OSM lacks: these rates are no longer zero
    for ind in ("health_15min", "middle_school_15min", "elderly_care_5min"):
        assert whole.loc[ind, "value"] > 0, ind
    # age-group coverage: people of the group in covered homes / people of the group
    for ind, column in (("elderly_care_5min", "age_60plus"), ("middle_school_15min", "age_12_14"),
                        ("primary_school_10min", "age_6_11")):
        cats, limit = checks[ind]
        covered = homes[[f"t_{c}" for c in cats]].min(axis=1).to_numpy() <= limit
        people = homes[column].to_numpy()
        assert np.isclose(whole.loc[ind, "age_value"], people[covered].sum() / people.sum()), ind
        assert np.isclose(whole.loc[ind, "age_denominator"], people.sum())
    assert whole.loc["elderly_care_5min", "age_group"] == "60+"
    # the age groups were spread whole: each group's people in the homes are the census' people
    census = gpd.read_file(FIXTURES / "population_by_age.geojson")
    assert np.isclose(homes["age_60plus"].sum() + 0.0, census["60岁及以上"].sum(), rtol=0.02)


def test_run_record_says_where_facilities_came_from(yuzhong_run):
    out, _ = yuzhong_run
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    sources = run["facility_sources"]
    assert sources["kindergarten"] == "poi:amap+poi:baidu+poi:tencent"
    assert sources["rail_station"] == "osm" and sources["supermarket"] == "osm"
    counts = run["counts"]
    assert counts["facilities_by_category"]["rail_station"] > 50   # OSM's stations kept beside the POIs
    assert counts["facility_duplicates_merged"] == 2              # the kindergarten and the centre Amap and Baidu share
    amap = counts["poi"][0]
    assert amap["provider"] == "amap" and amap["unmapped_types"] == {"生活服务;物流速递;物流速递": 2, "购物服务;专卖店;书店": 1}
    assert counts["age_groups"]["60+"] == "60岁及以上"
    assert counts["homes_with_gates"] > 0
    assert counts["empty_categories"] == [] and run["data_warnings"] == []   # every category the profile uses has facilities
    homes = gpd.read_parquet(out / "homes.parquet")
    assert set(homes["landuse_code"].str[:4]) <= {"0701", "0702"}
    assert (homes["access_kind"] == "gate").sum() == counts["homes_with_gates"]


def test_indicators_xlsx_holds_the_csv_numbers(yuzhong_run):
    out, _ = yuzhong_run
    table = pd.read_csv(out / "indicators.csv")
    wb = load_workbook(out / "indicators.xlsx")
    assert wb.sheetnames == ["cn-health-check", "cn-health-check 分区"]
    for sheet, rows in (("cn-health-check", table[table["area"] == "ALL"]),
                        ("cn-health-check 分区", table[table["area"] != "ALL"].sort_values("area", kind="stable"))):
        ws = wb[sheet]
        header = [c.value for c in ws[2]]
        got = pd.DataFrame([[c.value for c in r] for r in ws.iter_rows(min_row=4)], columns=header)
        assert list(got["指标编号"]) == list(rows["indicator"])
        assert list(got["区域"].astype(str)) == list(rows["area"].astype(str))
        for zh, col in (("指标值", "value"), ("分子", "numerator"), ("分母", "denominator"), ("年龄段覆盖率", "age_value")):
            assert np.allclose(got[zh].astype(float), rows[col].astype(float), equal_nan=True), zh


def test_categories_without_facilities_are_warned_about(tmp_path: Path, yuzhong_pbf: Path, yuzhong_boundary: Path):
    out = tmp_path / "osm-only"
    proc = _assess("--osm", str(yuzhong_pbf), "--boundary", str(yuzhong_boundary), "--profile", "cn-health-check",
                   "--out", str(out))
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert {"health_station", "health_centre", "middle_school", "elderly_care"} <= set(run["counts"]["empty_categories"])
    zeroed = run["counts"]["indicators_without_facilities"]["cn-health-check"]
    assert {"health_15min", "middle_school_15min", "elderly_care_5min", "life_circle_15min"} <= set(zeroed)
    assert any("'elderly_care'" in w and "--poi-source amap" in w for w in run["data_warnings"])
    stderr = " ".join(proc.stderr.split())  # the terminal wraps long lines
    assert "Warning: No facility of category 'elderly_care'" in stderr   # printed even with --quiet
    table = pd.read_csv(out / "indicators.csv")
    assert table.set_index(["area", "indicator"]).loc[("ALL", "elderly_care_5min"), "value"] == 0.0


def _user_error(args: list[str], *fragments: str) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    for f in fragments:
        assert f in result.output, (f, result.output)


def test_land_use_options_are_checked_before_any_work(tmp_path: Path):
    landuse = str(FIXTURES / "landuse.geojson")
    common = ["assess", "--network", landuse, "--facilities", str(FIXTURES / "tencent_pois.csv"), "--poi-source", "tencent",
              "--homes", landuse, "--out", str(tmp_path / "out")]
    _user_error([*common, "--landuse-code", "DLBM"], "--landuse-system")
    _user_error([*common, "--landuse-code", "DLBM", "--landuse-system", "gb50137"], "gb50137")
    _user_error(["assess", "--osm", landuse, "--facilities-only", "--out", str(tmp_path / "out")], "--facilities-only")
    _user_error([*common, "--poi-source", "amap", "--poi-source", "baidu"], "--poi-source")
    assert not (tmp_path / "out").exists()


def test_unknown_code_column_is_a_clear_error(tmp_path: Path, yuzhong_pbf: Path):
    out = tmp_path / "out"
    _user_error(["assess", "--osm", str(yuzhong_pbf), "--homes", str(FIXTURES / "landuse.geojson"),
                 "--landuse-code", "YDYHFLDM", "--landuse-system", "yongdi2023", "--out", str(out)],
                "no code column 'YDYHFLDM'", "DLBM")
    assert not out.exists()
