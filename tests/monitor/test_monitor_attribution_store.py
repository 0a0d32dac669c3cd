"""Attribution against the store with hand-made runs and a scenario evaluator written here: which projects are
taken, how their facilities are matched (removed when the later run shows them, added when it does not), what is
stored, and the refusals (unknown run, wrong order, one run only, incomplete results folder)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from monitor_fixtures import LEDGER_HEADER, RUN_CRS, ledger_row, write_csv, write_run

from lifecircle.cli.monitor import monitor
from lifecircle.errors import LifecircleInputError
from lifecircle.monitor import attribute_runs, evaluate_planned, import_ledger, record_run, unit_gains
from lifecircle.monitor.attribution import match_facilities, project_points

# two homes of weight 1 and 3 (total 4); an elderly-care facility covers a home within 300 m (straight line)
HOMES = gpd.GeoSeries(shapely.points([(106.5700, 29.5570), (106.5800, 29.5570)]), crs="EPSG:4326").to_crs(RUN_CRS)
WEIGHTS = [1.0, 3.0]


class _StraightLineEvaluator:
    """evaluator(name, add, remove): share of weight within 300 m of an elderly-care facility of the run (minus the
    removed ids, plus the added points). Records every call."""

    calls: list[tuple[tuple[str, ...], tuple[str, ...]]] = []

    def __init__(self, folder):
        self.fac = gpd.read_parquet(folder / "facilities.parquet")

    def __call__(self, name, add, remove):
        fac = self.fac[~self.fac["id"].isin(remove)]
        pts = list(fac.geometry) + (list(add.to_crs(RUN_CRS).geometry) if len(add) else [])
        covered = sum(w for h, w in zip(HOMES, WEIGHTS) if any(h.distance(p) <= 300 for p in pts))
        type(self).calls.append((tuple(sorted(add["id"])) if len(add) else (), tuple(sorted(remove))))
        return pd.DataFrame({"profile": ["p"], "indicator": ["elderly"], "area": ["ALL"], "value": [covered / 4]})


@pytest.fixture
def two_runs(store, tmp_path):
    # run 1: no elderly care. run 2: E1 at home 0 (P1's facility, 20 m from the ledger point). P2 (at home 1,
    # completed too) is not in run 2's data. P3 completed after run 2; P4 completed but address only.
    r1 = record_run(store, write_run(tmp_path / "r1", created="2025-03-31", values={("elderly", "ALL"): 0.0}))
    r2 = record_run(store, write_run(tmp_path / "r2", created="2025-06-30", values={("elderly", "ALL"): 0.25},
                                     facilities=[("E1", "elderly_care", 106.5702, 29.5570)]))
    rows = [ledger_row("P1", category="elderly_care", lon="106.5700", lat="29.5570", unit="U1", status="completed",
                       actual="2025-05-01", planned="2025-06-30"),
            ledger_row("P2", category="elderly_care", lon="106.5800", lat="29.5570", unit="U2", status="completed",
                       actual="2025-06-30", planned="2025-06-30"),
            ledger_row("P3", category="elderly_care", lon="106.5800", lat="29.5571", unit="U2", status="completed",
                       actual="2025-07-01", planned="2025-06-30"),
            ledger_row("P4", category="elderly_care", lon="", lat="", address="某路 1 号", unit="U1",
                       status="completed", actual="2025-04-01", planned="2025-06-30")]
    import_ledger(store, write_csv(tmp_path / "l.csv", LEDGER_HEADER, rows))
    _StraightLineEvaluator.calls = []
    return r1.run_id, r2.run_id


def test_matching_by_hand():
    # P at the origin of a metric CRS; facilities 30 m (same category), 10 m (other category), 150 m (same).
    fac = gpd.GeoDataFrame({"id": ["A", "B", "C"], "category": ["school", "clinic", "school"]},
                           geometry=shapely.points([(30, 0), (10, 0), (150, 0)]), crs=RUN_CRS)
    ll = gpd.GeoSeries(shapely.points([(0, 0), (140, 0)]), crs=RUN_CRS).to_crs("EPSG:4326")
    prj = pd.DataFrame({"project_id": ["P", "Q"], "name": ["p", "q"], "category": ["school", "school"],
                        "capacity": [None, None], "lon": ll.x, "lat": ll.y})
    m = match_facilities(project_points(prj), fac, radius_m=100).set_index("project_id")
    assert m.loc["P", "facility_id"] == "A" and m.loc["P", "match_m"] == pytest.approx(30, abs=1e-3)
    assert m.loc["Q", "facility_id"] == "C" and m.loc["Q", "match_m"] == pytest.approx(10, abs=1e-3)
    m = match_facilities(project_points(prj), fac, radius_m=20).set_index("project_id")
    assert m.loc["P", "facility_id"] is None and m.loc["Q", "facility_id"] == "C"
    with pytest.raises(LifecircleInputError, match="match-radius"):
        match_facilities(project_points(prj), fac, radius_m=-1)


def test_attribution_with_a_matched_and_an_added_project(store, two_runs):
    r1, r2 = two_runs
    att = attribute_runs(store, r1, r2, evaluator_factory=_StraightLineEvaluator)
    assert att.skipped == ("P4",)
    p = att.projects.set_index("project_id")
    assert list(p.index) == ["P1", "P2"]  # P3 was completed after run 2
    assert p.loc["P1", "facility_id"] == "E1" and p.loc["P1", "match_m"] == pytest.approx(19.4, abs=0.5)
    assert p.loc["P2", "facility_id"] is None
    # all = E1 + P2 added: 4/4; without P1 (E1 removed): 3/4 -> gain 0.25; without P2: 1/4 -> gain 0.75; none 0
    assert set(_StraightLineEvaluator.calls) == {(("project:P2",), ()), ((), ("E1",)), (("project:P2",), ("E1",)),
                                                 ((), ())}
    e = att.effects.set_index(["method", "project_id"])["gain"]
    assert e[("leave_one_out", "P1")] == pytest.approx(0.25) and e[("leave_one_out", "P2")] == pytest.approx(0.75)
    assert e[("joint_remainder", "")] == pytest.approx(0.0) and e[("all_completed", "")] == pytest.approx(1.0)
    stored = store.con.execute("SELECT run_id, run_before, n_projects, n_not_in_run, match_radius_m FROM "
                               "attributions").fetchall()
    assert stored == [(r2, r1, 2, 1, 100.0)]
    assert store.con.execute("SELECT count(*) FROM project_effects WHERE run_id = ?", [r2]).fetchone()[0] == 4
    g = unit_gains(store).set_index("responsible_unit")
    assert g.loc["U1", "gain"] == pytest.approx(0.25) and g.loc["U2", "gain"] == pytest.approx(0.75)
    # attributing again replaces, never duplicates
    attribute_runs(store, r1, r2, evaluator_factory=_StraightLineEvaluator)
    assert store.con.execute("SELECT count(*) FROM project_effects WHERE run_id = ?", [r2]).fetchone()[0] == 4


def test_everything_built_adds_what_the_run_does_not_show(store, two_runs):
    _, r2 = two_runs
    pl = evaluate_planned(store, r2, evaluator_factory=_StraightLineEvaluator)
    # P1 is E1 (in the run); P2 and P3 are not: both added (P3 within 100 m of P2's point is not a run facility)
    assert sorted(pl.projects["project_id"]) == ["P2", "P3"] and pl.skipped == ("P4",)
    row = pl.effects.iloc[0]
    assert (row["value_without"], row["value_with"], row["gain"]) == pytest.approx((0.25, 1.0, 0.75))


def test_refusals(store, two_runs, tmp_path):
    r1, r2 = two_runs
    with pytest.raises(LifecircleInputError, match="no recorded run 9"):
        attribute_runs(store, r1, 9, evaluator_factory=_StraightLineEvaluator)
    with pytest.raises(LifecircleInputError, match="not later than"):
        attribute_runs(store, r2, r1, evaluator_factory=_StraightLineEvaluator)
    # the default evaluator needs the whole results folder (network, homes): hand-made runs lack them
    with pytest.raises(LifecircleInputError, match="lacks homes.parquet"):
        attribute_runs(store, r1, r2)
    assert store.con.execute("SELECT count(*) FROM attributions").fetchone()[0] == 0


def test_cli_refusals(store_path, tmp_path):
    runner = CliRunner()
    r = runner.invoke(monitor, ["attribute", "--store", str(store_path)])
    assert r.exit_code == 2 and "No run is recorded yet" in r.stderr
    runner.invoke(monitor, ["record", str(write_run(tmp_path / "r", created="2025-01-01", values={("x", "ALL"): 1})),
                            "--store", str(store_path)])
    r = runner.invoke(monitor, ["attribute", "--store", str(store_path)])
    assert r.exit_code == 2 and "Only one run is recorded" in r.stderr
    r = runner.invoke(monitor, ["attribute", "1", "--store", str(store_path)])
    assert r.exit_code == 2 and "Give both runs" in r.stderr
    r = runner.invoke(monitor, ["report", "--out", str(tmp_path / "page"), "--store", str(store_path)])
    assert r.exit_code == 0 and (tmp_path / "page" / "monitoring.html").is_file()


def test_record_then_attribute(store_path, tmp_path):
    runner = CliRunner()
    r = runner.invoke(monitor, ["record", str(write_run(tmp_path / "r1", created="2025-01-01",
                                                         values={("x", "ALL"): 1})),
                                "--attribute", "--store", str(store_path)])
    assert r.exit_code == 0 and "nothing to attribute yet" in r.stderr
    r = runner.invoke(monitor, ["record", str(write_run(tmp_path / "r2", created="2025-04-01",
                                                         values={("x", "ALL"): 1})),
                                "--attribute", "--store", str(store_path)])
    # no project in the ledger: nothing to evaluate, the (empty) attribution is recorded
    assert r.exit_code == 0 and "Attributed 0 project(s) completed between run 1 and run 2" in r.stderr


def test_reconciliation_units_joint_and_other_changes_sum_to_the_measured_change(store, store_path, two_runs):
    from lifecircle.monitor.attribution import reconciliation

    class _RunProfile(_StraightLineEvaluator):
        """The same evaluator, naming the runs' profile (so that the recorded values are comparable)."""

        def __call__(self, name, add, remove):
            return super().__call__(name, add, remove).assign(profile="cn-health-check")

    r1, r2 = two_runs
    attribute_runs(store, r1, r2, evaluator_factory=_RunProfile)
    rec = reconciliation(store).set_index(["part", "responsible_unit"])["value"]
    # recorded: run 1 0.00, run 2 0.25 -> measured +0.25. The listed projects make +1.00 on run 2 (U1 +0.25,
    # U2 +0.75, joint 0), so -0.75 of the measured change is not theirs (here: the hand-made runs' values).
    assert rec[("unit", "U1")] == pytest.approx(0.25) and rec[("unit", "U2")] == pytest.approx(0.75)
    assert rec[("joint", "")] == pytest.approx(0.0) and rec[("other", "")] == pytest.approx(-0.75)
    assert rec[("measured", "")] == pytest.approx(0.25)
    assert rec.drop(index=("measured", "")).sum() == pytest.approx(rec[("measured", "")])
    store.close()
    r = CliRunner().invoke(monitor, ["status", "--as-of", "2025-07-01", "--store", str(store_path),
                                     "--width", "200"])
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    order = [next(k for k, line in enumerate(lines) if text in line) for text in (
        "U1", "U2", "joint (shared)", "not due to listed projects", "= measured change")]
    assert order == sorted(order)
    assert "-75.00 pts" in lines[order[3]] and "+25.00 pts" in lines[order[4]]


def test_one_run_says_what_is_needed(store_path, tmp_path):
    runner = CliRunner()
    runner.invoke(monitor, ["record", str(write_run(tmp_path / "r", created="2025-01-01", values={("x", "ALL"): 1})),
                            "--store", str(store_path)])
    r = runner.invoke(monitor, ["attribute", "--store", str(store_path)])
    assert r.exit_code == 2 and "Record a second run after projects on the list are completed" in r.stderr
    r = runner.invoke(monitor, ["report", "--out", str(tmp_path / "page"), "--store", str(store_path)])
    html = (tmp_path / "page" / "monitoring.html").read_text(encoding="utf-8")
    assert "Record a second run after projects on the list are completed" in html
    assert "请在清单项目建成后再记录一次评估" in html and "run lifecircle monitor attribute" not in html
