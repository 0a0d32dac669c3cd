"""Maximal covering location (MCLP): ``k`` new sites newly covering the most demand within the threshold.

The exact solve is staged, cheapest proof first: lazy greedy (optimal when its online bound meets it) → the LP
relaxation by interior point (its value bounds the optimum; its ``k`` largest site values are rounded into a second
plan; optimal when a plan meets the LP value) → the MIP with the time left (HiGHS), run only when the relaxation
solved in time (:func:`lifecircle.planning._highs.solve_guarded`).
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from lifecircle.errors import LifecircleInputError
from lifecircle.planning._highs import _INF, LP_TIME_SHARE, MipModel, _MipResult, solve_guarded, solve_relaxation
from lifecircle.planning.coverage import CoverageProblem
from lifecircle.planning.covering import capacity_model, finish_capacitated, finish_cover, finish_plan
from lifecircle.planning.greedy import attribute_cover, greedy_mclp
from lifecircle.planning.groups import DemandGroups, group_demand
from lifecircle.planning.result import (
    EXACT_MAX_NNZ,
    LP_MAX_NNZ,
    SitingResult,
    check_k,
    check_method,
    covered_rate,
    gap,
    proven,
)


def solve_mclp(prob: CoverageProblem, k: int, method: str = "auto", time_limit_s: float = 60.0) -> SitingResult:
    """Maximal covering location: ``k`` new sites newly covering the most demand weight within the threshold.

    Exact model (Church & ReVelle 1974): maximise ``Σ w_g y_g`` subject to ``y_g ≤ Σ_{j covers g} x_j``,
    ``Σ x_j ≤ k``, ``x`` binary, ``0 ≤ y ≤ 1``, over merged demand groups not already covered. With capacities
    (``prob.capacity``, people) demand may be split between sites: ``z_jg`` (share of group ``g`` served by ``j``),
    ``Σ_j z_jg ≤ 1``, ``Σ_g p_g z_jg ≤ cap_j x_j`` (``p_g`` people), ``z_jg ≤ x_j``, objective ``Σ w_g z_jg``.

    Parameters
    ----------
    prob
        The instance.
    k
        Number of new sites.
    method
        ``"auto"`` (exact when the model has at most ``EXACT_MAX_NNZ`` non-zeros, else greedy tightened by the LP
        relaxation), ``"exact"`` (staged: greedy, LP relaxation, HiGHS MIP) or ``"greedy"`` (lazy greedy; not with
        capacities).
    time_limit_s
        Seconds the LP relaxation and the MIP may spend together; at the limit the best plan found is returned
        with its bound and gap.
    """
    check_method(method)
    check_k(k)
    capacitated = prob.capacity is not None
    t0 = time.perf_counter()
    if method == "greedy":
        if capacitated:
            raise LifecircleInputError("the greedy MCLP ignores capacities; use method='exact' (or 'auto') when "
                                       "prob.capacity is given.")
        res = greedy_mclp(prob, k)
    else:
        g = group_demand(prob, ~prob.already_covered)
        nnz = _model_nnz(g, capacitated)
        if capacitated:
            res = _capacitated(prob, g, k, time_limit_s, t0)
        elif method == "auto" and nnz > EXACT_MAX_NNZ:
            res = _large(prob, g, k, time_limit_s, nnz)
        else:
            res = _exact(prob, g, k, time_limit_s, t0)
    return finish_plan(prob, res, method, t0)


def _model_nnz(g: DemandGroups, capacitated: bool) -> int:
    nnz = g.cover.nnz
    return 4 * nnz if capacitated else nnz + g.cover.shape[1]


def _model(g: DemandGroups, k: int) -> MipModel:
    """The uncapacitated MCLP over merged demand: columns [x (m sites), y (groups)]; rows ``y_g − Σ x_j ≤ 0`` per
    group and ``Σ x_j ≤ k``."""
    m, n_g = g.cover.shape
    useful = np.diff(g.cover.indptr) > 0
    a_y = sp.hstack([-g.cover.T.astype(np.float64), sp.identity(n_g, format="csr")])
    a_k = sp.hstack([sp.csr_matrix(np.ones((1, m))), sp.csr_matrix((1, n_g))])
    return MipModel(cost=np.concatenate([np.zeros(m), g.weight]), a=sp.vstack([a_y, a_k]).tocsc(),
                    row_lower=np.full(n_g + 1, -_INF), row_upper=np.concatenate([np.zeros(n_g), [k]]),
                    col_lower=np.zeros(m + n_g), col_upper=np.concatenate([useful.astype(float), np.ones(n_g)]),
                    integer=np.concatenate([np.ones(m, bool), np.zeros(n_g, bool)]), maximize=True)


def _large(prob: CoverageProblem, g: DemandGroups, k: int, time_limit_s: float, nnz: int) -> SitingResult:
    """``method="auto"`` on a model too large for the MIP: greedy, tightened by the LP relaxation when it fits."""
    res = greedy_mclp(prob, k)
    res.notes.append(f"model too large for the exact solver ({nnz:,} non-zeros > {EXACT_MAX_NNZ:,}); greedy used")
    if res.bound <= res.objective * (1.0 + 1e-12):
        return proven(res, "the greedy's online bound")
    if nnz <= LP_MAX_NNZ:
        relaxation = solve_relaxation(_model(g, k), time_limit_s)
        res = _lp_improve(prob, k, res, relaxation, time_limit_s)
    return res


def _lp_improve(prob: CoverageProblem, k: int, best: SitingResult, lp: _MipResult,
                time_limit_s: float) -> SitingResult:
    """Tighten ``best`` with the LP relaxation ``lp``: its value bounds the optimum, and its ``k`` largest site
    values give a second plan (kept when it covers more)."""
    best.stage("lp_relaxation")
    if lp.status != "optimal" or lp.x is None:
        best.notes.append(f"LP relaxation not solved within {time_limit_s:.3g} s; bound from the greedy")
        return best
    m = prob.n_candidates
    lp_bound = lp.objective * (1.0 + 1e-9) + 1e-9  # HiGHS tolerances: never report a bound below the optimum
    xs = lp.x[:m]
    top = np.argsort(-xs, kind="stable")[:k]
    top = top[xs[top] > 1e-6]
    order, gains, covered = attribute_cover(prob, top)
    keep = gains > 0
    order, gains = order[keep], gains[keep]
    if gains.sum() > best.objective + 1e-9:
        best = SitingResult(problem="mclp", sites=order, objective=float(gains.sum()), bound=best.bound, gap=0.0,
                            newly_covered=gains, method="lp_rounding", status="heuristic", objective_unit="people",
                            covered=covered, coverage_rate=covered_rate(prob, covered), ran=list(best.ran),
                            notes=list(best.notes))
    best.bound = min(best.bound, lp_bound)
    best.gap = gap(best.objective, best.bound)
    best.notes.append(f"LP relaxation bound {lp.objective:,.1f}")
    if best.objective >= lp.objective - 1e-6 * max(1.0, abs(lp.objective)):
        return proven(best, "the LP relaxation bound")
    return best


def _exact(prob: CoverageProblem, g: DemandGroups, k: int, time_limit_s: float, t0: float) -> SitingResult:
    best = greedy_mclp(prob, k)
    if best.bound <= best.objective * (1.0 + 1e-12):  # the online bound proves the greedy optimal
        return proven(best, "the greedy's online bound; no MIP needed")
    model = _model(g, k)
    relaxation = solve_relaxation(model, LP_TIME_SHARE * time_limit_s)
    best = _lp_improve(prob, k, best, relaxation, LP_TIME_SHARE * time_limit_s)
    if best.status == "optimal":
        return best
    solved = solve_guarded(model, time_limit_s, relaxation=relaxation, started=t0)
    if solved.mip is None:
        best.notes.append(solved.note)
        return best
    return finish_cover("mclp", prob, solved.mip, prob.n_candidates, best, t0)


def _capacitated(prob: CoverageProblem, g: DemandGroups, k: int, time_limit_s: float, t0: float) -> SitingResult:
    m = prob.n_candidates
    assert prob.capacity is not None
    a, lo, hi, zj, zg = capacity_model(g, prob.capacity)
    nnz = len(zj)
    a = sp.vstack([a, sp.hstack([sp.csr_matrix(np.ones((1, m))), sp.csr_matrix((1, nnz))])]).tocsc()
    model = MipModel(cost=np.concatenate([np.zeros(m), g.weight[zg]]), a=a, row_lower=np.append(lo, -_INF),
                     row_upper=np.append(hi, k), col_lower=np.zeros(m + nnz), col_upper=np.ones(m + nnz),
                     integer=np.concatenate([np.ones(m, bool), np.zeros(nnz, bool)]), maximize=True)
    solved = solve_guarded(model, time_limit_s, started=t0)
    return finish_capacitated("mclp", prob, g, solved.mip, zj, zg, t0, solved.note)
