"""Array preparation shared by the searches: facility seeds per category, origin attachments, same-edge legs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from lifecircle.engine.graph import Graph, Points, _csr, enter_legs, kernel_array, leave_legs, pair_position
from lifecircle.engine.kernels import direct_pairs
from lifecircle.engine.layout import counting_order, leg_csr
from lifecircle.errors import LifecircleInputError


def check_categories(category, n_facilities: int, n_categories: int) -> np.ndarray:
    """``category`` as int64 (one per facility, 0..n_categories−1), or a clear error."""
    try:
        n_categories = int(n_categories)
    except (TypeError, ValueError) as exc:
        raise LifecircleInputError(f"n_categories must be an integer, got {n_categories!r}.") from exc
    if n_categories < 0:
        raise LifecircleInputError(f"n_categories must be >= 0, got {n_categories}.")
    cat = kernel_array(np.asarray(category).reshape(-1), np.int64)
    if len(cat) != n_facilities:
        raise LifecircleInputError(f"category must give one value per facility ({n_facilities}), got {len(cat)}.")
    if len(cat) and (cat.min() < 0 or cat.max() >= n_categories):
        raise LifecircleInputError(
            f"category values must lie in 0..{n_categories - 1} (n_categories={n_categories}); map category names to "
            "codes first."
        )
    return cat


def per_point(name: str, values, n: int, default: float | None = None) -> np.ndarray:
    """A float64 array with one finite value ≥ 0 per point (``default`` everywhere when ``values`` is None)."""
    if values is None:
        if default is None:
            raise LifecircleInputError(f"{name} is required (one value per point).")
        return np.full(n, float(default))
    arr = kernel_array(np.asarray(values).reshape(-1), np.float64)
    if len(arr) != n:
        raise LifecircleInputError(f"{name} must give one value per point ({n}), got {len(arr)}.")
    if n and (not np.isfinite(arr).all() or arr.min() < 0):
        raise LifecircleInputError(f"{name} must be finite and >= 0.")
    return arr


@dataclass
class Legs:
    """How the origins and facilities of a search join its graph, worked out once for all the searches that read
    them: ``enter`` the facilities' ``(node_a, cost_a, node_b, cost_b)``
    (:func:`~lifecircle.engine.graph.enter_legs`), ``leave`` the origins' (:func:`~lifecircle.engine.graph.leave_legs`,
    in the caller's order), ``same_edge`` the ``(origin, facility, cost)`` of the walks along a shared edge
    (:func:`same_edge_legs`); ``rows``/``row_of`` the origins by the node they leave by (:func:`rows_by_node` on a
    graph of ``n_nodes``), worked out when first asked for (searches that keep the caller's order never do)."""

    enter: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    leave: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    same_edge: tuple[np.ndarray, np.ndarray, np.ndarray]
    n_nodes: int

    @cached_property
    def _by_node(self) -> tuple[np.ndarray, np.ndarray]:
        return rows_by_node(self.n_nodes, self.leave)

    @property
    def rows(self) -> np.ndarray:
        return self._by_node[0]

    @property
    def row_of(self) -> np.ndarray:
        return self._by_node[1]


def legs_on(g: Graph, origins: Points, facilities: Points) -> Legs:
    """The :class:`Legs` of ``origins`` and ``facilities`` on ``g``, after checking that they are points on it."""
    if not isinstance(g, Graph):
        raise LifecircleInputError("g must be a lifecircle.engine.Graph (Graph.from_network(net) or Graph.from_arrays).")
    origins.check_on(g, "origins")
    facilities.check_on(g, "facilities")
    return Legs(enter_legs(g, facilities), leave_legs(g, origins), same_edge_legs(g, origins, facilities), g.n_nodes)


def facility_seeds(g: Graph, facilities: Points, category: np.ndarray, n_categories: int, legs=None):
    """Seeds of the per-category searches: ``(cat_ptr, node, cost, facility)``, two per facility, grouped by category
    (``legs``: the facilities' :func:`~lifecircle.engine.graph.enter_legs`, when the caller has them already)."""
    na, ca, nb, cb = enter_legs(g, facilities) if legs is None else legs
    n = len(facilities)
    node = np.concatenate([na, nb])
    cost = np.concatenate([ca, cb])
    label = np.concatenate([np.arange(n, dtype=np.int64)] * 2)
    cat2 = np.concatenate([category, category])
    keep = node >= 0
    node, cost, label, cat2 = node[keep], cost[keep], label[keep], cat2[keep]
    order = np.argsort(cat2, kind="stable")
    cat_ptr = np.zeros(n_categories + 1, np.int64)
    np.cumsum(np.bincount(cat2, minlength=n_categories), out=cat_ptr[1:])
    return cat_ptr, np.ascontiguousarray(node[order]), np.ascontiguousarray(cost[order]), np.ascontiguousarray(label[order])


def origin_attachments(g: Graph, origins: Points, legs=None, row_of=None):
    """CSR node → (origin, leave-leg cost incl. access): where each origin joins the network (``legs``: the
    origins' :func:`~lifecircle.engine.graph.leave_legs`, when the caller has them already; ``row_of``: list each
    origin by its row of :func:`rows_by_node` instead of its index)."""
    na, ca, nb, cb = leave_legs(g, origins) if legs is None else legs
    ids = np.arange(len(origins), dtype=np.int64) if row_of is None else row_of
    return leg_csr(g.n_nodes, na, ca, nb, cb, ids)


def rows_by_node(n_nodes: int, legs) -> tuple[np.ndarray, np.ndarray]:
    """Origins ordered by the internal node they leave by (``legs``: their :func:`~lifecircle.engine.graph.leave_legs`
    on a graph of ``n_nodes``): ``(rows, row_of)``, origin ``rows[r]`` in row ``r`` and ``row_of`` the inverse. The
    origins near one node then sit together in per-origin arrays, which a search reads and adds to in memory order."""
    rows = counting_order(legs[0], n_nodes)
    row_of = np.empty_like(rows)
    row_of[rows] = np.arange(len(rows))
    return rows, row_of


def same_edge_legs(g: Graph, origins: Points, facilities: Points):
    """Direct walks between origins and facilities on one undirected edge: ``(origin, facility, cost)`` by origin."""
    f_pair, f_pos = pair_position(g, facilities)
    o_pair, o_pos = pair_position(g, origins)
    # the facilities by pair; an origin on a pair that holds any finds them between two binary searches
    f_idx = np.argsort(f_pair, kind="stable")
    f_sorted = f_pair[f_idx]
    held = np.zeros(g.n_edges, bool)
    held[f_pair] = True
    some = np.flatnonzero(held[o_pair])
    o_lo = np.zeros(len(origins), np.int64)
    o_hi = np.zeros(len(origins), np.int64)
    o_lo[some] = np.searchsorted(f_sorted, o_pair[some], side="left")
    o_hi[some] = np.searchsorted(f_sorted, o_pair[some], side="right")
    return direct_pairs(o_pair, o_pos, origins.access, o_lo, o_hi, f_idx, f_pos, facilities.access, g.cost, g.rev)


def by_row(n_rows: int, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray):
    """CSR of (cols, vals) by ``rows``."""
    return _csr(n_rows, rows, cols, vals)
