"""The accessibility engine: exact walking costs from every origin to every kind of facility, on arrays.

Build a :class:`Graph` (``Graph.from_network(net)``) and :class:`Points` (``Points.from_snapped(snapped)``), then ask
:func:`nearest`, :func:`k_nearest`, :func:`counts_within`, :func:`decay_access`, :func:`two_step_fca`,
:func:`counts_and_fca` (both from one set of searches), :func:`nearest_counts_and_fca` (all three: the nearest
searches resumed from what the bounded ones found), :func:`isochrones` or :func:`bounded_pairs` (every
facility–origin pair within a limit, for siting). Costs are in the graph's unit: seconds on a ``time_s`` graph, metres on a ``length_m`` one. The walking-time definition for
points on edges is the one of :mod:`lifecircle.network.model`.

Algorithms: :func:`nearest` runs one multi-source search per category on the reversed graph (seeded at both ends
of every facility's edge with its partial-edge cost and access leg, carrying the facility's index), block by block
of the node order so that its working set stays in cache (:mod:`lifecircle.engine.blocks`), and combines each
origin's two leave legs and same-edge walks; :func:`k_nearest` a k-label variant. :func:`counts_within`,
:func:`decay_access` and :func:`two_step_fca` run one search per facility bounded by the largest threshold, on an
exact bucket queue (:mod:`lifecircle.engine.bounded`; facilities at the same point share one), and reduce the origins
reached into per-origin (or per-facility) accumulators as each search ends; :func:`bounded_pairs` runs the same
searches and emits the pairs they reach. Every cost is the one a plain Dijkstra gives, bit for bit. Kernels are
numba (``cache=True``), work is split between threads by category (a category left over once every thread has
one is split across them, :func:`lifecircle.engine.blocks.split_search`). The :class:`Graph` stores its search
arrays in an internal node order chosen for memory locality (:mod:`lifecircle.engine.layout`); every input and result uses
the caller's node and edge ids.

Memory (bytes; n nodes, m directed edges, O origins, F facilities, C categories, T thresholds, P threads):
the :class:`Graph` holds ≈ 48·m + 16·n (+ 12·m + 8·n once a forward search builds its outgoing CSR);
:func:`nearest` adds per thread 24·n (+ a ring of at most 4 MB), and its output 16·O·C (column-major: one
contiguous column per category); :func:`counts_within` per thread 20·n + 16·O, output 4·O·C·T (+ 8·O·C·T with
capacities), filled category by category in the origins' node order and moved in place to theirs (the results are
views with one contiguous plane per category); :func:`two_step_fca` the same scratch and 8·O·C + 16·F;
:func:`nearest_counts_and_fca` all of these and 12·n·C for the nodes' costs and facilities within the bound. Never an
O × F matrix. For 1 M nodes (3.5 M edges), 500 k homes, 15 categories and P = 2 the whole set from
:func:`nearest_counts_and_fca` peaks near 1.2 GB RSS (docs/benchmarks.md).
"""

from lifecircle.engine.counts import DEFAULT_THRESHOLDS_S, CountsResult, counts_within
from lifecircle.engine.decay import DECAY_KINDS, Decay, decay_access
from lifecircle.engine.fca import FcaResult, counts_and_fca, nearest_counts_and_fca, two_step_fca
from lifecircle.engine.graph import Graph, Points
from lifecircle.engine.isochrones import isochrones
from lifecircle.engine.nearest import NearestResult, k_nearest, nearest, nearest_nodes
from lifecircle.engine.pairs import bounded_pairs

__all__ = [
    "DECAY_KINDS",
    "DEFAULT_THRESHOLDS_S",
    "CountsResult",
    "Decay",
    "FcaResult",
    "Graph",
    "NearestResult",
    "Points",
    "bounded_pairs",
    "counts_and_fca",
    "counts_within",
    "decay_access",
    "isochrones",
    "k_nearest",
    "nearest",
    "nearest_counts_and_fca",
    "nearest_nodes",
    "two_step_fca",
]
