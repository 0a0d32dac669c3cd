"""Land-use survey parcels as homes: the code system is named, never guessed, and each gives its own homes."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from lifecircle.errors import LifecircleInputError
from lifecircle.points.landuse import homes_from_landuse, landuse_code_table, normalise_code

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "yuzhong"


@pytest.fixture(scope="module")
def landuse() -> gpd.GeoDataFrame:
    return gpd.read_file(FIXTURES / "landuse.geojson")


def test_the_two_systems_give_their_own_homes_on_the_same_layer(landuse: gpd.GeoDataFrame):
    codes = landuse.set_index("BSM")["DLBM"]
    sandiao = homes_from_landuse(landuse, "DLBM", "sandiao")
    yongdi = homes_from_landuse(landuse, "DLBM", "yongdi2023")
    # 三调: 0701 城镇住宅用地 (070102 starts with it) and 0702 农村宅基地
    assert set(sandiao["id"]) == set(codes.index[codes.str[:4].isin(["0701", "0702"])])
    # 用地用海分类: 0701 城镇住宅用地 and 0703 农村宅基地; its 0702 is 城镇社区服务设施用地, not homes
    assert set(yongdi["id"]) == set(codes.index[codes.str[:4].isin(["0701", "0703"])])
    assert set(sandiao["id"]) != set(yongdi["id"])
    assert not set(codes.index[codes == "0810"]) & (set(sandiao["id"]) | set(yongdi["id"]))
    by_id = sandiao.set_index("id")
    assert set(by_id.loc[codes.index[codes == "0702"], "home_kind"]) == {"rural"}
    assert set(yongdi.set_index("id").loc[codes.index[codes == "0703"], "landuse_name"]) == {"农村宅基地"}
    # each parcel is a residential-land origin whose area is its land area (m²)
    assert (sandiao["kind"] == "residential_land").all()
    metric = landuse.set_index("BSM").to_crs("EPSG:4545").area  # the metric CRS of Yuzhong (CGCS2000 GK CM 108E)
    assert (abs(by_id["area_m2"] - metric.loc[by_id.index]) / metric.loc[by_id.index] < 1e-3).all()


def test_codes_stored_as_numbers_keep_their_leading_zero():
    assert normalise_code(701) == "0701" and normalise_code("70102") == "070102" and normalise_code("701.0") == "0701"
    layer = gpd.GeoDataFrame({"DLBM": [701, 702, 1001]}, geometry=[box(0, 0, 0.001, 0.001), box(1, 1, 1.001, 1.001),
                                                                   box(2, 2, 2.001, 2.001)], crs="EPSG:4326")
    assert len(homes_from_landuse(layer, "DLBM", "sandiao")) == 2


def test_unknown_system_or_code_column_is_a_clear_error(landuse: gpd.GeoDataFrame):
    with pytest.raises(LifecircleInputError, match="Unknown land-use code system 'gb50137'.*sandiao, yongdi2023"):
        homes_from_landuse(landuse, "DLBM", "gb50137")
    with pytest.raises(LifecircleInputError, match="no code column 'YDYHFLDM'.*Did you mean DLBM"):
        homes_from_landuse(landuse, "YDYHFLDM", "sandiao")
    with pytest.raises(LifecircleInputError, match="No parcel .* residential code of system 'sandiao'.*Codes found: 0810"):
        homes_from_landuse(landuse[landuse["DLBM"] == "0810"], "DLBM", "sandiao")


def test_every_code_row_has_a_source_and_a_confidence_mark():
    table = landuse_code_table()
    assert (table["source"] != "").all() and table["confidence"].isin(["✅", "🟡", "🔴"]).all()
    assert set(table["system"]) == {"sandiao", "yongdi2023"}
