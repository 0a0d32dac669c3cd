"""What a siting solver returns (:class:`SitingResult`) and the small checks and measures every model shares.

Every solver records three things about *how* its plan was found, so a plan never claims more than was shown:

* ``requested`` — the method the user asked for (``auto``, ``exact`` or ``greedy``);
* ``ran`` — the stages that actually ran, in order (``greedy``, ``lp_relaxation``, ``mip``);
* ``method`` — the stage whose plan was kept (``greedy``, ``lp_rounding`` or ``exact``), and ``status`` /
  ``bound`` / ``gap`` / ``proven_optimal`` — whether that plan is proven optimal, and if not how far it can be from
  the optimum.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lifecircle.errors import LifecircleInputError
from lifecircle.planning.coverage import CoverageProblem

#: The methods a solver accepts.
METHODS = ("auto", "exact", "greedy")
#: Above this many non-zeros in the MIP constraint matrix ``method="auto"`` skips the MIP (an engineering limit for a
#: 2-core machine and a 60 s budget, not a standard: beyond it HiGHS's root simplex may run far past the time limit,
#: which it does not check there).
EXACT_MAX_NNZ = 500_000
#: Up to this many non-zeros ``method="auto"`` tightens a greedy result with the LP relaxation (interior point).
LP_MAX_NNZ = 20_000_000


@dataclass
class SitingResult:
    """Chosen sites and how good they provably are.

    Attributes
    ----------
    problem
        ``"mclp"``, ``"lscp"`` or ``"pmedian"``.
    sites
        Chosen candidate indices (rows of ``cover``), ordered by decreasing contribution (greedy order of marginal
        gains).
    objective
        MCLP: demand weight newly covered (people, or m² when the weight is an area; served, when capacitated);
        LSCP: number of new sites; p-median: weighted walking time (person-seconds when weighted by people).
    bound
        A proven bound on the optimum: an upper bound for MCLP (maximisation), a lower bound for LSCP and p-median.
    gap
        ``|bound − objective| / max(|objective|, 1e-9)``; 0 when proven optimal.
    newly_covered
        Per site (same order as ``sites``), demand weight: MCLP/LSCP — the weight the site covers that no existing
        facility or earlier-listed site covers (sums to the newly covered total); capacitated — the weight the site
        serves; p-median — the weight for which the site is the nearest facility and nearer than before.
    method
        The stage whose plan was kept: ``"exact"`` (the MIP), ``"greedy"`` or ``"lp_rounding"``.
    status
        ``"optimal"`` (proven, by HiGHS, by the greedy's online bound or by the LP relaxation's bound),
        ``"time_limit"`` (best found when the time ran out) or ``"heuristic"`` (not proven).
    objective_unit
        ``"people"``, ``"sites"`` or ``"person-seconds"`` with people as the weight; the plan job renames it for
        other weights (``"m²"``, ``"m²·s"``).
    covered
        ``(n_demand,)`` bool after the plan (existing + new sites) for MCLP/LSCP; None for the p-median. With
        capacities: demand served in full.
    coverage_rate
        Share of the total demand weight covered after the plan (0–1); capacitated: existing cover plus the weight
        the new sites serve; NaN for the p-median.
    coverage_rate_uncapacitated
        Capacitated plans only: the share the chosen sites would cover if they had no capacity limit (0–1).
    newly_covered_people
        As ``newly_covered`` but in people (``prob.people``), whatever the plan's weight.
    requested
        The method asked for: ``"auto"``, ``"exact"`` or ``"greedy"``.
    ran
        The stages that ran, in order: ``"greedy"``, ``"lp_relaxation"``, ``"mip"``.
    notes
        Human-readable remarks (merged demand, sites that add nothing, time limit...).
    """

    problem: str
    sites: np.ndarray
    objective: float
    bound: float
    gap: float
    newly_covered: np.ndarray
    method: str
    status: str
    objective_unit: str
    covered: np.ndarray | None = None
    coverage_rate: float = float("nan")
    coverage_rate_uncapacitated: float = float("nan")
    newly_covered_people: np.ndarray | None = None
    solve_time_s: float = 0.0
    requested: str = ""
    ran: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def proven_optimal(self) -> bool:
        """True when the plan is proven optimal (``status == "optimal"``, ``gap == 0``)."""
        return self.status == "optimal"

    def stage(self, name: str) -> None:
        """Record that stage ``name`` ran (once)."""
        if name not in self.ran:
            self.ran.append(name)


def sites_table(res: SitingResult) -> pd.DataFrame:
    """The chosen sites as a table: ``order`` (1 = largest contribution), ``candidate`` (row of ``cover``) and
    ``newly_covered`` (demand weight, see :attr:`SitingResult.newly_covered`)."""
    return pd.DataFrame({"order": np.arange(1, len(res.sites) + 1), "candidate": res.sites,
                         "newly_covered": res.newly_covered})


def gap(objective: float, bound: float) -> float:
    """Relative gap ``|bound − objective| / max(|objective|, 1e-9)``; inf when either is not finite."""
    if not (np.isfinite(objective) and np.isfinite(bound)):
        return float("inf")
    return abs(bound - objective) / max(abs(objective), 1e-9)


def check_method(method: str) -> None:
    if method not in METHODS:
        raise LifecircleInputError(f"method must be one of {', '.join(METHODS)}; got {method!r}.")


def check_k(k: int) -> None:
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 0:
        raise LifecircleInputError(f"k must be a whole number of new sites >= 0, got {k!r}.")


def covered_rate(prob: CoverageProblem, covered: np.ndarray) -> float:
    """Share (0–1) of the total demand weight in ``covered``; NaN when there is no weight."""
    total = prob.total_weight
    return float(prob.demand_weight[covered].sum() / total) if total > 0 else float("nan")


def proven(res: SitingResult, how: str) -> SitingResult:
    """Mark ``res`` proven optimal by ``how`` (its bound meets its objective)."""
    res.status = "optimal"
    res.bound = res.objective
    res.gap = 0.0
    res.notes.append(f"solution proven optimal by {how}")
    return res
