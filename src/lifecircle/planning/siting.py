"""Where new facilities should go: maximal covering (MCLP), set covering (LSCP) and p-median on sparse coverage.

All solvers take a :class:`~lifecircle.planning.coverage.CoverageProblem` (sparse candidate × demand cover and times)
and honour existing facilities (``already_covered`` / ``existing_cost``). Each returns a :class:`SitingResult` with
the objective, a proven *bound* on the optimum and the relative *gap* between them:

* ``method="exact"`` — a mixed-integer programme solved by HiGHS (``highspy``); the bound is HiGHS's MIP dual bound
  (equal to the objective when proven optimal). For MCLP the solve is staged, cheapest proof first: lazy greedy
  (optimal when its online bound meets it) → LP relaxation by interior point (its value bounds the optimum; its
  ``k`` largest site values are rounded into a second plan; optimal when a plan meets the LP value) → the MIP with
  the time left.
* ``method="greedy"`` — lazy greedy (Minoux 1978, "accelerated greedy"; Leskovec et al. 2007, CELF). For MCLP and the
  p-median *savings* the objective is monotone submodular, so greedy reaches at least (1 − 1/e) ≈ 63.2 % of the optimum
  (SOURCE: Nemhauser, Wolsey & Fisher 1978, Math. Programming 14:265–294). Its bound is the online bound
  ``f(S) + Σ top-k marginal gains w.r.t. S`` (SOURCE: Leskovec et al. 2007, KDD, §3 "data-dependent bound";
  Minoux 1978), taken at the empty set and at the final set.
* ``method="auto"`` — exact when the model is small enough (see ``_EXACT_MAX_NNZ``), else greedy tightened by the LP
  relaxation (up to ``_LP_MAX_NNZ``); when the exact solve stops at the time limit, the best of its incumbent and the
  heuristic plans is returned with the tightest bound. (No warm start: with highspy 1.16, ``setSolution`` makes
  ``getSolution`` return the start vector even when HiGHS reports a better objective.)

Demand points with identical candidate sets are merged before the MIP (their weights add), which leaves the optimum
unchanged and shrinks typical district instances many times.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from lifecircle.errors import LifecircleInputError
from lifecircle.planning._highs import _INF, _solve_mip
from lifecircle.planning.coverage import CoverageProblem

#: Above this many non-zeros in the MIP constraint matrix ``method="auto"`` skips the MIP (an engineering limit for a
#: 2-core machine and a 60 s budget, not a standard: beyond it HiGHS's root simplex may run far past the time limit,
#: which it does not check there).
_EXACT_MAX_NNZ = 500_000
#: Up to this many non-zeros ``method="auto"`` tightens a greedy result with the LP relaxation (interior point).
_LP_MAX_NNZ = 20_000_000
_METHODS = ("auto", "exact", "greedy")


@dataclass
class SitingResult:
    """Chosen sites and how good they provably are.

    Attributes
    ----------
    problem
        ``"mclp"``, ``"lscp"`` or ``"pmedian"``.
    sites
        Chosen candidate indices (rows of ``cover``), ordered by decreasing contribution (greedy order of marginal
        gains).
    objective
        MCLP: people newly covered (or served, when capacitated); LSCP: number of new sites; p-median:
        population-weighted walking time in person-seconds.
    bound
        A proven bound on the optimum: an upper bound for MCLP (maximisation), a lower bound for LSCP and p-median.
    gap
        ``|bound − objective| / max(|objective|, 1e-9)``; 0 when proven optimal.
    newly_covered
        Per site (same order as ``sites``), people: MCLP/LSCP — people the site covers that no existing facility or
        earlier-listed site covers (sums to the newly covered total); capacitated — people the site serves;
        p-median — people for whom the site is the nearest facility and nearer than before.
    method
        ``"exact"`` (the MIP), ``"greedy"`` or ``"lp_rounding"`` (the plan that produced the result).
    status
        ``"optimal"`` (proven, by HiGHS or by the greedy's online bound), ``"time_limit"`` (best found when the time ran out) or ``"heuristic"`` (greedy).
    objective_unit
        ``"people"``, ``"sites"`` or ``"person-seconds"``.
    covered
        ``(n_demand,)`` bool after the plan (existing + new sites) for MCLP/LSCP; None for the p-median.
    coverage_rate
        Share of the total demand weight covered after the plan (0–1); NaN for the p-median.
    notes
        Human-readable remarks (merged demand, sites that add nothing, time limit...).
    """

    problem: str
    sites: np.ndarray
    objective: float
    bound: float
    gap: float
    newly_covered: np.ndarray
    method: str
    status: str
    objective_unit: str
    covered: np.ndarray | None = None
    coverage_rate: float = float("nan")
    solve_time_s: float = 0.0
    notes: list[str] = field(default_factory=list)


def sites_table(res: SitingResult) -> pd.DataFrame:
    """The chosen sites as a table: ``order`` (1 = largest contribution), ``candidate`` (row of ``cover``) and
    ``newly_covered`` (people, see :attr:`SitingResult.newly_covered`)."""
    return pd.DataFrame({"order": np.arange(1, len(res.sites) + 1), "candidate": res.sites,
                         "newly_covered": res.newly_covered})


def rank_candidates(prob: CoverageProblem) -> pd.DataFrame:
    """Every candidate ranked by the people it alone would newly cover (existing facilities honoured).

    Returns
    -------
    pandas.DataFrame
        ``rank`` (1 = most), ``candidate`` (row of ``cover``), ``newly_covered_alone`` (people), sorted by rank;
        ties keep the lower candidate index first.
    """
    gains = _CoverState(prob).all_gains()
    order = np.lexsort((np.arange(len(gains)), -gains))
    return pd.DataFrame({"rank": np.arange(1, len(gains) + 1), "candidate": order,
                         "newly_covered_alone": gains[order]})


def _gap(objective: float, bound: float) -> float:
    if not (np.isfinite(objective) and np.isfinite(bound)):
        return float("inf")
    return abs(bound - objective) / max(abs(objective), 1e-9)


def _check_method(method: str) -> None:
    if method not in _METHODS:
        raise LifecircleInputError(f"method must be one of {', '.join(_METHODS)}; got {method!r}.")


# ---------------------------------------------------------------------------------------------------------------------
# demand reduction
# ---------------------------------------------------------------------------------------------------------------------


@dataclass
class _Groups:
    cover: sp.csr_matrix  # candidates × groups, bool
    weight: np.ndarray  # people per group
    rep: np.ndarray  # one demand index per group
    of_demand: np.ndarray  # group of each demand, −1 when not in the model


def _group_demand(prob: CoverageProblem, keep: np.ndarray) -> _Groups:
    """Merge the demand points in ``keep`` that have the same candidate set; drop those no candidate covers."""
    csc = prob.cover.tocsc()
    csc.sort_indices()
    ptr, idx = csc.indptr, csc.indices
    of_demand = np.full(prob.n_demand, -1, dtype=np.int64)
    keys: dict[bytes, int] = {}
    reps: list[int] = []
    for i in np.flatnonzero(keep & (np.diff(ptr) > 0)):
        key = idx[ptr[i]:ptr[i + 1]].tobytes()
        g = keys.get(key)
        if g is None:
            g = keys[key] = len(reps)
            reps.append(int(i))
        of_demand[i] = g
    rep = np.asarray(reps, dtype=np.int64)
    weight = np.bincount(of_demand[of_demand >= 0], weights=prob.demand_weight[of_demand >= 0],
                         minlength=len(rep)).astype(np.float64)
    cover = csc[:, rep].tocsr() if len(rep) else sp.csr_matrix((prob.n_candidates, 0), dtype=bool)
    cover.sort_indices()
    return _Groups(cover=cover, weight=weight, rep=rep, of_demand=of_demand)


# ---------------------------------------------------------------------------------------------------------------------
# lazy greedy (shared by MCLP, LSCP and p-median)
# ---------------------------------------------------------------------------------------------------------------------


def _lazy_greedy(n_cand: int, all_gains: Callable[[], np.ndarray], gain: Callable[[int], float],
                 add: Callable[[int], None], k: int | None, enough: Callable[[float], bool] | None = None,
                 allowed: np.ndarray | None = None) -> tuple[list[int], list[float], float]:
    """Lazy greedy maximisation of a monotone submodular set function (CELF).

    Returns the picked candidates, their marginal gains, and the online upper bound on the gain any ``k`` sites can
    reach (``min`` over the empty and the final set of ``f(S) + Σ top-k gains``); the bound is ``nan`` without ``k``.
    """
    gains0 = all_gains()
    if allowed is not None:
        gains0 = np.where(allowed, gains0, 0.0)
    bound = float(np.sort(gains0)[::-1][:k].sum()) if k is not None else float("nan")
    heap = [(-g, int(j)) for j, g in enumerate(gains0) if g > 0]
    heapq.heapify(heap)
    picked: list[int] = []
    picked_gain: list[float] = []
    total = 0.0
    while heap and (k is None or len(picked) < k) and not (enough is not None and enough(total)):
        neg, j = heapq.heappop(heap)
        g = gain(j)
        if g <= 0:
            continue
        if not heap or g >= -heap[0][0] - 1e-12 * max(1.0, g):
            add(j)
            picked.append(j)
            picked_gain.append(g)
            total += g
        else:
            heapq.heappush(heap, (-g, j))
    if k is not None:
        gains_end = all_gains()
        if allowed is not None:
            gains_end = np.where(allowed, gains_end, 0.0)
        bound = min(bound, total + float(np.sort(gains_end)[::-1][:k].sum()))
    return picked, picked_gain, bound


class _CoverState:
    """Who is still uncovered, for greedy coverage gains (people)."""

    def __init__(self, prob: CoverageProblem):
        self.cover = prob.cover
        self.cover_f = sp.csr_matrix((np.ones(prob.cover.nnz), prob.cover.indices, prob.cover.indptr),
                                     shape=prob.cover.shape)
        self.open_w = np.where(prob.already_covered, 0.0, prob.demand_weight)
        self.covered = prob.already_covered.copy()

    def all_gains(self) -> np.ndarray:
        return np.asarray(self.cover_f @ self.open_w).ravel()

    def gain(self, j: int) -> float:
        c = self.cover
        return float(self.open_w[c.indices[c.indptr[j]:c.indptr[j + 1]]].sum())

    def add(self, j: int) -> None:
        c = self.cover
        cols = c.indices[c.indptr[j]:c.indptr[j + 1]]
        self.open_w[cols] = 0.0
        self.covered[cols] = True


def _attribute_cover(prob: CoverageProblem, sites: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Order ``sites`` greedily by marginal newly covered people; return (ordered sites, people per site, covered)."""
    state = _CoverState(prob)
    remaining = list(int(s) for s in sites)
    order, gains = [], []
    while remaining:
        g = [state.gain(j) for j in remaining]
        b = int(np.argmax(g))
        j = remaining.pop(b)
        state.add(j)
        order.append(j)
        gains.append(g[b])
    return np.asarray(order, dtype=np.int64), np.asarray(gains, dtype=np.float64), state.covered


# ---------------------------------------------------------------------------------------------------------------------
# MCLP
# ---------------------------------------------------------------------------------------------------------------------


def greedy_mclp(prob: CoverageProblem, k: int) -> SitingResult:
    """Lazy-greedy maximal covering: ``k`` new sites, each time the one newly covering the most people.

    Guarantees at least (1 − 1/e) of the optimum (SOURCE: Nemhauser, Wolsey & Fisher 1978); ``bound`` is the
    Minoux/Leskovec online upper bound. Capacities are ignored here (use ``solve_mclp(..., method="exact")``).

    Parameters
    ----------
    prob
        The instance (``cover``, ``demand_weight`` in people, ``already_covered``).
    k
        Number of new sites (≥ 0).
    """
    _check_k(prob, k)
    t0 = time.perf_counter()
    state = _CoverState(prob)
    picked, gains, bound = _lazy_greedy(prob.n_candidates, state.all_gains, state.gain, state.add, k)
    obj = float(np.sum(gains))
    notes = []
    if len(picked) < k:
        notes.append(f"only {len(picked)} candidate(s) newly cover anyone; the other {k - len(picked)} site(s) would "
                     "add nobody and are not proposed")
    return SitingResult(problem="mclp", sites=np.asarray(picked, dtype=np.int64), objective=obj, bound=bound,
                        gap=_gap(obj, bound), newly_covered=np.asarray(gains), method="greedy", status="heuristic",
                        objective_unit="people", covered=state.covered,
                        coverage_rate=_rate(prob, state.covered), solve_time_s=time.perf_counter() - t0, notes=notes)


def _rate(prob: CoverageProblem, covered: np.ndarray) -> float:
    total = prob.total_weight
    return float(prob.demand_weight[covered].sum() / total) if total > 0 else float("nan")


def _check_k(prob: CoverageProblem, k: int) -> None:
    if not isinstance(k, (int, np.integer)) or k < 0:
        raise LifecircleInputError(f"k must be a whole number of new sites >= 0, got {k!r}.")


def _mclp_model_nnz(g: _Groups, capacitated: bool) -> int:
    nnz = g.cover.nnz
    return 4 * nnz if capacitated else nnz + g.cover.shape[1]


def solve_mclp(prob: CoverageProblem, k: int, method: str = "auto", time_limit_s: float = 60.0) -> SitingResult:
    """Maximal covering location: ``k`` new sites newly covering the most people within the threshold.

    Exact model (Church & ReVelle 1974): maximise ``Σ w_g y_g`` subject to ``y_g ≤ Σ_{j covers g} x_j``,
    ``Σ x_j ≤ k``, ``x`` binary, ``0 ≤ y ≤ 1``, over merged demand groups not already covered. With capacities
    (``prob.capacity``, people) demand may be split between sites: ``z_jg`` (share of group ``g`` served by ``j``),
    ``Σ_j z_jg ≤ 1``, ``Σ_g w_g z_jg ≤ cap_j x_j``, ``z_jg ≤ x_j``, objective ``Σ w_g z_jg`` (people served).

    Parameters
    ----------
    prob
        The instance.
    k
        Number of new sites.
    method
        ``"auto"``, ``"exact"`` (HiGHS MIP) or ``"greedy"`` (lazy greedy; not with capacities).
    time_limit_s
        Seconds HiGHS may spend; at the limit the best solution found is returned with ``status="time_limit"``.
    """
    _check_method(method)
    _check_k(prob, k)
    capacitated = prob.capacity is not None
    if method == "greedy":
        if capacitated:
            raise LifecircleInputError("the greedy MCLP ignores capacities; use method='exact' (or 'auto') when "
                                       "prob.capacity is given.")
        return greedy_mclp(prob, k)
    t0 = time.perf_counter()
    g = _group_demand(prob, ~prob.already_covered)
    if method == "auto" and not capacitated and _mclp_model_nnz(g, capacitated) > _EXACT_MAX_NNZ:
        res = greedy_mclp(prob, k)
        res.notes.append(f"model too large for the exact solver ({_mclp_model_nnz(g, capacitated):,} non-zeros > "
                         f"{_EXACT_MAX_NNZ:,}); greedy used")
        if res.bound <= res.objective * (1.0 + 1e-12):
            return _proven(res, "the greedy's online bound")
        if _mclp_model_nnz(g, capacitated) <= _LP_MAX_NNZ:
            res, _ = _mclp_lp_improve(prob, g, k, res, time_limit_s)
        res.solve_time_s = time.perf_counter() - t0
        return res
    if capacitated:
        return _mclp_capacitated(prob, g, k, time_limit_s, t0)
    return _mclp_exact(prob, g, k, time_limit_s, t0)


def _mclp_model(g: _Groups, k: int) -> dict:
    """The uncapacitated MCLP over merged demand: columns [x (m sites), y (groups)]; rows ``y_g − Σ x_j ≤ 0`` per
    group and ``Σ x_j ≤ k``."""
    m, n_g = g.cover.shape
    useful = np.diff(g.cover.indptr) > 0
    a_y = sp.hstack([-g.cover.T.astype(np.float64), sp.identity(n_g, format="csr")])
    a_k = sp.hstack([sp.csr_matrix(np.ones((1, m))), sp.csr_matrix((1, n_g))])
    return dict(cost=np.concatenate([np.zeros(m), g.weight]), a=sp.vstack([a_y, a_k]).tocsc(),
                row_lower=np.full(n_g + 1, -_INF), row_upper=np.concatenate([np.zeros(n_g), [k]]),
                col_lower=np.zeros(m + n_g), col_upper=np.concatenate([useful.astype(float), np.ones(n_g)]),
                maximize=True)


def _proven(res: SitingResult, how: str) -> SitingResult:
    res.status = "optimal"
    res.bound = res.objective
    res.gap = 0.0
    res.notes.append(f"solution proven optimal by {how}")
    return res


def _mclp_lp_improve(prob: CoverageProblem, g: _Groups, k: int, best: SitingResult,
                     time_limit_s: float) -> tuple[SitingResult, bool]:
    """Tighten ``best`` with the LP relaxation (HiGHS interior point): its value bounds the optimum, and its ``k``
    largest site values give a second plan (kept when it covers more). Returns (result, whether the LP solved)."""
    m = g.cover.shape[0]
    model = _mclp_model(g, k)
    lp = _solve_mip(integer=np.zeros(len(model["cost"]), bool), time_limit_s=time_limit_s,
                    options={"solver": "ipm"}, **model)
    if lp.status != "optimal" or lp.x is None:
        best.notes.append(f"LP relaxation not solved within {time_limit_s:.0f} s; bound from the greedy")
        return best, False
    lp_bound = lp.objective * (1.0 + 1e-9) + 1e-9  # HiGHS tolerances: never report a bound below the optimum
    xs = lp.x[:m]
    top = np.argsort(-xs, kind="stable")[:k]
    top = top[xs[top] > 1e-6]
    order, gains, covered = _attribute_cover(prob, top)
    keep = gains > 0
    order, gains = order[keep], gains[keep]
    if gains.sum() > best.objective + 1e-9:
        best = SitingResult(problem="mclp", sites=order, objective=float(gains.sum()), bound=best.bound, gap=0.0,
                            newly_covered=gains, method="lp_rounding", status="heuristic", objective_unit="people",
                            covered=covered, coverage_rate=_rate(prob, covered), notes=list(best.notes))
    best.bound = min(best.bound, lp_bound)
    best.gap = _gap(best.objective, best.bound)
    best.notes.append(f"LP relaxation bound {lp.objective:,.1f} people")
    if best.objective >= lp.objective - 1e-6 * max(1.0, abs(lp.objective)):
        return _proven(best, "the LP relaxation bound"), True
    return best, True


def _mclp_exact(prob: CoverageProblem, g: _Groups, k: int, time_limit_s: float, t0: float) -> SitingResult:
    m = g.cover.shape[0]
    best = greedy_mclp(prob, k)
    if best.bound <= best.objective * (1.0 + 1e-12):  # the online bound proves the greedy optimal
        return _proven(best, "the greedy's online bound; no MIP needed")
    best, lp_solved = _mclp_lp_improve(prob, g, k, best, time_limit_s / 2.0)
    if best.status == "optimal":
        best.solve_time_s = time.perf_counter() - t0
        return best
    if not lp_solved:
        # the MIP's root is this LP solved by simplex, which HiGHS does not interrupt at the time limit
        best.notes.append("MIP skipped: its LP relaxation did not solve in time; the gap is reported")
        best.solve_time_s = time.perf_counter() - t0
        return best
    left = max(time_limit_s - (time.perf_counter() - t0), 0.0)
    res = _solve_mip(integer=np.concatenate([np.ones(m, bool), np.zeros(g.cover.shape[1], bool)]),
                     time_limit_s=left, **_mclp_model(g, k))
    return _finish_cover("mclp", prob, res, m, best, t0)


def _finish_cover(problem: str, prob: CoverageProblem, res, m: int, greedy: SitingResult | None,
                  t0: float) -> SitingResult:
    """Turn a MIP result over site variables into a SitingResult (uncapacitated MCLP/LSCP)."""
    notes: list[str] = list(greedy.notes) if greedy is not None else []
    if res.x is None:
        if greedy is None:
            raise LifecircleInputError(f"HiGHS found no solution within the time limit ({res.status}); raise "
                                       "time_limit_s or use method='greedy'.")
        if problem == "mclp" and np.isfinite(res.bound):
            greedy.bound = min(greedy.bound, res.bound)
            greedy.gap = _gap(greedy.objective, greedy.bound)
        greedy.notes.append(f"exact solver found no solution ({res.status}); greedy result returned")
        return greedy
    sites = np.flatnonzero(res.x[:m] > 0.5)
    order, gains, covered = _attribute_cover(prob, sites)
    keep = gains > 0
    if problem == "mclp" and not keep.all():
        notes.append(f"{int((~keep).sum())} chosen site(s) added nobody and were dropped")
        order, gains = order[keep], gains[keep]
    obj = float(gains.sum()) if problem == "mclp" else float(len(order))
    bound = res.bound
    if problem == "mclp":
        bound = min(bound, greedy.bound) if greedy is not None else bound
        if greedy is not None and greedy.objective > obj + 1e-9:
            greedy.bound = min(bound, greedy.bound)
            greedy.gap = _gap(greedy.objective, greedy.bound)
            greedy.notes.append("exact solver stopped at the time limit with a worse solution; greedy returned")
            return greedy
    if res.status == "optimal":
        bound = obj
    else:
        bound = float(np.ceil(bound - 1e-6)) if problem == "lscp" else bound
        notes.append(f"time limit reached: best solution found, gap {_gap(obj, bound):.2%}")
    return SitingResult(problem=problem, sites=order, objective=obj, bound=bound, gap=_gap(obj, bound),
                        newly_covered=gains, method="exact", status=res.status,
                        objective_unit="people" if problem == "mclp" else "sites", covered=covered,
                        coverage_rate=_rate(prob, covered), solve_time_s=time.perf_counter() - t0, notes=notes)


def _capacity_model(g: _Groups, cap: np.ndarray):
    """Shared rows of the capacitated models over variables [x (m), z (nnz of g.cover, CSR order)].

    Returns (A rows, row_lower, row_upper, zj, zg): per group ``Σ_j z_jg ≤ 1``; per site ``Σ_g w_g z_jg − cap_j x_j
    ≤ 0``; per pair ``z_jg − x_j ≤ 0``.
    """
    m, n_g = g.cover.shape
    nnz = g.cover.nnz
    zj = np.repeat(np.arange(m), np.diff(g.cover.indptr))
    zg = g.cover.indices.astype(np.int64)
    zcol = m + np.arange(nnz)
    rows, cols, vals = [], [], []
    # per group
    rows.append(zg); cols.append(zcol); vals.append(np.ones(nnz))
    # per site capacity
    rows.append(n_g + zj); cols.append(zcol); vals.append(g.weight[zg])
    rows.append(n_g + np.arange(m)); cols.append(np.arange(m)); vals.append(-cap)
    # linking
    r0 = n_g + m
    rows.append(r0 + np.arange(nnz)); cols.append(zcol); vals.append(np.ones(nnz))
    rows.append(r0 + np.arange(nnz)); cols.append(zj); vals.append(-np.ones(nnz))
    n_rows = n_g + m + nnz
    a = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_rows, m + nnz))
    lo = np.full(n_rows, -_INF)
    hi = np.concatenate([np.ones(n_g), np.zeros(m), np.zeros(nnz)])
    return a, lo, hi, zj, zg


def _finish_capacitated(problem: str, prob: CoverageProblem, g: _Groups, res, zj: np.ndarray, zg: np.ndarray,
                        t0: float) -> SitingResult:
    m = prob.n_candidates
    if res.x is None:
        raise LifecircleInputError(f"HiGHS found no capacitated solution ({res.status}); raise time_limit_s, or "
                                   "check that capacities can serve the target.")
    x = res.x[:m] > 0.5
    z = np.clip(res.x[m:], 0.0, 1.0)
    served = np.bincount(zj, weights=z * g.weight[zg], minlength=m)
    sites = np.flatnonzero(x)
    order = sites[np.argsort(-served[sites], kind="stable")]
    share = np.bincount(zg, weights=z, minlength=len(g.weight))
    covered = prob.already_covered.copy()
    in_model = g.of_demand >= 0
    covered[in_model] |= share[g.of_demand[in_model]] >= 1.0 - 1e-6
    obj = float(served[order].sum()) if problem == "mclp" else float(len(order))
    bound = obj if res.status == "optimal" else (res.bound if problem == "mclp" else float(np.ceil(res.bound - 1e-6)))
    notes = ["capacitated: demand may be split between sites; 'covered' marks demand served in full"]
    if res.status != "optimal":
        notes.append(f"time limit reached: best solution found, gap {_gap(obj, bound):.2%}")
    total = prob.total_weight
    rate = float((prob.covered_weight + served.sum()) / total) if total > 0 else float("nan")
    return SitingResult(problem=problem, sites=order, objective=obj, bound=bound, gap=_gap(obj, bound),
                        newly_covered=served[order], method="exact", status=res.status, objective_unit=(
                            "people" if problem == "mclp" else "sites"), covered=covered, coverage_rate=rate,
                        solve_time_s=time.perf_counter() - t0, notes=notes)


def _mclp_capacitated(prob: CoverageProblem, g: _Groups, k: int, time_limit_s: float, t0: float) -> SitingResult:
    m = prob.n_candidates
    a, lo, hi, zj, zg = _capacity_model(g, prob.capacity)
    nnz = len(zj)
    a = sp.vstack([a, sp.hstack([sp.csr_matrix(np.ones((1, m))), sp.csr_matrix((1, nnz))])]).tocsc()
    res = _solve_mip(cost=np.concatenate([np.zeros(m), g.weight[zg]]), a=a, row_lower=np.append(lo, -_INF),
                     row_upper=np.append(hi, k), col_lower=np.zeros(m + nnz), col_upper=np.ones(m + nnz),
                     integer=np.concatenate([np.ones(m, bool), np.zeros(nnz, bool)]), maximize=True,
                     time_limit_s=time_limit_s)
    return _finish_capacitated("mclp", prob, g, res, zj, zg, t0)


# ---------------------------------------------------------------------------------------------------------------------
# LSCP
# ---------------------------------------------------------------------------------------------------------------------


def solve_lscp(prob: CoverageProblem, target_rate: float = 1.0, method: str = "auto",
               time_limit_s: float = 60.0) -> SitingResult:
    """Location set covering: the fewest new sites so that ``target_rate`` of all people are covered.

    Exact model (Toregas et al. 1971, generalised to a coverage target): minimise ``Σ x_j`` subject to
    ``y_g ≤ Σ_{j covers g} x_j`` and ``Σ w_g y_g ≥ target_rate·W − W_existing`` (people; ``W`` total weight,
    ``W_existing`` already covered), ``x`` binary. With capacities the served shares ``z_jg`` replace ``y`` as in
    :func:`solve_mclp`. The greedy (Chvátal 1979: within ``H(max set size)`` of the optimum) adds the site covering
    most until the target is met; its bound is the fewest sites whose largest single gains could reach the target.

    Parameters
    ----------
    prob
        The instance.
    target_rate
        Share of the total demand weight (0–1) to cover, existing facilities included; 1.0 = everybody.
    method
        ``"auto"``, ``"exact"`` or ``"greedy"`` (not with capacities).
    time_limit_s
        Seconds HiGHS may spend.

    Raises
    ------
    LifecircleInputError
        When the target cannot be reached even with every candidate (the message gives the reachable rate).
    """
    _check_method(method)
    if not (0.0 <= target_rate <= 1.0):
        raise LifecircleInputError(f"target_rate must be a share between 0 and 1 (e.g. 0.9), got {target_rate}.")
    t0 = time.perf_counter()
    total = prob.total_weight
    need = target_rate * total - prob.covered_weight
    tol = 1e-9 * max(total, 1.0)
    g = _group_demand(prob, ~prob.already_covered)
    reachable = float(g.weight.sum())
    capacitated = prob.capacity is not None
    if capacitated:
        reachable = min(reachable, float(prob.capacity.sum()))
    if need > reachable + tol:
        best = (prob.covered_weight + reachable) / total
        raise LifecircleInputError(
            f"target_rate {target_rate:.3f} cannot be reached: even opening every candidate covers at most "
            f"{best:.4f} of the population{' (capacities included)' if capacitated else ''}. Lower target_rate, "
            "add candidates or raise the threshold.")
    if need <= tol:
        covered = prob.already_covered.copy()
        return SitingResult(problem="lscp", sites=np.zeros(0, np.int64), objective=0.0, bound=0.0, gap=0.0,
                            newly_covered=np.zeros(0), method="exact" if method != "greedy" else "greedy",
                            status="optimal", objective_unit="sites", covered=covered,
                            coverage_rate=_rate(prob, covered), solve_time_s=time.perf_counter() - t0,
                            notes=["existing facilities already reach the target"])
    need_row = need - tol
    if method == "greedy" or (method == "auto" and not capacitated and g.cover.nnz + len(g.weight) > _EXACT_MAX_NNZ):
        if capacitated:
            raise LifecircleInputError("the greedy LSCP ignores capacities; use method='exact' (or 'auto') when "
                                       "prob.capacity is given.")
        res = _greedy_lscp(prob, need_row, t0)
        if method == "auto":
            res.notes.append("model too large for the exact solver; greedy used")
        return res
    m, n_g = g.cover.shape
    if capacitated:
        a, lo, hi, zj, zg = _capacity_model(g, prob.capacity)
        nnz = len(zj)
        a = sp.vstack([a, sp.hstack([sp.csr_matrix((1, m)), sp.csr_matrix(g.weight[zg][None, :])])]).tocsc()
        res = _solve_mip(cost=np.concatenate([np.ones(m), np.zeros(nnz)]), a=a, row_lower=np.append(lo, need_row),
                         row_upper=np.append(hi, _INF), col_lower=np.zeros(m + nnz), col_upper=np.ones(m + nnz),
                         integer=np.concatenate([np.ones(m, bool), np.zeros(nnz, bool)]), maximize=False,
                         time_limit_s=time_limit_s)
        return _finish_capacitated("lscp", prob, g, res, zj, zg, t0)
    greedy = _greedy_lscp(prob, need_row, t0)
    a_y = sp.hstack([-g.cover.T.astype(np.float64), sp.identity(n_g, format="csr")])
    a_t = sp.hstack([sp.csr_matrix((1, m)), sp.csr_matrix(g.weight[None, :])])
    a = sp.vstack([a_y, a_t]).tocsc()
    useful = np.diff(g.cover.indptr) > 0
    res = _solve_mip(cost=np.concatenate([np.ones(m), np.zeros(n_g)]), a=a,
                     row_lower=np.concatenate([np.full(n_g, -_INF), [need_row]]),
                     row_upper=np.concatenate([np.zeros(n_g), [_INF]]), col_lower=np.zeros(m + n_g),
                     col_upper=np.concatenate([useful.astype(float), np.ones(n_g)]),
                     integer=np.concatenate([np.ones(m, bool), np.zeros(n_g, bool)]), maximize=False,
                     time_limit_s=time_limit_s)
    if res.x is None:  # nothing found in time: the greedy plan, with the better of the two lower bounds
        if np.isfinite(res.bound):
            greedy.bound = max(greedy.bound, float(np.ceil(res.bound - 1e-6)))
        greedy.gap = _gap(greedy.objective, greedy.bound)
        greedy.notes.append(f"exact solver found no solution ({res.status}); greedy result returned")
        return greedy
    out = _finish_cover("lscp", prob, res, m, None, t0)
    if out.objective > greedy.objective:  # time limit with a worse incumbent than the greedy start
        greedy.bound = max(greedy.bound, out.bound)
        greedy.gap = _gap(greedy.objective, greedy.bound)
        return greedy
    out.bound = max(out.bound, greedy.bound) if out.status != "optimal" else out.bound
    out.gap = _gap(out.objective, out.bound)
    return out


def _greedy_lscp(prob: CoverageProblem, need: float, t0: float) -> SitingResult:
    state = _CoverState(prob)
    gains0 = state.all_gains()
    top = np.cumsum(np.sort(gains0)[::-1])
    lower = float(np.searchsorted(top, need) + 1) if need > 0 else 0.0
    picked, gains, _ = _lazy_greedy(prob.n_candidates, state.all_gains, state.gain, state.add, None,
                                    enough=lambda total: total >= need)
    obj = float(len(picked))
    return SitingResult(problem="lscp", sites=np.asarray(picked, dtype=np.int64), objective=obj, bound=lower,
                        gap=_gap(obj, lower), newly_covered=np.asarray(gains), method="greedy", status="heuristic",
                        objective_unit="sites", covered=state.covered, coverage_rate=_rate(prob, state.covered),
                        solve_time_s=time.perf_counter() - t0)


# ---------------------------------------------------------------------------------------------------------------------
# p-median
# ---------------------------------------------------------------------------------------------------------------------


def _baseline_time(prob: CoverageProblem, unreached_s: float | None) -> np.ndarray:
    """Seconds each demand walks before any new site: its existing facility, capped at the unreached charge."""
    if unreached_s is None:
        if prob.cost_limit_s is not None:
            unreached_s = prob.cost_limit_s
        elif prob.cost.nnz:
            unreached_s = float(prob.cost.data.max())
        else:
            unreached_s = 0.0
    base = np.full(prob.n_demand, float(unreached_s))
    if prob.existing_cost is not None:
        base = np.minimum(base, prob.existing_cost)
    return base


class _MedianState:
    """Current walking time per demand, for greedy p-median savings (person-seconds)."""

    def __init__(self, prob: CoverageProblem, base: np.ndarray):
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


def _assign_median(prob: CoverageProblem, base: np.ndarray, sites: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest chosen site (−1 = keep the baseline) and resulting seconds per demand."""
    cur = base.copy()
    who = np.full(prob.n_demand, -1, dtype=np.int64)
    c = prob.cost
    for j in sites:
        sl = slice(c.indptr[j], c.indptr[j + 1])
        cols = c.indices[sl]
        better = c.data[sl] < cur[cols]
        cur[cols[better]] = c.data[sl][better]
        who[cols[better]] = j
    return who, cur


def solve_pmedian(prob: CoverageProblem, p: int, method: str = "auto", time_limit_s: float = 60.0,
                  unreached_s: float | None = None) -> SitingResult:
    """p-median: ``p`` new sites minimising the population-weighted walking time to the nearest facility.

    Each demand walks to the nearest of its existing facility (``prob.existing_cost``) and the new sites; demand that
    nothing reaches within the search is charged ``unreached_s`` seconds (default ``prob.cost_limit_s``, else the
    largest stored time). Exact model (ReVelle & Swain 1970) on the stored pairs that beat the baseline: maximise the
    savings ``Σ w_i (b_i − c_ij) z_ij`` with ``Σ_j z_ij ≤ 1``, ``z_ij ≤ x_j``, ``Σ x_j ≤ p`` (+ ``Σ_i w_i z_ij ≤
    cap_j x_j`` with capacities; existing facilities are uncapacitated). Greedy: lazy greedy on the savings, which are
    monotone submodular (SOURCE: Nemhauser, Wolsey & Fisher 1978), so savings ≥ (1 − 1/e) of the best.

    Parameters
    ----------
    prob
        The instance; needs ``prob.cost`` (seconds).
    p
        Number of new sites.
    method
        ``"auto"``, ``"exact"`` or ``"greedy"`` (not with capacities).
    time_limit_s
        Seconds HiGHS may spend.
    unreached_s
        Seconds charged to demand no facility reaches within the search.

    Returns
    -------
    SitingResult
        ``objective`` in person-seconds (total, baseline included), ``bound`` a lower bound on it.
    """
    _check_method(method)
    _check_k(prob, p)
    if prob.cost is None:
        raise LifecircleInputError("the p-median needs walking times: build the CoverageProblem with cost= (sparse "
                                   "seconds, e.g. from times_from_graph or coverage_from_network).")
    capacitated = prob.capacity is not None
    t0 = time.perf_counter()
    base = _baseline_time(prob, unreached_s)
    w = prob.demand_weight
    base_total = float((w * base).sum())
    state = _MedianState(prob, base)
    c = sp.coo_matrix(prob.cost)
    useful = (c.data < base[c.col]) & (w[c.col] > 0)
    nnz = int(useful.sum())
    if method == "greedy" or (method == "auto" and not capacitated and 3 * nnz > _EXACT_MAX_NNZ):
        if capacitated:
            raise LifecircleInputError("the greedy p-median ignores capacities; use method='exact' (or 'auto') when "
                                       "prob.capacity is given.")
        picked, gains, sav_bound = _lazy_greedy(prob.n_candidates, state.all_gains, state.gain, state.add, p)
        obj = base_total - float(np.sum(gains))
        who, _ = _assign_median(prob, base, np.asarray(picked, np.int64))
        served = np.array([w[who == j].sum() for j in picked])
        bound = base_total - sav_bound
        return SitingResult(problem="pmedian", sites=np.asarray(picked, np.int64), objective=obj, bound=bound,
                            gap=_gap(obj, bound), newly_covered=served, method="greedy", status="heuristic",
                            objective_unit="person-seconds", solve_time_s=time.perf_counter() - t0,
                            notes=[] if method == "greedy" else ["model too large for the exact solver; greedy used"])
    m = prob.n_candidates
    zj, zi, zc = c.row[useful].astype(np.int64), c.col[useful].astype(np.int64), c.data[useful]
    # compact demand indices to those with at least one useful pair
    dem, zi_c = np.unique(zi, return_inverse=True)
    n_d = len(dem)
    zcol = m + np.arange(nnz)
    rows = [zi_c, n_d + np.arange(nnz), n_d + np.arange(nnz), np.full(m, n_d + nnz)]
    cols = [zcol, zcol, zj, np.arange(m)]
    vals = [np.ones(nnz), np.ones(nnz), -np.ones(nnz), np.ones(m)]
    n_rows = n_d + nnz + 1
    hi = np.concatenate([np.ones(n_d), np.zeros(nnz), [p]])
    if capacitated:
        rows += [n_rows + zj, n_rows + np.arange(m)]
        cols += [zcol, np.arange(m)]
        vals += [w[zi], -prob.capacity]
        n_rows += m
        hi = np.concatenate([hi, np.zeros(m)])
    a = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_rows, m + nnz))
    saving = w[zi] * (base[zi] - zc)
    start = None
    greedy_sites: list[int] = []
    if not capacitated:
        greedy_sites, gains, sav_bound = _lazy_greedy(m, state.all_gains, state.gain, state.add, p)
        who, _ = _assign_median(prob, base, np.asarray(greedy_sites, np.int64))
        start = np.zeros(m + nnz)
        start[greedy_sites] = 1.0
        start[m:] = (who[zi] == zj).astype(float)
    res = _solve_mip(cost=np.concatenate([np.zeros(m), saving]), a=a.tocsc(), row_lower=np.full(n_rows, -_INF),
                     row_upper=hi, col_lower=np.zeros(m + nnz), col_upper=np.ones(m + nnz),
                     integer=np.concatenate([np.ones(m, bool), np.zeros(nnz, bool)]), maximize=True,
                     time_limit_s=time_limit_s)
    if res.x is None and capacitated:
        raise LifecircleInputError(f"HiGHS found no capacitated p-median solution ({res.status}); raise "
                                   "time_limit_s.")
    if res.x is None:  # nothing found in time: fall back to the greedy plan
        res.x = start.copy()
        res.objective = float(np.sum(gains))
        res.status = "time_limit"
        if not np.isfinite(res.bound):
            res.bound = sav_bound
    if not capacitated and res.status != "optimal" and res.objective < float(np.sum(gains)) - 1e-9:
        res.x[:m] = start[:m]  # the greedy start beats the incumbent found before the time limit
    sites = np.flatnonzero(res.x[:m] > 0.5)
    z = np.clip(res.x[m:], 0.0, 1.0)
    if capacitated:
        obj = base_total - float((saving * z).sum())
        served = np.bincount(zj, weights=w[zi] * z, minlength=m)
    else:
        who, cur = _assign_median(prob, base, sites)
        obj = float((w * cur).sum())
        served = np.bincount(np.where(who >= 0, who, m), weights=w, minlength=m + 1)[:m]
    sites = sites[served[sites] > 0] if not capacitated else sites
    order = sites[np.argsort(-served[sites], kind="stable")]
    sav_upper = res.bound if np.isfinite(res.bound) else np.inf
    if not capacitated:
        sav_upper = min(sav_upper, sav_bound)  # the greedy's online bound holds as well
    bound = obj if res.status == "optimal" else base_total - sav_upper
    notes = []
    if capacitated:
        notes.append("capacitated: demand may be split between sites; existing facilities are uncapacitated")
    if res.status != "optimal":
        notes.append(f"time limit reached: best solution found, gap {_gap(obj, bound):.2%}")
    return SitingResult(problem="pmedian", sites=order, objective=obj, bound=bound, gap=_gap(obj, bound),
                        newly_covered=served[order], method="exact", status=res.status,
                        objective_unit="person-seconds", solve_time_s=time.perf_counter() - t0, notes=notes)
