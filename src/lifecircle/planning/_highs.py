"""A thin wrapper that solves sparse mixed-integer linear programmes with HiGHS (highspy), and the time guard every
siting model shares.

The guard: HiGHS solves a MIP's root LP by dual simplex, which does not check the time limit, so a large model can
hold the solver far past ``--time-limit``. Every exact solve therefore first solves the LP relaxation by interior
point (which does check it) within a share of the time (:func:`solve_relaxation`), and runs the MIP only when that
LP finished (:func:`solve_guarded`); otherwise the caller keeps its heuristic plan and reports the gap.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

_INF = highspy.kHighsInf


@dataclass
class _MipResult:
    status: str  # "optimal" | "time_limit" | "infeasible" | "no_solution" | "inconsistent"
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


@dataclass
class MipModel:
    """``opt cost·x`` s.t. ``row_lower ≤ A x ≤ row_upper``, ``col_lower ≤ x ≤ col_upper``, ``x[integer]`` integral."""

    cost: np.ndarray
    a: sp.spmatrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray
    maximize: bool

    def solve(self, time_limit_s: float, relaxed: bool = False, options: dict | None = None) -> _MipResult:
        integer = np.zeros(len(self.cost), bool) if relaxed else self.integer
        return _solve_mip(cost=self.cost, a=self.a, row_lower=self.row_lower, row_upper=self.row_upper,
                          col_lower=self.col_lower, col_upper=self.col_upper, integer=integer,
                          maximize=self.maximize, time_limit_s=time_limit_s, options=options)


#: Share of the time limit the LP relaxation may use before the MIP (the MIP gets what is left).
LP_TIME_SHARE = 0.5


def solve_relaxation(model: MipModel, time_limit_s: float) -> _MipResult:
    """The LP relaxation by interior point (HiGHS ``ipm``, which stops at the time limit); its objective bounds the
    MIP's optimum (upper bound when maximising, lower when minimising)."""
    return model.solve(time_limit_s, relaxed=True, options={"solver": "ipm"})


@dataclass
class GuardedSolve:
    """The outcome of :func:`solve_guarded`.

    Attributes
    ----------
    relaxation
        The LP relaxation's result (``status == "optimal"`` when it solved in time).
    mip
        The MIP's result, or None when the MIP was skipped because the relaxation did not solve in time.
    note
        Why the MIP was skipped ("" when it ran).
    """

    relaxation: _MipResult
    mip: _MipResult | None
    note: str = ""


def solve_guarded(model: MipModel, time_limit_s: float, relaxation: _MipResult | None = None,
                  started: float | None = None) -> GuardedSolve:
    """Solve ``model`` within ``time_limit_s`` seconds: its LP relaxation first (``LP_TIME_SHARE`` of the time,
    unless ``relaxation`` is given), then the MIP with the time left — only when the relaxation solved.

    ``started`` is the ``time.perf_counter()`` the time limit counts from (default: now).
    """
    t0 = time.perf_counter() if started is None else started
    if relaxation is None:
        relaxation = solve_relaxation(model, LP_TIME_SHARE * time_limit_s)
    if relaxation.status == "infeasible":  # so is the MIP
        return GuardedSolve(relaxation, relaxation)
    if relaxation.status != "optimal":
        return GuardedSolve(relaxation, None, "MIP skipped: its LP relaxation did not solve within "
                            f"{LP_TIME_SHARE * time_limit_s:.3g} s (HiGHS's MIP would run its root LP past the time "
                            "limit); the best plan found and its gap are reported")
    left = max(time_limit_s - (time.perf_counter() - t0), 0.0)
    return GuardedSolve(relaxation, model.solve(left))
