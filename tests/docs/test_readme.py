"""The README's examples run as a new user would run them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_python_api_example_runs(tmp_path: Path):
    (block,) = _python_blocks()
    script = tmp_path / "example.py"
    script.write_text(block, encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "health_15min" in proc.stdout


def test_scenario_example_removes_a_facility_of_the_demo(demo_run: Path):
    import geopandas as gpd

    ids = re.findall(r"lifecircle scenario demo-out --remove (\S+)", README.read_text(encoding="utf-8"))
    assert ids
    facilities = set(gpd.read_parquet(demo_run / "facilities.parquet")["id"])
    assert set(ids) <= facilities
