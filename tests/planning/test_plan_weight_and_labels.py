"""What a plan optimises and how it says so, on the hand-made grid: homes weigh with the denominator of the indicator
being improved, a capacitated plan reports the rate its assignment serves, the method asked / run / kept and the proof
are recorded, and the terminal, plan.json and comparison.csv read the same coverage."""

from __future__ import annotations

import itertools
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from plan_folder import EXISTING_NODE, POPULATION, SIDE, best_mclp, covered_by, node_xy, write_results

from lifecircle.cli.plan import plan as plan_command
from lifecircle.jobs.plan import PlanOptions, plan

#: Residential land and floor area per crossing (m²), chosen so that the best two sites differ by weight:
#: people → crossings 7 and 9, land → 6 and 13, floor area → 3 and 13 (see test_the_three_optima_differ).
LAND_M2 = np.array([400, 90, 650, 120, 380, 70, 40, 510, 95, 300, 720, 60, 210, 45, 330, 150], float)
FLOOR_M2 = np.array([900, 150, 1200, 2600, 300, 220, 180, 700, 260, 3100, 500, 240, 2800, 160, 900, 1700], float)


def _best_pairs(weight: np.ndarray) -> list[tuple[int, ...]]:
    already = covered_by([EXISTING_NODE])
    value = {s: weight[covered_by(s) & ~already].sum() for s in itertools.combinations(range(SIDE * SIDE), 2)}
    top = max(value.values())
    return [s for s, v in value.items() if v == top]


def _row(comparison: pd.DataFrame, indicator: str = "elderly_care_90s") -> pd.Series:
    return comparison[(comparison["indicator"] == indicator) & (comparison["area"].astype(str) == "ALL")].iloc[0]


def test_the_three_optima_differ():
    assert _best_pairs(POPULATION) == [(7, 9)]
    assert _best_pairs(LAND_M2) == [(6, 13)]
    assert _best_pairs(FLOOR_M2) == [(3, 13)]


@pytest.mark.parametrize("case, expected", [
    ("profile land", "residential_land_area"),  # the profile's own denominator (TD/T 1063 pattern)
    ("run floor", "floor_area"),  # the run's --denominator wins over the profile's
    ("point homes", "population"),  # homes without area fall back to people, as indicators.csv does
    ("--weight population", "population"),  # the user's choice wins over all
    ("--weight floor", "floor_area"),
])
def test_homes_weigh_with_the_denominator_of_the_indicator(tmp_path, case, expected):
    land = np.full(SIDE * SIDE, np.nan) if case == "point homes" else LAND_M2
    folder = write_results(tmp_path / "r", land_m2=land, floor_m2=FLOOR_M2, profile_denominator="residential_land_area",
                           run_denominator="floor_area" if case == "run floor" else None)
    weight = case.split()[1] if case.startswith("--weight") else None
    res = plan(folder, PlanOptions(category="elderly_care", sites=2, method="exact", weight=weight,
                                   out=tmp_path / "p", update_report=False), quiet=True)
    values = {"residential_land_area": LAND_M2, "floor_area": FLOOR_M2, "population": POPULATION}[expected]
    info = res.summary
    assert info["weight"]["denominator"] == expected == info["coverage_denominator"]
    # the plan is the enumerated optimum of its own weight, and says so in that weight's unit
    assert res.result.objective == pytest.approx(best_mclp(2, weight=values))
    assert sorted(int(n) for n in res.sites["node_id"]) == list(_best_pairs(values)[0])
    assert info["objective_unit"] == {"population": "people", "residential_land_area": "m² residential land",
                                      "floor_area": "m² floor area"}[expected]
    # people stay people: the sites' people add up to the people the two sites newly reach
    nodes = [int(n) for n in res.sites["node_id"]]
    newly = covered_by(nodes) & ~covered_by([EXISTING_NODE])
    assert res.sites["newly_covered_people"].sum() == pytest.approx(POPULATION[newly].sum())
    assert info["newly_covered_people"] == pytest.approx(POPULATION[newly].sum())
    # the rate is the indicator's own when the plan improves it with its denominator
    after = values[covered_by([EXISTING_NODE] + nodes)].sum() / values.sum()
    assert info["coverage_rate_after"] == pytest.approx(after, rel=1e-12)
    row = _row(res.comparison)
    if row["denominator_kind"] == expected:
        assert info["coverage_rate_after"] == row["after"] and info["coverage_rate_before"] == row["before"]
        assert info["coverage_rate_from"] == "comparison.csv test-grid/elderly_care_90s/ALL"
    else:  # --weight chose another quantity than the indicator's: computed, and labelled so
        assert info["coverage_rate_from"] == "the plan's threshold"


def test_a_weight_the_homes_lack_is_refused(tmp_path):
    folder = write_results(tmp_path / "r", land_m2=np.full(SIDE * SIDE, np.nan))
    r = CliRunner().invoke(plan_command, [str(folder), "--category", "elderly_care", "--sites", "1", "--weight",
                                          "land", "-q"])
    assert r.exit_code == 2 and "no area_m2" in " ".join(r.output.split()) and "--weight" in r.output
    assert not (folder / "plan-elderly_care").exists()


def _parcels(tmp_path, places: dict[str, tuple[int, float]]):
    """A parcels layer with one parcel per named crossing and its places (people it can serve)."""
    ids = list(places)
    layer = gpd.GeoDataFrame({"id": ids, "places": [places[i][1] for i in ids]},
                             geometry=gpd.points_from_xy([node_xy(places[i][0])[0] for i in ids],
                                                         [node_xy(places[i][0])[1] for i in ids]),
                             crs="EPSG:32635")
    path = tmp_path / "parcels.geojson"
    layer.to_crs("EPSG:4326").to_file(path, driver="GeoJSON")
    return path


def test_capacitated_plan_reports_the_rate_its_assignment_serves(tmp_path):
    folder = write_results(tmp_path / "r")
    # crossing 6 reaches 2, 5, 6, 7, 10 (7 + 22 + 48 + 9 + 3 = 89 people), but its parcel has 20 places
    path = _parcels(tmp_path, {"A": (6, 20.0)})
    res = plan(folder, PlanOptions(category="elderly_care", sites=1, candidates=path, capacity_column="places",
                                   method="exact", out=tmp_path / "p", update_report=False), quiet=True)
    info = res.summary
    total = POPULATION.sum()
    before = POPULATION[covered_by([EXISTING_NODE])].sum() / total
    reach = POPULATION[covered_by([EXISTING_NODE, 6])].sum() / total
    assert res.result.objective == pytest.approx(20.0)
    assert info["capacitated"] is True
    assert info["coverage_rate_before"] == pytest.approx(before)
    assert info["coverage_rate_after"] == pytest.approx(before + 20.0 / total)  # what the 20 places serve
    assert info["coverage_rate_after_uncapacitated"] == pytest.approx(reach)  # within reach, the indicator's view
    assert _row(res.comparison)["after"] == pytest.approx(reach)
    assert info["newly_covered_people"] == pytest.approx(20.0)
    r = CliRunner().invoke(plan_command, [str(folder), "--category", "elderly_care", "--sites", "1", "--candidates",
                                          str(path), "--capacity-column", "places", "--out", str(tmp_path / "q")])
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    assert f"{100 * (before + 20.0 / total):.1f} % served within the sites' capacities" in text
    assert f"{100 * reach:.1f} % within reach without capacity limits" in text


def test_exact_method_proven_by_the_greedy_is_labelled_exact(tmp_path):
    folder = write_results(tmp_path / "r")
    res = plan(folder, PlanOptions(category="elderly_care", sites=1, method="exact", out=tmp_path / "p",
                                   update_report=False), quiet=True)
    info = json.loads((tmp_path / "p" / "plan.json").read_text())
    # one site: the greedy's pick is the best single site and its online bound proves it, so no MIP runs
    assert info["method"] == "exact"
    assert info["method_ran"] == ["greedy"] and info["solution_from"] == "greedy"
    assert info["proven_optimal"] is True and info["status"] == "optimal" and info["gap"] == 0.0
    assert info["bound"] == info["objective"] == pytest.approx(best_mclp(1))
    assert any("proven optimal" in n for n in info["notes"])
    assert res.result.requested == "exact"
    greedy = plan(folder, PlanOptions(category="elderly_care", sites=3, method="greedy", out=tmp_path / "g",
                                      update_report=False), quiet=True).summary
    assert greedy["method"] == "greedy" and greedy["method_ran"] == ["greedy"]


def test_terminal_plan_json_and_comparison_read_the_same_coverage(tmp_path):
    folder = write_results(tmp_path / "r", land_m2=LAND_M2, profile_denominator="residential_land_area")
    r = CliRunner().invoke(plan_command, [str(folder), "--category", "elderly_care", "--sites", "2"])
    assert r.exit_code == 0, r.output
    out = folder / "plan-elderly_care"
    info = json.loads((out / "plan.json").read_text())
    row = _row(pd.read_csv(out / "comparison.csv"))
    assert (info["coverage_rate_before"], info["coverage_rate_after"]) == (row["before"], row["after"])
    assert row["denominator_kind"] == info["coverage_denominator"] == "residential_land_area"
    text = " ".join(r.output.split())
    assert (f"Coverage (share of residential land): {100 * row['before']:.1f} % → {100 * row['after']:.1f} %"
            in text)
    assert f"People newly within reach: {info['newly_covered_people']:,.0f}" in text
