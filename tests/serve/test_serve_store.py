"""The store's schema version 4 (accounts, audit log, saved plans, project versions) and joined transactions."""

from __future__ import annotations

import duckdb
import pytest

from lifecircle.monitor import init_store, open_store


def test_v3_store_gains_the_workspace_tables_and_keeps_its_projects(tmp_path):
    path = tmp_path / "v3.duckdb"
    with init_store(path) as s:
        s.con.execute("DROP TABLE users; DROP TABLE audit_log; DROP TABLE saved_scenarios")
        s.con.execute("ALTER TABLE projects DROP COLUMN version")
        s.con.execute("UPDATE lifecircle_meta SET value = '3' WHERE key = 'schema_version'")
        s.con.execute("INSERT INTO projects (project_id, name, category, responsible_unit, planned_completion, status) "
                      "VALUES ('P1', 'x', 'kindergarten', 'U', DATE '2026-01-01', 'planned')")
    with open_store(path) as s:
        assert s.schema_version == 4
        assert s.con.execute("SELECT project_id, version FROM projects").fetchall() == [("P1", 1)]
        for table in ("users", "audit_log", "saved_scenarios"):
            assert s.con.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)


def test_inner_transaction_joins_the_outer_one(tmp_path):
    path = tmp_path / "s.duckdb"
    with init_store(path) as s:
        with pytest.raises(RuntimeError):
            with s.transaction() as con:
                with s.transaction() as inner:
                    inner.execute("INSERT INTO lifecircle_meta VALUES ('inner', '1')")
                # the inner block ended without committing: the outer failure takes it back too
                con.execute("INSERT INTO lifecircle_meta VALUES ('outer', '1')")
                raise RuntimeError("interrupted")
        assert s.con.execute("SELECT count(*) FROM lifecircle_meta WHERE key IN ('inner', 'outer')").fetchone() == (0,)
        with s.transaction() as con:
            with s.transaction() as inner:
                inner.execute("INSERT INTO lifecircle_meta VALUES ('inner', '1')")
        assert s.con.execute("SELECT count(*) FROM lifecircle_meta WHERE key = 'inner'").fetchone() == (1,)
    con2 = duckdb.connect(str(path))
    assert con2.execute("SELECT count(*) FROM lifecircle_meta WHERE key = 'inner'").fetchone() == (1,)
    con2.close()
