"""The monitoring store: one DuckDB file holding runs, indicator values, targets and the project ledger.

The schema carries a version (table ``lifecircle_meta``, key ``schema_version``) and upgrades itself when an older
store is opened: each migration runs in one transaction together with the version bump, so a store is always at
one whole version. Every write of the package goes through :meth:`MonitorStore.transaction`: either all of it is
committed or none of it is (DuckDB's write-ahead log replays only committed transactions after a crash, so a
process killed in the middle of a write leaves the store as it was).

Tables (schema version 4; ``docs/monitoring.md`` describes each column):

``runs``, ``run_inputs``, ``indicator_values``, ``run_facilities``
    What ``lifecircle monitor record RUN_DIR`` stores of a results folder.
``targets``
    Target values per indicator, sub-area and period (a year or a quarter) with the source document.
``projects``, ``project_history``
    The project ledger (一张清单) as last imported, and each import's snapshot of status and completion date.
``imports``
    One row per imported file (kind, name, SHA-256, time, rows).
``project_effects``, ``attributions``
    Coverage gain attributed to each project completed between two runs (scenario with and without it on the later
    run), the joint remainder and the "everything on the list built" scenario (:mod:`lifecircle.monitor.attribution`);
    ``attributions`` names the pair of runs of each attribution.
``users``, ``audit_log``, ``saved_scenarios``
    The accounts of the shared workspace (``lifecircle serve``: role, responsible unit, password hash), one audit row
    per change made through it (who, when, what before, what after), and the what-if plans saved there.
    ``projects.version`` counts the changes of each project (the optimistic check of concurrent edits).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from lifecircle.errors import LifecircleInputError

#: Schema version this code writes. Older stores are migrated on open; newer ones are refused.
SCHEMA_VERSION = 4

#: Default store file, in the user's project folder (the current directory).
DEFAULT_STORE = Path("lifecircle.duckdb")

#: Test-only hook: when this environment variable names a file, every write transaction creates that file after its
#: statements ran and then sleeps (without committing) for ``_TEST_HOLD_S`` seconds, so that a test can kill the
#: process in the middle of a write. Never set it in normal use.
TEST_HOLD_ENV = "LIFECIRCLE_TEST_HOLD_WRITE"
_TEST_HOLD_S = 120.0

_META_TABLE = "lifecircle_meta"
_VERSION_KEY = "schema_version"

#: Version 1: the first schema (targets per whole year only).
_V1 = [
    f"CREATE TABLE {_META_TABLE} (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
    """CREATE TABLE imports (
        import_id INTEGER PRIMARY KEY, kind VARCHAR NOT NULL, file_name VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
        imported_at TIMESTAMP NOT NULL, n_rows INTEGER NOT NULL)""",
    """CREATE TABLE runs (
        run_id INTEGER PRIMARY KEY, run_key VARCHAR NOT NULL UNIQUE, results_dir VARCHAR NOT NULL,
        created TIMESTAMP, data_date DATE NOT NULL, recorded_at TIMESTAMP NOT NULL, study_area VARCHAR NOT NULL,
        crs VARCHAR, profiles VARCHAR NOT NULL, parameters VARCHAR NOT NULL, versions VARCHAR NOT NULL,
        boundary_wkt VARCHAR, run_json VARCHAR NOT NULL)""",
    """CREATE TABLE run_inputs (
        run_id INTEGER NOT NULL, name VARCHAR NOT NULL, path VARCHAR, sha256 VARCHAR,
        PRIMARY KEY (run_id, name))""",
    """CREATE TABLE indicator_values (
        run_id INTEGER NOT NULL, profile VARCHAR NOT NULL, indicator VARCHAR NOT NULL, area VARCHAR NOT NULL,
        value DOUBLE, numerator DOUBLE, denominator DOUBLE, threshold DOUBLE, threshold_kind VARCHAR,
        source VARCHAR, name_zh VARCHAR, name_en VARCHAR, confidence VARCHAR, denominator_kind VARCHAR,
        unit VARCHAR, PRIMARY KEY (run_id, profile, indicator, area))""",
    """CREATE TABLE run_facilities (
        run_id INTEGER NOT NULL, facility_id VARCHAR NOT NULL, category VARCHAR NOT NULL, name VARCHAR,
        capacity DOUBLE, lon DOUBLE, lat DOUBLE, PRIMARY KEY (run_id, facility_id, category))""",
    """CREATE TABLE targets (
        profile VARCHAR NOT NULL, indicator VARCHAR NOT NULL, area VARCHAR NOT NULL, year INTEGER NOT NULL,
        value DOUBLE NOT NULL, source_document VARCHAR NOT NULL, import_id INTEGER,
        PRIMARY KEY (profile, indicator, area, year))""",
    """CREATE TABLE projects (
        project_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, category VARCHAR NOT NULL, lon DOUBLE, lat DOUBLE,
        address VARCHAR, capacity DOUBLE, responsible_unit VARCHAR NOT NULL, planned_start DATE,
        planned_completion DATE NOT NULL, actual_completion DATE, status VARCHAR NOT NULL, cost_10k_cny DOUBLE,
        note VARCHAR, import_id INTEGER)""",
]

#: Version 2: targets per year or quarter (``period`` + ``due_date``) with a direction and a note; the per-import
#: project history; the ``project_effects`` table for attribution.
_V2 = [
    """CREATE TABLE targets_v2 (
        profile VARCHAR NOT NULL, indicator VARCHAR NOT NULL, area VARCHAR NOT NULL, period VARCHAR NOT NULL,
        due_date DATE NOT NULL, value DOUBLE NOT NULL, direction VARCHAR NOT NULL DEFAULT 'at_least',
        source_document VARCHAR NOT NULL, note VARCHAR, import_id INTEGER,
        PRIMARY KEY (profile, indicator, area, period))""",
    """INSERT INTO targets_v2 (profile, indicator, area, period, due_date, value, direction, source_document,
                                import_id)
       SELECT profile, indicator, area, CAST(year AS VARCHAR), make_date(year, 12, 31), value, 'at_least',
              source_document, import_id FROM targets""",
    "DROP TABLE targets",
    "ALTER TABLE targets_v2 RENAME TO targets",
    """CREATE TABLE project_history (
        import_id INTEGER NOT NULL, project_id VARCHAR NOT NULL, status VARCHAR NOT NULL,
        planned_completion DATE NOT NULL, actual_completion DATE, PRIMARY KEY (import_id, project_id))""",
    """INSERT INTO project_history
       SELECT coalesce(import_id, 0), project_id, status, planned_completion, actual_completion FROM projects""",
    """CREATE TABLE project_effects (
        project_id VARCHAR NOT NULL, run_id INTEGER NOT NULL, profile VARCHAR NOT NULL, indicator VARCHAR NOT NULL,
        area VARCHAR NOT NULL, value_without DOUBLE, value_with DOUBLE, gain DOUBLE, method VARCHAR NOT NULL,
        computed_at TIMESTAMP NOT NULL, PRIMARY KEY (project_id, run_id, profile, indicator, area, method))""",
]

#: Version 3: the ``attributions`` table, one row per attribution of the projects completed between two runs
#: (its per-project rows are in ``project_effects`` under the later run).
_V3 = [
    """CREATE TABLE attributions (
        run_id INTEGER PRIMARY KEY, run_before INTEGER NOT NULL, n_projects INTEGER NOT NULL,
        n_not_in_run INTEGER NOT NULL, match_radius_m DOUBLE NOT NULL, evaluator VARCHAR NOT NULL,
        computed_at TIMESTAMP NOT NULL)""",
]

#: Version 4: the shared workspace (``lifecircle serve``): accounts, the audit log, saved what-if plans, and a
#: version number per project that each change increments.
_V4 = [
    """CREATE TABLE users (
        user_name VARCHAR PRIMARY KEY, role VARCHAR NOT NULL, unit VARCHAR, password_hash VARCHAR NOT NULL,
        active BOOLEAN NOT NULL, session_epoch INTEGER NOT NULL, created_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE audit_log (
        audit_id INTEGER PRIMARY KEY, changed_at TIMESTAMP NOT NULL, user_name VARCHAR NOT NULL, action VARCHAR NOT NULL,
        object_kind VARCHAR NOT NULL, object_id VARCHAR NOT NULL, before_json VARCHAR, after_json VARCHAR)""",
    """CREATE TABLE saved_scenarios (
        scenario_id INTEGER PRIMARY KEY, name VARCHAR NOT NULL UNIQUE, results_key VARCHAR NOT NULL,
        plan_json VARCHAR NOT NULL, summary_json VARCHAR NOT NULL, created_by VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL)""",
    "ALTER TABLE projects ADD COLUMN version INTEGER DEFAULT 1",
]

#: Migration ``i`` brings a store from version ``i`` to ``i + 1`` (index 0 creates version 1 from nothing).
_MIGRATIONS: list[list[str]] = [_V1, _V2, _V3, _V4]
assert len(_MIGRATIONS) == SCHEMA_VERSION


class MonitorStore:
    """An open monitoring store. Use :func:`open_store` or :func:`init_store` to get one; close it when done.

    Attributes
    ----------
    path
        The DuckDB file.
    con
        The DuckDB connection (read inside or outside :meth:`transaction`; write only inside it).
    """

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection):
        self.path = path
        self.con = con
        self._depth = 0

    def __enter__(self) -> MonitorStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    @property
    def schema_version(self) -> int:
        """The store's schema version (0 for a file without lifecircle tables)."""
        return _read_version(self.con)

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write transaction: committed when the block ends normally, rolled back on any exception.

        A transaction opened inside another one joins it: a caller can wrap a library write (an import) and its own
        rows (the audit log) in one transaction, committed or rolled back together by the outermost block."""
        if self._depth:
            self._depth += 1
            try:
                yield self.con
            finally:
                self._depth -= 1
            return
        self.con.begin()
        self._depth = 1
        try:
            yield self.con
            _test_hold()
        except BaseException:
            self.con.rollback()
            raise
        finally:
            self._depth = 0
        self.con.commit()

    def next_id(self, table: str, column: str) -> int:
        """1 + the largest ``column`` of ``table`` (1 for an empty table); call inside the write transaction."""
        return int((self.con.execute(f"SELECT coalesce(max({column}), 0) + 1 FROM {table}").fetchone() or (1,))[0])

    def record_import(self, kind: str, file_name: str, sha256: str, n_rows: int) -> int:
        """Add a row to ``imports`` (inside the caller's transaction); returns its ``import_id``."""
        import_id = self.next_id("imports", "import_id")
        self.con.execute(
            "INSERT INTO imports VALUES (?, ?, ?, ?, now()::TIMESTAMP, ?)", [import_id, kind, file_name, sha256, n_rows]
        )
        return import_id


def _test_hold() -> None:
    marker = os.environ.get(TEST_HOLD_ENV)
    if marker:
        Path(marker).write_text(str(os.getpid()), encoding="utf-8")
        time.sleep(_TEST_HOLD_S)


def _read_version(con: duckdb.DuckDBPyConnection) -> int:
    has_meta = (con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND schema_name = 'main'", [_META_TABLE]
    ).fetchone() or (0,))[0]
    if not has_meta:
        return 0
    row = con.execute(f"SELECT value FROM {_META_TABLE} WHERE key = ?", [_VERSION_KEY]).fetchone()
    return int(row[0]) if row else 0


def _has_user_tables(con: duckdb.DuckDBPyConnection) -> bool:
    return bool((con.execute("SELECT count(*) FROM duckdb_tables() WHERE NOT internal").fetchone() or (0,))[0])


def _connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise LifecircleInputError(
                f"The monitoring store '{path}' is in use by another process (a 'lifecircle monitor' command still "
                "running?). Wait for it to finish and retry."
            ) from exc
        raise LifecircleInputError(f"'{path}' cannot be opened as a lifecircle monitoring store: {exc}") from exc
    except duckdb.Error as exc:
        raise LifecircleInputError(
            f"'{path}' is not a DuckDB file that lifecircle can open ({exc}). Give the store made by "
            "'lifecircle monitor init' (--store PATH)."
        ) from exc


def _migrate(store: MonitorStore) -> None:
    version = store.schema_version
    if version == 0 and _has_user_tables(store.con):
        raise LifecircleInputError(
            f"'{store.path}' is a DuckDB file with other tables, not a lifecircle monitoring store. Choose another "
            "--store path (default ./lifecircle.duckdb)."
        )
    if version > SCHEMA_VERSION:
        raise LifecircleInputError(
            f"The monitoring store '{store.path}' has schema version {version}, newer than this lifecircle "
            f"understands ({SCHEMA_VERSION}). Upgrade lifecircle (pip install -U lifecircle) to open it."
        )
    for target in range(version + 1, SCHEMA_VERSION + 1):
        with store.transaction() as con:
            for sql in _MIGRATIONS[target - 1]:
                con.execute(sql)
            con.execute(
                f"INSERT OR REPLACE INTO {_META_TABLE} (key, value) VALUES (?, ?)", [_VERSION_KEY, str(target)]
            )


def open_store(
    path: str | os.PathLike[str] = DEFAULT_STORE, *, create: bool = False, read_only: bool = False
) -> MonitorStore:
    """Open the monitoring store at ``path``, upgrading an older schema in place.

    Parameters
    ----------
    path
        The DuckDB file (default ``./lifecircle.duckdb``).
    create
        Create the store when the file does not exist (else that is an error telling to run ``monitor init``).
    read_only
        Open for reading only (several readers may then read at once); an older schema is still upgraded first,
        in a short read-write session.

    Raises
    ------
    LifecircleInputError
        When the file is absent (and ``create`` is false), is not a lifecircle store, is locked by another
        process, or has a schema newer than this code.
    """
    p = Path(path)
    if not p.exists() and not create:
        raise LifecircleInputError(
            f"There is no monitoring store at '{p}'. Create it with 'lifecircle monitor init --store {p}' "
            "(or pass --store with the path of your store)."
        )
    if p.is_dir():
        raise LifecircleInputError(f"The store path '{p}' is a folder; give a file name such as {p / DEFAULT_STORE}.")
    if create:
        p.parent.mkdir(parents=True, exist_ok=True)
    if read_only:
        store = MonitorStore(p, _connect(p, read_only=True))
        if store.schema_version == SCHEMA_VERSION:
            return store
        store.close()
        open_store(p).close()  # upgrade (or refuse) in a read-write session, then reopen for reading
        return MonitorStore(p, _connect(p, read_only=True))
    store = MonitorStore(p, _connect(p))
    try:
        _migrate(store)
    except BaseException:
        store.close()
        raise
    return store


def init_store(path: str | os.PathLike[str] = DEFAULT_STORE) -> MonitorStore:
    """Create the store at ``path`` (or open and upgrade the existing one) and return it open."""
    return open_store(path, create=True)
