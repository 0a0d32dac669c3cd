"""Fixtures of the scenario tests: the hand-made two-street district and a real Helsinki run (made once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scenario_nets import write_results


@pytest.fixture()
def river_dir(tmp_path) -> Path:
    return write_results(tmp_path / "river")


@pytest.fixture(scope="session")
def helsinki_run(tmp_path_factory, helsinki_path) -> Path:
    """The demo job on the embedded Helsinki extract, with cn-gb50180 too (its network-distance indicators give d_
    columns) and 500 m grid sub-areas."""
    from lifecircle.pipeline import demo_config, run

    cfg = demo_config(tmp_path_factory.mktemp("helsinki") / "run")
    cfg.profiles = ("cn-health-check", "bruno-15min", "cn-gb50180")
    return run(cfg, quiet=True)
