"""The halo around an area: how far beyond its edge the network, facilities and homes must reach so that every
walking time up to the largest threshold is exactly what a run over the whole region gives.

A walker of flat speed ``v0`` (metres per second, :mod:`lifecircle.network.walking`) covers at most ``v_max · t``
metres of horizontal ground in ``t`` seconds, where ``v_max`` is the fastest horizontal speed the time model allows:

* flat ground: ``v0``;
* steps: ``v0 / stairs_factor`` (faster than ``v0`` only for a factor below 1);
* with a DEM: ``v0 · max g(s)``, Tobler's normalised speed ratio at its downhill peak ``s = −c`` (``exp(b·c)``,
  1.19 for Tobler's constants), or at the steepest allowed slope when the clamp ``max_abs_slope`` is below ``c``;
* the access legs from a home or facility to the network are walked at ``v0``.

Every point of a path that takes at most ``T`` seconds lies within ``R = v_max · T`` metres (straight line) of the
home. Network and straight-line distance thresholds reach ``D`` metres the same way. So every path, facility and
network edge a home inside the area can use within the limits lies within ``R`` of the area; the edges a point
within ``R`` may snap to lie within ``R + snap_max`` (:mod:`lifecircle.points.snapping`). The halo is therefore
``R + snap_max`` metres. A piece cut with it gives the whole-region value for every time ≤ ``T`` (a smaller network
can only lengthen a path, so a value ≤ ``T`` in the piece is the true one, and one beyond ``T`` is truly beyond it).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from lifecircle.indicators.profiles import Profile, load_profile
from lifecircle.network.walking import WalkProfile, get_walk_profile, load_slope_model


@dataclass(frozen=True)
class Halo:
    """Exactness limits of a cut and the halo width they need.

    Attributes
    ----------
    limits
        Threshold kind → the largest value (seconds or metres) a cut keeps exact: ``walk_time_s``,
        ``network_distance_m``, ``straight_radius_m`` (kinds the profiles do not use are absent, except walking
        time, which every run reports).
    fastest_m_s
        The fastest horizontal walking speed of the time model, metres per second.
    reach_m
        The farthest (straight-line metres) any limit lets a home reach.
    snap_m
        The snapping distance, metres.
    inexact
        Indicators (``profile/indicator``) no halo can make exact (a Gini coefficient reads every home's times, however
        long); they are computed from the capped times and flagged in the batch summary.
    """

    limits: dict[str, float]
    fastest_m_s: float
    reach_m: float
    snap_m: float
    inexact: tuple[str, ...] = ()

    @property
    def width_m(self) -> float:
        """Metres the network and facilities must reach beyond an area's edge."""
        return self.reach_m + self.snap_m


def fastest_speed_m_s(walk: str | WalkProfile, with_dem: bool) -> float:
    """The fastest horizontal speed (m/s) of profile ``walk`` in the time model (see the module docstring)."""
    prof = get_walk_profile(walk)
    ratio = 1.0
    if prof.steps_passable and prof.stairs_factor < 1.0:
        ratio = max(ratio, 1.0 / prof.stairs_factor)
    if with_dem:
        slope = load_slope_model()
        peak = -min(slope.tobler_c, slope.max_abs_slope)
        ratio = max(ratio, float(slope.speed_ratio(peak)))
    return prof.speed_m_s * ratio


def _limits(profiles: Iterable[Profile]) -> tuple[dict[str, float], tuple[str, ...]]:
    limits: dict[str, float] = {"walk_time_s": 0.0}
    inexact: list[str] = []
    for p in profiles:
        by_id = {i.id: i for i in p.indicators}
        for ind in p.indicators:
            if ind.kind == "coverage":
                limits[ind.threshold_kind] = max(limits.get(ind.threshold_kind, 0.0), float(ind.threshold))
            elif ind.kind == "composite":
                limits["walk_time_s"] = max(limits["walk_time_s"], float(p.composite_all_within_s))
            elif ind.kind == "f15":
                # the mean over n elements is within T only if every element's time is within n·T
                limits["walk_time_s"] = max(limits["walk_time_s"], float(ind.threshold) * max(len(ind.elements), 1))
            elif ind.kind == "gini":
                inexact.append(f"{p.id}/{ind.id}")
                for e in ind.elements:
                    if e in by_id and by_id[e].threshold_kind == "walk_time_s":
                        limits["walk_time_s"] = max(limits["walk_time_s"], float(by_id[e].threshold))
    return limits, tuple(inexact)


def halo_for(profiles: Iterable[str | Profile], walk: str | WalkProfile, with_dem: bool, snap_max_m: float) -> Halo:
    """The halo of a batch or tiled run: exactness limits from the indicator ``profiles`` (their largest thresholds),
    speed from the walking profile ``walk`` (and the DEM's slope model when ``with_dem``), plus the snapping
    distance ``snap_max_m`` (metres)."""
    loaded = [load_profile(p) for p in profiles]
    limits, inexact = _limits(loaded)
    fastest = fastest_speed_m_s(walk, with_dem)
    reach = max([fastest * limits["walk_time_s"]] + [v for k, v in limits.items() if k != "walk_time_s"])
    return Halo(limits=limits, fastest_m_s=fastest, reach_m=float(math.ceil(reach)), snap_m=float(snap_max_m),
                inexact=inexact)
