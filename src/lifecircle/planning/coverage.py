"""Sparse coverage and cost structures for facility siting: who each candidate site covers, and in how many seconds.

A siting problem is held as a :class:`CoverageProblem`: a boolean candidate × demand *sparse* matrix (candidate ``j``
covers demand ``i`` when the walk from ``i`` to ``j`` is within the threshold), the demand weights (people), who is
already covered by existing facilities, and optionally walking times and capacities. Nothing here ever holds a dense
origin × candidate matrix: a 100 000-home × 10 000-candidate district only stores the pairs within the walking
threshold (the bounded searches' output).

Builders:

* :func:`coverage_from_engine` — the accessibility engine's graph and points, one compiled bounded search per
  candidate emitting the pairs (:func:`lifecircle.engine.bounded_pairs`; O(nodes + homes) memory);
* :func:`coverage_from_times` — a sparse time matrix (seconds) → the cover within a threshold;
* :func:`node_points` — candidate sites standing on network nodes, as engine points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from lifecircle.engine import Graph, Points, bounded_pairs
from lifecircle.errors import LifecircleInputError


@dataclass
class CoverageProblem:
    """A siting instance in sparse form.

    Attributes
    ----------
    demand_weight
        ``(n_demand,)`` float, the weight each demand point (home) counts with in the objective: people, or the
        coverage denominator of the indicator being improved (residential land area or floor area, m²).
    cover
        ``(n_candidates, n_demand)`` sparse bool: ``cover[j, i]`` is True when candidate ``j`` covers demand ``i``
        (walking time within the threshold). Stored as CSR with sorted indices.
    already_covered
        ``(n_demand,)`` bool: demand already covered by existing facilities (these people cannot be newly covered).
        Default: nobody.
    cost
        Optional ``(n_candidates, n_demand)`` sparse float, walking time in seconds from demand ``i`` to candidate
        ``j``; *stored* entries are the reachable pairs (explicit zeros are kept: a home at the site), absent pairs
        are beyond the search limit. Needed by :func:`~lifecircle.planning.pmedian.solve_pmedian`.
    capacity
        Optional ``(n_candidates,)`` float, the weight (people) a site may serve at most.
    existing_cost
        Optional ``(n_demand,)`` float, seconds from each demand to its nearest existing facility (``inf`` when none
        is reachable); used by the p-median so that new sites only count where they are nearer. Default: all ``inf``.
    cost_limit_s
        Optional, the search limit (seconds) the ``cost`` matrix was computed with; the p-median charges this time
        to demand that no site or existing facility reaches within the limit.
    demand_people
        Optional ``(n_demand,)`` float, people at each demand point: the unit of ``capacity`` and of the per-site
        people reported (:attr:`people`). Default: ``demand_weight`` (the weight is people).
    """

    demand_weight: np.ndarray
    cover: sp.csr_matrix
    already_covered: np.ndarray = None  # type: ignore[assignment]  # None = nobody; an array after __post_init__
    cost: sp.csr_matrix | None = None
    capacity: np.ndarray | None = None
    existing_cost: np.ndarray | None = None
    cost_limit_s: float | None = None
    demand_people: np.ndarray | None = None

    def __post_init__(self) -> None:
        w = np.asarray(self.demand_weight, dtype=np.float64)
        if w.ndim != 1:
            raise LifecircleInputError(f"demand_weight must be a 1-D array (people per home), got shape {w.shape}.")
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise LifecircleInputError(
                "demand_weight must be finite and >= 0 (people per home); fill missing populations (e.g. "
                "homes['population'].fillna(0)) before building the problem.")
        self.demand_weight = w
        n = len(w)
        if not sp.issparse(self.cover):
            raise LifecircleInputError(
                "cover must be a scipy.sparse matrix (n_candidates x n_demand); build it with coverage_from_engine "
                "or coverage_from_times, never as a dense origin x candidate array.")
        cover = sp.csr_matrix(self.cover, dtype=bool)
        if cover.shape[1] != n:
            raise LifecircleInputError(
                f"cover has {cover.shape[1]} demand columns but demand_weight has {n} entries; cover must be "
                "(n_candidates x n_demand).")
        cover.eliminate_zeros()
        cover.sum_duplicates()
        cover.sort_indices()
        self.cover = cover
        if self.already_covered is None:
            self.already_covered = np.zeros(n, dtype=bool)
        else:
            ac = np.asarray(self.already_covered)
            if ac.shape != (n,):
                raise LifecircleInputError(f"already_covered must have shape ({n},), got {ac.shape}.")
            self.already_covered = ac.astype(bool)
        if self.cost is not None:
            if not sp.issparse(self.cost):
                raise LifecircleInputError("cost must be a scipy.sparse matrix of seconds (n_candidates x n_demand).")
            cost = sp.csr_matrix(self.cost, dtype=np.float64)
            if cost.shape != cover.shape:
                raise LifecircleInputError(f"cost has shape {cost.shape} but cover has {cover.shape}; they must match.")
            if cost.nnz and (np.any(cost.data < 0) or not np.all(np.isfinite(cost.data))):
                raise LifecircleInputError("cost must hold finite walking times >= 0 seconds; leave unreachable "
                                           "pairs out of the sparse matrix instead of storing inf.")
            cost.sum_duplicates()
            cost.sort_indices()
            self.cost = cost
        if self.capacity is not None:
            cap = np.asarray(self.capacity, dtype=np.float64)
            if cap.shape != (cover.shape[0],) or np.any(~np.isfinite(cap)) or np.any(cap < 0):
                raise LifecircleInputError(
                    f"capacity must be {cover.shape[0]} finite values >= 0 (people a site can serve), one per "
                    f"candidate; got shape {cap.shape}.")
            self.capacity = cap
        if self.existing_cost is not None:
            ec = np.asarray(self.existing_cost, dtype=np.float64)
            if ec.shape != (n,) or np.any(ec < 0) or np.any(np.isnan(ec)):
                raise LifecircleInputError(f"existing_cost must be {n} times >= 0 seconds (inf = no existing "
                                           "facility reachable); got shape {ec.shape} or negative/NaN values.")
            self.existing_cost = ec
        if self.demand_people is not None:
            people = np.asarray(self.demand_people, dtype=np.float64)
            if people.shape != (n,) or not np.all(np.isfinite(people)) or np.any(people < 0):
                raise LifecircleInputError(f"demand_people must be {n} finite numbers >= 0 (people per home); got "
                                           f"shape {people.shape} or missing/negative values.")
            self.demand_people = people
        if self.cost_limit_s is not None and not (np.isfinite(self.cost_limit_s) and self.cost_limit_s > 0):
            raise LifecircleInputError(f"cost_limit_s must be a positive number of seconds, got {self.cost_limit_s}.")

    @property
    def n_demand(self) -> int:
        """Number of demand points (homes)."""
        return len(self.demand_weight)

    @property
    def people(self) -> np.ndarray:
        """People at each demand point (``demand_people``, else ``demand_weight``)."""
        return self.demand_weight if self.demand_people is None else self.demand_people

    @property
    def n_candidates(self) -> int:
        """Number of candidate sites."""
        return self.cover.shape[0]

    @property
    def total_weight(self) -> float:
        """Total demand weight (people, or m² with an area weight)."""
        return float(self.demand_weight.sum())

    @property
    def covered_weight(self) -> float:
        """Weight (people, or m²) already covered by existing facilities."""
        return float(self.demand_weight[self.already_covered].sum())


def coverage_from_times(times: sp.spmatrix, threshold_s: float) -> sp.csr_matrix:
    """The cover matrix of a sparse time matrix: stored pairs with a time within ``threshold_s``.

    Parameters
    ----------
    times
        ``(n_candidates, n_demand)`` sparse, seconds; stored entries (explicit zeros included) are reachable pairs.
    threshold_s
        Walking-time threshold in seconds (e.g. 900 for the 15-minute circle, SOURCE: GB 50180-2018 §2.0.3).

    Returns
    -------
    scipy.sparse.csr_matrix
        ``(n_candidates, n_demand)`` bool.
    """
    if not sp.issparse(times):
        raise LifecircleInputError("times must be a scipy.sparse matrix of seconds (n_candidates x n_demand).")
    if not (threshold_s >= 0 and np.isfinite(threshold_s)):
        raise LifecircleInputError(f"threshold_s must be a finite number of seconds >= 0, got {threshold_s}.")
    t = sp.coo_matrix(times)
    keep = t.data <= threshold_s
    out = sp.csr_matrix((np.ones(int(keep.sum()), dtype=bool), (t.row[keep], t.col[keep])), shape=t.shape)
    out.sum_duplicates()
    out.sort_indices()
    return out


def node_points(graph: Graph, nodes: np.ndarray) -> Points:
    """Engine points standing exactly on the given nodes: at fraction 0 of an edge leaving each node (or, for a node
    nothing leaves, at fraction 1 of an edge entering it), with no access leg.

    Raises
    ------
    LifecircleInputError
        A node id outside the graph, or a node no edge touches.
    """
    nodes = np.asarray(nodes, dtype=np.int64)
    if np.any((nodes < 0) | (nodes >= graph.n_nodes)):
        raise LifecircleInputError(f"candidate node ids must lie in 0..{graph.n_nodes - 1}.")
    first_out = np.full(graph.n_nodes, -1, np.int64)
    first_out[graph.u[::-1]] = np.arange(graph.n_edges)[::-1]
    first_in = np.full(graph.n_nodes, -1, np.int64)
    first_in[graph.v[::-1]] = np.arange(graph.n_edges)[::-1]
    edge = np.where(first_out[nodes] >= 0, first_out[nodes], first_in[nodes])
    if np.any(edge < 0):
        bad = nodes[edge < 0][:5].tolist()
        raise LifecircleInputError(f"candidate nodes {bad} have no edge; pick nodes of the walking network.")
    frac = np.where(first_out[nodes] >= 0, 0.0, 1.0)
    return Points(edge, frac, np.zeros(len(nodes)))


def connected_nodes(graph: Graph, nodes: np.ndarray) -> np.ndarray:
    """The ids among ``nodes`` that some edge touches (the only nodes a site can stand on)."""
    nodes = np.asarray(nodes, dtype=np.int64)
    touched = np.zeros(graph.n_nodes, bool)
    touched[graph.u] = True
    touched[graph.v] = True
    return nodes[touched[nodes]]


def coverage_from_engine(graph: Graph, homes: Points, candidates: Points | np.ndarray,
                         threshold_s: float) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Times and cover from the accessibility engine's bounded searches (:func:`lifecircle.engine.bounded_pairs`).

    One bounded search per candidate on the engine's reversed CSR graph (numba), emitting every home within
    ``threshold_s`` with its exact walking time under the :mod:`lifecircle.network.model` definition (leave/enter legs,
    access legs, same-edge straight walks) — the times behind the indicators' ``t_<c>`` columns. Memory is
    O(nodes + homes) plus the pairs found.

    Parameters
    ----------
    graph
        :class:`lifecircle.engine.Graph` (``Graph.from_network(net)``; seconds on a ``time_s`` graph).
    homes
        :class:`lifecircle.engine.Points` of the demand points (``Points.from_snapped(snapped)``).
    candidates
        :class:`lifecircle.engine.Points` of candidate parcels, or an int array of candidate node ids.
    threshold_s
        Walking-time threshold (seconds; metres on a ``length_m`` graph), also the search bound.

    Returns
    -------
    (times, cover)
        ``(n_candidates, n_homes)`` sparse seconds within the threshold (explicit zeros kept) and the bool cover.
    """
    if not isinstance(graph, Graph):
        raise LifecircleInputError("graph must be a lifecircle.engine.Graph (Graph.from_network(net)).")
    if not isinstance(homes, Points):
        raise LifecircleInputError("homes must be lifecircle.engine.Points (Points.from_snapped(snapped_homes)).")
    if not (np.isfinite(threshold_s) and threshold_s >= 0):
        raise LifecircleInputError(f"threshold_s must be a finite number of seconds >= 0, got {threshold_s}.")
    cand = candidates if isinstance(candidates, Points) else node_points(graph, candidates)
    rows, cols, vals = bounded_pairs(graph, homes, cand, float(threshold_s))
    times = sp.csr_matrix((vals, (rows, cols)), shape=(len(cand), len(homes)))
    times.sort_indices()
    return times, coverage_from_times(times, threshold_s)
