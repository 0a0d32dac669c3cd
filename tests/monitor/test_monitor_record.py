"""Recording a results folder: what is stored, idempotence, data date, bad folders refused with the store unchanged."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from monitor_fixtures import dump, write_run

from lifecircle.errors import LifecircleInputError
from lifecircle.monitor import record_run
from lifecircle.results.staging import sha256_of


def test_record_stores_run_inputs_values_and_facilities(tmp_path, store):
    folder = write_run(
        tmp_path / "run1", created="2025-03-31T08:00:00+00:00",
        values={("health_15min", "ALL"): 0.8125, ("health_15min", "jiefangbei"): 0.5,
                ("elderly_care_5min", "ALL"): 0.25},
        facilities=[("n1", "health_station", 106.5716, 29.5572), ("w2", "elderly_care", 106.5540, 29.5565)],
    )
    r = record_run(store, folder)
    assert (r.run_id, r.new, r.data_date, r.n_indicator_values, r.n_facilities) == (
        1, True, dt.date(2025, 3, 31), 3, 2)
    run = store.con.execute("SELECT study_area, crs, profiles, data_date, results_dir FROM runs").fetchone()
    assert run == ("Test district", "EPSG:32648", '["cn-health-check"]', dt.date(2025, 3, 31), str(folder.resolve()))
    assert store.con.execute("SELECT name, path, sha256 FROM run_inputs").fetchall() == [
        ("osm", "/data/city.osm.pbf", "ab" * 32)]
    vals = store.con.execute(
        "SELECT indicator, area, value, numerator, denominator, unit FROM indicator_values ORDER BY indicator, area"
    ).fetchall()
    assert vals == [
        ("elderly_care_5min", "ALL", 0.25, 250.0, 1000.0, "share"),
        ("health_15min", "ALL", 0.8125, 812.5, 1000.0, "share"),
        ("health_15min", "jiefangbei", 0.5, 500.0, 1000.0, "share"),
    ]
    fac = store.con.execute(
        "SELECT facility_id, category, lon, lat FROM run_facilities ORDER BY facility_id").fetchall()
    # written in UTM 48N, stored back in WGS-84: the round trip is exact to well below a millimetre
    assert [f[:2] for f in fac] == [("n1", "health_station"), ("w2", "elderly_care")]
    assert fac[0][2:] == pytest.approx((106.5716, 29.5572), abs=1e-8)
    assert fac[1][2:] == pytest.approx((106.5540, 29.5565), abs=1e-8)


def test_recording_the_same_run_twice_stores_it_once(tmp_path, store):
    folder = write_run(tmp_path / "run1", created="2025-03-31", values={("health_15min", "ALL"): 0.8})
    first = record_run(store, folder)
    before = dump(store)
    again = record_run(store, folder)
    assert (again.run_id, again.new) == (first.run_id, False)
    assert dump(store) == before


def test_data_date_override_and_sequence_ids(tmp_path, store):
    a = write_run(tmp_path / "a", created="2025-07-01", values={("health_15min", "ALL"): 0.8})
    b = write_run(tmp_path / "b", created="2025-07-02", values={("health_15min", "ALL"): 0.9})
    assert record_run(store, a, data_date="2024-12-31").run_id == 1
    assert record_run(store, b).run_id == 2
    assert store.con.execute("SELECT run_id, data_date FROM runs ORDER BY run_id").fetchall() == [
        (1, dt.date(2024, 12, 31)), (2, dt.date(2025, 7, 2))]


def test_boundary_input_is_kept_when_its_file_is_unchanged(tmp_path, store):
    boundary = tmp_path / "area.geojson"
    boundary.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {},
        "geometry": {"type": "Polygon", "coordinates": [[[106.5, 29.5], [106.6, 29.5], [106.6, 29.6], [106.5, 29.6],
                                                         [106.5, 29.5]]]}}]}))
    inputs = {"boundary": {"path": str(boundary), "sha256": sha256_of(boundary)}}
    folder = write_run(tmp_path / "run", created="2025-03-31", values={("health_15min", "ALL"): 0.8}, inputs=inputs)
    record_run(store, folder)
    wkt = store.con.execute("SELECT boundary_wkt FROM runs").fetchone()[0]
    assert wkt.startswith("POLYGON") and "106.6 29.6" in wkt


def test_boundary_with_another_hash_is_not_used(tmp_path, store):
    boundary = tmp_path / "area.geojson"
    boundary.write_text('{"type": "FeatureCollection", "features": []}')
    inputs = {"boundary": {"path": str(boundary), "sha256": "0" * 64}}
    folder = write_run(tmp_path / "run", created="2025-03-31", values={("health_15min", "ALL"): 0.8}, inputs=inputs)
    record_run(store, folder)
    assert store.con.execute("SELECT boundary_wkt FROM runs").fetchone() == (None,)


@pytest.mark.parametrize("breakage, message", [
    ("no_run_json", "has no run.json"),
    ("no_indicators", "has no indicators.csv"),
    ("bad_json", "not valid UTF-8 JSON"),
    ("no_created", "--data-date"),
    ("missing_column", "lacks the column"),
    ("text_value", "non-numeric"),
    ("duplicate_rows", "repeating"),
])
def test_malformed_results_folder_is_refused_and_store_unchanged(tmp_path, store, breakage, message):
    record_run(store, write_run(tmp_path / "good", created="2025-01-01", values={("health_15min", "ALL"): 0.5}))
    before = dump(store)
    folder = write_run(tmp_path / "bad", created="2025-06-30", values={("health_15min", "ALL"): 0.7})
    ind = folder / "indicators.csv"
    if breakage == "no_run_json":
        (folder / "run.json").unlink()
    elif breakage == "no_indicators":
        ind.unlink()
    elif breakage == "bad_json":
        (folder / "run.json").write_text("{not json")
    elif breakage == "no_created":
        run = json.loads((folder / "run.json").read_text())
        del run["created"]
        (folder / "run.json").write_text(json.dumps(run))
    elif breakage == "missing_column":
        ind.write_text("profile,indicator,value\ncn-health-check,health_15min,0.7\n")
    elif breakage == "text_value":
        ind.write_text("profile,indicator,area,value\ncn-health-check,health_15min,ALL,high\n")
    elif breakage == "duplicate_rows":
        ind.write_text("profile,indicator,area,value\ncn-health-check,health_15min,ALL,0.7\n"
                       "cn-health-check,health_15min,ALL,0.8\n")
    with pytest.raises(LifecircleInputError, match=message):
        record_run(store, folder)
    assert dump(store) == before


def test_not_a_folder(tmp_path, store):
    with pytest.raises(LifecircleInputError, match="not a results folder"):
        record_run(store, tmp_path / "absent")


def test_run_of_another_place_is_recorded_with_a_warning(tmp_path, store):
    a = record_run(store, write_run(tmp_path / "a", created="2025-03-31", values={("health_15min", "ALL"): 0.8}))
    same = record_run(store, write_run(tmp_path / "b", created="2025-06-30", study_area="Test district (renamed)",
                                       values={("health_15min", "ALL"): 0.85}))
    other = record_run(store, write_run(tmp_path / "c", created="2025-06-30", study_area="Helsinki", crs="EPSG:32635",
                                        values={("health_15min", "ALL"): 0.5},
                                        facilities=[("n9", "park", 24.94, 60.17)]))
    assert a.warnings == () and same.warnings == ()  # same CRS: a renamed study area is not another place
    assert len(other.warnings) == 1 and "'Helsinki' (EPSG:32635)" in other.warnings[0]
    assert other.new
    lon, lat = store.con.execute("SELECT lon, lat FROM run_facilities WHERE run_id = 3").fetchone()
    assert (lon, lat) == pytest.approx((24.94, 60.17), abs=1e-8)
