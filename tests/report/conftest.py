"""Fixtures of the report tests: the hand-made results folder of :mod:`report_results`."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_results import write_results


@pytest.fixture
def small_results(tmp_path: Path) -> Path:
    return write_results(tmp_path / "results")


@pytest.fixture
def small_results_minimal(tmp_path: Path) -> Path:
    return write_results(tmp_path / "results-minimal", with_optional=False)
