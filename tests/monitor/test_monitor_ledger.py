"""The project ledger: templates, Chinese headers, XLSX, GBK CSV, coordinates, upsert, and every malformed-ledger
case refused with a message per bad row and nothing written."""

from __future__ import annotations

import datetime as dt
import math
from importlib import resources
from pathlib import Path

import pytest
import shapely
from monitor_fixtures import LEDGER_HEADER, dump, ledger_row, write_csv, write_run

from lifecircle.errors import LifecircleInputError
from lifecircle.monitor import import_ledger, read_ledger, record_run
from lifecircle.monitor.boundary import read_boundary
from lifecircle.points.coords import gcj02_to_wgs84

DATA = resources.files("lifecircle").joinpath("data")


def _template(name: str) -> Path:
    return Path(str(DATA.joinpath(name)))


def test_english_and_chinese_templates_read_the_same():
    en = read_ledger(_template("ledger_template.csv"))
    zh = read_ledger(_template("ledger_template_zh.csv"))
    assert list(en["project_id"]) == ["P2025-001", "P2025-002", "P2025-003"]
    cols = ["project_id", "category", "lon", "lat", "capacity", "planned_start", "planned_completion",
            "actual_completion", "status", "cost_10k_cny"]
    assert en[cols].equals(zh[cols])
    first = en.iloc[0]
    assert (first["category"], first["status"], first["capacity"], first["cost_10k_cny"]) == (
        "elderly_care", "completed", 30.0, 120.0)
    assert first["planned_completion"] == dt.date(2025, 9, 30)
    assert first["actual_completion"] == dt.date(2025, 9, 20)
    third = en.iloc[2]
    assert math.isnan(third["lon"]) and third["address"] == "Example Street 1" and third["status"] == "planned"


def test_import_then_reimport_updates_and_keeps_history(tmp_path, store):
    f1 = write_csv(tmp_path / "q1.csv", LEDGER_HEADER, [ledger_row("A"), ledger_row("B", status="在建")])
    r1 = import_ledger(store, f1)
    assert (r1.n_rows, r1.n_added, r1.n_updated) == (2, 2, 0)
    f2 = write_csv(tmp_path / "q2.csv", LEDGER_HEADER, [
        ledger_row("B", status="已完成", actual="2025-11-15"), ledger_row("C", category="托儿所")])
    r2 = import_ledger(store, f2)
    assert (r2.n_rows, r2.n_added, r2.n_updated) == (2, 1, 1)
    rows = store.con.execute(
        "SELECT project_id, category, status, actual_completion, import_id FROM projects ORDER BY project_id"
    ).fetchall()
    assert rows == [
        ("A", "kindergarten", "planned", None, r1.import_id),  # absent from the second file: kept
        ("B", "kindergarten", "completed", dt.date(2025, 11, 15), r2.import_id),
        ("C", "nursery", "planned", None, r2.import_id),
    ]
    hist = store.con.execute("SELECT import_id, project_id, status FROM project_history ORDER BY 1, 2").fetchall()
    assert hist == [(r1.import_id, "A", "planned"), (r1.import_id, "B", "under_construction"),
                    (r2.import_id, "B", "completed"), (r2.import_id, "C", "planned")]
    imports = store.con.execute("SELECT kind, file_name, n_rows FROM imports ORDER BY import_id").fetchall()
    assert imports == [("projects", "q1.csv", 2), ("projects", "q2.csv", 2)]


def test_xlsx_with_chinese_headers_and_excel_dates(tmp_path, store):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2025年清单"
    ws.append(["项目编号", "项目名称", "设施类别", "经度", "纬度", "责任单位", "计划完成时间", "实际完成时间", "状态",
               "投资（万元）"])
    ws.append(["X-1", "社区食堂", "餐饮", 106.57, 29.556, "区民政局", dt.datetime(2025, 6, 30), None, "在建", 85.5])
    ws.append(["X-2", "口袋公园", "公园绿地", 106.56, 29.557, "区城管局", dt.datetime(2025, 3, 31),
               dt.datetime(2025, 3, 20), "已建成", None])
    path = tmp_path / "list.xlsx"
    wb.save(path)
    r = import_ledger(store, path, sheet="2025年清单")
    assert r.n_rows == 2
    rows = store.con.execute("SELECT project_id, category, planned_completion, actual_completion, status, "
                             "cost_10k_cny FROM projects ORDER BY 1").fetchall()
    assert rows == [("X-1", "eating", dt.date(2025, 6, 30), None, "under_construction", 85.5),
                    ("X-2", "park", dt.date(2025, 3, 31), dt.date(2025, 3, 20), "completed", None)]


def test_gbk_csv_from_chinese_excel(tmp_path):
    header = ["项目编号", "项目名称", "设施类别", "地址", "责任单位", "计划完成时间", "状态"]
    path = write_csv(tmp_path / "gbk.csv", header, [["G1", "养老服务站", "养老设施", "解放碑街道1号", "民政局",
                                                    "2025年12月31日", "未开工"]], encoding="gbk")
    led = read_ledger(path)
    assert led.loc[0, "responsible_unit"] == "民政局" and led.loc[0, "planned_completion"] == dt.date(2025, 12, 31)


def test_gcj02_coordinates_are_stored_in_wgs84(tmp_path):
    # Amap (GCJ-02) coordinates: the stored WGS-84 point is the published inverse, a few hundred metres away
    path = write_csv(tmp_path / "amap.csv", LEDGER_HEADER, [
        ledger_row("A", lon="106.5747", lat="29.5540", coords="高德"),
        ledger_row("B", lon="106.5747", lat="29.5540")])
    led = read_ledger(path, coords="wgs84")
    lon, lat = gcj02_to_wgs84(106.5747, 29.5540)
    assert (led.loc[0, "lon"], led.loc[0, "lat"]) == pytest.approx((float(lon), float(lat)), abs=1e-12)
    assert (led.loc[1, "lon"], led.loc[1, "lat"]) == (106.5747, 29.5540)
    # the offset in Chongqing is of the order of 300-600 m (about 0.003-0.006 degrees)
    assert 0.002 < abs(led.loc[0, "lon"] - 106.5747) + abs(led.loc[0, "lat"] - 29.5540) < 0.01
    led_all = read_ledger(path, coords="gcj02")
    assert led_all.loc[1, "lon"] == pytest.approx(float(lon), abs=1e-12)


# --- malformed ledgers: each refused with a message per bad row, nothing written -------------------------------


def _assert_refused(store, path, *expected: str, boundary=None):
    before = dump(store)
    with pytest.raises(LifecircleInputError) as info:
        import_ledger(store, path, boundary_path=boundary)
    msg = str(info.value)
    assert "no projects were imported" in msg or "nothing was imported" in msg
    for text in expected:
        assert text in msg, f"{text!r} not in:\n{msg}"
    assert dump(store) == before
    return msg


def test_missing_columns_are_named(tmp_path, store):
    header = [h for h in LEDGER_HEADER if h not in ("responsible_unit", "planned_completion")]
    row = ledger_row("A")
    row = [v for h, v in zip(LEDGER_HEADER, row) if h in header]
    path = write_csv(tmp_path / "cols.csv", header, [row])
    msg = _assert_refused(store, path, "responsible_unit", "planned_completion", "'责任单位'")
    assert "status" not in msg.split("Accepted headers")[0]


def test_bad_dates_one_line_per_row(tmp_path, store):
    path = write_csv(tmp_path / "dates.csv", LEDGER_HEADER, [
        ledger_row("A"),
        ledger_row("B", planned="2025-13-01"),
        ledger_row("C", planned="next spring"),
        ledger_row("D", status="completed", actual="31/12/2025"),
    ])
    msg = _assert_refused(store, path, "row 3, planned_completion: '2025-13-01' is not a date",
                          "row 4, planned_completion: 'next spring' is not a date",
                          "row 5, actual_completion: '31/12/2025' is not a date")
    assert "has 3 problem(s)" in msg and "row 2" not in msg


def test_unknown_categories_and_statuses(tmp_path, store):
    path = write_csv(tmp_path / "cats.csv", LEDGER_HEADER, [
        ledger_row("A", category="spaceport"),
        ledger_row("B", category="幼儿园"),
        ledger_row("C", status="half done"),
    ])
    msg = _assert_refused(store, path, "row 2, category: 'spaceport' is not a facility category",
                          "row 4, status: 'half done' is not a project status")
    assert "  row 3," not in msg


def test_duplicate_ids(tmp_path, store):
    path = write_csv(tmp_path / "dup.csv", LEDGER_HEADER, [ledger_row("A"), ledger_row("B"), ledger_row("A")])
    _assert_refused(store, path, "row 4, project_id: 'A' is also the id of row 2")


def test_missing_values_location_and_contradictions(tmp_path, store):
    path = write_csv(tmp_path / "vals.csv", LEDGER_HEADER, [
        ledger_row("", unit=""),                                  # row 2: no id, no unit
        ledger_row("B", lon="", lat="", address=""),               # row 3: no location
        ledger_row("C", lat=""),                                  # row 4: lon without lat
        ledger_row("D", status="completed"),                      # row 5: completed without a date
        ledger_row("E", status="planned", actual="2025-01-01"),   # row 6: date without completed
        ledger_row("F", capacity="-5", cost="lots"),              # row 7: negative capacity, text cost
        ledger_row("G", lon="29.55", lat="106.57"),               # row 8: swapped lon/lat: latitude > 90
    ])
    _assert_refused(store, path,
                    "row 2, project_id: is empty", "row 2, responsible_unit: is empty",
                    "row 3, lon/lat: no location", "row 4, lon/lat: only one of longitude and latitude",
                    "row 5, actual_completion: is empty but the status is completed",
                    "row 6, status: is 'planned' but an actual completion date",
                    "row 7, capacity: -5 is negative", "row 7, cost_10k_cny: 'lots' is not a number",
                    "row 8, lon/lat: (29.55, 106.57) is not a longitude/latitude")


def test_coordinates_outside_the_real_yuzhong_boundary(tmp_path, store, yuzhong_boundary):
    path = write_csv(tmp_path / "where.csv", LEDGER_HEADER, [
        ledger_row("in", lon="106.5716", lat="29.5572"),          # Jiefangbei area, inside Yuzhong
        ledger_row("helsinki", lon="24.9384", lat="60.1699"),     # Helsinki: far outside
        ledger_row("jiangbei", lon="106.5750", lat="29.5900"),    # north bank of the Jialing: outside Yuzhong
    ])
    _assert_refused(store, path, "row 3, lon/lat: (24.938400, 60.169900) (WGS-84) is outside the study area",
                    "row 4, lon/lat: (106.575000, 29.590000)", boundary=yuzhong_boundary)
    ok = write_csv(tmp_path / "ok.csv", LEDGER_HEADER, [ledger_row("in", lon="106.5716", lat="29.5572")])
    assert import_ledger(store, ok, boundary_path=yuzhong_boundary).n_rows == 1


def test_boundary_of_the_latest_run_is_used_when_none_is_given(tmp_path, store, yuzhong_boundary):
    from lifecircle.results.staging import sha256_of

    inputs = {"boundary": {"path": str(yuzhong_boundary), "sha256": sha256_of(yuzhong_boundary)}}
    record_run(store, write_run(tmp_path / "run", created="2025-03-31", values={("health_15min", "ALL"): 0.8},
                                inputs=inputs))
    stored = shapely.from_wkt(store.con.execute("SELECT boundary_wkt FROM runs").fetchone()[0])
    assert read_boundary(yuzhong_boundary).equals_exact(stored, 1e-9)
    path = write_csv(tmp_path / "where.csv", LEDGER_HEADER, [ledger_row("helsinki", lon="24.9384", lat="60.1699")])
    _assert_refused(store, path, "row 2, lon/lat: (24.938400, 60.169900) (WGS-84) is outside the study area")


def test_empty_file_and_wrong_format(tmp_path, store):
    empty = tmp_path / "empty.csv"
    empty.write_text(",".join(LEDGER_HEADER) + "\n")
    with pytest.raises(LifecircleInputError, match="no data rows"):
        import_ledger(store, empty)
    doc = tmp_path / "list.docx"
    doc.write_bytes(b"PK\x03\x04")
    with pytest.raises(LifecircleInputError, match="neither a .csv nor an .xlsx"):
        import_ledger(store, doc)
    with pytest.raises(LifecircleInputError, match="does not exist"):
        import_ledger(store, tmp_path / "absent.csv")
    assert store.con.execute("SELECT count(*) FROM imports").fetchone() == (0,)


def test_title_row_and_blank_rows_keep_spreadsheet_row_numbers(tmp_path, store):
    # a title row above the header (common in Chinese project lists) and a blank row inside the data
    lines = ["2025年某区生活圈建设项目清单,,,,,,,",
             "项目编号,项目名称,设施类别,地址,责任单位,计划完成时间,状态,备注",
             "A1,养老服务站,养老设施,某街道1号,民政局,2025-06-30,未开工,",
             ",,,,,,,",
             "A2,\"多行\n备注的项目\",幼儿园,某街道2号,教委,2025-13-01,未开工,",
             "A3,口袋公园,spaceport,某街道3号,城管局,2025-06-30,未开工,"]
    path = tmp_path / "titled.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # spreadsheet rows: 1 title, 2 header, 3 A1, 4 blank, 5 A2 (one row despite the line break), 6 A3
    _assert_refused(store, path, "row 5, planned_completion: '2025-13-01'", "row 6, category: 'spaceport'")
    good = path.read_text(encoding="utf-8").replace("2025-13-01", "2025-12-31").replace("spaceport", "公园绿地")
    path.write_text(good, encoding="utf-8")
    assert import_ledger(store, path).n_rows == 3


def test_xlsx_title_row_and_missing_sheet(tmp_path, store):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "清单"
    ws.append(["2025年项目清单"])
    ws.append(LEDGER_HEADER)
    ws.append(ledger_row("A"))
    ws.append(ledger_row("B", category="no such thing"))
    path = tmp_path / "titled.xlsx"
    wb.save(path)
    _assert_refused(store, path, "row 4, category: 'no such thing'")
    with pytest.raises(LifecircleInputError, match="has no sheet 'Sheet9'; its sheets are 清单"):
        import_ledger(store, path, sheet="Sheet9")


def test_shipped_templates_lie_in_yuzhong(store, yuzhong_boundary):
    # the templates' example coordinates are in Yuzhong (Jiefangbei area): they pass the real boundary check
    for name in ("ledger_template.csv", "ledger_template_zh.csv"):
        assert import_ledger(store, _template(name), boundary_path=yuzhong_boundary).n_rows == 3
