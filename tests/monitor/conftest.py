"""Fixtures of the monitoring tests: a fresh store in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from lifecircle.monitor import init_store, open_store


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "lifecircle.duckdb"
    init_store(path).close()
    return path


@pytest.fixture
def store(store_path: Path):
    s = open_store(store_path)
    yield s
    s.close()


