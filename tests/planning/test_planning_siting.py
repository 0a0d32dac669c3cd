"""MCLP, LSCP and p-median against enumeration of every k-subset, and the greedy's guarantee and bound."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from planning_cases import (
    brute_lscp,
    brute_mclp,
    brute_pmedian,
    median_cost,
    newly_covered,
    random_instance,
    sparse,
    sparse_times,
)

from lifecircle.errors import LifecircleInputError
from lifecircle.planning import (
    CoverageProblem,
    coverage_from_times,
    greedy_mclp,
    rank_candidates,
    sites_table,
    solve_lscp,
    solve_mclp,
    solve_pmedian,
)

SEEDS = range(6)


def test_hand_checked_line():
    # Five homes on a street, 10 people each except home 2 (50). Site A covers homes 0-1, B covers 1-3, C covers
    # 3-4; home 4 is already covered by an existing clinic. k=1: B covers 10+50+10 = 70 (A: 20, C: 10 new).
    # k=2: A+B cover homes 0-3 = 80; B+C cover 1-3 = 70 (home 4 is not new) -> {A, B}, 80.
    w = np.array([10, 10, 50, 10, 10], float)
    cover = sp.csr_matrix(np.array([[1, 1, 0, 0, 0], [0, 1, 1, 1, 0], [0, 0, 0, 1, 1]], bool))
    prob = CoverageProblem(w, cover, already_covered=np.array([0, 0, 0, 0, 1], bool))
    r1 = solve_mclp(prob, 1)
    assert list(r1.sites) == [1] and r1.objective == 70 and r1.status == "optimal" and r1.gap == 0
    r2 = solve_mclp(prob, 2, method="exact")
    assert list(r2.sites) == [1, 0] and r2.objective == 80
    assert list(r2.newly_covered) == [70, 10]  # B first (70 new), then A adds home 0 only
    assert r2.covered.tolist() == [True] * 5 and r2.coverage_rate == pytest.approx(1.0)
    # LSCP: everyone = A and B (C adds nothing new); 90 % of 90 people = 81 > 80 already... 10 (existing) + 70 (B)
    # = 80 / 90 = 0.889 < 0.9 -> needs two sites; 0.85 -> one site (B).
    assert solve_lscp(prob, 1.0).objective == 2
    assert solve_lscp(prob, 0.9).objective == 2
    assert list(solve_lscp(prob, 0.85).sites) == [1]
    assert solve_lscp(prob, 0.1).objective == 0  # the existing clinic already covers 10/90


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_mclp_exact_equals_enumeration(seed, k):
    w, cover, already, _ = random_instance(seed)
    prob = CoverageProblem(w, sparse(cover), already)
    best = brute_mclp(w, cover, already, k)
    res = solve_mclp(prob, k, method="exact")
    assert res.status == "optimal"
    assert res.objective == pytest.approx(best)
    assert newly_covered(w, cover, already, res.sites) == pytest.approx(best)  # the sites really achieve it
    assert res.newly_covered.sum() == pytest.approx(best)
    assert len(res.sites) <= k and res.gap == pytest.approx(0.0)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_greedy_guarantee_and_bound(seed, k):
    w, cover, already, _ = random_instance(seed, m=10, n=50, density=0.25)
    prob = CoverageProblem(w, sparse(cover), already)
    best = brute_mclp(w, cover, already, k)
    g = greedy_mclp(prob, k)
    assert g.method == "greedy" and g.status == "heuristic"
    assert newly_covered(w, cover, already, g.sites) == pytest.approx(g.objective)
    assert g.objective >= (1 - 1 / math.e) * best - 1e-9
    assert g.bound >= best - 1e-9  # the online bound is a true upper bound on the optimum
    assert g.gap == pytest.approx((g.bound - g.objective) / g.objective)


def test_greedy_is_plain_greedy():
    # lazy evaluation must pick exactly what the eager greedy picks (ties broken by lowest index in both)
    w, cover, already, _ = random_instance(11, m=15, n=80, density=0.15)
    prob = CoverageProblem(w, sparse(cover), already)
    chosen: list[int] = []
    for _ in range(4):
        gains = [newly_covered(w, cover, already, chosen + [j]) - newly_covered(w, cover, already, chosen)
                 for j in range(cover.shape[0])]
        chosen.append(int(np.argmax(gains)))
    g = greedy_mclp(prob, 4)
    assert [newly_covered(w, cover, already, g.sites[:i]) for i in range(1, 5)] == pytest.approx(
        [newly_covered(w, cover, already, chosen[:i]) for i in range(1, 5)])


def test_auto_and_more_sites_than_useful():
    w = np.array([5.0, 7.0])
    cover = sp.csr_matrix(np.array([[1, 0], [0, 0], [0, 0]], bool))
    prob = CoverageProblem(w, cover)
    res = solve_mclp(prob, 3)
    assert list(res.sites) == [0] and res.objective == 5
    assert solve_mclp(prob, 3, method="greedy").sites.tolist() == [0]


def _max_served(w, cover, cap, sites) -> float:
    """Independent reference: max flow source -> site (capacity) -> covered demand -> sink (weight)."""
    g = nx.DiGraph()
    for j in sites:
        g.add_edge("s", ("f", j), capacity=float(cap[j]))
        for i in np.flatnonzero(cover[j]):
            g.add_edge(("f", j), ("d", i))  # no capacity attribute = unbounded
    for i in range(len(w)):
        g.add_edge(("d", i), "t", capacity=float(w[i]))
    g.add_node("s")
    return nx.maximum_flow_value(g, "s", "t")


@pytest.mark.parametrize("seed", range(4))
def test_capacitated_mclp_equals_enumeration_with_max_flow(seed):
    w, cover, already, _ = random_instance(seed, m=7, n=30, density=0.3)
    rng = np.random.default_rng(100 + seed)
    cap = rng.integers(10, 80, cover.shape[0]).astype(float)
    w_new = np.where(already, 0.0, w)  # already covered demand cannot be served anew
    prob = CoverageProblem(w, sparse(cover), already, capacity=cap)
    for k in (1, 2, 3):
        best = max(_max_served(w_new, cover, cap, s) for s in itertools.combinations(range(cover.shape[0]), k))
        res = solve_mclp(prob, k)
        assert res.status == "optimal"
        assert res.objective == pytest.approx(best, abs=1e-6)
        assert np.all(res.newly_covered <= cap[res.sites] + 1e-6)  # capacity respected per site
        assert _max_served(w_new, cover, cap, res.sites) == pytest.approx(best, abs=1e-6)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("target", [0.5, 0.8, 0.95])
def test_lscp_equals_enumeration_and_reaches_target(seed, target):
    w, cover, already, _ = random_instance(seed, m=9, n=40, density=0.25)
    prob = CoverageProblem(w, sparse(cover), already)
    best = brute_lscp(w, cover, already, target)
    if best is None:
        with pytest.raises(LifecircleInputError, match="cannot be reached"):
            solve_lscp(prob, target)
        return
    res = solve_lscp(prob, target, method="exact")
    assert res.objective == best and len(res.sites) == best and res.status == "optimal"
    reached = (w[already].sum() + newly_covered(w, cover, already, res.sites)) / w.sum()
    assert reached >= target - 1e-9 and res.coverage_rate == pytest.approx(reached)
    g = solve_lscp(prob, target, method="greedy")
    g_reached = (w[already].sum() + newly_covered(w, cover, already, g.sites)) / w.sum()
    assert g_reached >= target - 1e-9
    assert g.objective >= best and g.bound <= best  # the greedy's lower bound holds


def test_lscp_unreachable_target_message():
    prob = CoverageProblem(np.array([1.0, 1.0]), sp.csr_matrix(np.array([[1, 0]], bool)))
    with pytest.raises(LifecircleInputError, match=r"at most 0\.5000"):
        solve_lscp(prob, 0.9)


@pytest.mark.parametrize("seed", range(4))
def test_capacitated_lscp_reaches_target_with_fewest_sites(seed):
    w, cover, already, _ = random_instance(seed, m=7, n=30, density=0.35, existing=0.0)
    cap = np.full(cover.shape[0], 120.0)
    prob = CoverageProblem(w, sparse(cover), capacity=cap)
    target = 0.6
    need = target * w.sum()
    fewest = next((k for k in range(cover.shape[0] + 1)
                   for s in itertools.combinations(range(cover.shape[0]), k)
                   if _max_served(w, cover, cap, s) >= need - 1e-6), None)
    if fewest is None:
        pytest.skip("target unreachable for this seed")
    res = solve_lscp(prob, target)
    assert res.objective == fewest
    assert _max_served(w, cover, cap, res.sites) >= need - 1e-6
    assert np.all(res.newly_covered <= 120.0 + 1e-6)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("p", [1, 2, 3])
def test_pmedian_equals_enumeration(seed, p):
    w, _, _, times = random_instance(seed, m=8, n=35)
    rng = np.random.default_rng(50 + seed)
    existing = np.where(rng.random(35) < 0.3, np.round(rng.random(35) * 600), np.inf)
    limit = 900.0
    prob = CoverageProblem(w, sparse(times <= limit), cost=sparse_times(times), existing_cost=existing,
                           cost_limit_s=limit)
    base = np.minimum(existing, limit)
    best = brute_pmedian(w, np.where(np.isfinite(times), times, np.inf), base, p)
    res = solve_pmedian(prob, p, method="exact")
    assert res.status == "optimal" and res.objective == pytest.approx(best)
    assert median_cost(w, times, base, res.sites) == pytest.approx(best)
    g = solve_pmedian(prob, p, method="greedy")
    assert median_cost(w, times, base, g.sites) == pytest.approx(g.objective)
    base_total = float((w * base).sum())
    assert base_total - g.objective >= (1 - 1 / math.e) * (base_total - best) - 1e-6  # savings guarantee
    assert g.bound <= best + 1e-6  # lower bound on the optimum


def test_pmedian_hand_checked():
    # Three homes (1, 1, 2 people); site 0 reaches them in 60/120/- s, site 1 in -/30/30 s; 600 s charged when
    # unreached. p=1: site 0 -> 60+120+2*600 = 1380; site 1 -> 600+30+60 = 690 -> site 1.
    times = sp.csr_matrix((np.array([60.0, 120.0, 30.0, 30.0]), (np.array([0, 0, 1, 1]), np.array([0, 1, 1, 2]))),
                          shape=(2, 3))
    prob = CoverageProblem(np.array([1.0, 1.0, 2.0]), coverage_from_times(times, 600.0), cost=times, cost_limit_s=600.0)
    r = solve_pmedian(prob, 1)
    assert list(r.sites) == [1] and r.objective == pytest.approx(690.0)
    r2 = solve_pmedian(prob, 2)
    assert r2.objective == pytest.approx(60 + 30 + 60) and sorted(r2.sites) == [0, 1]


def test_capacitated_pmedian_with_min_cost_flow():
    # Independent reference: min-cost flow, demand -> site (time) -> sink (capacity) or demand -> sink (baseline).
    rng = np.random.default_rng(7)
    m, n = 5, 14
    w = rng.integers(1, 9, n)
    times = np.where(rng.random((m, n)) < 0.7, rng.integers(0, 600, (m, n)).astype(float), np.inf)
    cap = np.full(m, 20.0)
    prob = CoverageProblem(w.astype(float), sparse(times <= 600), cost=sparse_times(times), capacity=cap,
                           cost_limit_s=900.0)

    def flow_cost(sites):
        g = nx.DiGraph()
        g.add_node("t", demand=int(w.sum()))
        for i in range(n):
            g.add_node(("d", i), demand=-int(w[i]))
            g.add_edge(("d", i), "t", weight=900)
            for j in sites:
                if np.isfinite(times[j, i]):
                    g.add_edge(("d", i), ("f", j), weight=int(times[j, i]))
        for j in sites:
            g.add_edge(("f", j), "t", capacity=int(cap[j]), weight=0)
        return nx.min_cost_flow_cost(g)

    for p in (1, 2):
        best = min(flow_cost(s) for s in itertools.combinations(range(m), p))
        res = solve_pmedian(prob, p)
        assert res.objective == pytest.approx(best, abs=1e-4)
        assert np.all(res.newly_covered <= cap[res.sites] + 1e-6)


def test_bad_input_messages():
    w = np.array([1.0, 2.0])
    with pytest.raises(LifecircleInputError, match="scipy.sparse"):
        CoverageProblem(w, np.ones((2, 2), bool))
    with pytest.raises(LifecircleInputError, match="demand columns"):
        CoverageProblem(w, sp.csr_matrix(np.ones((2, 3), bool)))
    with pytest.raises(LifecircleInputError, match="finite and >= 0"):
        CoverageProblem(np.array([1.0, np.nan]), sp.csr_matrix(np.ones((2, 2), bool)))
    prob = CoverageProblem(w, sp.csr_matrix(np.ones((2, 2), bool)))
    with pytest.raises(LifecircleInputError, match="method"):
        solve_mclp(prob, 1, method="fast")
    with pytest.raises(LifecircleInputError, match="whole number"):
        solve_mclp(prob, -1)
    with pytest.raises(LifecircleInputError, match="needs walking times"):
        solve_pmedian(prob, 1)
    with pytest.raises(LifecircleInputError, match="between 0 and 1"):
        solve_lscp(prob, 90)
    capped = CoverageProblem(w, sp.csr_matrix(np.ones((2, 2), bool)), capacity=np.array([1.0, 1.0]))
    with pytest.raises(LifecircleInputError, match="ignores capacities"):
        solve_mclp(capped, 1, method="greedy")


@pytest.fixture(scope="module")
def limited_case():
    # a bigger instance HiGHS cannot close at once, and its proven optima (solved once for the module)
    w, cover, already, times = random_instance(3, m=40, n=400, density=0.08, existing=0.1)
    times = np.where(cover, times, np.inf)  # each site reaches 8 % of the homes
    prob = CoverageProblem(w, sparse(cover), already, cost=sparse_times(times), cost_limit_s=900.0)
    exact = (solve_mclp(prob, 6, method="exact", time_limit_s=30), solve_lscp(prob, 0.7, time_limit_s=30),
             solve_pmedian(prob, 4, time_limit_s=30))
    assert all(r.status == "optimal" for r in exact)
    return w, cover, already, times, prob, exact


@pytest.mark.parametrize("limit", [0.0, 0.05])
def test_time_limit_still_returns_a_valid_plan_with_a_true_bound(limited_case, limit):
    # whatever HiGHS returns at the limit must be consistent, and its bound must hold against the true optimum
    w, cover, already, times, prob, (m_exact, l_exact, p_exact) = limited_case
    r = solve_mclp(prob, 6, method="exact", time_limit_s=limit)
    assert r.status in ("optimal", "time_limit", "heuristic")
    assert newly_covered(w, cover, already, r.sites) == pytest.approx(r.objective)
    assert r.objective <= m_exact.objective + 1e-6 <= r.bound + 2e-6
    lr = solve_lscp(prob, 0.7, method="exact", time_limit_s=limit)
    assert lr.coverage_rate >= 0.7 - 1e-9 and lr.bound <= l_exact.objective <= lr.objective
    pr = solve_pmedian(prob, 4, method="exact", time_limit_s=limit)
    base = np.full(len(w), 900.0)
    assert median_cost(w, times, base, pr.sites) == pytest.approx(pr.objective)
    assert pr.bound <= p_exact.objective + 1e-6 <= pr.objective + 2e-6


def test_rank_candidates_and_sites_table():
    w = np.array([10, 10, 50, 10, 10], float)
    cover = sp.csr_matrix(np.array([[1, 1, 0, 0, 0], [0, 1, 1, 1, 0], [0, 0, 0, 1, 1]], bool))
    prob = CoverageProblem(w, cover, already_covered=np.array([0, 0, 0, 0, 1], bool))
    ranking = rank_candidates(prob)
    assert ranking["candidate"].tolist() == [1, 0, 2]
    assert ranking["newly_covered_alone"].tolist() == [70, 20, 10]
    table = sites_table(solve_mclp(prob, 2))
    assert table.to_dict("list") == {"order": [1, 2], "candidate": [1, 0], "newly_covered": [70.0, 10.0]}


def test_fano_plane_needs_the_mip():
    # 7 homes (1 person each), 7 candidate sites covering the 7 lines of the Fano plane. Any two lines meet in one
    # point, so k=2 covers 5 people at best. The LP relaxation (x = 2/7 everywhere, each point on 3 lines) reaches 6
    # and the greedy's online bound is 6 too: only the MIP proves 5.
    lines = [(0, 1, 2), (0, 3, 4), (0, 5, 6), (1, 3, 5), (1, 4, 6), (2, 3, 6), (2, 4, 5)]
    cover = np.zeros((7, 7), bool)
    for j, line in enumerate(lines):
        cover[j, list(line)] = True
    prob = CoverageProblem(np.ones(7), sparse(cover))
    g = greedy_mclp(prob, 2)
    assert g.objective == 5 and g.bound == 6
    res = solve_mclp(prob, 2, method="exact")
    assert res.objective == 5 and res.status == "optimal" and res.method == "exact" and res.bound == 5
    assert any("LP relaxation bound 6.0" in n for n in res.notes)


def test_lp_rounding_beats_a_wrong_greedy():
    # homes a, b (3 people each), c, d (2.5 each). X covers a+b (6), Y covers a+c (5.5), Z covers b+d (5.5).
    # k=2: greedy takes X (6) then adds 2.5 -> 8.5; Y+Z covers everyone, 11. The LP relaxation is integral here,
    # so its rounding finds Y+Z and its bound (11) proves it without the MIP.
    w = np.array([3.0, 3.0, 2.5, 2.5])
    cover = sparse(np.array([[1, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 1]], bool))
    prob = CoverageProblem(w, cover)
    assert greedy_mclp(prob, 2).objective == 8.5
    res = solve_mclp(prob, 2)
    assert res.objective == 11 and sorted(res.sites) == [1, 2] and res.status == "optimal"
    assert res.method == "lp_rounding"


@pytest.mark.parametrize("model", ["mclp", "lscp", "pmedian"])
def test_mip_is_skipped_when_its_lp_relaxation_does_not_solve_in_time(limited_case, monkeypatch, model):
    # HiGHS solves a MIP's root LP by simplex without checking the time limit; every model therefore runs the MIP only
    # after its LP relaxation (interior point, which stops at the limit) has solved within the time
    from lifecircle.planning import _highs

    w, cover, already, times, prob, (m_exact, l_exact, p_exact) = limited_case
    integral_solves = []
    solve = _highs._solve_mip

    def spy(**kw):
        if np.asarray(kw["integer"]).any():
            integral_solves.append(kw["time_limit_s"])
        return solve(**kw)

    monkeypatch.setattr(_highs, "_solve_mip", spy)
    if model == "mclp":
        r = solve_mclp(prob, 6, method="exact", time_limit_s=1e-9)
        assert r.objective <= m_exact.objective + 1e-6 <= r.bound + 2e-6
    elif model == "lscp":
        r = solve_lscp(prob, 0.7, method="exact", time_limit_s=1e-9)
        assert r.coverage_rate >= 0.7 - 1e-9 and r.bound <= l_exact.objective <= r.objective
    else:
        r = solve_pmedian(prob, 4, method="exact", time_limit_s=1e-9)
        assert r.bound <= p_exact.objective + 1e-6 <= r.objective + 2e-6
    assert integral_solves == []
    assert "mip" not in r.ran and r.ran[-1] == "lp_relaxation" and r.requested == "exact"
    assert any("MIP skipped" in n for n in r.notes) and r.status != "optimal"
    # with time, the same solves run the MIP and prove the optimum
    r = {"mclp": lambda: solve_mclp(prob, 6, method="exact", time_limit_s=30),
         "lscp": lambda: solve_lscp(prob, 0.7, method="exact", time_limit_s=30),
         "pmedian": lambda: solve_pmedian(prob, 4, method="exact", time_limit_s=30)}[model]()
    assert r.status == "optimal" and "mip" in r.ran and len(integral_solves) == 1


def test_capacitated_model_without_time_for_its_relaxation_says_so():
    w, cover, already, times = random_instance(5, m=12, n=120, density=0.2)
    prob = CoverageProblem(w, sparse(cover), already, capacity=np.full(12, 40.0))
    with pytest.raises(LifecircleInputError, match="LP relaxation did not solve"):
        solve_mclp(prob, 3, method="exact", time_limit_s=1e-9)


def test_weight_and_people_differ_capacities_count_people():
    # two homes: A (1 person on 1000 m² of land), B (10 people on 100 m²); one site covers both and has 5 places
    # (people). Weighted by land, the best is to serve A in full and 4 of B's 10 people.
    cover = sp.csr_matrix(np.array([[1, 1]], bool))
    prob = CoverageProblem(np.array([1000.0, 100.0]), cover, capacity=np.array([5.0]),
                           demand_people=np.array([1.0, 10.0]))
    res = solve_mclp(prob, 1, method="exact")
    # people served ≤ 5: all of A (1 person, 1000 m²) and 4 of B's 10 people (40 m²)
    assert res.newly_covered_people.sum() == pytest.approx(5.0)
    assert res.objective == pytest.approx(1000.0 + 40.0)
    assert res.coverage_rate == pytest.approx(1040.0 / 1100.0)
    assert res.coverage_rate_uncapacitated == pytest.approx(1.0)
