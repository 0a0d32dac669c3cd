"""Capacity-aware access: the two-step floating catchment area family (2SFCA, E2SFCA).

SOURCE: Luo & Wang 2003, "Measures of spatial accessibility to health care in a GIS environment", Environment and
Planning B 30(6) (2SFCA); Luo & Qi 2009, "An enhanced two-step floating catchment area (E2SFCA) method", Health &
Place 15(4) (distance-decay weights in both steps).

Step 1, per facility j: ``R_j = S_j / Σ_k P_k·W(t_kj)`` over origins k with ``t_kj ≤ threshold``.
Step 2, per origin i and category c: ``A_ic = Σ_j R_j·W(t_ij)`` over facilities j of category c within the threshold.
With ``W ≡ 1`` (no decay) this is the 2SFCA. Both steps are bounded searches from the facilities reduced on the fly:
no origin × facility matrix is ever formed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lifecircle.engine.catchment import Catchments, run_catchments
from lifecircle.engine.counts import DEFAULT_THRESHOLDS_S, CountsResult, check_thresholds
from lifecircle.engine.decay import Decay
from lifecircle.engine.graph import Graph, Points
from lifecircle.engine.kernels import MODE_FCA
from lifecircle.engine.nearest import NearestResult, nearest_resumed
from lifecircle.engine.prepare import check_categories, legs_on, per_point
from lifecircle.errors import LifecircleInputError


@dataclass
class FcaResult:
    """``access`` (n_origins, C): supply per person reachable (capacity units per person, e.g. beds per resident);
    ``ratio`` (n_facilities,): supply/demand ``R_j`` (NaN when nobody with population lies in its catchment — such a
    facility adds nothing to any origin); ``demand`` (n_facilities,): the (decay-weighted) population it serves."""

    access: np.ndarray
    ratio: np.ndarray
    demand: np.ndarray


def _fca_args(origins: Points, population, facilities: Points, capacity, threshold, decay: Decay | None):
    """Checked ``(population, capacity, threshold, decay)`` of a 2SFCA (the decay's cutoff becomes ``threshold``)."""
    try:
        threshold = float(threshold)
    except (TypeError, ValueError) as exc:
        raise LifecircleInputError(f"threshold must be a number of seconds or metres, got {threshold!r}.") from exc
    if not np.isfinite(threshold) or threshold < 0:
        raise LifecircleInputError(f"threshold must be finite and >= 0, got {threshold}.")
    if decay is None:
        decay = Decay("step", cutoff=threshold)
    elif not isinstance(decay, Decay):
        raise LifecircleInputError("decay must be None or a lifecircle.engine.Decay.")
    pop = per_point("population", population, len(origins))
    cap = per_point("capacity", capacity, len(facilities))
    return pop, cap, threshold, decay


def _fca_result(got: Catchments, cap: np.ndarray) -> FcaResult:
    access, demand = got.sums, got.demand
    assert access is not None and demand is not None
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(demand > 0, cap / demand, np.nan)
    return FcaResult(access, ratio, demand)


def two_step_fca(g: Graph, origins: Points, population, facilities: Points, capacity, category, n_categories: int,
                 threshold: float, decay: Decay | None = None) -> FcaResult:
    """2SFCA (``decay=None``: a step at ``threshold``) or E2SFCA (with ``decay``; its cutoff becomes ``threshold``).

    Parameters
    ----------
    population
        People per origin (≥ 0).
    capacity
        Supply per facility (places, beds, doctors, m²; ≥ 0).
    threshold
        Catchment size, seconds (or metres on a ``length_m`` graph), inclusive.
    decay
        Optional :class:`Decay`; its kind and scale weight both steps, cut at ``threshold``.
    """
    pop, cap, threshold, decay = _fca_args(origins, population, facilities, capacity, threshold, decay)
    cat = check_categories(category, len(facilities), n_categories)
    got = run_catchments(g, origins, facilities, cat, int(n_categories), cap, sums=MODE_FCA, kind=decay.code,
                         scale=decay.scale or 1.0, cutoff=threshold, o_weight=pop)
    return _fca_result(got, cap)


def counts_and_fca(g: Graph, origins: Points, population, facilities: Points, capacity, category, n_categories: int,
                   thresholds=DEFAULT_THRESHOLDS_S, threshold: float = 600.0,
                   decay: Decay | None = None) -> tuple[CountsResult, FcaResult]:
    """:func:`~lifecircle.engine.counts_within` with capacities and :func:`two_step_fca` from the same searches.

    Each facility point is searched once, bounded by the larger of the largest count threshold and the 2SFCA
    catchment ``threshold``; the results equal the two functions' (counts exactly, sums to rounding). A planner's
    capacity table — how many schools within 5/10/15 minutes, how many places per child — costs one set of searches
    instead of two.
    """
    pop, cap, threshold, decay = _fca_args(origins, population, facilities, capacity, threshold, decay)
    cat = check_categories(category, len(facilities), n_categories)
    thr = check_thresholds(thresholds)
    got = run_catchments(g, origins, facilities, cat, int(n_categories), cap, thresholds=thr, with_capacity=True,
                         sums=MODE_FCA, kind=decay.code, scale=decay.scale or 1.0, cutoff=threshold, o_weight=pop)
    assert got.count is not None
    return CountsResult(got.count, got.capacity, thr), _fca_result(got, cap)


def nearest_counts_and_fca(g: Graph, origins: Points, population, facilities: Points, capacity, category,
                           n_categories: int, thresholds=DEFAULT_THRESHOLDS_S, threshold: float = 600.0,
                           decay: Decay | None = None) -> tuple[NearestResult, CountsResult, FcaResult]:
    """:func:`~lifecircle.engine.nearest`, :func:`counts_and_fca` and their searches shared: the whole table of a
    life-circle assessment (how far to the nearest school, how many within 5/10/15 minutes, how many places per
    child) at once.

    The bounded searches from the facilities also record, per category, every node they reach within their bound
    and its least cost; the nearest searches then settle only the nodes beyond that bound
    (:func:`lifecircle.engine.nearest.nearest_resumed`). On a 1 M-node city with 15 categories three quarters of
    the nodes lie within 15 minutes of each category's nearest facility, so the nearest part costs a fraction of a
    separate :func:`~lifecircle.engine.nearest`. The results equal the separate calls' (times bit for bit, counts
    exactly, sums to rounding; among exactly tied facilities the one named may differ).
    """
    pop, cap, threshold, decay = _fca_args(origins, population, facilities, capacity, threshold, decay)
    cat = check_categories(category, len(facilities), n_categories)
    thr = check_thresholds(thresholds)
    C = int(n_categories)
    legs = legs_on(g, origins, facilities)
    got = run_catchments(g, origins, facilities, cat, C, cap, thresholds=thr, with_capacity=True, sums=MODE_FCA,
                         kind=decay.code, scale=decay.scale or 1.0, cutoff=threshold, o_weight=pop, node_planes=True,
                         legs=legs)
    assert got.count is not None and got.node_cost is not None and got.node_fac is not None
    near = nearest_resumed(g, origins, facilities, cat, C, got.node_cost, got.node_fac, got.bound, legs)
    return near, CountsResult(got.count, got.capacity, thr), _fca_result(got, cap)
