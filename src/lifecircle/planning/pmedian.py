"""p-median: ``p`` new sites minimising the weighted walking time to the nearest facility (ReVelle & Swain 1970)."""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from lifecircle.errors import LifecircleInputError
from lifecircle.planning._highs import _INF, LP_TIME_SHARE, MipModel, solve_guarded, solve_relaxation
from lifecircle.planning.coverage import CoverageProblem
from lifecircle.planning.greedy import lazy_greedy
from lifecircle.planning.result import EXACT_MAX_NNZ, SitingResult, check_k, check_method, gap


def baseline_time(prob: CoverageProblem, unreached_s: float | None) -> np.ndarray:
    """Seconds each demand walks before any new site: its existing facility, capped at the unreached charge."""
    if unreached_s is None:
        if prob.cost_limit_s is not None:
            unreached_s = prob.cost_limit_s
        elif prob.cost is not None and prob.cost.nnz:
            unreached_s = float(prob.cost.data.max())
        else:
            unreached_s = 0.0
    base = np.full(prob.n_demand, float(unreached_s))
    if prob.existing_cost is not None:
        base = np.minimum(base, prob.existing_cost)
    return base


class MedianState:
    """Current walking time per demand, for greedy p-median savings (weight × seconds)."""

    def __init__(self, prob: CoverageProblem, base: np.ndarray):
        assert prob.cost is not None
        self.cost = prob.cost
        self.w = prob.demand_weight
        self.cur = base.copy()
        self.row = np.repeat(np.arange(prob.n_candidates), np.diff(prob.cost.indptr))

    def all_gains(self) -> np.ndarray:
        c = self.cost
        s = self.w[c.indices] * np.maximum(0.0, self.cur[c.indices] - c.data)
        return np.bincount(self.row, weights=s, minlength=c.shape[0])

    def gain(self, j: int) -> float:
        c = self.cost
        sl = slice(c.indptr[j], c.indptr[j + 1])
        cols = c.indices[sl]
        return float((self.w[cols] * np.maximum(0.0, self.cur[cols] - c.data[sl])).sum())

    def add(self, j: int) -> None:
        c = self.cost
        sl = slice(c.indptr[j], c.indptr[j + 1])
        cols = c.indices[sl]
        self.cur[cols] = np.minimum(self.cur[cols], c.data[sl])


def assign_median(prob: CoverageProblem, base: np.ndarray, sites: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest chosen site (−1 = keep the baseline) and resulting seconds per demand."""
    cur = base.copy()
    who = np.full(prob.n_demand, -1, dtype=np.int64)
    c = prob.cost
    assert c is not None
    for j in sites:
        sl = slice(c.indptr[j], c.indptr[j + 1])
        cols = c.indices[sl]
        better = c.data[sl] < cur[cols]
        cur[cols[better]] = c.data[sl][better]
        who[cols[better]] = j
    return who, cur


def solve_pmedian(prob: CoverageProblem, p: int, method: str = "auto", time_limit_s: float = 60.0,
                  unreached_s: float | None = None) -> SitingResult:
    """p-median: ``p`` new sites minimising the weighted walking time to the nearest facility.

    Each demand walks to the nearest of its existing facility (``prob.existing_cost``) and the new sites; demand that
    nothing reaches within the search is charged ``unreached_s`` seconds (default ``prob.cost_limit_s``, else the
    largest stored time). Exact model (ReVelle & Swain 1970) on the stored pairs that beat the baseline: maximise the
    savings ``Σ w_i (b_i − c_ij) z_ij`` with ``Σ_j z_ij ≤ 1``, ``z_ij ≤ x_j``, ``Σ x_j ≤ p`` (+ ``Σ_i p_i z_ij ≤
    cap_j x_j`` with capacities, ``p_i`` people; existing facilities are uncapacitated). Greedy: lazy greedy on the
    savings, which are monotone submodular (SOURCE: Nemhauser, Wolsey & Fisher 1978), so savings ≥ (1 − 1/e) of the
    best. The MIP runs only when its LP relaxation solved within half the time
    (:func:`lifecircle.planning._highs.solve_guarded`); otherwise the greedy plan is returned with its bound.

    Parameters
    ----------
    prob
        The instance; needs ``prob.cost`` (seconds).
    p
        Number of new sites.
    method
        ``"auto"``, ``"exact"`` or ``"greedy"`` (not with capacities).
    time_limit_s
        Seconds the LP relaxation and the MIP may spend together.
    unreached_s
        Seconds charged to demand no facility reaches within the search.

    Returns
    -------
    SitingResult
        ``objective`` in weight × seconds (person-seconds with people; total, baseline included), ``bound`` a lower
        bound on it.
    """
    check_method(method)
    check_k(p)
    if prob.cost is None:
        raise LifecircleInputError("the p-median needs walking times: build the CoverageProblem with cost= (sparse "
                                   "seconds, e.g. from coverage_from_engine).")
    t0 = time.perf_counter()
    res = _solve(prob, p, method, time_limit_s, unreached_s)
    res.requested = method
    res.solve_time_s = time.perf_counter() - t0
    return res


def _solve(prob: CoverageProblem, p: int, method: str, time_limit_s: float,
           unreached_s: float | None) -> SitingResult:
    t0 = time.perf_counter()
    capacitated = prob.capacity is not None
    assert prob.cost is not None
    base = baseline_time(prob, unreached_s)
    w = prob.demand_weight
    people = prob.people
    base_total = float((w * base).sum())
    state = MedianState(prob, base)
    c = sp.coo_matrix(prob.cost)
    useful = (c.data < base[c.col]) & (w[c.col] > 0)
    nnz = int(useful.sum())
    m = prob.n_candidates

    def greedy_result(picked: list[int], gains: list[float], sav_bound: float, notes: list[str],
                      ran: list[str]) -> SitingResult:
        obj = base_total - float(np.sum(gains))
        who, _ = assign_median(prob, base, np.asarray(picked, np.int64))
        served = np.array([w[who == j].sum() for j in picked])
        served_people = np.array([people[who == j].sum() for j in picked])
        bound = base_total - sav_bound
        return SitingResult(problem="pmedian", sites=np.asarray(picked, np.int64), objective=obj, bound=bound,
                            gap=gap(obj, bound), newly_covered=served, newly_covered_people=served_people,
                            method="greedy", status="heuristic", objective_unit="person-seconds", ran=ran,
                            notes=notes)

    if method == "greedy" or (method == "auto" and not capacitated and 3 * nnz > EXACT_MAX_NNZ):
        if capacitated:
            raise LifecircleInputError("the greedy p-median ignores capacities; use method='exact' (or 'auto') when "
                                       "prob.capacity is given.")
        picked, picked_gains, greedy_bound = lazy_greedy(m, state.all_gains, state.gain, state.add, p)
        return greedy_result(picked, picked_gains, greedy_bound,
                             [] if method == "greedy" else ["model too large for the exact solver; greedy used"],
                             ["greedy"])
    zj, zi, zc = c.row[useful].astype(np.int64), c.col[useful].astype(np.int64), c.data[useful]
    # compact demand indices to those with at least one useful pair
    _, zi_c = np.unique(zi, return_inverse=True)
    n_d = int(zi_c.max()) + 1 if nnz else 0
    zcol = m + np.arange(nnz)
    rows = [zi_c, n_d + np.arange(nnz), n_d + np.arange(nnz), np.full(m, n_d + nnz)]
    cols = [zcol, zcol, zj, np.arange(m)]
    vals = [np.ones(nnz), np.ones(nnz), -np.ones(nnz), np.ones(m)]
    n_rows = n_d + nnz + 1
    hi = np.concatenate([np.ones(n_d), np.zeros(nnz), [p]])
    if capacitated:
        assert prob.capacity is not None
        rows += [n_rows + zj, n_rows + np.arange(m)]
        cols += [zcol, np.arange(m)]
        vals += [people[zi], -prob.capacity]
        n_rows += m
        hi = np.concatenate([hi, np.zeros(m)])
    a = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_rows, m + nnz))
    saving = w[zi] * (base[zi] - zc)
    model = MipModel(cost=np.concatenate([np.zeros(m), saving]), a=a.tocsc(), row_lower=np.full(n_rows, -_INF),
                     row_upper=hi, col_lower=np.zeros(m + nnz), col_upper=np.ones(m + nnz),
                     integer=np.concatenate([np.ones(m, bool), np.zeros(nnz, bool)]), maximize=True)
    ran: list[str] = []
    start: np.ndarray | None = None
    greedy_sites: list[int] = []
    gains: list[float] = []
    sav_bound = float("inf")
    if not capacitated:
        greedy_sites, gains, sav_bound = lazy_greedy(m, state.all_gains, state.gain, state.add, p)
        ran.append("greedy")
        who, _ = assign_median(prob, base, np.asarray(greedy_sites, np.int64))
        start = np.zeros(m + nnz)
        start[greedy_sites] = 1.0
        start[m:] = (who[zi] == zj).astype(float)
        if sav_bound <= float(np.sum(gains)) * (1.0 + 1e-12):  # the online bound proves the greedy optimal
            res = greedy_result(greedy_sites, gains, sav_bound, ["solution proven optimal by the greedy's online "
                                                                 "bound; no MIP needed"], ran)
            res.status, res.bound, res.gap = "optimal", res.objective, 0.0
            return res
    relaxation = solve_relaxation(model, LP_TIME_SHARE * time_limit_s)
    ran.append("lp_relaxation")
    if relaxation.status == "optimal" and not capacitated:
        sav_bound = min(sav_bound, relaxation.objective * (1.0 + 1e-9) + 1e-9)
        if float(np.sum(gains)) >= relaxation.objective - 1e-6 * max(1.0, abs(relaxation.objective)):
            res = greedy_result(greedy_sites, gains, sav_bound, ["solution proven optimal by the LP relaxation "
                                                                 "bound"], ran)
            res.status, res.bound, res.gap = "optimal", res.objective, 0.0
            return res
    solved = solve_guarded(model, time_limit_s, relaxation=relaxation, started=t0)
    mip = solved.mip
    if mip is None or mip.x is None:
        if capacitated:
            why = solved.note or f"HiGHS found no capacitated p-median solution ({mip.status if mip else 'not run'})"
            raise LifecircleInputError(f"{why}. Raise --time-limit (time_limit_s) or give fewer candidates.")
        if mip is not None:
            ran.append("mip")
            if np.isfinite(mip.bound):
                sav_bound = min(sav_bound, mip.bound)
        note = solved.note or f"exact solver found no solution ({mip.status if mip else 'not run'}); greedy result " \
                              "returned"
        return greedy_result(greedy_sites, gains, sav_bound, [note], ran)
    ran.append("mip")
    x = mip.x
    status = mip.status
    if not capacitated and status != "optimal" and mip.objective < float(np.sum(gains)) - 1e-9:
        assert start is not None
        x = start  # the greedy start beats the incumbent found before the time limit
    sites = np.flatnonzero(x[:m] > 0.5)
    z = np.clip(x[m:], 0.0, 1.0)
    if capacitated:
        obj = base_total - float((saving * z).sum())
        served = np.bincount(zj, weights=w[zi] * z, minlength=m)
        served_people = np.bincount(zj, weights=people[zi] * z, minlength=m)
    else:
        who, cur = assign_median(prob, base, sites)
        obj = float((w * cur).sum())
        served = np.bincount(np.where(who >= 0, who, m), weights=w, minlength=m + 1)[:m]
        served_people = np.bincount(np.where(who >= 0, who, m), weights=people, minlength=m + 1)[:m]
        sites = sites[served[sites] > 0]
    order = sites[np.argsort(-served[sites], kind="stable")]
    sav_upper = mip.bound if np.isfinite(mip.bound) else np.inf
    sav_upper = min(sav_upper, sav_bound)  # the greedy's online bound and the LP's hold as well
    bound = obj if status == "optimal" else base_total - sav_upper
    notes = []
    if capacitated:
        notes.append("capacitated: demand may be split between sites; existing facilities are uncapacitated")
    if status != "optimal":
        notes.append(f"time limit reached: best solution found, gap {gap(obj, bound):.2%}")
    return SitingResult(problem="pmedian", sites=order, objective=obj, bound=bound, gap=gap(obj, bound),
                        newly_covered=served[order], newly_covered_people=served_people[order], method="exact",
                        status=status, objective_unit="person-seconds", ran=ran, notes=notes)
