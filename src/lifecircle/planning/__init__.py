"""Planning: where new facilities should go.

>>> from lifecircle.planning import CoverageProblem, solve_mclp, solve_lscp, solve_pmedian, greedy_mclp
>>> prob = CoverageProblem(demand_weight=pop, cover=cover, already_covered=covered)   # doctest: +SKIP
>>> res = solve_mclp(prob, k=3)          # res.sites, res.objective, res.bound, res.gap, res.newly_covered

* :mod:`~lifecircle.planning.coverage` — the sparse siting instance and its builder on the engine (never dense
  matrices);
* :mod:`~lifecircle.planning.mclp`, :mod:`~lifecircle.planning.lscp`, :mod:`~lifecircle.planning.pmedian` — maximal
  covering, set covering and p-median (exact with HiGHS behind a time guard, lazy greedy with bounds);
* :mod:`~lifecircle.planning.greedy` — the lazy greedy the three share; :mod:`~lifecircle.planning.result` — what a
  solver returns (what was asked, what ran, whether the plan is proven optimal).
"""

from lifecircle.planning.coverage import (
    CoverageProblem,
    connected_nodes,
    coverage_from_engine,
    coverage_from_times,
    node_points,
)
from lifecircle.planning.greedy import greedy_mclp, rank_candidates
from lifecircle.planning.lscp import solve_lscp
from lifecircle.planning.mclp import solve_mclp
from lifecircle.planning.pmedian import solve_pmedian
from lifecircle.planning.result import SitingResult, sites_table

__all__ = [
    "CoverageProblem",
    "SitingResult",
    "connected_nodes",
    "coverage_from_engine",
    "coverage_from_times",
    "greedy_mclp",
    "node_points",
    "rank_candidates",
    "sites_table",
    "solve_lscp",
    "solve_mclp",
    "solve_pmedian",
]
