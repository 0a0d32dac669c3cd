"""The pieces the two covering models (MCLP and LSCP) share: reading a MIP's site variables back into a plan, and
the capacitated model (demand may be split between sites; each site serves at most its capacity, in people)."""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from lifecircle.errors import LifecircleInputError
from lifecircle.planning._highs import _INF, _MipResult
from lifecircle.planning.coverage import CoverageProblem
from lifecircle.planning.greedy import CoverState, attribute_cover
from lifecircle.planning.groups import DemandGroups
from lifecircle.planning.result import SitingResult, covered_rate, gap


def marginal_people(prob: CoverageProblem, sites: np.ndarray) -> np.ndarray:
    """People each site newly covers, taking ``sites`` in the given order (existing facilities and earlier sites
    first): the people behind :attr:`SitingResult.newly_covered` when the plan's weight is not people."""
    people = prob.people
    open_people = np.where(prob.already_covered, 0.0, people)
    out = np.zeros(len(sites))
    c = prob.cover
    for n, j in enumerate(np.asarray(sites, np.int64)):
        cols = c.indices[c.indptr[j]:c.indptr[j + 1]]
        out[n] = float(open_people[cols].sum())
        open_people[cols] = 0.0
    return out


def finish_plan(prob: CoverageProblem, res: SitingResult, method: str, t0: float) -> SitingResult:
    """Record on a covering plan the method asked, the people behind each site and the time spent since ``t0``."""
    res.requested = method
    if res.newly_covered_people is None:
        res.newly_covered_people = marginal_people(prob, res.sites)
    res.solve_time_s = time.perf_counter() - t0
    return res


def uncapacitated_rate(prob: CoverageProblem, sites: np.ndarray) -> float:
    """Share (0–1) of the demand weight the sites and the existing facilities would cover with no capacity limit."""
    state = CoverState(prob)
    for j in np.asarray(sites, np.int64):
        state.add(int(j))
    return covered_rate(prob, state.covered)


def finish_cover(problem: str, prob: CoverageProblem, res: _MipResult, m: int, greedy: SitingResult | None,
                 t0: float) -> SitingResult:
    """Turn a MIP result over site variables into a SitingResult (uncapacitated MCLP/LSCP); ``greedy`` is the
    heuristic plan kept when the MIP found nothing better."""
    notes: list[str] = list(greedy.notes) if greedy is not None else []
    ran = list(greedy.ran) if greedy is not None else []
    if "mip" not in ran:
        ran.append("mip")
    if res.x is None:
        if greedy is None:
            raise LifecircleInputError(f"HiGHS found no solution within the time limit ({res.status}); raise "
                                       "time_limit_s or use method='greedy'.")
        if problem == "mclp" and np.isfinite(res.bound):
            greedy.bound = min(greedy.bound, res.bound)
            greedy.gap = gap(greedy.objective, greedy.bound)
        greedy.ran = ran
        greedy.notes.append(f"exact solver found no solution ({res.status}); greedy result returned")
        return greedy
    sites = np.flatnonzero(res.x[:m] > 0.5)
    order, gains, covered = attribute_cover(prob, sites)
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
            greedy.gap = gap(greedy.objective, greedy.bound)
            greedy.ran = ran
            greedy.notes.append("exact solver stopped at the time limit with a worse solution; greedy returned")
            return greedy
    if res.status == "optimal":
        bound = obj
    else:
        bound = float(np.ceil(bound - 1e-6)) if problem == "lscp" else bound
        notes.append(f"time limit reached: best solution found, gap {gap(obj, bound):.2%}")
    return SitingResult(problem=problem, sites=order, objective=obj, bound=bound, gap=gap(obj, bound),
                        newly_covered=gains, method="exact", status=res.status,
                        objective_unit="people" if problem == "mclp" else "sites", covered=covered,
                        coverage_rate=covered_rate(prob, covered), solve_time_s=time.perf_counter() - t0,
                        ran=ran, notes=notes)


def capacity_model(g: DemandGroups, cap: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, np.ndarray,
                                                              np.ndarray]:
    """Shared rows of the capacitated models over variables [x (m), z (nnz of g.cover, CSR order)].

    Returns (A rows, row_lower, row_upper, zj, zg): per group ``Σ_j z_jg ≤ 1``; per site ``Σ_g p_g z_jg − cap_j x_j
    ≤ 0`` (``p_g`` people, the unit of capacities); per pair ``z_jg − x_j ≤ 0``.
    """
    m, n_g = g.cover.shape
    nnz = g.cover.nnz
    zj = np.repeat(np.arange(m), np.diff(g.cover.indptr))
    zg = g.cover.indices.astype(np.int64)
    zcol = m + np.arange(nnz)
    rows, cols, vals = [], [], []
    # per group
    rows.append(zg)
    cols.append(zcol)
    vals.append(np.ones(nnz))
    # per site capacity, in people
    rows.append(n_g + zj)
    cols.append(zcol)
    vals.append(g.people[zg])
    rows.append(n_g + np.arange(m))
    cols.append(np.arange(m))
    vals.append(-cap)
    # linking
    r0 = n_g + m
    rows.append(r0 + np.arange(nnz))
    cols.append(zcol)
    vals.append(np.ones(nnz))
    rows.append(r0 + np.arange(nnz))
    cols.append(zj)
    vals.append(-np.ones(nnz))
    n_rows = n_g + m + nnz
    a = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_rows, m + nnz))
    lo = np.full(n_rows, -_INF)
    hi = np.concatenate([np.ones(n_g), np.zeros(m), np.zeros(nnz)])
    return a, lo, hi, zj, zg


def finish_capacitated(problem: str, prob: CoverageProblem, g: DemandGroups, res: _MipResult | None, zj: np.ndarray,
                       zg: np.ndarray, t0: float, note: str = "") -> SitingResult:
    """Turn a capacitated MIP result into a SitingResult: ``newly_covered`` is the weight each site serves, and
    ``coverage_rate`` the share the assignment achieves (``coverage_rate_uncapacitated`` beside it)."""
    m = prob.n_candidates
    if res is None or res.x is None:
        why = note or f"HiGHS found no capacitated solution ({res.status if res is not None else 'not run'})"
        raise LifecircleInputError(f"{why}. Raise --time-limit (time_limit_s), give fewer candidates, or check that "
                                   "the capacities can serve the target.")
    x = res.x[:m] > 0.5
    z = np.clip(res.x[m:], 0.0, 1.0)
    served = np.bincount(zj, weights=z * g.weight[zg], minlength=m)
    served_people = np.bincount(zj, weights=z * g.people[zg], minlength=m)
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
        notes.append(f"time limit reached: best solution found, gap {gap(obj, bound):.2%}")
    total = prob.total_weight
    rate = float((prob.covered_weight + served.sum()) / total) if total > 0 else float("nan")
    return SitingResult(problem=problem, sites=order, objective=obj, bound=bound, gap=gap(obj, bound),
                        newly_covered=served[order], method="exact", status=res.status,
                        objective_unit="people" if problem == "mclp" else "sites", covered=covered,
                        coverage_rate=rate, coverage_rate_uncapacitated=uncapacitated_rate(prob, order),
                        newly_covered_people=served_people[order], solve_time_s=time.perf_counter() - t0,
                        ran=["lp_relaxation", "mip"], notes=notes)
