"""The accessibility engine: exact walking costs from every origin to every kind of facility, on arrays.

Build a :class:`Graph` (``Graph.from_network(net)``) and :class:`Points` (``Points.from_snapped(snapped)``), then ask
:func:`nearest`, :func:`k_nearest`, :func:`counts_within`, :func:`decay_access`, :func:`two_step_fca` or
:func:`isochrones`. Costs are in the graph's unit: seconds on a ``time_s`` graph, metres on a ``length_m`` one.
The walking-time definition for points on edges is the one of :mod:`lifecircle.network`.
"""

from lifecircle.engine.counts import DEFAULT_THRESHOLDS_S, CountsResult, counts_within
from lifecircle.engine.decay import DECAY_KINDS, Decay, decay_access
from lifecircle.engine.fca import FcaResult, two_step_fca
from lifecircle.engine.graph import Graph, Points
from lifecircle.engine.isochrones import isochrones
from lifecircle.engine.nearest import NearestResult, k_nearest, nearest, nearest_nodes

__all__ = [
    "DECAY_KINDS",
    "DEFAULT_THRESHOLDS_S",
    "CountsResult",
    "Decay",
    "FcaResult",
    "Graph",
    "NearestResult",
    "Points",
    "counts_within",
    "decay_access",
    "isochrones",
    "k_nearest",
    "nearest",
    "nearest_nodes",
    "two_step_fca",
]
