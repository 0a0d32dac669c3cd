"""A city-like synthetic walking network for the engine's scaling series (10k / 100k / 1M nodes).

* Nodes on a jittered square grid (``spacing_m`` apart, ±30 % jitter), so node density and edge lengths resemble a
  street grid with ~40 m blocks (625 junctions per km²).
* Missing links: each grid link is dropped with probability ``drop`` (dead ends, blocks without through paths).
* Hills: a smooth terrain of three sinusoids (±60 m, wavelengths 2.5–9 km — Chongqing-like relief); walking times
  follow Tobler's hiking function normalised to 1.0 m/s on the flat, so uphill and downhill costs differ.
* One-way links: a fraction ``one_way`` of links exist only in their downhill direction (``rev = −1``), like
  escalators or ``oneway:foot`` steps.
* Facilities: a Poisson number per category from :data:`DENSITY_PER_KM2` times the area, uniformly on edges, with
  access legs of 0–30 s; homes uniformly on edges with 0–60 s access legs and 1–200 residents.

Densities: city-wide averages per km² for a compact city. For scale, the embedded Helsinki extract (city centre,
1.65 km² hull) holds 470 OSM facilities per km² of these kinds (eating 217, bus stops 79...); whole-city averages,
suburbs included, are an order of magnitude lower, which is what the table assumes (38 per km² in all).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Facilities per km² by lifecircle category id (whole-city averages, see the module docstring).
DENSITY_PER_KM2 = {
    "eating": 12.0,
    "bus_stop": 6.0,
    "services": 6.0,
    "convenience": 4.0,
    "park": 2.0,
    "pharmacy": 1.5,
    "health_station": 1.0,
    "kindergarten": 1.0,
    "supermarket": 1.0,
    "sports": 1.0,
    "elderly_care": 0.6,
    "fresh_market": 0.6,
    "primary_school": 0.5,
    "culture": 0.5,
    "middle_school": 0.3,
}


@dataclass
class SyntheticCity:
    """Arrays of a synthetic city: ``u``, ``v``, ``cost`` (seconds), ``rev``, ``length_m``, node ``x``, ``y`` (metres)."""

    n_nodes: int
    u: np.ndarray
    v: np.ndarray
    cost: np.ndarray
    rev: np.ndarray
    length_m: np.ndarray
    x: np.ndarray
    y: np.ndarray
    area_km2: float


def _tobler_speed(slope: np.ndarray, flat_mps: float = 1.0) -> np.ndarray:
    """Tobler (1993) hiking speed exp(−3.5·|s + 0.05|), scaled to ``flat_mps`` on the flat (m/s)."""
    return flat_mps * np.exp(-3.5 * (np.abs(slope + 0.05) - 0.05))


def city(n_nodes: int, seed: int = 0, spacing_m: float = 40.0, drop: float = 0.12, one_way: float = 0.02) -> SyntheticCity:
    """A perturbed grid of about ``n_nodes`` nodes (exactly ``nx·ny`` with nx·ny ≥ n_nodes)."""
    rng = np.random.default_rng(seed)
    nx_ = int(np.ceil(np.sqrt(n_nodes)))
    ny_ = int(np.ceil(n_nodes / nx_))
    n = nx_ * ny_
    ii, jj = np.divmod(np.arange(n, dtype=np.int64), nx_)
    x = (jj + rng.uniform(-0.3, 0.3, n)) * spacing_m
    y = (ii + rng.uniform(-0.3, 0.3, n)) * spacing_m
    z = (60 * np.sin(x / 9000 * 2 * np.pi) * np.cos(y / 7000 * 2 * np.pi) + 25 * np.sin((x + y) / 2500 * 2 * np.pi)
         + 15 * np.cos((x - 2 * y) / 4000 * 2 * np.pi))
    idx = np.arange(n, dtype=np.int64).reshape(ny_, nx_)
    a = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    b = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    keep = rng.random(len(a)) >= drop
    a, b = a[keep], b[keep]
    length = np.hypot(x[b] - x[a], y[b] - y[a])
    slope = (z[b] - z[a]) / length
    t_ab = length / _tobler_speed(slope)
    t_ba = length / _tobler_speed(-slope)
    ow = rng.random(len(a)) < one_way
    # one-way links keep their downhill direction only
    down_ab = slope <= 0
    L = len(a)
    two = ~ow
    n2 = int(two.sum())
    u = np.empty(2 * n2 + (L - n2), np.int64)
    v = np.empty_like(u)
    cost = np.empty(len(u))
    rev = np.full(len(u), -1, np.int64)
    e2 = 2 * np.arange(n2)
    u[e2], v[e2], cost[e2] = a[two], b[two], t_ab[two]
    u[e2 + 1], v[e2 + 1], cost[e2 + 1] = b[two], a[two], t_ba[two]
    rev[e2], rev[e2 + 1] = e2 + 1, e2
    e1 = 2 * n2 + np.arange(L - n2)
    oa, ob, od = a[ow], b[ow], down_ab[ow]
    u[e1] = np.where(od, oa, ob)
    v[e1] = np.where(od, ob, oa)
    cost[e1] = np.where(od, t_ab[ow], t_ba[ow])
    lens = np.concatenate([np.repeat(length[two], 2), length[ow]])
    return SyntheticCity(n, u, v, cost, rev, lens, x, y, nx_ * ny_ * spacing_m**2 / 1e6)


def facilities(c: SyntheticCity, seed: int = 1, density: dict[str, float] | None = None):
    """``(edge, frac, access_s, category, names)``: Poisson counts per category, uniform on edges."""
    rng = np.random.default_rng(seed)
    density = DENSITY_PER_KM2 if density is None else density
    names = list(density)
    counts = rng.poisson([density[k] * c.area_km2 for k in names])
    cat = np.repeat(np.arange(len(names), dtype=np.int64), counts)
    n = len(cat)
    return rng.integers(0, len(c.u), n), rng.random(n), rng.uniform(0, 30, n), cat, names


def homes(c: SyntheticCity, n: int, seed: int = 2):
    """``(edge, frac, access_s, population)`` of ``n`` homes, uniform on edges, 1–200 residents each."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, len(c.u), n), rng.random(n), rng.uniform(0, 60, n), rng.integers(1, 201, n).astype(float)
