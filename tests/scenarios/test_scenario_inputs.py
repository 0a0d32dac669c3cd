"""Bad plans are refused with a message that says what is wrong and how to fix it."""

from __future__ import annotations

import geopandas as gpd
import pytest
from scenario_nets import at, line
from shapely.geometry import MultiLineString

from lifecircle.errors import LifecircleInputError
from lifecircle.scenarios import Scenario, evaluate_scenario, load_results


@pytest.fixture()
def res(river_dir):
    return load_results(river_dir)


def _links(geoms, crs="EPSG:32648", **cols):
    return gpd.GeoDataFrame(dict(cols), geometry=geoms, crs=crs)


def test_unknown_facility_id(res):
    with pytest.raises(LifecircleInputError, match=r"Cannot remove facilities \['w999'\].*facilities.parquet.*hs-b"):
        evaluate_scenario(res, Scenario(remove_facilities=("hs-b", "w999")))


def test_unknown_category(res):
    with pytest.raises(LifecircleInputError, match=r"Unknown facility categories \['clinic'\].*health_station"):
        evaluate_scenario(res, Scenario(add_facilities=at([(100, -5)], category=["clinic"])))


def test_added_without_category(res):
    with pytest.raises(LifecircleInputError, match=r"no 'category' column.*--add-category"):
        evaluate_scenario(res, Scenario(add_facilities=at([(100, -5)])))


def test_add_category_fills_the_category(res):
    out = evaluate_scenario(res, Scenario(add_facilities=at([(100, -5)]), add_category="health_station"))
    assert out.facilities["category"].iloc[-1] == "health_station"


@pytest.mark.parametrize("ids, word", [(["hs-b"], "already exist"), (["x", "x"], "repeat")])
def test_added_ids_must_be_new(res, ids, word):
    add = at([(100, -5)] * len(ids), category=["health_station"] * len(ids), id=ids)
    with pytest.raises(LifecircleInputError, match=word):
        evaluate_scenario(res, Scenario(add_facilities=add))


def test_added_layer_without_crs(res):
    add = at([(100, -5)], category=["health_station"]).set_crs(None, allow_override=True)
    with pytest.raises(LifecircleInputError, match=r"no CRS.*--crs"):
        evaluate_scenario(res, Scenario(add_facilities=add))


def test_added_facility_far_from_the_network(res):
    with pytest.raises(LifecircleInputError, match=r"cannot be placed on the walking network.*farther than 200 m"):
        evaluate_scenario(res, Scenario(add_facilities=at([(1000, 600)], category=["health_station"])))


def test_link_without_crs(res):
    with pytest.raises(LifecircleInputError, match=r"links layer has no CRS"):
        evaluate_scenario(res, Scenario(add_links=_links([line((0, 0), (0, 100))], crs=None)))


def test_link_touching_no_network(res):
    # its end is 400 m north of street B
    with pytest.raises(LifecircleInputError, match=r"The end of link 1 touches no network within 25 m \(the nearest edge is 400 m"):
        evaluate_scenario(res, Scenario(add_links=_links([line((0, 0), (0, 500))])))


def test_link_tolerance_is_a_parameter(res):
    out = evaluate_scenario(res, Scenario(add_links=_links([line((0, -30), (0, 130))]), link_snap_m=40.0))
    assert out.network.n_edges == res.network.n_edges + 2


def test_link_joining_one_node_to_itself(res):
    with pytest.raises(LifecircleInputError, match="same node"):
        evaluate_scenario(res, Scenario(add_links=_links([line((0, -3), (0.5, 3))])))


def test_multiline_link(res):
    geom = MultiLineString([[(650_000, 3_270_000), (650_000, 3_270_100)], [(651_000, 3_270_000), (651_000, 3_270_100)]])
    with pytest.raises(LifecircleInputError, match="single LineStrings"):
        evaluate_scenario(res, Scenario(add_links=_links([geom])))


def test_steps_link_under_a_profile_without_steps(res):
    res.walk_profile = "wheelchair"
    with pytest.raises(LifecircleInputError, match="cannot be walked under the run's walking profile 'wheelchair'"):
        evaluate_scenario(res, Scenario(add_links=_links([line((500, 0), (500, 100))], highway=["steps"])))


def test_unknown_recompute_mode(res):
    with pytest.raises(LifecircleInputError, match="incremental"):
        evaluate_scenario(res, Scenario(remove_facilities=("hs-b",)), recompute="partial")


def test_not_a_results_folder(tmp_path, river_dir):
    with pytest.raises(LifecircleInputError, match="is not a folder"):
        load_results(tmp_path / "nowhere")
    (river_dir / "homes.parquet").unlink()
    with pytest.raises(LifecircleInputError, match="has no homes.parquet"):
        load_results(river_dir)


def test_one_id_as_text_is_one_id(res):
    out = evaluate_scenario(res, Scenario(remove_facilities="mk-a"))
    assert "mk-a" not in set(out.facilities["id"]) and "mk-b" in set(out.facilities["id"])


def test_oneway_must_be_yes_or_no(res):
    links = _links([line((0, 0), (0, 100))], oneway=["maybe"])
    with pytest.raises(LifecircleInputError, match="oneway must be yes/no"):
        evaluate_scenario(res, Scenario(add_links=links))


def test_user_profile_and_areas_files_are_read_where_the_run_read_them(river_dir, tmp_path):
    import json

    from lifecircle.indicators import load_profile

    src = tmp_path / "mine.toml"
    src.write_text('extends = "cn-health-check"\nid = "mine"\n', encoding="utf-8")
    load_profile(src)  # a valid profile file
    run = json.loads((river_dir / "run.json").read_text())
    run["parameters"].update(profiles=["mine.toml"], areas="areas.geojson")  # relative to a folder we are not in
    run["inputs"] = {"profile:mine.toml": {"path": str(src)}, "areas": {"path": str(tmp_path / "gone.geojson")}}
    (river_dir / "run.json").write_text(json.dumps(run))
    res = load_results(river_dir)
    assert res.profiles == (str(src),)
    assert res.areas == "areas.geojson"  # the recorded file no longer exists: kept as given
