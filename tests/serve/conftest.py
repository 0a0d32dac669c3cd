"""Fixtures of the workspace tests: the demo workspace (demo run, store, project list, accounts) made once per
session; each test serves a copy of its store through the ASGI test client, signed in per role."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lifecircle.results.folder import FOR_SCENARIO, ResultsFolder
from lifecircle.serve.app import create_app
from lifecircle.serve.demo import DemoWorkspace, make_demo
from lifecircle.serve.workspace import RunView, Workspace


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> DemoWorkspace:
    return make_demo(tmp_path_factory.mktemp("serve-demo"), quiet=True)


@pytest.fixture
def store_copy(demo, tmp_path) -> Path:
    path = tmp_path / "lifecircle.duckdb"
    shutil.copy(demo.store, path)
    return path


def login(client: TestClient, user: str, password: str) -> str:
    """Sign ``client`` in; returns the session's CSRF token."""
    page = client.get("/login")
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
    res = client.post("/api/login", json={"user_name": user, "password": password}, headers={"X-CSRF-Token": token})
    assert res.status_code == 200, res.text
    return res.json()["csrf"]


class Signed:
    """A test client signed in as one account; ``write`` adds the CSRF header."""

    def __init__(self, client: TestClient, csrf: str):
        self.client = client
        self.csrf = csrf

    def get(self, url: str, **kw):
        return self.client.get(url, **kw)

    def write(self, method: str, url: str, **kw):
        headers = {**kw.pop("headers", {}), "X-CSRF-Token": self.csrf}
        return self.client.request(method, url, headers=headers, **kw)


@pytest.fixture(scope="session")
def shared_runs(demo) -> dict[str, RunView]:
    """The demo run, loaded into memory once for every test (what-if and map answers do not change it)."""
    return {"run": RunView("run", ResultsFolder(demo.results, need=FOR_SCENARIO))}


@pytest.fixture
def workspace(store_copy, demo, shared_runs) -> Iterator[Workspace]:
    ws = Workspace(store_copy, [demo.results])
    ws.runs = shared_runs
    yield ws
    ws.close()


@pytest.fixture
def app_of(workspace, demo):
    """``app_of(user)`` → a :class:`Signed` client of the workspace for that demo account (None: anonymous)."""
    clients: list[TestClient] = []

    def make(user: str | None) -> Signed:
        client = TestClient(create_app(workspace), base_url="http://127.0.0.1")
        clients.append(client)
        if user is None:
            return Signed(client, "")
        return Signed(client, login(client, user, demo.accounts[user]))

    yield make
    for c in clients:
        c.close()
