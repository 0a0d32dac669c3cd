"""What a planner meets when importing lists through the CLI: category names as categories.csv writes them (and
their synonyms), empty files, workbooks whose first sheet is blank, and the Excel templates read back."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from monitor_fixtures import LEDGER_HEADER, dump, ledger_row, write_csv

from lifecircle.cli.monitor import monitor
from lifecircle.monitor import open_store
from lifecircle.points.categories import category_catalogue, to_category


@pytest.fixture
def cli_store(tmp_path: Path) -> str:
    store = str(tmp_path / "lc.duckdb")
    assert CliRunner().invoke(monitor, ["init", "--store", store]).exit_code == 0
    return store


def _import(store: str, kind: str, path: Path, *extra: str):
    return CliRunner().invoke(monitor, [kind, "import", str(path), "--store", store, *extra])


def test_every_catalogue_name_and_part_names_its_category():
    for c in category_catalogue().values():
        for text in [c.id, c.name_zh, c.name_en, *c.name_zh.split("/"), *c.name_en.split("/")]:
            assert to_category(text.strip()) == c.id, text
    assert to_category("农贸市场") == "fresh_market" and to_category("日间照料中心") == "elderly_care"
    assert to_category(" Fresh-Market ") == "fresh_market" and to_category("spaceport") is None


def test_ledger_rows_with_the_exact_chinese_names_are_imported(tmp_path, cli_store):
    path = write_csv(tmp_path / "l.csv", LEDGER_HEADER, [
        ledger_row("A", category="菜市场/生鲜超市"), ledger_row("B", category="托儿所/托育"),
        ledger_row("C", category="生鲜超市"), ledger_row("D", category="Nursery (under 3)"),
        ledger_row("E", category="农贸市场")])
    r = _import(cli_store, "projects", path)
    assert r.exit_code == 0, r.output
    with open_store(cli_store, read_only=True) as s:
        cats = dict(s.con.execute("SELECT project_id, category FROM projects").fetchall())
    assert cats == {"A": "fresh_market", "B": "nursery", "C": "fresh_market", "D": "nursery", "E": "fresh_market"}


def test_an_unknown_category_is_refused_with_chinese_names_suggested(tmp_path, cli_store):
    path = write_csv(tmp_path / "l.csv", LEDGER_HEADER, [ledger_row("A", category="菜鸟驿站超大")])
    r = _import(cli_store, "projects", path)
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "row 2, category: '菜鸟驿站超大' is not a facility category" in r.stderr
    assert "菜市场/生鲜超市 (fresh_market)" in r.stderr and "托儿所/托育 (nursery)" in r.stderr


def test_an_empty_file_is_not_said_to_have_a_header(tmp_path, cli_store):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    r = _import(cli_store, "projects", empty)
    assert r.exit_code == 2 and "empty (0 bytes)" in r.stderr and "has a header" not in r.stderr
    header_only = tmp_path / "header.csv"
    header_only.write_text(",".join(LEDGER_HEADER) + "\n", encoding="utf-8")
    r = _import(cli_store, "projects", header_only)
    assert r.exit_code == 2 and "has a header but no data rows" in r.stderr
    blank_lines = tmp_path / "blank.csv"
    blank_lines.write_text("\ufeff\n\n,,\n", encoding="utf-8")
    r = _import(cli_store, "targets", blank_lines)
    assert r.exit_code == 2 and "holds no text at all" in r.stderr and "has a header" not in r.stderr


def _workbook(path: Path, sheets: dict[str, list[list[str]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def test_a_blank_first_sheet_is_skipped_for_the_sheet_with_the_headers(tmp_path, cli_store):
    path = _workbook(tmp_path / "list.xlsx", {"封面": [], "2025清单": [LEDGER_HEADER, ledger_row("A")]})
    r = _import(cli_store, "projects", path)
    assert r.exit_code == 0, r.output
    assert "Imported 1 project(s)" in r.stderr


def test_a_blank_first_sheet_without_headers_elsewhere_names_the_sheets_and_sheet_option(tmp_path, cli_store):
    path = _workbook(tmp_path / "list.xlsx", {"Sheet1": [], "数据": [["甲", "乙"], ["1", "2"]], "空": []})
    before = dump(cli_store)
    r = _import(cli_store, "projects", path)
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "first sheet 'Sheet1'" in r.stderr and "'数据'" in r.stderr and "--sheet" in r.stderr
    assert "'空'" not in r.stderr
    r = _import(cli_store, "projects", path, "--sheet", "空")
    assert r.exit_code == 2 and "The sheet '空' of 'list.xlsx' is blank" in r.stderr and "'数据'" in r.stderr
    assert dump(cli_store) == before


def test_templates_include_excel_workbooks_that_import_back(tmp_path, cli_store):
    out = tmp_path / "tpl"
    r = CliRunner().invoke(monitor, ["templates", "--out", str(out)])
    assert r.exit_code == 0, r.output
    ledger_xlsx, targets_xlsx = out / "项目清单.xlsx", out / "目标.xlsx"
    assert str(ledger_xlsx) in r.stdout and str(targets_xlsx) in r.stdout
    wb = openpyxl.load_workbook(ledger_xlsx)
    header = [c.value for c in wb.worksheets[0][1]]
    assert header[:3] == ["项目编号", "项目名称", "设施类别"] and "责任单位" in header
    wb.close()
    r = _import(cli_store, "projects", ledger_xlsx)
    assert r.exit_code == 0, r.output
    r = _import(cli_store, "targets", targets_xlsx)
    assert r.exit_code == 0, r.output
    # the workbooks hold what the Chinese CSV templates hold
    csv_store = str(tmp_path / "csv.duckdb")
    CliRunner().invoke(monitor, ["init", "--store", csv_store])
    assert _import(csv_store, "projects", out / "ledger_template_zh.csv").exit_code == 0
    assert _import(csv_store, "targets", out / "targets_template_zh.csv").exit_code == 0
    q_p = ("SELECT project_id, name, category, lon, lat, capacity, responsible_unit, planned_start, "
           "planned_completion, actual_completion, status, cost_10k_cny FROM projects ORDER BY project_id")
    q_t = "SELECT profile, indicator, area, period, due_date, value, direction FROM targets ORDER BY ALL"
    with open_store(cli_store, read_only=True) as a, open_store(csv_store, read_only=True) as b:
        assert a.con.execute(q_p).fetchall() == b.con.execute(q_p).fetchall()
        assert a.con.execute(q_t).fetchall() == b.con.execute(q_t).fetchall()
        assert len(a.con.execute(q_p).fetchall()) == 3 and len(a.con.execute(q_t).fetchall()) == 3
