"""Planning: where new facilities should go.

>>> from lifecircle.planning import CoverageProblem, solve_mclp, solve_lscp, solve_pmedian, greedy_mclp
>>> prob = CoverageProblem(demand_weight=pop, cover=cover, already_covered=covered)   # doctest: +SKIP
>>> res = solve_mclp(prob, k=3)          # res.sites, res.objective, res.bound, res.gap, res.newly_covered

* :mod:`~lifecircle.planning.coverage` — sparse coverage/time structures and builders (never dense matrices);
* :mod:`~lifecircle.planning.siting` — MCLP, LSCP, p-median (exact with HiGHS, lazy greedy with bounds);
"""

from lifecircle.planning.coverage import (
    CoverageProblem,
    coverage_from_engine,
    coverage_from_network,
    coverage_from_times,
    times_from_graph,
)
from lifecircle.planning.siting import (
    SitingResult,
    greedy_mclp,
    rank_candidates,
    sites_table,
    solve_lscp,
    solve_mclp,
    solve_pmedian,
)

__all__ = [
    "CoverageProblem",
    "SitingResult",
    "coverage_from_engine",
    "coverage_from_network",
    "coverage_from_times",
    "greedy_mclp",
    "rank_candidates",
    "sites_table",
    "solve_lscp",
    "solve_mclp",
    "solve_pmedian",
    "times_from_graph",
]
