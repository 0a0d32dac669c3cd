"""``lifecircle plan`` end to end on a hand-made 4 × 4 grid whose optimal sites are known by enumeration."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from plan_folder import (
    EXISTING_NODE,
    POPULATION,
    THRESHOLD_S,
    best_mclp,
    best_pmedian,
    covered_by,
    fewest_sites,
    node_xy,
    write_results,
)

from lifecircle.cli.plan import plan as plan_command
from lifecircle.jobs.plan import PlanOptions, plan


@pytest.fixture()
def grid(tmp_path):
    return write_results(tmp_path / "results")


def _chosen_nodes(sites: gpd.GeoDataFrame) -> list[int]:
    return [int(n) for n in sites["node_id"]]


def test_hand_check_of_the_reference():
    # crossing 0 covers itself (10 s) and crossings 1 and 4 (85 s), not 2, 5 or 8 (160 s)
    assert covered_by([0]).nonzero()[0].tolist() == [0, 1, 4]
    # within 140 m: also 2, 5 and 8 (130 m), not 3, 6, 9 or 12 (190 m)
    assert covered_by([0], metres=True).nonzero()[0].tolist() == [0, 1, 2, 4, 5, 8]
    # crossing 5 covers 1, 4, 5, 6, 9: 30 + 5 + 22 + 48 + 16 people, of which 1 and 4 already covered
    assert POPULATION[covered_by([5]) & ~covered_by([0])].sum() == 22 + 48 + 16


def test_mclp_sites_are_the_enumerated_optimum(grid, tmp_path):
    out = tmp_path / "plan"
    res = plan(grid, PlanOptions(category="elderly_care", sites=2, out=out, method="exact"), quiet=True)
    opt = best_mclp(2)
    assert res.threshold == THRESHOLD_S  # from the profile's elderly_care_90s indicator
    assert res.result.objective == pytest.approx(opt)
    nodes = _chosen_nodes(res.sites)
    already = covered_by([EXISTING_NODE])
    assert POPULATION[covered_by(nodes) & ~already].sum() == pytest.approx(opt)
    # files: sites, candidates, plan.json, comparison.csv
    sites = gpd.read_parquet(out / "sites.parquet")
    assert sites["newly_covered"].sum() == pytest.approx(opt)
    assert sites["order"].tolist() == [1, 2]
    assert sites["newly_covered"].is_monotonic_decreasing
    for n, geom in zip(sites["node_id"], sites.geometry):
        assert (geom.x, geom.y) == pytest.approx(node_xy(int(n)))
    info = json.loads((out / "plan.json").read_text())
    assert info["status"] == "optimal" and info["gap"] == 0.0
    assert info["objective"] == pytest.approx(opt) and info["bound"] == pytest.approx(opt)
    assert info["threshold_from"]["indicator"] == "elderly_care_90s"
    assert info["counts"]["homes_already_covered"] == 3
    cands = gpd.read_parquet(out / "candidates.parquet")
    # the best single crossing is ranked first: the most people it alone newly covers
    alone = [POPULATION[covered_by([j]) & ~already].sum() for j in range(16)]
    assert cands["newly_covered_alone"].iloc[0] == pytest.approx(max(alone))
    assert cands["chosen"].sum() == 2


def test_comparison_after_equals_coverage_recomputed_from_scratch(grid, tmp_path):
    out = tmp_path / "plan"
    res = plan(grid, PlanOptions(category="elderly_care", sites=2, out=out), quiet=True)
    comp = pd.read_csv(out / "comparison.csv")
    row = comp[(comp["indicator"] == "elderly_care_90s") & (comp["area"] == "ALL")].iloc[0]
    total = POPULATION.sum()
    before = POPULATION[covered_by([EXISTING_NODE])].sum() / total
    after = POPULATION[covered_by([EXISTING_NODE] + _chosen_nodes(res.sites))].sum() / total
    assert row["before"] == pytest.approx(before)
    assert row["after"] == pytest.approx(after)
    assert row["change"] == pytest.approx(after - before)
    park = comp[(comp["indicator"] == "park_90s") & (comp["area"] == "ALL")].iloc[0]
    assert park["after"] == park["before"]  # other categories are untouched
    assert json.loads((out / "plan.json").read_text())["coverage_rate_after"] == pytest.approx(after)


def test_network_distance_indicator(grid, tmp_path):
    res = plan(grid, PlanOptions(category="elderly_care", sites=2, indicator="elderly_care_140m", out=tmp_path / "p",
                                 method="exact"), quiet=True)
    assert (res.threshold, res.threshold_kind) == (140.0, "network_distance_m")
    assert res.result.objective == pytest.approx(best_mclp(2, metres=True))
    assert res.summary["counts"]["homes_already_covered"] == 6
    comp = res.comparison
    row = comp[(comp["indicator"] == "elderly_care_140m") & (comp["area"] == "ALL")].iloc[0]
    after = covered_by([EXISTING_NODE] + _chosen_nodes(res.sites), metres=True)
    assert row["after"] == pytest.approx(POPULATION[after].sum() / POPULATION.sum())


def test_lscp_uses_the_fewest_sites(grid, tmp_path):
    res = plan(grid, PlanOptions(category="elderly_care", target_rate=0.9, out=tmp_path / "p"), quiet=True)
    k = fewest_sites(0.9)
    assert res.result.objective == k and len(res.sites) == k
    covered = covered_by([EXISTING_NODE] + _chosen_nodes(res.sites))
    assert POPULATION[covered].sum() >= 0.9 * POPULATION.sum()
    assert res.summary["bound"] == k and res.summary["status"] == "optimal"


def test_pmedian_objective_is_the_enumerated_optimum(grid, tmp_path):
    res = plan(grid, PlanOptions(category="elderly_care", p_median=2, out=tmp_path / "p", method="exact"), quiet=True)
    assert res.result.objective == pytest.approx(best_pmedian(2))
    assert res.summary["objective_unit"] == "person-seconds"
    after = covered_by([EXISTING_NODE] + _chosen_nodes(res.sites))
    assert res.summary["coverage_rate_after"] == pytest.approx(POPULATION[after].sum() / POPULATION.sum())


def test_greedy_reports_a_valid_bound(grid, tmp_path):
    res = plan(grid, PlanOptions(category="elderly_care", sites=3, out=tmp_path / "p", method="greedy"), quiet=True)
    opt = best_mclp(3)
    assert res.result.objective <= opt + 1e-9 <= res.result.bound + 1e-9
    assert res.summary["gap"] == pytest.approx((res.result.bound - res.result.objective) / res.result.objective)
    assert res.result.objective >= (1 - 1 / np.e) * opt


def test_threshold_override_changes_the_cover(grid, tmp_path):
    # 3 min = 180 s: a crossing now also reaches homes two blocks away (160 s)
    res = plan(grid, PlanOptions(category="elderly_care", sites=1, threshold_min=3, out=tmp_path / "p"), quiet=True)
    assert res.threshold == 180.0
    assert res.summary["counts"]["homes_already_covered"] == 6  # crossings 0, 1, 2, 4, 5, 8


def test_every_kth_node_restricts_candidates(grid, tmp_path):
    res = plan(grid, PlanOptions(category="elderly_care", sites=1, every_kth_node=5, out=tmp_path / "p"), quiet=True)
    assert res.summary["counts"]["candidates"] == 4  # nodes 0, 5, 10, 15
    already = covered_by([EXISTING_NODE])
    best = max(POPULATION[covered_by([j]) & ~already].sum() for j in (0, 5, 10, 15))
    assert res.result.objective == pytest.approx(best)
    assert _chosen_nodes(res.sites)[0] in (0, 5, 10, 15)


def test_parcel_candidates_with_capacity(grid, tmp_path):
    parcels = gpd.GeoDataFrame({"id": ["A", "B", "C"], "places": [1000.0, 1000.0, 20.0]},
                               geometry=[gpd.points_from_xy([node_xy(6)[0]], [node_xy(6)[1]])[0],
                                         gpd.points_from_xy([node_xy(15)[0]], [node_xy(15)[1]])[0],
                                         gpd.points_from_xy([node_xy(13)[0]], [node_xy(13)[1]])[0]],
                               crs="EPSG:32635").to_crs("EPSG:4326")
    path = tmp_path / "parcels.geojson"
    parcels.to_file(path, driver="GeoJSON")
    already = covered_by([EXISTING_NODE])
    res = plan(grid, PlanOptions(category="elderly_care", sites=1, candidates=path, out=tmp_path / "p1"), quiet=True)
    gains = {c: POPULATION[covered_by([n]) & ~already].sum() for c, n in (("A", 6), ("B", 15), ("C", 13))}
    best = max(gains, key=gains.get)
    assert res.sites["candidate_id"].tolist() == [best]
    assert res.result.objective == pytest.approx(gains[best])
    # with capacities a site serves at most its places: C (20 places) can serve only 20 of its people
    res = plan(grid, PlanOptions(category="elderly_care", sites=3, candidates=path, capacity_column="places",
                                 out=tmp_path / "p2", method="exact"), quiet=True)
    served = dict(zip(res.sites["candidate_id"], res.sites["newly_covered"]))
    assert served.get("C", 0.0) <= 20.0 + 1e-6
    assert res.result.objective == pytest.approx(
        POPULATION[covered_by([6, 15]) & ~already].sum()
        + min(20.0, POPULATION[covered_by([13]) & ~already & ~covered_by([6, 15])].sum()))


def test_no_existing_facility_everyone_is_open(tmp_path):
    folder = write_results(tmp_path / "r", existing=False)
    res = plan(folder, PlanOptions(category="elderly_care", sites=1, out=tmp_path / "p"), quiet=True)
    assert res.summary["counts"]["homes_already_covered"] == 0
    assert res.result.objective == pytest.approx(max(POPULATION[covered_by([j])].sum() for j in range(16)))


# ---------------------------------------------------------------------------------------------------------------------
# the command line and bad input
# ---------------------------------------------------------------------------------------------------------------------


def test_command_writes_the_plan_folder(grid):
    r = CliRunner().invoke(plan_command, [str(grid), "--category", "elderly_care", "--sites", "2", "-q"])
    assert r.exit_code == 0, r.output
    out = grid / "plan-elderly_care"
    assert r.output.strip().endswith(str(out))
    for name in ("sites.parquet", "candidates.parquet", "plan.json", "comparison.csv"):
        assert (out / name).is_file()
    assert not [p for p in grid.iterdir() if p.name.startswith(".plan-elderly_care.partial")]


@pytest.mark.parametrize("args, words", [
    (["--category", "clinic", "--sites", "2"], ["Unknown category 'clinic'", "elderly_care"]),
    (["--category", "elderly_care", "--sites", "0"], ["--sites", ">= 1"]),
    (["--category", "elderly_care", "--p-median", "-1"], ["--p-median", ">= 1"]),
    (["--category", "elderly_care", "--target-rate", "1.5"], ["--target-rate", "(0, 1]"]),
    (["--category", "elderly_care", "--target-rate", "0"], ["--target-rate", "(0, 1]"]),
    (["--category", "elderly_care"], ["exactly one of --sites"]),
    (["--category", "elderly_care", "--sites", "1", "--target-rate", "0.5"], ["exactly one of --sites"]),
    (["--category", "elderly_care", "--sites", "1", "--indicator", "nope"], ["indicator 'nope'", "elderly_care_90s"]),
    (["--category", "elderly_care", "--sites", "1", "--indicator", "park_90s"], ["measures park"]),
    (["--category", "elderly_care", "--sites", "1", "--profile", "no-such-profile"], ["no-such-profile"]),
    (["--category", "pharmacy", "--sites", "1"], ["--threshold-min"]),
    (["--category", "elderly_care", "--sites", "1", "--every-kth-node", "0"], ["--every-kth-node"]),
    (["--category", "elderly_care", "--sites", "1", "--threshold-min", "-3"], ["--threshold-min"]),
    (["--category", "elderly_care", "--sites", "1", "--capacity-column", "places"], ["--candidates"]),
    (["--category", "elderly_care", "--target-rate", "1.0", "--threshold-min", "0.1"], ["target"]),
])
def test_bad_input_exit_status_2_with_a_message(grid, args, words):
    r = CliRunner().invoke(plan_command, [str(grid), *args, "-q"])
    assert r.exit_code == 2, r.output
    text = " ".join(r.output.split())
    for w in words:
        assert w in text, text
    assert not (grid / "plan-elderly_care").exists()


def test_not_a_results_folder(tmp_path):
    r = CliRunner().invoke(plan_command, [str(tmp_path / "missing"), "--category", "elderly_care", "--sites", "1"])
    assert r.exit_code == 2 and "not a results folder" in " ".join(r.output.split())
    (tmp_path / "half").mkdir()
    r = CliRunner().invoke(plan_command, [str(tmp_path / "half"), "--category", "elderly_care", "--sites", "1"])
    assert r.exit_code == 2 and "homes.parquet" in r.output


def test_empty_candidates(grid, tmp_path):
    far = gpd.GeoDataFrame({"id": ["far"]}, geometry=gpd.points_from_xy([24.0], [61.5]), crs="EPSG:4326")
    path = tmp_path / "far.geojson"
    far.to_file(path, driver="GeoJSON")
    r = CliRunner().invoke(plan_command, [str(grid), "--category", "elderly_care", "--sites", "1", "--candidates",
                                          str(path), "-q"])
    assert r.exit_code == 2 and "No parcel" in " ".join(r.output.split())
    empty = tmp_path / "empty.geojson"
    far.iloc[:0].to_file(empty, driver="GeoJSON")
    r = CliRunner().invoke(plan_command, [str(grid), "--category", "elderly_care", "--sites", "1", "--candidates",
                                          str(empty), "-q"])
    assert r.exit_code == 2, r.output
