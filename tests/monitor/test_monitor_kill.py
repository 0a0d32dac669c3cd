"""A process killed (SIGKILL) in the middle of ``record`` or ``import`` leaves the store as it was.

The child runs the real command line; the test-only hook ``LIFECIRCLE_TEST_HOLD_WRITE`` makes it write a marker
file once every statement of its write transaction has run, then wait before committing. The test kills it there,
checks the store holds exactly what it held before and still opens and takes writes. While the child holds the
write, another process cannot open the store (it gets the "in use" message, never a half-written run).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from monitor_fixtures import LEDGER_HEADER, V1_SQL, dump, ledger_row, write_csv, write_run

from lifecircle.errors import LifecircleInputError
from lifecircle.monitor import SCHEMA_VERSION, import_ledger, open_store, record_run
from lifecircle.monitor.store import TEST_HOLD_ENV

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

_WAIT_S = 60.0


def _start_held(args: list[str], marker: Path) -> subprocess.Popen:
    env = dict(os.environ, **{TEST_HOLD_ENV: str(marker)})
    return subprocess.Popen([sys.executable, "-m", "lifecircle.cli", "monitor", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for(marker: Path, child: subprocess.Popen) -> None:
    deadline = time.monotonic() + _WAIT_S
    while not marker.exists():
        if child.poll() is not None:
            out, err = child.communicate()
            pytest.fail(f"the child ended (status {child.returncode}) before holding its write:\n{err.decode()}")
        if time.monotonic() > deadline:
            child.kill()
            pytest.fail("the child did not reach its write transaction in time")
        time.sleep(0.05)


def _kill(child: subprocess.Popen) -> None:
    os.kill(child.pid, signal.SIGKILL)
    child.communicate(timeout=_WAIT_S)
    assert child.returncode == -signal.SIGKILL


def test_record_killed_mid_write_leaves_store_unchanged(tmp_path, store_path):
    with open_store(store_path) as s:
        record_run(s, write_run(tmp_path / "run1", created="2025-03-31", values={("health_15min", "ALL"): 0.8}))
    before = dump(store_path)
    # a bigger second run: 2000 sub-area values and 500 facilities
    values = {("health_15min", f"area{i}"): i / 2000 for i in range(2000)}
    facilities = [(f"n{i}", "kindergarten", 106.50 + i * 1e-4, 29.55) for i in range(500)]
    run2 = write_run(tmp_path / "run2", created="2025-09-30", values=values, facilities=facilities)
    marker = tmp_path / "held"
    child = _start_held(["record", str(run2), "--store", str(store_path)], marker)
    _wait_for(marker, child)
    with pytest.raises(LifecircleInputError, match="in use by another process"):
        open_store(store_path)
    with pytest.raises(LifecircleInputError, match="in use by another process"):
        open_store(store_path, read_only=True)
    _kill(child)

    assert dump(store_path) == before
    with open_store(store_path) as s:
        assert s.schema_version == SCHEMA_VERSION
        r = record_run(s, run2)
        assert (r.run_id, r.new) == (2, True)
        assert s.con.execute("SELECT count(*) FROM indicator_values WHERE run_id = 2").fetchone() == (2000,)
        assert s.con.execute("SELECT count(*) FROM run_facilities WHERE run_id = 2").fetchone() == (500,)


def test_projects_import_killed_mid_write_leaves_store_unchanged(tmp_path, store_path):
    with open_store(store_path) as s:
        import_ledger(s, write_csv(tmp_path / "q1.csv", LEDGER_HEADER, [ledger_row("A"), ledger_row("B")]))
    before = dump(store_path)
    rows = [ledger_row("A", status="completed", actual="2025-06-01")] + [ledger_row(f"N{i}") for i in range(300)]
    q2 = write_csv(tmp_path / "q2.csv", LEDGER_HEADER, rows)
    marker = tmp_path / "held"
    child = _start_held(["projects", "import", str(q2), "--store", str(store_path)], marker)
    _wait_for(marker, child)
    _kill(child)

    assert dump(store_path) == before
    with open_store(store_path) as s:
        assert s.con.execute("SELECT status FROM projects WHERE project_id = 'A'").fetchone() == ("planned",)
        assert import_ledger(s, q2).n_rows == 301
        assert s.con.execute("SELECT count(*) FROM projects").fetchone() == (302,)


def test_targets_import_killed_mid_write_leaves_store_unchanged(tmp_path, store_path):
    before = dump(store_path)
    header = ["indicator", "value", "period", "source_document"]
    f = write_csv(tmp_path / "t.csv", header, [["health_15min", "0.95", "2025", "Programme"]])
    marker = tmp_path / "held"
    child = _start_held(["targets", "import", str(f), "--store", str(store_path)], marker)
    _wait_for(marker, child)
    _kill(child)
    assert dump(store_path) == before


def test_schema_upgrade_killed_mid_migration_leaves_the_old_store(tmp_path):
    import duckdb

    path = tmp_path / "v1.duckdb"
    con = duckdb.connect(str(path))
    for sql in V1_SQL:
        con.execute(sql)
    con.close()
    con = duckdb.connect(str(path), read_only=True)
    before = {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall()))
              for t in ("lifecircle_meta", "targets", "projects", "runs", "indicator_values")}
    con.close()
    marker = tmp_path / "held"
    child = _start_held(["init", "--store", str(path)], marker)
    _wait_for(marker, child)
    _kill(child)

    con = duckdb.connect(str(path), read_only=True)
    after = {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for t in before}
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    con.close()
    assert after == before  # still version 1, targets per year, data intact
    assert "project_effects" not in tables and "targets_v2" not in tables
    with open_store(path) as s:  # and the upgrade succeeds afterwards
        assert s.schema_version == SCHEMA_VERSION
        assert s.con.execute("SELECT count(*) FROM targets").fetchone() == (2,)
