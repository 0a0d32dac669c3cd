"""What a running workspace holds: the monitoring store (opened once; the server process is its one writer), the
results folders it serves by name, the session signer and the login throttle.

The web server answers requests on a thread pool. Writes go through :meth:`Workspace.writing`, which holds one lock:
they are serialised, each in its own transaction on the store's connection. Reads go through
:meth:`Workspace.reading`, which gives each thread its own cursor on the same database (DuckDB's way of sharing a
database between threads): readers do not wait for each other or for a write, and see only committed transactions,
never half a write. Each run has its own lock that keeps the what-if engine, which works on one in-memory copy of
the run, to one evaluation at a time.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from lifecircle.errors import LifecircleInputError
from lifecircle.monitor.boundary import read_boundary
from lifecircle.monitor.store import MonitorStore, open_store
from lifecircle.results.folder import FOR_SCENARIO, ResultsFolder
from lifecircle.scenarios import Results, load_results
from lifecircle.serve.security import LoginThrottle, SessionSigner, new_token

_SECRET_KEY = "serve_secret"
_RUN_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def check_name(name: str, what: str) -> str:
    """``name`` when it is a plain name (letters, digits, ``_.-``, at most 64, no ``..``, no path separator)."""
    if not isinstance(name, str) or not _RUN_KEY.match(name) or ".." in name:
        raise LifecircleInputError(f"'{name}' is not a valid {what}: use letters, digits, '_', '.' or '-' only.")
    return name


@dataclass
class RunView:
    """One results folder served under ``key``; the run is loaded into memory on first use (what-if, map)."""

    key: str
    folder: ResultsFolder
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _results: Results | None = field(default=None, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def results(self) -> Results:
        """The run as the scenario engine reads it (loaded once; its indicators computed once)."""
        if self._results is None:
            res = load_results(self.folder)
            res.indicators()
            self._results = res
        return self._results

    def cached(self, name: str, make: Any) -> Any:
        """``make()`` computed once per run and name (map layers, study area)."""
        if name not in self._cache:
            self._cache[name] = make()
        return self._cache[name]

    def study_area(self) -> BaseGeometry:
        """The study area in WGS-84: the run's boundary file when it is still there, else the walking network's
        outline widened by the run's snapping distance (where a facility can still be placed)."""
        def make() -> BaseGeometry:
            record = self.folder.run
            path = record.recorded_path("boundary")
            if path:
                return read_boundary(path)
            edges = self.folder.edges()
            hull = shapely.convex_hull(shapely.union_all(edges.geometry.to_numpy()))
            widened = hull.buffer(record.snap_max_m)
            return gpd.GeoSeries([widened], crs=edges.crs).to_crs(4326).iloc[0]
        return self.cached("study_area", make)


class Workspace:
    """The state of one ``lifecircle serve`` process."""

    def __init__(self, store_path: str | Path, results_dirs: Sequence[str | Path] = ()):
        self.store: MonitorStore = open_store(store_path)
        self._lock = threading.RLock()
        self._readers = threading.local()
        self._cursors: list[MonitorStore] = []
        self.generation = 0
        self._answers: dict[str, tuple[int, Any]] = {}
        self.runs: dict[str, RunView] = {}
        for d in results_dirs:
            folder = ResultsFolder(d, need=FOR_SCENARIO)
            key = re.sub(r"[^A-Za-z0-9_.-]", "_", folder.path.name).lstrip("._-")[:56] or "run"
            base, n = key, 2
            while key in self.runs:
                key, n = f"{base}-{n}", n + 1
            self.runs[key] = RunView(key, folder)
        self.signer = SessionSigner(self._secret())
        self.throttle = LoginThrottle()

    def _secret(self) -> str:
        """The signing secret, kept in the store so sessions survive a restart (made on first use)."""
        with self.writing() as store:
            row = store.con.execute("SELECT value FROM lifecircle_meta WHERE key = ?", [_SECRET_KEY]).fetchone()
            if row:
                return str(row[0])
            secret = new_token()
            with store.transaction() as con:
                con.execute("INSERT INTO lifecircle_meta VALUES (?, ?)", [_SECRET_KEY, secret])
            return secret

    @contextmanager
    def reading(self) -> Iterator[MonitorStore]:
        """The store for reading, on this thread's own cursor (committed data only)."""
        reader: MonitorStore | None = getattr(self._readers, "store", None)
        if reader is None:
            with self._lock:
                reader = MonitorStore(self.store.path, self.store.con.cursor())
                self._cursors.append(reader)
            self._readers.store = reader
        yield reader

    @contextmanager
    def writing(self) -> Iterator[MonitorStore]:
        """The store for a write (the caller opens its transaction); cached read answers are dropped after it."""
        with self._lock:
            try:
                yield self.store
            finally:
                self.generation += 1

    def cached_answer(self, name: str, make: Any) -> Any:
        """``make(store)`` (a reading store) computed once per state of the store: the answer is made again after
        any write (:meth:`writing` moves :attr:`generation`)."""
        generation = self.generation
        hit = self._answers.get(name)
        if hit is not None and hit[0] == generation:
            return hit[1]
        with self.reading() as store:
            value = make(store)
        self._answers[name] = (generation, value)
        return value

    def run(self, key: str) -> RunView:
        """The results folder served as ``key``; a name that is not one of them is refused (never a path)."""
        check_name(key, "run name")
        if key not in self.runs:
            raise LifecircleInputError(f"There is no run '{key}' in this workspace; runs: "
                                       f"{', '.join(self.runs) or 'none (start the server with --results DIR)'}.")
        return self.runs[key]

    def project_area(self) -> BaseGeometry | None:
        """Where projects may lie (WGS-84): the boundary of the latest recorded run that has one, else the study
        areas of the served runs together, else None (no check). Call while holding the store."""
        from lifecircle.monitor.ledger import known_boundary

        recorded = known_boundary(self.store, None)
        if recorded is not None:
            return recorded
        if not self.runs:
            return None
        return shapely.union_all([run.study_area() for run in self.runs.values()])

    def close(self) -> None:
        with self._lock:
            for reader in self._cursors:
                reader.close()
            self.store.close()
