"""A user's facility file replaces OpenStreetMap's facilities only for the categories it holds; --facilities-only
drops OpenStreetMap's entirely; run.json says where each category came from."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest


def _assess(*args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "lifecircle.cli.main", "assess", *args],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def _counts(out: Path) -> tuple[dict, dict]:
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    return run["counts"]["facilities_by_category"], run["facility_sources"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory, helsinki_path: Path) -> dict[str, tuple[Path, subprocess.CompletedProcess]]:
    root = tmp_path_factory.mktemp("sources")
    # two categories: pharmacies the extract has (6), and elderly care it lacks (points in central Helsinki)
    user = root / "pois.csv"
    pd.DataFrame({"name": ["Apteekki A", "Apteekki B", "Palvelutalo C"],
                  "category": ["pharmacy", "pharmacy", "elderly_care"],
                  "lon": [24.940, 24.945, 24.948], "lat": [60.168, 60.170, 60.172]}).to_csv(user, index=False)
    common = ["--osm", str(helsinki_path), "--unspecified-buildings-as-homes", "--m2-per-person", "fi-uusimaa",
              "--profile", "cn-health-check"]
    out = {}
    for name, extra in (("osm", []), ("user", ["--facilities", str(user), "--coords", "gcj02"]),
                        ("only", ["--facilities", str(user), "--facilities-only"])):
        folder = root / name
        out[name] = (folder, _assess(*common, *extra, "--out", str(folder)))
    return out


def test_user_layer_replaces_osm_only_for_its_categories(runs):
    osm, osm_sources = _counts(runs["osm"][0])
    user, user_sources = _counts(runs["user"][0])
    assert user["pharmacy"] == 2 and user["elderly_care"] == 1
    for category, n in osm.items():
        if category not in ("pharmacy", "elderly_care"):
            assert user[category] == n, category          # culture, rail, shops...: OSM's, all of them
    assert user_sources["pharmacy"] == "user" and user_sources["elderly_care"] == "user"
    assert user_sources["supermarket"] == "osm" and set(osm_sources.values()) == {"osm"}
    stderr = " ".join(runs["user"][1].stderr.split())  # the terminal wraps long lines
    assert "replace OpenStreetMap's for: pharmacy" in stderr and "kept for the other categories" in stderr


def test_facilities_only_drops_osm(runs):
    only, sources = _counts(runs["only"][0])
    assert only == {"pharmacy": 2, "elderly_care": 1}
    assert set(sources.values()) == {"user"}
    table = pd.read_csv(runs["only"][0] / "indicators.csv").set_index(["area", "indicator"])
    assert table.loc[("ALL", "culture_15min"), "value"] == 0.0
    run = json.loads((runs["only"][0] / "run.json").read_text(encoding="utf-8"))
    assert "culture" in run["counts"]["empty_categories"]
