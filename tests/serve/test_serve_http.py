"""Through real HTTP on loopback: parallel edits and what-ifs leave an audit log that accounts for every accepted
change and nothing else; a server killed (SIGKILL) in the middle of a write restarts with the store as before it."""

from __future__ import annotations

import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import duckdb
import httpx
import pytest
from live_server import LiveServer

from lifecircle.monitor.store import TEST_HOLD_ENV
from lifecircle.serve.workspace import Workspace

YEAR = date.today().year


def _projects(client) -> dict[str, dict]:
    return {p["project_id"]: p for p in client.get("/api/projects").json()}


def test_parallel_edits_and_whatifs_are_all_accounted_for(demo, tmp_path):
    store = tmp_path / "lifecircle.duckdb"
    shutil.copy(demo.store, store)
    with LiveServer(store, demo.results) as server:
        sessions = [server.client(u, demo.accounts[u]) for u in ("unit1", "unit2", "unit3", "unit4", "admin")]
        viewer, vcsrf = server.client("viewer", demo.accounts["viewer"])
        start = _projects(sessions[0][0])

        def edit(k: int) -> tuple[str, int, str]:
            client, csrf = sessions[k % len(sessions)]
            mine = [p for p in _projects(client).values() if p["editable"]]
            p = mine[k % len(mine)]
            res = client.patch(f"/api/projects/{p['project_id']}", json={"version": p["version"],
                               "changes": {"note": f"edit {k}"}}, headers={"X-CSRF-Token": csrf})
            return p["project_id"], res.status_code, f"edit {k}"

        def whatif(k: int) -> int:
            fac = {"add": [{"category": "kindergarten", "lon": 24.94 + 0.001 * (k % 5), "lat": 60.168}]}
            return viewer.post("/api/runs/run/whatif", json=fac, headers={"X-CSRF-Token": vcsrf}).status_code

        with ThreadPoolExecutor(max_workers=12) as pool:
            edits = list(pool.map(edit, range(30)))
            whatifs = list(pool.map(whatif, range(4)))
        accepted = [e for e in edits if e[1] == 200]
        assert {code for _, code, _ in edits} <= {200, 409}
        assert len(accepted) >= 8  # every project is edited at least once without a conflict
        assert set(whatifs) <= {200, 400}  # 400 only for a point the network cannot reach
        end = _projects(sessions[-1][0])
        for pid, p in end.items():
            n = sum(1 for e in accepted if e[0] == pid)
            assert p["version"] == start[pid]["version"] + n, pid
        audit = sessions[-1][0].get("/api/audit", params={"object_kind": "project", "limit": 5000}).json()
    assert len(audit) == len(accepted)
    assert sorted(r["after"]["note"] for r in audit) == sorted(note for _, _, note in accepted)
    # the last audit row of each project is its final state
    for pid, p in end.items():
        rows = [r for r in audit if r["object_id"] == pid]
        if rows:
            assert rows[0]["after"]["note"] == p["note"] and rows[0]["after"]["version"] == p["version"]


def _snapshot(store) -> tuple:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return (con.execute("SELECT * FROM projects ORDER BY project_id").fetchall(),
                con.execute("SELECT count(*) FROM audit_log").fetchall())
    finally:
        con.close()


def test_server_killed_during_a_write_restarts_with_the_store_as_before(demo, tmp_path):
    store = tmp_path / "lifecircle.duckdb"
    shutil.copy(demo.store, store)
    Workspace(store, []).close()  # the signing secret exists before the held writes start
    before = _snapshot(store)
    marker = tmp_path / "holding"
    with LiveServer(store, demo.results, env={TEST_HOLD_ENV: str(marker)}) as server:
        client, csrf = server.client("unit1", demo.accounts["unit1"])
        p = next(p for p in _projects(client).values() if p["editable"])
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(client.patch, f"/api/projects/{p['project_id']}",
                                  json={"version": p["version"], "changes": {"status": "cancelled"}},
                                  headers={"X-CSRF-Token": csrf})
            deadline = time.monotonic() + 60
            while not marker.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert marker.exists(), "the write did not reach the hold point"
            server.kill()
            with pytest.raises(httpx.HTTPError):  # the connection died with the server
                pending.result(timeout=30)
    assert _snapshot(store) == before
    with LiveServer(store, demo.results) as again:
        client, _ = again.client("unit1", demo.accounts["unit1"])
        assert _projects(client)[p["project_id"]]["status"] == p["status"]
