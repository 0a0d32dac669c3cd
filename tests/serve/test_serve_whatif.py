"""Live what-if through the API gives the numbers of ``lifecircle scenario`` for the same plan; bad plans are refused;
saved plans compare and export like the command."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
from click.testing import CliRunner

from lifecircle.cli.main import main
from lifecircle.results.folder import ResultsFolder


def _far_home(results) -> tuple[float, float, str]:
    """A home with the longest walk to a kindergarten (adding one there changes coverage), in WGS-84 degrees."""
    homes = ResultsFolder(results).homes()
    t = homes["t_kindergarten"].to_numpy(float)
    t = np.where(np.isfinite(t), t, -1)
    i = int(np.argmax(t))
    p = gpd.GeoSeries([homes.geometry.iloc[i].representative_point()], crs=homes.crs).to_crs(4326).iloc[0]
    return round(p.x, 6), round(p.y, 6), "kindergarten"


def test_whatif_equals_lifecircle_scenario(app_of, demo, tmp_path):
    lon, lat, cat = _far_home(demo.results)
    planner = app_of("viewer")  # trying a plan writes nothing: any account may
    res = planner.write("POST", "/api/runs/run/whatif", json={"add": [{"category": cat, "lon": lon, "lat": lat}]})
    assert res.status_code == 200, res.text
    answer = res.json()
    assert answer["recomputed"]["categories_added"] == [cat]
    assert answer["changed_homes"][cat]["n"] > 0
    api = pd.DataFrame(answer["comparison"])

    add = tmp_path / "add.geojson"
    gpd.GeoDataFrame({"category": [cat]}, geometry=gpd.points_from_xy([lon], [lat]), crs=4326).to_file(add)
    out = tmp_path / "scenario"
    cli = CliRunner().invoke(main, ["scenario", str(demo.results), "--add", str(add), "--out", str(out), "-q"])
    assert cli.exit_code == 0, cli.output
    ref = pd.read_csv(out / "comparison.csv")
    merged = ref.merge(api, on=["profile", "indicator", "area"], suffixes=("_cli", "_api"))
    assert len(merged) == len(ref) == len(api)
    np.testing.assert_allclose(merged["after_api"].astype(float), merged["after_cli"].astype(float), rtol=1e-12,
                               equal_nan=True)
    np.testing.assert_allclose(merged["before_api"].astype(float), merged["before_cli"].astype(float), rtol=1e-12,
                               equal_nan=True)
    assert (merged["change_cli"].fillna(0) != 0).any()  # the plan does change something


def test_bad_plans_are_refused(app_of):
    viewer = app_of("viewer")
    cases = [
        ({"add": [{"category": "kindergarten", "lon": 120.0, "lat": 30.0}]}, "outside the study area"),
        ({"add": [{"category": "casino", "lon": 24.94, "lat": 60.17}]}, "not a facility category"),
        ({"add": [{"category": "kindergarten", "lon": "east", "lat": 60.17}]}, "must be a number"),
        ({"remove": ["no-such-facility"]}, "no facility of the run"),
        ({}, "changes nothing"),
        ({"links": [{"kind": "teleporter", "from": {"lon": 24.94, "lat": 60.17}, "to": {"lon": 24.95, "lat": 60.17}}]},
         "not one of"),
        ({"add": [{"category": "kindergarten", "lon": 24.94, "lat": 60.17}] * 51}, "at most 50"),
    ]
    for plan, message in cases:
        res = viewer.write("POST", "/api/runs/run/whatif", json=plan)
        assert res.status_code == 400, (plan, res.text)
        assert message in res.json()["error"], (plan, res.json())
    assert viewer.write("POST", "/api/runs/run/whatif", json=[1, 2]).status_code in (400, 422)


def test_saved_plans_compare_and_export(app_of, demo):
    lon, lat, cat = _far_home(demo.results)
    editor = app_of("unit1")
    one = {"add": [{"category": cat, "lon": lon, "lat": lat}]}
    r1 = editor.write("POST", "/api/scenarios", json={"name": "kindergarten <b>north</b>", "run": "run", "plan": one})
    assert r1.status_code == 200, r1.text
    facilities = ResultsFolder(demo.results).facilities()
    fid = str(facilities["id"].iloc[0])
    two = {"remove": [fid]}
    r2 = editor.write("POST", "/api/scenarios", json={"name": "close one", "run": "run", "plan": two})
    assert r2.status_code == 200, r2.text
    dup = editor.write("POST", "/api/scenarios", json={"name": "close one", "run": "run", "plan": two})
    assert dup.status_code == 400 and "already saved" in dup.json()["error"]
    a, b = r1.json()["scenario_id"], r2.json()["scenario_id"]
    cmp_ = editor.get("/api/scenarios/compare", params={"a": a, "b": b}).json()
    assert cmp_["a"]["name"] == "kindergarten <b>north</b>"
    assert any((r["change_a"] or 0) > 0 for r in cmp_["rows"])
    assert all((r["change_b"] or 0) <= 1e-12 for r in cmp_["rows"] if "coverage" in r["indicator"])
    assert all("after_b" in r for r in cmp_["rows"])
    csv = editor.get(f"/api/scenarios/{a}/comparison.csv")
    assert csv.status_code == 200 and csv.text.startswith("profile,indicator,area,before,after,change")
    saved = editor.get(f"/api/scenarios/{a}").json()
    assert saved["plan"] == json.loads(json.dumps(one))
    audit = app_of("admin").get("/api/audit", params={"object_kind": "scenario"}).json()
    assert {r["object_id"] for r in audit} == {str(a), str(b)}


def test_saved_plan_exports_the_scenario_report(app_of, demo):
    lon, lat, cat = _far_home(demo.results)
    editor = app_of("unit1")
    r = editor.write("POST", "/api/scenarios", json={"name": "report", "run": "run",
                                                     "plan": {"add": [{"category": cat, "lon": lon, "lat": lat}]}})
    page = editor.get(f"/api/scenarios/{r.json()['scenario_id']}/report.html")
    assert page.status_code == 200 and "<html" in page.text[:500].lower()


def _useful_link(results) -> tuple[dict, str, str]:
    """A footbridge (WGS-84 ends on two edges) from a home not covered by a walking-time indicator to a facility of
    its category close enough in a straight line that the bridge covers the home; the plan, the indicator id and
    its profile id."""
    from lifecircle.scenarios import load_results

    res = load_results(results)
    edges = res.network.edges.geometry.to_numpy()

    def on_edge(frame: pd.DataFrame) -> np.ndarray:
        return np.array([edges[e].interpolate(f, normalized=True) for e, f in
                         zip(frame["edge_id"].to_numpy(), frame["edge_frac"].to_numpy(), strict=True)], dtype=object)

    homes_at = on_edge(res.homes)
    for profile in res.loaded_profiles():
        for ind in profile.indicators:
            if ind.kind != "coverage" or ind.threshold_kind != "walk_time_s" or len(ind.categories) != 1:
                continue
            fac = res.facilities.loc[res.facilities["category"] == ind.categories[0]]
            if not len(fac):
                continue
            fac_at = on_edge(fac)
            t = res.homes[f"t_{ind.categories[0]}"].to_numpy(float)
            for i in np.flatnonzero(t > ind.threshold):
                d = np.array([homes_at[i].distance(p) for p in fac_at])
                j = int(np.argmin(d))
                if 20 < d[j] and res.homes["access_s"].iat[i] + d[j] + fac["access_s"].iat[j] < 0.6 * ind.threshold:
                    ends = gpd.GeoSeries([homes_at[i], fac_at[j]], crs=res.network.crs).to_crs(4326)
                    plan = {"links": [{"kind": "footbridge", "from": {"lon": ends.iloc[0].x, "lat": ends.iloc[0].y},
                                       "to": {"lon": ends.iloc[1].x, "lat": ends.iloc[1].y}}]}
                    return plan, ind.id, profile.id
    raise AssertionError("no home of the demo run can be covered by a footbridge")


def test_whatif_link_changes_coverage_as_the_scenario_engine(app_of, demo):
    from shapely.geometry import LineString

    from lifecircle.scenarios import Scenario, evaluate_scenario, load_results

    plan, indicator, profile = _useful_link(demo.results)
    res = app_of("viewer").write("POST", "/api/runs/run/whatif", json=plan)
    assert res.status_code == 200, res.text
    answer = res.json()
    assert answer["recomputed"]["all_categories"] is True
    api = pd.DataFrame(answer["comparison"])

    link = plan["links"][0]
    line = LineString([(link["from"]["lon"], link["from"]["lat"]), (link["to"]["lon"], link["to"]["lat"])])
    sc = Scenario(add_links=gpd.GeoDataFrame({"highway": ["footway"], "name": ["footbridge"]}, geometry=[line],
                                             crs=4326))
    ref = evaluate_scenario(load_results(demo.results), sc).comparison
    merged = ref.merge(api, on=["profile", "indicator", "area"], suffixes=("_engine", "_api"))
    assert len(merged) == len(ref) == len(api)
    for col in ("after", "change", "numerator_after"):
        np.testing.assert_allclose(merged[f"{col}_api"].astype(float), merged[f"{col}_engine"].astype(float),
                                   rtol=1e-12, equal_nan=True, err_msg=col)
    whole = merged.loc[(merged["profile"] == profile) & (merged["indicator"] == indicator) & (merged["area"] == "ALL")]
    assert float(whole["change_api"].iloc[0]) > 0  # the bridge covers the home it was drawn for
    assert answer["changed_homes"]  # and the homes whose walks it shortened are listed
