"""The store: creation, schema version, migration from an older version, refusal of foreign files, transactions."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from lifecircle.errors import LifecircleInputError
from lifecircle.monitor import SCHEMA_VERSION, init_store, open_store

#: The version-1 schema exactly as lifecircle 0.1 wrote it (test input: an older store made by SQL).
V1_SQL = [
    "CREATE TABLE lifecircle_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
    "INSERT INTO lifecircle_meta VALUES ('schema_version', '1')",
    """CREATE TABLE imports (import_id INTEGER PRIMARY KEY, kind VARCHAR NOT NULL, file_name VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL, imported_at TIMESTAMP NOT NULL, n_rows INTEGER NOT NULL)""",
    """CREATE TABLE runs (run_id INTEGER PRIMARY KEY, run_key VARCHAR NOT NULL UNIQUE, results_dir VARCHAR NOT NULL,
        created TIMESTAMP, data_date DATE NOT NULL, recorded_at TIMESTAMP NOT NULL, study_area VARCHAR NOT NULL,
        crs VARCHAR, profiles VARCHAR NOT NULL, parameters VARCHAR NOT NULL, versions VARCHAR NOT NULL,
        boundary_wkt VARCHAR, run_json VARCHAR NOT NULL)""",
    """CREATE TABLE run_inputs (run_id INTEGER NOT NULL, name VARCHAR NOT NULL, path VARCHAR, sha256 VARCHAR,
        PRIMARY KEY (run_id, name))""",
    """CREATE TABLE indicator_values (run_id INTEGER NOT NULL, profile VARCHAR NOT NULL, indicator VARCHAR NOT NULL,
        area VARCHAR NOT NULL, value DOUBLE, numerator DOUBLE, denominator DOUBLE, threshold DOUBLE,
        threshold_kind VARCHAR, source VARCHAR, name_zh VARCHAR, name_en VARCHAR, confidence VARCHAR,
        denominator_kind VARCHAR, unit VARCHAR, PRIMARY KEY (run_id, profile, indicator, area))""",
    """CREATE TABLE run_facilities (run_id INTEGER NOT NULL, facility_id VARCHAR NOT NULL, category VARCHAR NOT NULL,
        name VARCHAR, capacity DOUBLE, lon DOUBLE, lat DOUBLE, PRIMARY KEY (run_id, facility_id, category))""",
    """CREATE TABLE targets (profile VARCHAR NOT NULL, indicator VARCHAR NOT NULL, area VARCHAR NOT NULL,
        year INTEGER NOT NULL, value DOUBLE NOT NULL, source_document VARCHAR NOT NULL, import_id INTEGER,
        PRIMARY KEY (profile, indicator, area, year))""",
    """CREATE TABLE projects (project_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, category VARCHAR NOT NULL,
        lon DOUBLE, lat DOUBLE, address VARCHAR, capacity DOUBLE, responsible_unit VARCHAR NOT NULL,
        planned_start DATE, planned_completion DATE NOT NULL, actual_completion DATE, status VARCHAR NOT NULL,
        cost_10k_cny DOUBLE, note VARCHAR, import_id INTEGER)""",
    # data of a v1 user
    "INSERT INTO imports VALUES (1, 'targets', 't.csv', 'aa', TIMESTAMP '2025-01-05 10:00:00', 2)",
    "INSERT INTO imports VALUES (2, 'projects', 'p.csv', 'bb', TIMESTAMP '2025-01-06 10:00:00', 1)",
    "INSERT INTO targets VALUES ('cn-health-check', 'health_15min', 'ALL', 2025, 0.95, 'Programme 2024-12', 1)",
    "INSERT INTO targets VALUES ('cn-health-check', 'elderly_care_5min', 'ALL', 2026, 0.8, 'Programme 2024-12', 1)",
    """INSERT INTO projects VALUES ('P1', 'Kindergarten A', 'kindergarten', 106.57, 29.55, NULL, 270, 'Education',
        DATE '2025-01-01', DATE '2025-06-30', NULL, 'under_construction', 1800, NULL, 2)""",
    """INSERT INTO runs VALUES (1, 'k1', '/r/1', TIMESTAMP '2025-03-01 00:00:00', DATE '2025-03-01',
        TIMESTAMP '2025-03-02 00:00:00', 'Yuzhong', 'EPSG:4545', '["cn-health-check"]', '{}', '{}', NULL, '{}')""",
    """INSERT INTO indicator_values VALUES (1, 'cn-health-check', 'health_15min', 'ALL', 0.9, 900, 1000, 900,
        'walk_time_s', 'TD/T 1063', 'x', 'y', '🟡', 'area_m2', 'share of m2')""",
]


def test_init_creates_current_schema(tmp_path):
    path = tmp_path / "sub" / "store.duckdb"
    with init_store(path) as s:
        assert s.schema_version == SCHEMA_VERSION == 2
        tables = {r[0] for r in s.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert {"runs", "run_inputs", "indicator_values", "run_facilities", "targets", "projects", "project_history",
            "imports", "project_effects", "lifecircle_meta"} <= tables
    # opening again is a no-op
    with open_store(path) as s:
        assert s.schema_version == 2


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
        assert s.schema_version == 2
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
    # and the migrated store opens again without migrating twice
    with open_store(path) as s:
        assert s.schema_version == 2
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
