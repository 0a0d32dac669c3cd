"""Agreement with PySAL spopt's MCLP, LSCP and p-median (solved by CBC through pulp) on the same instances."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from lifecircle.planning import CoverageProblem, coverage_from_times, solve_lscp, solve_mclp, solve_pmedian

spopt_locate = pytest.importorskip("spopt.locate", reason="spopt (PySAL) is an optional test dependency")
pulp = pytest.importorskip("pulp")

RADIUS_S = 600.0


def _instance(seed: int, n_demand: int = 60, n_cand: int = 12):
    """Demand and candidates on a 2 km square; walking time = Manhattan metres / 1.2 m/s (a grid street model)."""
    rng = np.random.default_rng(seed)
    d = rng.random((n_demand, 2)) * 2000.0
    c = rng.random((n_cand, 2)) * 2000.0
    t = np.abs(d[:, None, :] - c[None, :, :]).sum(axis=2) / 1.2  # seconds, demand x candidate (dense for spopt)
    w = rng.integers(1, 40, n_demand).astype(float)
    return w, t


def _sparse_times(t_dc: np.ndarray, limit: float) -> sp.csr_matrix:
    tt = t_dc.T
    r, c = np.nonzero(tt <= limit)
    return sp.csr_matrix((tt[r, c], (r, c)), shape=tt.shape)


def _solver():
    return pulp.PULP_CBC_CMD(msg=False)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("k", [2, 4])
def test_mclp_same_objective_as_spopt(seed, k):
    w, t = _instance(seed)
    ref = spopt_locate.MCLP.from_cost_matrix(t, w, service_radius=RADIUS_S, p_facilities=k).solve(_solver())
    ref_obj = pulp.value(ref.problem.objective)
    prob = CoverageProblem(w, coverage_from_times(_sparse_times(t, RADIUS_S), RADIUS_S))
    res = solve_mclp(prob, k, method="exact")
    assert res.objective == pytest.approx(ref_obj)


@pytest.mark.parametrize("seed", range(3))
def test_mclp_with_existing_equals_spopt_predefined(seed):
    # spopt forces existing facilities with predefined_facilities_arr and counts them among p; lifecircle marks
    # their demand as already covered. Same optimum: spopt objective = already covered + newly covered.
    w, t = _instance(seed, n_cand=14)
    existing = [0, 1]
    k = 3
    pre = np.zeros(t.shape[1], dtype=int)
    pre[existing] = 1
    ref = spopt_locate.MCLP.from_cost_matrix(t, w, service_radius=RADIUS_S, p_facilities=k + len(existing),
                                            predefined_facilities_arr=pre).solve(_solver())
    already = (t[:, existing] <= RADIUS_S).any(axis=1)
    cand = [j for j in range(t.shape[1]) if j not in existing]
    prob = CoverageProblem(w, coverage_from_times(_sparse_times(t[:, cand], RADIUS_S), RADIUS_S), already)
    res = solve_mclp(prob, k)
    assert w[already].sum() + res.objective == pytest.approx(pulp.value(ref.problem.objective))


@pytest.mark.parametrize("seed", range(4))
def test_lscp_same_number_of_sites_as_spopt(seed):
    w, t = _instance(seed, n_demand=50, n_cand=25)
    radius = 900.0
    t = t[(t <= radius).any(axis=1)]  # spopt's LSCP needs every demand coverable
    w = w[: len(t)]
    ref = spopt_locate.LSCP.from_cost_matrix(t, service_radius=radius).solve(_solver())
    prob = CoverageProblem(w, coverage_from_times(_sparse_times(t, radius), radius))
    res = solve_lscp(prob, 1.0)
    assert res.objective == pytest.approx(pulp.value(ref.problem.objective))
    assert res.covered.all()


@pytest.mark.parametrize("seed", range(3))
def test_pmedian_same_objective_as_spopt(seed):
    w, t = _instance(seed, n_demand=40, n_cand=10)
    ref = spopt_locate.PMedian.from_cost_matrix(t, w, p_facilities=3).solve(_solver())
    limit = float(t.max()) + 1.0  # every pair stored: the same complete problem spopt solves
    prob = CoverageProblem(w, coverage_from_times(_sparse_times(t, limit), limit), cost=_sparse_times(t, limit),
                           cost_limit_s=limit)
    res = solve_pmedian(prob, 3)
    assert res.objective == pytest.approx(pulp.value(ref.problem.objective), rel=1e-7)
