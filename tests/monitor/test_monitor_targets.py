"""Targets: periods, percentages, directions, templates, upsert, and malformed target lists refused per row."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

import pytest
from monitor_fixtures import dump, write_csv, write_run

from lifecircle.errors import LifecircleInputError
from lifecircle.monitor import import_targets, parse_period, read_targets, record_run

HEADER = ["indicator", "profile", "area", "value", "period", "direction", "source_document", "note"]
DOC = "District programme No. 12 (2024-12-01)"


@pytest.mark.parametrize("text, expected", [
    ("2025", ("2025", dt.date(2025, 12, 31))),
    ("2025年", ("2025", dt.date(2025, 12, 31))),
    ("2025Q1", ("2025Q1", dt.date(2025, 3, 31))),
    ("2025-q2", ("2025Q2", dt.date(2025, 6, 30))),
    ("2025 Q3", ("2025Q3", dt.date(2025, 9, 30))),
    ("2024年第4季度", ("2024Q4", dt.date(2024, 12, 31))),
    ("２０２６Ｑ１", ("2026Q1", dt.date(2026, 3, 31))),  # full-width digits from a Chinese input method
])
def test_parse_period(text, expected):
    assert parse_period(text) == expected


@pytest.mark.parametrize("text", ["2025Q5", "Q3", "25", "2025-06", "next year"])
def test_parse_period_refuses(text):
    with pytest.raises(ValueError, match="not a period"):
        parse_period(text)


def test_templates_english_and_chinese_agree():
    data = resources.files("lifecircle").joinpath("data")
    en = read_targets(Path(str(data.joinpath("targets_template.csv"))))
    zh = read_targets(Path(str(data.joinpath("targets_template_zh.csv"))))
    cols = ["profile", "indicator", "area", "period", "due_date", "value", "direction"]
    assert en[cols].equals(zh[cols])
    assert en[cols].values.tolist() == [
        ["cn-health-check", "life_circle_15min", "ALL", "2025", dt.date(2025, 12, 31), 1.0, "at_least"],
        ["cn-health-check", "health_15min", "ALL", "2025Q2", dt.date(2025, 6, 30), 0.95, "at_least"],
        ["cn-health-check", "elderly_care_5min", "ALL", "2026", dt.date(2026, 12, 31), 0.8, "at_least"],
    ]


def test_import_upserts_by_indicator_area_period(tmp_path, store):
    f1 = write_csv(tmp_path / "t1.csv", HEADER, [
        ["health_15min", "cn-health-check", "", "90%", "2025", "", DOC, ""],
        ["gini_access", "bruno-15min", "ALL", "0.2", "2025Q4", "<=", DOC, "inequality"],
    ])
    r1 = import_targets(store, f1)
    assert (r1.n_rows, r1.n_added, r1.n_replaced) == (2, 2, 0)
    f2 = write_csv(tmp_path / "t2.csv", HEADER, [["health_15min", "cn-health-check", "ALL", "0.95", "2025", "不低于",
                                                  "Revised programme", ""]])
    r2 = import_targets(store, f2)
    assert (r2.n_added, r2.n_replaced) == (0, 1)
    rows = store.con.execute("SELECT indicator, area, period, due_date, value, direction, source_document "
                             "FROM targets ORDER BY indicator").fetchall()
    assert rows == [
        ("gini_access", "ALL", "2025Q4", dt.date(2025, 12, 31), 0.2, "at_most", DOC),
        ("health_15min", "ALL", "2025", dt.date(2025, 12, 31), 0.95, "at_least", "Revised programme"),
    ]


def test_indicator_of_a_custom_profile_is_known_once_recorded(tmp_path, store):
    path = write_csv(tmp_path / "t.csv", HEADER, [["stairs_free_10min", "", "ALL", "50%", "2026", "", DOC, ""]])
    with pytest.raises(LifecircleInputError, match="'stairs_free_10min' is not an indicator"):
        import_targets(store, path)
    record_run(store, write_run(tmp_path / "run", created="2025-01-01", profile="my-profile",
                                values={("stairs_free_10min", "ALL"): 0.4}))
    assert import_targets(store, path).n_rows == 1


def test_malformed_targets_one_line_per_row(tmp_path, store):
    import_targets(store, write_csv(tmp_path / "ok.csv", HEADER, [["health_15min", "", "ALL", "0.9", "2025", "",
                                                                   DOC, ""]]))
    before = dump(store)
    path = write_csv(tmp_path / "bad.csv", HEADER, [
        ["health_15min", "cn-health-check", "ALL", "95", "2025", "", DOC, ""],          # row 2: share > 1
        ["no_such_indicator", "", "ALL", "0.5", "2025", "", DOC, ""],                  # row 3
        ["health_15min", "melbourne-20min", "ALL", "0.5", "2025", "", DOC, ""],        # row 4: not in that profile
        ["health_15min", "cn-health-check", "ALL", "0.5", "soon", "", DOC, ""],        # row 5: bad period
        ["health_15min", "cn-health-check", "ALL", "half", "2026", "up", "", ""],      # row 6: value, dir, doc
        ["elderly_care_5min", "", "ALL", "0.5", "2026", "", DOC, ""],                  # row 7: fine
        ["elderly_care_5min", "", "ALL", "0.6", "2026年", "", DOC, ""],                # row 8: duplicate of 7
    ])
    with pytest.raises(LifecircleInputError) as info:
        import_targets(store, path)
    msg = str(info.value)
    for text in ("row 2, value: 95 is not a share", "row 3, indicator: 'no_such_indicator' is not an indicator",
                 "row 4, indicator: 'health_15min' is not an indicator of profile 'melbourne-20min'",
                 "row 5, period: 'soon' is not a period", "row 6, value: 'half' is not a number",
                 "row 6, direction: 'up' is not a direction", "row 6, source_document: is empty",
                 "row 8, period: the same target", "no targets were imported"):
        assert text in msg, f"{text!r} not in:\n{msg}"
    assert "  row 7," not in msg  # row 7 itself is fine (row 8 names it as the first of the duplicates)
    assert dump(store) == before


def test_missing_required_columns(tmp_path, store):
    path = write_csv(tmp_path / "t.csv", ["indicator", "value"], [["health_15min", "0.9"]])
    with pytest.raises(LifecircleInputError, match="lacks the required column.*period, source_document"):
        import_targets(store, path)
