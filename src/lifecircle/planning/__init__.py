"""Planning: where the gaps are and where new facilities should go (issue 6).

>>> from lifecircle.planning import CoverageProblem, solve_mclp, solve_lscp, solve_pmedian, greedy_mclp
>>> prob = CoverageProblem(demand_weight=pop, cover=cover, already_covered=covered)   # doctest: +SKIP
>>> res = solve_mclp(prob, k=3)          # res.sites, res.objective, res.bound, res.gap, res.newly_covered
>>> gaps = gap_areas(homes, "clinic", threshold_s=900, link_m=150)                      # doctest: +SKIP

* :mod:`~lifecircle.planning.coverage` — sparse coverage/time structures and builders (never dense matrices);
* :mod:`~lifecircle.planning.siting` — MCLP, LSCP, p-median (exact with HiGHS, lazy greedy with bounds);
* :mod:`~lifecircle.planning.gaps` — uncovered homes grouped into contiguous, ranked gap areas.
"""

from lifecircle.planning.coverage import (
    CoverageProblem,
    coverage_from_engine,
    coverage_from_network,
    coverage_from_times,
    times_from_graph,
)
from lifecircle.planning.gaps import gap_areas, gap_labels, indicator_gaps
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
    "gap_areas",
    "gap_labels",
    "greedy_mclp",
    "indicator_gaps",
    "rank_candidates",
    "sites_table",
    "solve_lscp",
    "solve_mclp",
    "solve_pmedian",
    "times_from_graph",
]
