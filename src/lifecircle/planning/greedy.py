"""Lazy greedy siting (Minoux 1978, "accelerated greedy"; Leskovec et al. 2007, CELF), shared by the three models.

For MCLP coverage and the p-median *savings* the objective is monotone submodular, so greedy reaches at least
(1 − 1/e) ≈ 63.2 % of the optimum (SOURCE: Nemhauser, Wolsey & Fisher 1978, Math. Programming 14:265–294). Its
bound is the online bound ``f(S) + Σ top-k marginal gains w.r.t. S`` (SOURCE: Leskovec et al. 2007, KDD, §3
"data-dependent bound"; Minoux 1978), taken at the empty set and at the final set.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import scipy.sparse as sp

from lifecircle.planning.coverage import CoverageProblem
from lifecircle.planning.result import SitingResult, check_k, covered_rate, gap


def lazy_greedy(n_cand: int, all_gains: Callable[[], np.ndarray], gain: Callable[[int], float],
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


class CoverState:
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


def attribute_cover(prob: CoverageProblem, sites: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Order ``sites`` greedily by marginal newly covered people; return (ordered sites, people per site, covered)."""
    state = CoverState(prob)
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
    check_k(k)
    t0 = time.perf_counter()
    state = CoverState(prob)
    picked, gains, bound = lazy_greedy(prob.n_candidates, state.all_gains, state.gain, state.add, k)
    obj = float(np.sum(gains))
    notes = []
    if len(picked) < k:
        notes.append(f"only {len(picked)} candidate(s) newly cover anyone; the other {k - len(picked)} site(s) would "
                     "add nobody and are not proposed")
    return SitingResult(problem="mclp", sites=np.asarray(picked, dtype=np.int64), objective=obj, bound=bound,
                        gap=gap(obj, bound), newly_covered=np.asarray(gains), method="greedy", status="heuristic",
                        objective_unit="people", covered=state.covered, coverage_rate=covered_rate(prob, state.covered),
                        solve_time_s=time.perf_counter() - t0, requested="greedy", ran=["greedy"], notes=notes)


def rank_candidates(prob: CoverageProblem) -> pd.DataFrame:
    """Every candidate ranked by the people it alone would newly cover (existing facilities honoured).

    Returns
    -------
    pandas.DataFrame
        ``rank`` (1 = most), ``candidate`` (row of ``cover``), ``newly_covered_alone`` (people), sorted by rank;
        ties keep the lower candidate index first.
    """
    gains = CoverState(prob).all_gains()
    order = np.lexsort((np.arange(len(gains)), -gains))
    return pd.DataFrame({"rank": np.arange(1, len(gains) + 1), "candidate": order,
                         "newly_covered_alone": gains[order]})
