"""Attribution arithmetic on hand-worked cases: leave-one-out gains, the joint remainder, the total.

The evaluators here are small coverage functions written in the test (homes with weights, projects covering sets of
homes): every expected number below is worked out by hand in the comments.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from lifecircle.monitor.attribution import (
    ALL_COMPLETED,
    JOINT_REMAINDER,
    LEAVE_ONE_OUT,
    leave_one_out,
)


def _coverage_set_evaluator(weights: list[float], covers: dict[str, set[int]], needs_all: dict[str, list[str]] | None = None):
    """evaluate_set(S) -> one indicator 'cov' (area ALL): covered weight / total weight, a home being covered when a
    project of S covers it. With ``needs_all`` {indicator: [project groups]} a home must be covered by one project of
    every group (a composite indicator)."""
    total = sum(weights)

    def evaluate_set(present: frozenset[str]) -> pd.DataFrame:
        covered = set().union(*(covers[p] for p in present)) if present else set()
        rows = [("p", "cov", "ALL", sum(weights[i] for i in covered) / total)]
        for name, groups in (needs_all or {}).items():
            ok = set(range(len(weights)))
            for group in groups:
                ok &= set().union(*(covers[p] for p in present if p in group)) if present else set()
            rows.append(("p", name, "ALL", sum(weights[i] for i in ok) / total))
        return pd.DataFrame(rows, columns=["profile", "indicator", "area", "value"])

    return evaluate_set


def _gain(df: pd.DataFrame, method: str, project: str = "", indicator: str = "cov") -> float:
    sel = (df["method"] == method) & (df["project_id"] == project) & (df["indicator"] == indicator)
    assert sel.sum() == 1
    return float(df.loc[sel, "gain"].iloc[0])


def test_overlapping_projects_leave_one_out_and_joint_remainder_by_hand():
    # homes weigh 1, 2, 3, 4 (total 10). P1 covers homes 0 and 1, P2 homes 1 and 2, P3 home 3.
    # all: 10/10 = 1.0; none: 0. Without P1: homes 1,2,3 = 9 -> gain 0.1; without P2: 0,1,3 = 7 -> 0.3;
    # without P3: 0,1,2 = 6 -> 0.4. Sum 0.8; joint remainder 1.0 - 0.8 = 0.2 = home 1 (weight 2), covered twice.
    ev = _coverage_set_evaluator([1, 2, 3, 4], {"P1": {0, 1}, "P2": {1, 2}, "P3": {3}})
    out = leave_one_out(ev, ["P1", "P2", "P3"])
    assert _gain(out, LEAVE_ONE_OUT, "P1") == pytest.approx(0.1)
    assert _gain(out, LEAVE_ONE_OUT, "P2") == pytest.approx(0.3)
    assert _gain(out, LEAVE_ONE_OUT, "P3") == pytest.approx(0.4)
    assert _gain(out, JOINT_REMAINDER) == pytest.approx(0.2)
    total = out[(out["method"] == ALL_COMPLETED)].iloc[0]
    assert (total["value_without"], total["value_with"], total["gain"]) == pytest.approx((0.0, 1.0, 1.0))
    p1 = out[(out["method"] == LEAVE_ONE_OUT) & (out["project_id"] == "P1")].iloc[0]
    assert (p1["value_without"], p1["value_with"]) == pytest.approx((0.9, 1.0))


def test_disjoint_projects_have_no_joint_remainder():
    # P1 covers home 0 (weight 1), P2 home 2 (weight 3): gains 0.1 and 0.3, total 0.4, remainder exactly 0.
    ev = _coverage_set_evaluator([1, 2, 3, 4], {"P1": {0}, "P2": {2}})
    out = leave_one_out(ev, ["P1", "P2"])
    assert _gain(out, LEAVE_ONE_OUT, "P1") == pytest.approx(0.1)
    assert _gain(out, LEAVE_ONE_OUT, "P2") == pytest.approx(0.3)
    assert _gain(out, ALL_COMPLETED) == pytest.approx(0.4)
    assert abs(_gain(out, JOINT_REMAINDER)) < 1e-12


def test_complementary_projects_give_a_negative_remainder():
    # a composite indicator 'both' needs a school (P1) and a clinic (P2); only home 3 (weight 4 of 10) gets both.
    # all: 0.4; without P1 or without P2: 0 -> each gain 0.4; sum 0.8; remainder 0.4 - 0.8 = -0.4.
    ev = _coverage_set_evaluator([1, 2, 3, 4], {"P1": {3}, "P2": {3}}, needs_all={"both": [["P1"], ["P2"]]})
    out = leave_one_out(ev, ["P1", "P2"])
    assert _gain(out, LEAVE_ONE_OUT, "P1", "both") == pytest.approx(0.4)
    assert _gain(out, LEAVE_ONE_OUT, "P2", "both") == pytest.approx(0.4)
    assert _gain(out, JOINT_REMAINDER, indicator="both") == pytest.approx(-0.4)
    assert _gain(out, ALL_COMPLETED, indicator="both") == pytest.approx(0.4)


def test_one_project_takes_the_whole_change_in_n_plus_two_evaluations_or_fewer():
    calls = []
    base = _coverage_set_evaluator([1, 1], {"P1": {0}})

    def ev(present):
        calls.append(present)
        return base(present)

    out = leave_one_out(ev, ["P1"])
    assert _gain(out, LEAVE_ONE_OUT, "P1") == pytest.approx(0.5)
    assert _gain(out, JOINT_REMAINDER) == 0.0
    assert len(calls) == 2  # all and none; "all without P1" is "none"


def test_parts_always_sum_to_the_total():
    # 6 homes, 4 projects with assorted overlaps; the identity holds for any coverage pattern.
    covers = {"A": {0, 1, 2}, "B": {2, 3}, "C": {3, 4, 0}, "D": {5}}
    ev = _coverage_set_evaluator([5, 1, 2, 7, 3, 2], covers)
    out = leave_one_out(ev, list(covers))
    parts = out[out["method"].isin([LEAVE_ONE_OUT, JOINT_REMAINDER])]["gain"].sum()
    assert parts == pytest.approx(_gain(out, ALL_COMPLETED))
    assert not math.isnan(parts)


def test_no_projects_no_rows():
    assert leave_one_out(lambda s: pytest.fail("not called"), []).empty
