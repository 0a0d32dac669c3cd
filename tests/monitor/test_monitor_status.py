"""Status: each target against the latest value on or before a date; projects done / late per responsible unit.

Every expected number below is worked out by hand from the test input in the comments.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from monitor_fixtures import LEDGER_HEADER, ledger_row, write_csv, write_run
from rich.console import Console

from lifecircle.monitor import (
    import_ledger,
    import_targets,
    late_projects,
    record_run,
    render_status,
    target_status,
    unit_status,
)

DOC = "Programme 2024"


@pytest.fixture
def monitored(tmp_path, store):
    # run A (data of 2025-03-31) and run B (2025-09-30); a bruno-15min run with the Gini index
    record_run(store, write_run(tmp_path / "A", created="2025-03-31", values={
        ("health_15min", "ALL"): 0.80, ("elderly_care_5min", "ALL"): 0.50, ("health_15min", "jfb"): 0.60}))
    record_run(store, write_run(tmp_path / "B", created="2025-09-30", values={
        ("health_15min", "ALL"): 0.96, ("elderly_care_5min", "ALL"): 0.55}))
    record_run(store, write_run(tmp_path / "G", created="2025-03-31", profile="bruno-15min", unit="gini",
                                values={("gini_access", "ALL"): 0.30}))
    header = ["indicator", "profile", "area", "value", "period", "direction", "source_document"]
    import_targets(store, write_csv(tmp_path / "targets.csv", header, [
        ["health_15min", "cn-health-check", "ALL", "95%", "2025Q2", "", DOC],
        ["health_15min", "cn-health-check", "ALL", "95%", "2025", "", DOC],
        ["elderly_care_5min", "", "ALL", "80%", "2025", "", DOC],
        ["health_15min", "cn-health-check", "jfb", "0.9", "2025", "", DOC],
        ["life_circle_15min", "cn-health-check", "ALL", "100%", "2026", "", DOC],
        ["gini_access", "bruno-15min", "ALL", "0.25", "2025Q4", "at_most", DOC],
    ]))
    import_ledger(store, write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, [
        ledger_row("P1", unit="Education Commission", planned="2025-06-30", actual="2025-06-20", status="completed"),
        ledger_row("P2", unit="Education Commission", planned="2025-06-30", actual="2025-08-15", status="completed"),
        ledger_row("P3", unit="Education Commission", planned="2025-09-30", status="under_construction"),
        ledger_row("P4", unit="Education Commission", planned="2025-12-31", status="planned"),
        ledger_row("C1", unit="Civil Affairs Bureau", planned="2025-03-31", status="planned"),
        ledger_row("C2", unit="Civil Affairs Bureau", planned="2025-01-01", status="cancelled"),
        ledger_row("C3", unit="Civil Affairs Bureau", planned="2025-11-30", actual="2025-12-01", status="completed"),
        ledger_row("S1", unit="Sports Bureau", planned="2026-06-30", status="under_construction"),
    ]))
    return store


def _by_key(df):
    return {(r.indicator, r.area, r.period): r for r in df.itertuples(index=False)}


def test_targets_in_july_use_run_a(monitored):
    t = _by_key(target_status(monitored, dt.date(2025, 7, 1)))
    assert len(t) == 6
    # 2025Q2 target 0.95 was due 2025-06-30; latest value by 2025-07-01 is run A's 0.80: missed by 0.15
    q2 = t[("health_15min", "ALL", "2025Q2")]
    assert (q2.value, q2.state, q2.run_id, str(q2.data_date)[:10]) == (0.80, "missed", 1, "2025-03-31")
    assert q2.gap == pytest.approx(0.15)
    assert t[("health_15min", "ALL", "2025")].state == "open"
    assert t[("elderly_care_5min", "ALL", "2025")].gap == pytest.approx(0.30)
    assert t[("elderly_care_5min", "ALL", "2025")].profile == "cn-health-check"  # blank profile matched the run's
    assert t[("health_15min", "jfb", "2025")].gap == pytest.approx(0.30)
    assert t[("life_circle_15min", "ALL", "2026")].state == "no data"
    # at_most: Gini 0.30 against <= 0.25 is 0.05 too high, not yet due
    g = t[("gini_access", "ALL", "2025Q4")]
    assert (g.state, g.direction) == ("open", "at_most") and g.gap == pytest.approx(0.05)


def test_targets_in_october_use_run_b_where_it_has_the_area(monitored):
    t = _by_key(target_status(monitored, dt.date(2025, 10, 1)))
    assert t[("health_15min", "ALL", "2025Q2")].state == "met"  # 0.96 >= 0.95 now
    h = t[("health_15min", "ALL", "2025")]
    assert (h.value, h.state, h.run_id) == (0.96, "met", 2) and h.gap == pytest.approx(-0.01)
    e = t[("elderly_care_5min", "ALL", "2025")]
    assert (e.value, e.state) == (0.55, "open") and e.gap == pytest.approx(0.25)
    # run B has no value for sub-area jfb: the latest run that has it is A
    j = t[("health_15min", "jfb", "2025")]
    assert (j.value, j.run_id) == (0.60, 1)


def test_targets_after_the_year_and_before_any_run(monitored):
    t = _by_key(target_status(monitored, dt.date(2026, 1, 15)))
    assert t[("elderly_care_5min", "ALL", "2025")].state == "missed"
    assert t[("gini_access", "ALL", "2025Q4")].state == "missed"
    assert t[("life_circle_15min", "ALL", "2026")].state == "no data"
    before = target_status(monitored, dt.date(2025, 1, 1))
    assert set(before["state"]) == {"no data"}


def test_projects_per_unit_on_1_october(monitored):
    u = unit_status(monitored, dt.date(2025, 10, 1))
    # Civil: C1 late (due 03-31), C2 cancelled, C3 completed only on 12-01 so not yet done and not yet due (11-30)
    # Education: P1 done on time, P2 done late (08-15 > 06-30), P3 late (due 09-30, under construction), P4 not due
    # Sports: S1 under construction, due 2026
    assert u.values.tolist() == [
        ["Civil Affairs Bureau", 3, 0, 0, 1, 0, 1, 1],
        ["Education Commission", 4, 2, 1, 1, 0, 1, 0],
        ["Sports Bureau", 1, 0, 0, 0, 1, 1, 0],
    ]
    late = late_projects(monitored, dt.date(2025, 10, 1))
    # C1: 2025-03-31 -> 2025-10-01 is 30+31+30+31+31+30+1 = 184 days; P3: 1 day
    assert late[["project_id", "days_late"]].values.tolist() == [["C1", 184], ["P3", 1]]


def test_projects_per_unit_later(monitored):
    u = unit_status(monitored, dt.date(2026, 1, 1)).set_index("responsible_unit")
    # C3 is now done (completed 12-01, one day after its planned 11-30: done late); P4 due 12-31 is late
    assert u.loc["Civil Affairs Bureau", ["done", "done_late", "late"]].tolist() == [1, 1, 1]
    assert u.loc["Education Commission", ["done", "done_late", "late"]].tolist() == [2, 1, 2]


def test_empty_store_status(store):
    assert target_status(store, dt.date(2025, 1, 1)).empty
    assert unit_status(store, dt.date(2025, 1, 1)).empty
    out = io.StringIO()
    render_status(store, dt.date(2025, 1, 1), Console(file=out, width=160))
    assert "No targets" in out.getvalue() and "No projects" in out.getvalue()


def test_render_shows_states_and_late_projects(monitored):
    out = io.StringIO()
    render_status(monitored, dt.date(2025, 10, 1), Console(file=out, width=200))
    text = out.getvalue()
    for s in ("as of 2025-10-01", "health_15min", "≥ 95.0%", "96.0%", "met", "no data", "≤ 0.25",
              "Civil Affairs Bureau", "Late projects", "C1", "184"):
        assert s in text, f"{s!r} not in:\n{text}"


def test_user_text_is_shown_literally_not_as_markup(tmp_path, store):
    import_ledger(store, write_csv(tmp_path / "l.csv", LEDGER_HEADER, [
        ledger_row("[red]X[/red]", unit="[bold]Unit[/", planned="2025-01-31")]))
    out = io.StringIO()
    render_status(store, dt.date(2025, 3, 1), Console(file=out, width=200))
    assert "[red]X[/red]" in out.getvalue() and "[bold]Unit[/" in out.getvalue()
