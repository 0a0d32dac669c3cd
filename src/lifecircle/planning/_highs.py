"""A thin wrapper that solves one sparse mixed-integer linear programme with HiGHS (highspy) and reads back the result."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

_INF = highspy.kHighsInf


@dataclass
class _MipResult:
    status: str  # "optimal" | "time_limit" | "infeasible" | "no_solution"
    x: np.ndarray | None
    objective: float  # in the model's sense (NaN without a solution)
    bound: float  # the MIP dual bound (for maximisation an upper bound, for minimisation a lower bound)
    run_time_s: float


@contextlib.contextmanager
def _quiet_stdout():
    """HiGHS prints its banner from C++ on creation; silence fd 1 for that moment only."""
    try:
        fd = os.dup(1)
    except OSError:  # no real stdout (e.g. captured by a test runner): nothing to silence
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(fd, 1)
        os.close(fd)


def _solve_mip(cost: np.ndarray, a: sp.spmatrix, row_lower: np.ndarray, row_upper: np.ndarray,
               col_lower: np.ndarray, col_upper: np.ndarray, integer: np.ndarray, maximize: bool,
               time_limit_s: float, start: np.ndarray | None = None, mip_rel_gap: float = 1e-9,
               threads: int = 1, options: dict | None = None) -> _MipResult:
    """Solve ``opt cost·x`` s.t. ``row_lower ≤ A x ≤ row_upper``, ``col_lower ≤ x ≤ col_upper``, ``x[integer]`` integral.

    ``start`` is a feasible column vector handed to HiGHS as the first incumbent. Not used by the solvers: with
    highspy 1.16 ``getSolution`` then returns the start vector even when HiGHS reports a better objective; the
    consistency check below catches that (``status="inconsistent"``).
    """
    a = sp.csc_matrix(a, dtype=np.float64)
    a.sort_indices()
    n_row, n_col = a.shape
    lp = highspy.HighsLp()
    lp.num_col_ = n_col
    lp.num_row_ = n_row
    lp.col_cost_ = np.asarray(cost, dtype=np.float64)
    lp.col_lower_ = np.asarray(col_lower, dtype=np.float64)
    lp.col_upper_ = np.asarray(col_upper, dtype=np.float64)
    lp.row_lower_ = np.asarray(row_lower, dtype=np.float64)
    lp.row_upper_ = np.asarray(row_upper, dtype=np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = n_col
    lp.a_matrix_.num_row_ = n_row
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data
    lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                       for i in np.asarray(integer, dtype=bool)]
    lp.sense_ = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
    with _quiet_stdout():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.setOptionValue("threads", int(threads))
    h.setOptionValue("random_seed", 0)
    for key, value in (options or {}).items():
        h.setOptionValue(key, value)
    h.passModel(lp)
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = np.asarray(start, dtype=np.float64)
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    ms = h.getModelStatus()
    info = h.getInfo()
    has_x = info.primal_solution_status == highspy.kSolutionStatusFeasible
    if ms == highspy.HighsModelStatus.kOptimal:
        status = "optimal"
    elif ms == highspy.HighsModelStatus.kInfeasible:
        status = "infeasible"
    elif has_x:
        status = "time_limit"
    else:
        status = "no_solution"
    x = np.asarray(h.getSolution().col_value, dtype=np.float64) if has_x else None
    obj = float(info.objective_function_value) if has_x else float("nan")
    if x is not None and abs(float(np.dot(lp.col_cost_, x)) - obj) > 1e-6 * max(1.0, abs(obj)):
        status = "inconsistent"
    bound = float(info.mip_dual_bound) if status != "infeasible" else float("nan")
    if status == "optimal" and not np.isfinite(bound):
        bound = obj
    return _MipResult(status=status, x=x, objective=obj, bound=bound, run_time_s=float(h.getRunTime()))
