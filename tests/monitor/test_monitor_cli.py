"""The ``monitor`` command group, standalone and as ``lifecircle monitor``."""

from __future__ import annotations

import subprocess
import sys
from importlib import resources
from pathlib import Path

import click
from click.testing import CliRunner
from monitor_fixtures import LEDGER_HEADER, ledger_row, write_csv, write_run

from lifecircle.cli.monitor import monitor
from lifecircle.monitor.store import SCHEMA_VERSION

DATA = Path(str(resources.files("lifecircle").joinpath("data")))


def test_whole_workflow_from_the_command_line(tmp_path):
    store = str(tmp_path / "lc.duckdb")
    runner = CliRunner()
    r = runner.invoke(monitor, ["init", "--store", store])
    assert r.exit_code == 0, r.output
    assert f"schema version {SCHEMA_VERSION} of {SCHEMA_VERSION}" in r.stderr
    run = write_run(tmp_path / "run", created="2025-09-30", values={("health_15min", "ALL"): 0.9,
                                                                    ("life_circle_15min", "ALL"): 0.7})
    r = runner.invoke(monitor, ["record", str(run), "--store", store])
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == "1" and "Recorded run 1" in r.stderr and "2 indicator values" in r.stderr
    r = runner.invoke(monitor, ["record", str(run), "--store", store])
    assert r.exit_code == 0 and "already recorded as run 1" in r.stderr
    r = runner.invoke(monitor, ["targets", "import", str(DATA / "targets_template_zh.csv"), "--store", store])
    assert r.exit_code == 0, r.output
    assert "Imported 3 target(s)" in r.stderr
    r = runner.invoke(monitor, ["projects", "import", str(DATA / "ledger_template.csv"), "--store", store])
    assert r.exit_code == 0, r.output
    assert "Imported 3 project(s)" in r.stderr and "3 new" in r.stderr
    r = runner.invoke(monitor, ["status", "--as-of", "2025-10-01", "--store", store, "--width", "200"])
    assert r.exit_code == 0, r.output
    out = r.stdout
    # life_circle_15min: 70.0% against >= 100% for 2025 (not yet due): open, 30.0 percentage points short
    assert "life_circle_15min" in out and "70.0%" in out and "open: 30.0 pts short" in out
    # health_15min 2025Q2: 90.0% against >= 95% due 2025-06-30: missed
    assert "missed" in out
    # the template's planned pocket park was due 2025-06-30: late by 93 days on 2025-10-01
    assert "P2025-003" in out and "93" in out


def test_user_errors_exit_2_without_traceback(tmp_path):
    runner = CliRunner()
    store = str(tmp_path / "lc.duckdb")
    r = runner.invoke(monitor, ["status", "--store", store])
    assert r.exit_code == 2 and "monitor init" in r.stderr and "Traceback" not in r.output
    runner.invoke(monitor, ["init", "--store", store])
    bad = write_csv(tmp_path / "bad.csv", LEDGER_HEADER, [ledger_row("A", category="spaceport")])
    r = runner.invoke(monitor, ["projects", "import", str(bad), "--store", store])
    assert r.exit_code == 2 and "row 2, category" in r.stderr
    r = runner.invoke(monitor, ["status", "--as-of", "yesterday", "--store", store])
    assert r.exit_code == 2 and "--as-of" in r.stderr


def test_store_from_environment_variable(tmp_path):
    store = tmp_path / "env.duckdb"
    r = CliRunner().invoke(monitor, ["init"], env={"LIFECIRCLE_STORE": str(store)})
    assert r.exit_code == 0 and store.is_file()


def test_attached_to_the_main_cli(tmp_path):
    from lifecircle.cli.main import main

    # a copy of the main group with monitor attached, as 'main.add_command(monitor)' does (without changing main)
    root = type(main)(name="lifecircle", commands=dict(main.commands), callback=main.callback)
    root.add_command(monitor)
    runner = CliRunner()
    store = str(tmp_path / "lc.duckdb")
    assert runner.invoke(root, ["monitor", "init", "--store", store]).exit_code == 0
    r = runner.invoke(root, ["monitor", "record", str(tmp_path / "absent"), "--store", store])
    assert r.exit_code == 2 and "not a results folder" in r.stderr
    assert isinstance(monitor, click.Group) and monitor.name == "monitor"


def test_python_dash_m_entry_point(tmp_path):
    store = tmp_path / "m.duckdb"
    done = subprocess.run([sys.executable, "-m", "lifecircle.cli", "monitor", "init", "--store", str(store)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert store.is_file()


def test_templates_are_copied_and_never_overwritten(tmp_path):
    runner = CliRunner()
    r = runner.invoke(monitor, ["templates", "--out", str(tmp_path / "tpl")])
    assert r.exit_code == 0, r.output
    for name in ("ledger_template.csv", "ledger_template_zh.csv", "targets_template.csv", "targets_template_zh.csv"):
        assert (tmp_path / "tpl" / name).read_bytes() == (DATA / name).read_bytes()
    (tmp_path / "tpl" / "ledger_template.csv").write_text("my edits")
    r = runner.invoke(monitor, ["templates", "--out", str(tmp_path / "tpl")])
    assert r.exit_code == 2 and "already exist" in r.stderr
    assert (tmp_path / "tpl" / "ledger_template.csv").read_text() == "my edits"
