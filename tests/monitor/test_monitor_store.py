"""The store: creation, schema version, migration from an older version, refusal of foreign files, transactions."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from monitor_fixtures import V1_SQL

from lifecircle.errors import LifecircleInputError
from lifecircle.monitor import SCHEMA_VERSION, init_store, open_store


def test_init_creates_current_schema(tmp_path):
    path = tmp_path / "sub" / "store.duckdb"
    with init_store(path) as s:
        assert s.schema_version == SCHEMA_VERSION == 4
        tables = {r[0] for r in s.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert {"runs", "run_inputs", "indicator_values", "run_facilities", "targets", "projects", "project_history",
            "imports", "project_effects", "lifecircle_meta"} <= tables
    # opening again is a no-op
    with open_store(path) as s:
        assert s.schema_version == SCHEMA_VERSION


def test_open_missing_store_says_to_init(tmp_path):
    with pytest.raises(LifecircleInputError, match="monitor init"):
        open_store(tmp_path / "nothing.duckdb")
    assert not (tmp_path / "nothing.duckdb").exists()


def test_v1_store_is_migrated_and_keeps_its_data(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    for sql in V1_SQL:
        con.execute(sql)
    con.close()

    with open_store(path) as s:
        assert s.schema_version == SCHEMA_VERSION
        targets = s.con.execute(
            "SELECT indicator, area, period, due_date, value, direction, source_document, import_id FROM targets "
            "ORDER BY indicator").fetchall()
        assert targets == [
            ("elderly_care_5min", "ALL", "2026", dt.date(2026, 12, 31), 0.8, "at_least", "Programme 2024-12", 1),
            ("health_15min", "ALL", "2025", dt.date(2025, 12, 31), 0.95, "at_least", "Programme 2024-12", 1),
        ]
        # quarters are now possible
        s.con.execute("INSERT INTO targets (profile, indicator, area, period, due_date, value, source_document) "
                      "VALUES ('cn-health-check', 'health_15min', 'ALL', '2025Q2', DATE '2025-06-30', 0.9, 'x')")
        assert s.con.execute("SELECT project_id, status, cost_10k_cny FROM projects").fetchall() == [
            ("P1", "under_construction", 1800.0)]
        # the v1 ledger became the first history snapshot
        assert s.con.execute("SELECT * FROM project_history").fetchall() == [
            (2, "P1", "under_construction", dt.date(2025, 6, 30), None)]
        assert s.con.execute("SELECT run_id, value FROM indicator_values").fetchall() == [(1, 0.9)]
        assert s.con.execute("SELECT count(*) FROM project_effects").fetchone() == (0,)
        assert s.con.execute("SELECT count(*) FROM attributions").fetchone() == (0,)  # v3
    # and the migrated store opens again without migrating twice
    with open_store(path) as s:
        assert s.schema_version == SCHEMA_VERSION
        assert s.con.execute("SELECT count(*) FROM targets").fetchone() == (3,)


def test_newer_store_is_refused(tmp_path):
    path = tmp_path / "new.duckdb"
    init_store(path).close()
    con = duckdb.connect(str(path))
    con.execute("UPDATE lifecircle_meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(LifecircleInputError, match="newer"):
        open_store(path)


def test_foreign_duckdb_file_is_refused(tmp_path):
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE sales (x INTEGER)")
    con.close()
    with pytest.raises(LifecircleInputError, match="not a lifecircle monitoring store"):
        open_store(path)


def test_non_duckdb_file_is_refused(tmp_path):
    path = tmp_path / "notes.duckdb"
    path.write_text("just text, not a database\n" * 100)
    with pytest.raises(LifecircleInputError):
        open_store(path)


def test_transaction_rolls_back_on_error(store):
    with pytest.raises(RuntimeError):
        with store.transaction() as con:
            con.execute("INSERT INTO imports VALUES (1, 'projects', 'x.csv', 'cc', now()::TIMESTAMP, 3)")
            raise RuntimeError("boom in the middle of a write")
    assert store.con.execute("SELECT count(*) FROM imports").fetchone() == (0,)
    with store.transaction() as con:
        con.execute("INSERT INTO imports VALUES (1, 'projects', 'x.csv', 'cc', now()::TIMESTAMP, 3)")
    assert store.con.execute("SELECT count(*) FROM imports").fetchone() == (1,)


def test_read_only_readers_share_the_store_and_cannot_write(tmp_path):
    path = tmp_path / "ro.duckdb"
    init_store(path).close()
    with open_store(path, read_only=True) as a, open_store(path, read_only=True) as b:
        assert a.schema_version == b.schema_version == SCHEMA_VERSION
        with pytest.raises(duckdb.Error):
            a.con.execute("INSERT INTO imports VALUES (1, 'projects', 'x.csv', 'cc', now()::TIMESTAMP, 3)")


def test_read_only_open_upgrades_an_old_store_first(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    for sql in V1_SQL:
        con.execute(sql)
    con.close()
    with open_store(path, read_only=True) as s:
        assert s.schema_version == SCHEMA_VERSION
        assert s.con.execute("SELECT period FROM targets ORDER BY period").fetchall() == [("2025",), ("2026",)]
