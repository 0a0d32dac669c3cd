"""Demand points with identical candidate sets, merged before a MIP (their weights add).

Merging leaves every optimum unchanged and shrinks typical district instances many times: homes of one block are
usually reached by the same candidate sites.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from lifecircle.planning.coverage import CoverageProblem


@dataclass
class DemandGroups:
    """Merged demand.

    Attributes
    ----------
    cover
        Candidates × groups, bool.
    weight
        Demand weight per group (people, or the plan's weight).
    people
        People per group (the unit of capacities).
    rep
        One demand index per group.
    of_demand
        The group of each demand point, −1 when it is not in the model.
    """

    cover: sp.csr_matrix
    weight: np.ndarray
    people: np.ndarray
    rep: np.ndarray
    of_demand: np.ndarray


def group_demand(prob: CoverageProblem, keep: np.ndarray) -> DemandGroups:
    """Merge the demand points in ``keep`` that have the same candidate set; drop those no candidate covers.

    With capacities (in people) and a weight that is not people, only points with the same weight per person merge:
    a capacitated site serves a share of each group, and a group mixing land-rich and crowded homes would force the
    same share on both.
    """
    csc = prob.cover.tocsc()
    csc.sort_indices()
    ptr, idx = csc.indptr, csc.indices
    of_demand = np.full(prob.n_demand, -1, dtype=np.int64)
    keys: dict[bytes, int] = {}
    reps: list[int] = []
    by_ratio = prob.capacity is not None and prob.demand_people is not None
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = prob.demand_weight / prob.people if by_ratio else None
    for i in np.flatnonzero(keep & (np.diff(ptr) > 0)):
        key = idx[ptr[i]:ptr[i + 1]].tobytes()
        if ratio is not None:
            key += ratio[i:i + 1].tobytes()
        g = keys.get(key)
        if g is None:
            g = keys[key] = len(reps)
            reps.append(int(i))
        of_demand[i] = g
    rep = np.asarray(reps, dtype=np.int64)
    weight = np.bincount(of_demand[of_demand >= 0], weights=prob.demand_weight[of_demand >= 0],
                         minlength=len(rep)).astype(np.float64)
    people = np.bincount(of_demand[of_demand >= 0], weights=prob.people[of_demand >= 0],
                         minlength=len(rep)).astype(np.float64)
    cover = csc[:, rep].tocsr() if len(rep) else sp.csr_matrix((prob.n_candidates, 0), dtype=bool)
    cover.sort_indices()
    return DemandGroups(cover=cover, weight=weight, people=people, rep=rep, of_demand=of_demand)
