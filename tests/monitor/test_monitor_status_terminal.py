"""``monitor status`` as a planner reads it: the distance to each target in words, and tables that fit an
80-column terminal without cutting ids."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from monitor_fixtures import LEDGER_HEADER, ledger_row, write_csv, write_run
from rich.cells import cell_len

from lifecircle.cli.monitor import monitor
from lifecircle.monitor import import_ledger, import_targets, open_store, record_run, target_status
from lifecircle.monitor.status import gap_text

TARGET_HEADER = ["indicator", "profile", "area", "value", "period", "direction", "source_document"]


def test_gap_in_words():
    # value 96 % against >= 86 %: gap -0.10 -> met, 10.0 percentage points above
    assert gap_text(-0.10, "at_least", "share") == "met, 10.0 pts above target"
    assert gap_text(-0.10, "at_least", "share", "zh") == "已达标，高出目标 10.0 个百分点"
    assert gap_text(0.25, "at_least", "share") == "25.0 pts short"
    assert gap_text(0.25, "at_least", "share", "zh") == "差 25.0 个百分点"
    # Gini 0.20 against <= 0.25: met, 0.05 below (not a share: the indicator's own unit)
    assert gap_text(-0.05, "at_most", "gini") == "met, 0.05 below target"
    assert gap_text(0.0, "at_least", "share") == "met, exactly on target"
    assert gap_text(float("nan"), "at_least", "share") == "—"


@pytest.fixture
def district(store_path, tmp_path):
    with open_store(store_path) as store:
        record_run(store, write_run(tmp_path / "A", created="2025-03-31", values={
            ("health_15min", "ALL"): 0.80, ("elderly_care_5min", "ALL"): 0.50}))
        record_run(store, write_run(tmp_path / "B", created="2025-09-30", values={
            ("health_15min", "ALL"): 0.96, ("elderly_care_5min", "ALL"): 0.55}))
        import_targets(store, write_csv(tmp_path / "t.csv", TARGET_HEADER, [
            ["health_15min", "cn-health-check", "ALL", "86%", "2025Q3", "", "Programme"],
            ["elderly_care_5min", "", "ALL", "80%", "2025", "", "Programme"]]))
        import_ledger(store, write_csv(tmp_path / "l.csv", LEDGER_HEADER, [
            ledger_row(f"YZ2026-00{k}", unit=unit, planned="2025-06-30", status=status)
            for k, (unit, status) in enumerate([("重庆市渝中区教育委员会", "under_construction"),
                                                 ("重庆市渝中区民政局", "planned"),
                                                 ("渝中区解放碑街道办事处", "planned")], start=1)]))
        assert target_status(store, None)["gap"].round(6).tolist() == [0.25, -0.1]
    return store_path


def test_met_target_in_status(district):
    r = CliRunner().invoke(monitor, ["status", "--as-of", "2025-10-01", "--store", str(district), "--width", "200"])
    assert r.exit_code == 0, r.output
    assert "met, 10.0 pts above target" in r.stdout and "-10.0%" not in r.stdout
    assert "open: 25.0 pts short" in r.stdout


def test_status_fits_80_columns_and_keeps_ids_whole(district):
    r = CliRunner().invoke(monitor, ["status", "--as-of", "2025-10-01", "--store", str(district)],
                           env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert max(cell_len(line.rstrip()) for line in lines) <= 80
    for pid in ("YZ2026-001", "YZ2026-002", "YZ2026-003"):
        assert any(line.lstrip().startswith(pid + " ") for line in lines), pid
    assert "…" not in r.stdout
    assert any("elderly_care_5min" in line for line in lines) and "184" not in r.stdout
    rows = [line for line in lines if line.lstrip().startswith("YZ2026-")]
    assert sum(line.rstrip().endswith(" 93") for line in rows) == 3  # days late of each project, none cut off
