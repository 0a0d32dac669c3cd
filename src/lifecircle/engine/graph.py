"""The engine's inputs as arrays: a directed graph in CSR form and points placed on its edges.

The walking-time definition (binding, from :mod:`lifecircle.network.model`): a point at fraction ``t`` on the directed edge
``e = u→v`` *leaves* to ``v`` in ``(1 − t)·cost[e]`` and to ``u`` in ``t·cost[rev[e]]`` when the reverse exists; it is
*reached* from ``u`` in ``t·cost[e]`` and from ``v`` in ``(1 − t)·cost[rev[e]]``. Two points on the same undirected
edge (the pair ``e``/``rev[e]``) may also walk straight along it. Each point adds its ``access`` leg (seconds or
metres, the same unit as ``cost``) once.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from lifecircle.engine import layout
from lifecircle.errors import LifecircleInputError

if TYPE_CHECKING:  # pragma: no cover
    from lifecircle.network.model import SnappedPoints, WalkNetwork


def kernel_array(values: Any, dtype) -> np.ndarray:
    """``values`` as a C-contiguous, writeable array of ``dtype``, copied only when needed.

    The compiled kernels are specialised on their arrays' types, and numba types a read-only array (what pandas'
    ``to_numpy()`` often returns) apart from a writeable one: passing one would load or compile a second copy of
    every kernel (tens of milliseconds from the cache, seconds without). Every array the engine hands to a kernel
    goes through here.
    """
    return np.require(np.asarray(values), dtype=dtype, requirements=("C", "W"))


def _as_1d(name: str, values: Any, dtype) -> np.ndarray:
    try:
        arr = kernel_array(values, dtype)
    except (TypeError, ValueError) as exc:
        raise LifecircleInputError(f"{name} must be a 1-D numeric array ({exc}).") from exc
    if arr.ndim != 1:
        raise LifecircleInputError(f"{name} must be 1-D, got shape {arr.shape}.")
    return arr


def _csr(n_rows: int, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Compressed rows: ``indptr`` (n_rows + 1), ``cols`` and ``vals`` reordered by row (stable)."""
    return layout.csr(n_rows, kernel_array(rows, np.int64), kernel_array(cols, cols.dtype), kernel_array(vals, vals.dtype))


#: Marks a graph built without an order of its own (its internal ids are the caller's node ids).
_NO_ORDER = np.empty(0, np.int32)


@dataclass
class Graph:
    """A directed graph with non-negative edge costs (seconds or metres), stored for forward and backward searches.

    Build it with :meth:`from_arrays` or :meth:`from_network`. ``u``, ``v``, ``cost``, ``rev`` and ``pair`` are the
    caller's edges in the caller's node and edge ids (``pair[e]`` is the id of the undirected edge ``e`` belongs to:
    the lower id of ``e`` and ``rev[e]``). The searches run on a copy renumbered for memory locality
    (:mod:`lifecircle.engine.layout`): ``rank[node]`` is a node's internal id and ``node_of`` the inverse.
    ``in_indptr``/``in_from``/``in_cost`` list, for every internal node, its incoming edges (the reversed graph the
    facility searches walk; ``in_from`` in internal ids, int32); ``out_*`` the outgoing ones (built on first use).
    Every function of the engine takes and returns caller ids; only the CSR arrays and the node ids of :func:`leave_legs` /
    :func:`enter_legs` are internal. ``net`` keeps the :class:`~lifecircle.network.model.WalkNetwork` the graph came
    from (edge geometries for isochrones).
    """

    n_nodes: int
    u: np.ndarray
    v: np.ndarray
    cost: np.ndarray
    rev: np.ndarray
    pair: np.ndarray
    in_indptr: np.ndarray
    in_from: np.ndarray
    in_cost: np.ndarray
    net: Any = field(default=None, repr=False)
    rank: np.ndarray = field(default_factory=lambda: _NO_ORDER, repr=False)
    node_of: np.ndarray = field(default_factory=lambda: _NO_ORDER, repr=False)
    _out: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    _derived: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.rank is _NO_ORDER:  # built without renumbering: internal ids are the caller's
            self.rank = np.arange(self.n_nodes, dtype=np.int32)
            self.node_of = self.rank

    def _outgoing(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The outgoing CSR, built on first use: only the forward searches (isochrones) read it."""
        if self._out is None:
            self._out = layout.csr_ranked(self.n_nodes, self.u, self.v, self.cost, self.rank)
        return self._out

    def derived(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """``make()``, worked out once per graph and ``key``: what its searches derive from the graph alone (the
        shapes of their bucket rings need the mean, the largest and a quantile of the edge costs, 3.5 M of them in
        a 1 M-node city). The arrays of a graph are not changed after it is built."""
        if key not in self._derived:
            self._derived[key] = make()
        return self._derived[key]

    @property
    def out_indptr(self) -> np.ndarray:
        return self._outgoing()[0]

    @property
    def out_to(self) -> np.ndarray:
        return self._outgoing()[1]

    @property
    def out_cost(self) -> np.ndarray:
        return self._outgoing()[2]

    @property
    def n_edges(self) -> int:
        return len(self.u)

    @property
    def renumbered(self) -> bool:
        """Whether the search arrays use an order of their own (``rank``) rather than the caller's node ids."""
        return self.node_of is not self.rank

    @classmethod
    def from_arrays(cls, n_nodes: int, u, v, cost, rev=None, net: Any = None, renumber: bool = True,
                    xy=None) -> Graph:
        """A graph from directed edges ``u[e] → v[e]`` costing ``cost[e]`` (seconds or metres, ≥ 0).

        Parameters
        ----------
        n_nodes
            Number of nodes; node ids are 0..n_nodes−1.
        u, v
            int arrays (m,), the edge ends.
        cost
            float array (m,), finite and ≥ 0 (seconds, or metres for network distance).
        rev
            int array (m,): the id of the opposite directed edge ``v → u``, or −1 for a one-way edge. ``None``
            means every edge is one-way.
        renumber
            Store the search arrays in an order of their own for memory locality (:mod:`lifecircle.engine.layout`;
            results are the same either way, in the caller's ids). ``False`` keeps the caller's order.
        xy
            Optional ``(x, y)`` node coordinates (n_nodes each, any planar unit): the internal order then follows a
            Hilbert curve over them; without them (or with non-finite values) it is breadth-first.

        Raises
        ------
        LifecircleInputError
            Ids out of range, negative / non-finite costs, or a ``rev`` that is not a consistent pairing.
        """
        try:
            n_nodes = int(n_nodes)
        except (TypeError, ValueError) as exc:
            raise LifecircleInputError(f"n_nodes must be an integer, got {n_nodes!r}.") from exc
        if n_nodes < 0 or n_nodes >= 2**31:
            raise LifecircleInputError(f"n_nodes must be in 0..2^31 - 1 (node ids are int32 in the searches), got {n_nodes}.")
        u = _as_1d("u", u, np.int64)
        v = _as_1d("v", v, np.int64)
        cost = _as_1d("cost", cost, np.float64)
        m = len(u)
        rev = np.full(m, -1, np.int64) if rev is None else _as_1d("rev", rev, np.int64)
        if not (len(v) == len(cost) == len(rev) == m):
            raise LifecircleInputError(
                f"u, v, cost and rev must have the same length (got {m}, {len(v)}, {len(cost)}, {len(rev)})."
            )
        if m >= 2**31:
            raise LifecircleInputError(f"at most 2^31 - 1 edges are supported (search heaps use int32 slots), got {m}.")
        code, bad = layout.check_edges(n_nodes, u, v, cost, rev)
        if code == 1:
            raise LifecircleInputError(f"edge end ids must lie in 0..{n_nodes - 1} (n_nodes={n_nodes}); bad edge {bad}.")
        if code == 2:
            raise LifecircleInputError(
                f"edge costs must be finite and >= 0 (seconds or metres); bad edge {bad} (cost {cost[bad]!r}). "
                "Drop impassable edges instead of giving them an infinite cost."
            )
        if code == 3:
            raise LifecircleInputError(f"rev must be -1 or an edge id in 0..{m - 1}; bad edge {bad}.")
        if code == 4:
            raise LifecircleInputError(
                f"rev is not a consistent pairing at edge {bad}: rev[rev[e]] must be e and rev[e] must "
                "run v[e] → u[e]. Use -1 for one-way edges."
            )
        pair = layout.pair_ids(rev)
        if renumber and xy is not None:
            x = _as_1d("x", xy[0], np.float64)
            y = _as_1d("y", xy[1], np.float64)
            if len(x) != n_nodes or len(y) != n_nodes:
                raise LifecircleInputError(f"xy must give one x and one y per node ({n_nodes}), got {len(x)}, {len(y)}.")
            if not (np.isfinite(x).all() and np.isfinite(y).all()):
                xy = None
        if renumber and xy is not None:
            rank, node_of = layout.hilbert_rank(x, y)
        elif renumber:
            rank, node_of = layout.breadth_first_rank(n_nodes, u, v)
        else:
            rank = node_of = np.arange(n_nodes, dtype=np.int32)
        in_indptr, in_from, in_cost = layout.csr_ranked(n_nodes, v, u, cost, rank)
        return cls(n_nodes, u, v, cost, rev, pair, in_indptr, in_from, in_cost, net, rank, node_of)

    @classmethod
    def from_network(cls, net: WalkNetwork, weight: str = "time_s") -> Graph:
        """The graph of a :class:`~lifecircle.network.model.WalkNetwork`; ``weight`` ``"time_s"`` (seconds) or ``"length_m"`` (metres)."""
        if weight not in ("time_s", "length_m"):
            raise LifecircleInputError(f"weight must be 'time_s' (seconds) or 'length_m' (metres), got {weight!r}.")
        u, v, cost, rev = net.edge_arrays(weight)
        xy = (net.nodes["x"].to_numpy(), net.nodes["y"].to_numpy()) if {"x", "y"} <= set(net.nodes.columns) else None
        return cls.from_arrays(net.n_nodes, u, v, cost, rev, net=net, xy=xy)

    def reversed_direction(self) -> Graph:
        """The same graph with every edge turned around (for searches *towards* a point)."""
        g = Graph.from_arrays(self.n_nodes, self.v, self.u, self.cost, self.rev, net=None, renumber=False)
        if self.renumbered:  # the same internal order
            g.rank, g.node_of = self.rank, self.node_of
            g.in_indptr, g.in_from, g.in_cost = layout.csr_ranked(self.n_nodes, g.v, g.u, g.cost, g.rank)
            g._out = None
            g._derived = {}
        return g


@dataclass
class Points:
    """Points on directed edges: ``edge`` (int64 edge id), ``frac`` (0–1 from the edge's ``u``), ``access`` (≥ 0).

    ``access`` is the straight leg between the point and the network, in the unit of the graph's cost (seconds or
    metres); it is added once to every walk that starts or ends at the point.
    """

    edge: np.ndarray
    frac: np.ndarray
    access: np.ndarray

    def __init__(self, edge, frac, access=None):
        self.edge = _as_1d("edge", edge, np.int64)
        self.frac = _as_1d("frac", frac, np.float64)
        n = len(self.edge)
        self.access = np.zeros(n, np.float64) if access is None else _as_1d("access", access, np.float64)
        if not (len(self.frac) == len(self.access) == n):
            raise LifecircleInputError(
                f"edge, frac and access must have the same length (got {n}, {len(self.frac)}, {len(self.access)})."
            )
        if n and (not np.isfinite(self.frac).all() or self.frac.min() < 0 or self.frac.max() > 1):
            raise LifecircleInputError("frac must lie in 0..1 (fraction of the edge from its u node).")
        if n and (not np.isfinite(self.access).all() or self.access.min() < 0):
            raise LifecircleInputError("access must be finite and >= 0 (seconds or metres of the straight leg).")

    def __len__(self) -> int:
        return len(self.edge)

    @classmethod
    def from_snapped(cls, snapped: SnappedPoints, access: str = "access_s") -> Points:
        """Points of a :class:`~lifecircle.network.model.SnappedPoints`; ``access`` ``"access_s"`` or ``"access_m"``."""
        if access not in ("access_s", "access_m"):
            raise LifecircleInputError(f"access must be 'access_s' (seconds) or 'access_m' (metres), got {access!r}.")
        return cls(*snapped.arrays(access))

    def check_on(self, g: Graph, what: str) -> None:
        """Raise when an edge id is not an edge of ``g``."""
        if len(self) and (self.edge.min() < 0 or self.edge.max() >= g.n_edges):
            raise LifecircleInputError(f"{what}: edge ids must lie in 0..{g.n_edges - 1}; snap the points on this network.")


def leave_legs(g: Graph, pts: Points) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """How each point leaves onto the network: ``(node_a, cost_a, node_b, cost_b)``, access included; node −1 = none.

    ``a`` is the edge's ``v`` at ``(1 − t)·cost[e] + access``; ``b`` its ``u`` at ``t·cost[rev[e]] + access``.
    Nodes are internal ids (``g.rank``), as the search arrays use them.
    """
    return layout.point_legs(pts.edge, pts.frac, pts.access, g.v, g.u, g.cost, g.rev, g.rank, True)


def enter_legs(g: Graph, pts: Points) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """How each point is reached from the network: ``(node_a, cost_a, node_b, cost_b)``, access included.

    ``a`` is the edge's ``u`` at ``t·cost[e] + access``; ``b`` its ``v`` at ``(1 − t)·cost[rev[e]] + access``
    (node −1 when the edge is one-way). Nodes are internal ids (``g.rank``), as the search arrays use them.
    """
    return layout.point_legs(pts.edge, pts.frac, pts.access, g.u, g.v, g.cost, g.rev, g.rank, False)


def pair_position(g: Graph, pts: Points) -> tuple[np.ndarray, np.ndarray]:
    """``(pair id, fraction along the pair's lower-id edge)`` of each point (a point on ``rev`` sits at ``1 − t``)."""
    pair = g.pair[pts.edge]
    pos = np.where(pair == pts.edge, pts.frac, 1.0 - pts.frac)
    return pair, pos
