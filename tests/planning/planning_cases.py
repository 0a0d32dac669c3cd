"""Small random siting instances and brute-force (enumeration) references for the planning tests."""

from __future__ import annotations

import itertools

import numpy as np
import scipy.sparse as sp


def random_instance(seed: int, m: int = 9, n: int = 40, density: float = 0.2, existing: float = 0.15):
    """(weights people, dense bool cover m×n, already_covered, dense seconds m×n with inf = unreachable)."""
    rng = np.random.default_rng(seed)
    cover = rng.random((m, n)) < density
    w = rng.integers(1, 30, n).astype(float)
    already = rng.random(n) < existing
    times = np.where(rng.random((m, n)) < 0.6, np.round(rng.random((m, n)) * 900.0), np.inf)
    return w, cover, already, times


def sparse(dense_bool: np.ndarray) -> sp.csr_matrix:
    return sp.csr_matrix(dense_bool)


def sparse_times(times: np.ndarray) -> sp.csr_matrix:
    """Sparse seconds keeping finite entries, zeros included (stored explicitly)."""
    r, c = np.nonzero(np.isfinite(times))
    return sp.csr_matrix((times[r, c], (r, c)), shape=times.shape)


def newly_covered(w, cover, already, sites) -> float:
    cov = cover[list(sites)].any(axis=0) if len(sites) else np.zeros(cover.shape[1], bool)
    return float(w[cov & ~already].sum())


def brute_mclp(w, cover, already, k) -> float:
    return max(newly_covered(w, cover, already, s) for s in itertools.combinations(range(cover.shape[0]), k))


def brute_lscp(w, cover, already, target_rate) -> int | None:
    """Fewest sites reaching ``target_rate`` of all weight, or None when no subset does."""
    total = w.sum()
    base = w[already].sum()
    for k in range(cover.shape[0] + 1):
        for s in itertools.combinations(range(cover.shape[0]), k):
            if base + newly_covered(w, cover, already, s) >= target_rate * total - 1e-9:
                return k
    return None


def median_cost(w, times, base, sites) -> float:
    t = base.copy()
    for j in sites:
        t = np.minimum(t, times[j])
    return float((w * t).sum())


def brute_pmedian(w, times, base, p) -> float:
    return min(median_cost(w, times, base, s) for s in itertools.combinations(range(times.shape[0]), p))
