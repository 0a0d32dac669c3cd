"""Location set covering (LSCP): the fewest new sites so that a target share of the demand weight is covered."""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from lifecircle.errors import LifecircleInputError
from lifecircle.planning._highs import _INF, LP_TIME_SHARE, MipModel, solve_guarded, solve_relaxation
from lifecircle.planning.coverage import CoverageProblem
from lifecircle.planning.covering import capacity_model, finish_capacitated, finish_cover, finish_plan
from lifecircle.planning.greedy import CoverState, lazy_greedy
from lifecircle.planning.groups import group_demand
from lifecircle.planning.result import EXACT_MAX_NNZ, SitingResult, check_method, covered_rate, gap, proven


def solve_lscp(prob: CoverageProblem, target_rate: float = 1.0, method: str = "auto",
               time_limit_s: float = 60.0) -> SitingResult:
    """Location set covering: the fewest new sites so that ``target_rate`` of the total demand weight is covered.

    Exact model (Toregas et al. 1971, generalised to a coverage target): minimise ``Σ x_j`` subject to
    ``y_g ≤ Σ_{j covers g} x_j`` and ``Σ w_g y_g ≥ target_rate·W − W_existing`` (``W`` total weight,
    ``W_existing`` already covered), ``x`` binary. With capacities the served shares ``z_jg`` replace ``y`` as in
    :func:`~lifecircle.planning.mclp.solve_mclp`. The greedy (Chvátal 1979: within ``H(max set size)`` of the
    optimum) adds the site covering most until the target is met; its bound is the fewest sites whose largest single
    gains could reach the target. The MIP runs only when its LP relaxation solved within half the time
    (:func:`lifecircle.planning._highs.solve_guarded`); otherwise the greedy plan is returned with its bound.

    Parameters
    ----------
    prob
        The instance.
    target_rate
        Share of the total demand weight (0–1) to cover, existing facilities included; 1.0 = everybody.
    method
        ``"auto"``, ``"exact"`` or ``"greedy"`` (not with capacities).
    time_limit_s
        Seconds the LP relaxation and the MIP may spend together.

    Raises
    ------
    LifecircleInputError
        When the target cannot be reached even with every candidate (the message gives the reachable rate).
    """
    check_method(method)
    if not (0.0 <= target_rate <= 1.0):
        raise LifecircleInputError(f"target_rate must be a share between 0 and 1 (e.g. 0.9), got {target_rate}.")
    t0 = time.perf_counter()
    return finish_plan(prob, _solve(prob, target_rate, method, time_limit_s, t0), method, t0)


def _solve(prob: CoverageProblem, target_rate: float, method: str, time_limit_s: float, t0: float) -> SitingResult:
    total = prob.total_weight
    need = target_rate * total - prob.covered_weight
    tol = 1e-9 * max(total, 1.0)
    g = group_demand(prob, ~prob.already_covered)
    reachable = float(g.weight.sum())
    capacitated = prob.capacity is not None
    if prob.capacity is not None and prob.demand_people is None:  # capacities are people, so is the weight
        reachable = min(reachable, float(prob.capacity.sum()))
    if need > reachable + tol:
        best = (prob.covered_weight + reachable) / total
        raise LifecircleInputError(
            f"target_rate {target_rate:.3f} cannot be reached: even opening every candidate covers at most "
            f"{best:.4f} of the total{' (capacities included)' if capacitated else ''}. Lower target_rate, "
            "add candidates or raise the threshold.")
    if need <= tol:
        covered = prob.already_covered.copy()
        return SitingResult(problem="lscp", sites=np.zeros(0, np.int64), objective=0.0, bound=0.0, gap=0.0,
                            newly_covered=np.zeros(0), method="exact" if method != "greedy" else "greedy",
                            status="optimal", objective_unit="sites", covered=covered,
                            coverage_rate=covered_rate(prob, covered),
                            notes=["existing facilities already reach the target"])
    need_row = need - tol
    if method == "greedy" or (method == "auto" and not capacitated and g.cover.nnz + len(g.weight) > EXACT_MAX_NNZ):
        if capacitated:
            raise LifecircleInputError("the greedy LSCP ignores capacities; use method='exact' (or 'auto') when "
                                       "prob.capacity is given.")
        plan = _greedy(prob, need_row)
        if method == "auto":
            plan.notes.append("model too large for the exact solver; greedy used")
        return plan
    m, n_g = g.cover.shape
    if prob.capacity is not None:
        a, lo, hi, zj, zg = capacity_model(g, prob.capacity)
        nnz = len(zj)
        a = sp.vstack([a, sp.hstack([sp.csr_matrix((1, m)), sp.csr_matrix(g.weight[zg][None, :])])]).tocsc()
        model = MipModel(cost=np.concatenate([np.ones(m), np.zeros(nnz)]), a=a, row_lower=np.append(lo, need_row),
                         row_upper=np.append(hi, _INF), col_lower=np.zeros(m + nnz), col_upper=np.ones(m + nnz),
                         integer=np.concatenate([np.ones(m, bool), np.zeros(nnz, bool)]), maximize=False)
        solved = solve_guarded(model, time_limit_s, started=t0)
        return finish_capacitated("lscp", prob, g, solved.mip, zj, zg, t0, solved.note)
    greedy = _greedy(prob, need_row)
    if greedy.bound >= greedy.objective:
        return proven(greedy, "the greedy's bound (the fewest sites whose largest gains reach the target)")
    a_y = sp.hstack([-g.cover.T.astype(np.float64), sp.identity(n_g, format="csr")])
    a_t = sp.hstack([sp.csr_matrix((1, m)), sp.csr_matrix(g.weight[None, :])])
    useful = np.diff(g.cover.indptr) > 0
    model = MipModel(cost=np.concatenate([np.ones(m), np.zeros(n_g)]), a=sp.vstack([a_y, a_t]).tocsc(),
                     row_lower=np.concatenate([np.full(n_g, -_INF), [need_row]]),
                     row_upper=np.concatenate([np.zeros(n_g), [_INF]]), col_lower=np.zeros(m + n_g),
                     col_upper=np.concatenate([useful.astype(float), np.ones(n_g)]),
                     integer=np.concatenate([np.ones(m, bool), np.zeros(n_g, bool)]), maximize=False)
    relaxation = solve_relaxation(model, LP_TIME_SHARE * time_limit_s)
    greedy.stage("lp_relaxation")
    if relaxation.status == "optimal":  # ⌈LP⌉ is a lower bound on the fewest sites
        greedy.bound = max(greedy.bound, float(np.ceil(relaxation.objective - 1e-6)))
        greedy.gap = gap(greedy.objective, greedy.bound)
        if greedy.bound >= greedy.objective:
            return proven(greedy, "the LP relaxation bound")
    solved = solve_guarded(model, time_limit_s, relaxation=relaxation, started=t0)
    res = solved.mip
    if res is None:
        greedy.notes.append(solved.note)
        return greedy
    greedy.stage("mip")
    if res.x is None:  # nothing found in time: the greedy plan, with the better of the two lower bounds
        if np.isfinite(res.bound):
            greedy.bound = max(greedy.bound, float(np.ceil(res.bound - 1e-6)))
        greedy.gap = gap(greedy.objective, greedy.bound)
        greedy.notes.append(f"exact solver found no solution ({res.status}); greedy result returned")
        return greedy
    out = finish_cover("lscp", prob, res, m, None, t0)
    out.ran = list(greedy.ran)
    if out.objective > greedy.objective:  # time limit with a worse incumbent than the greedy start
        greedy.bound = max(greedy.bound, out.bound)
        greedy.gap = gap(greedy.objective, greedy.bound)
        return greedy
    out.bound = max(out.bound, greedy.bound) if out.status != "optimal" else out.bound
    out.gap = gap(out.objective, out.bound)
    return out


def _greedy(prob: CoverageProblem, need: float) -> SitingResult:
    state = CoverState(prob)
    gains0 = state.all_gains()
    top = np.cumsum(np.sort(gains0)[::-1])
    lower = float(np.searchsorted(top, need) + 1) if need > 0 else 0.0
    picked, gains, _ = lazy_greedy(prob.n_candidates, state.all_gains, state.gain, state.add, None,
                                   enough=lambda total: total >= need)
    obj = float(len(picked))
    return SitingResult(problem="lscp", sites=np.asarray(picked, dtype=np.int64), objective=obj, bound=lower,
                        gap=gap(obj, lower), newly_covered=np.asarray(gains), method="greedy", status="heuristic",
                        objective_unit="sites", covered=state.covered, coverage_rate=covered_rate(prob, state.covered),
                        ran=["greedy"])
