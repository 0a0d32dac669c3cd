"""Walking profiles and the per-edge, per-direction walking-time model.

Time model (seconds), for a directed edge of horizontal length ``length_m`` walked by a profile of flat speed ``v0``:

* flat (no DEM): ``time_s = length_m / v0``;
* steps: ``time_s = length_m · stairs_factor / v0`` (the factor on the *horizontal* length; with a DEM Tobler is not
  applied on top: the factor already prices the climb, and a 30 m DEM cannot resolve a flight of stairs);
* with a DEM (not steps): Tobler's hiking function, normalised so flat ground gives ``v0``, integrated over the sampled
  sub-segments: ``time_s = Σ L_i / (v0 · g(s_i))`` with ``g(s) = exp(−b·|s + c|) / exp(−b·c)`` and ``s_i`` the
  signed slope (rise/run) of sub-segment ``i`` in the direction of travel.

Because ``g`` does not depend on ``v0``, the network stores a profile-independent ``flat_equiv_m`` per directed edge
(``Σ L_i / g(s_i)``: the metres of flat ground that take as long to walk as this edge; equal to ``length_m`` without
a DEM), and :func:`edge_times` turns it into seconds for any profile.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from lifecircle.errors import LifecircleInputError

#: The profile file shipped with the package.
_PROFILES_RESOURCE = "walk_profiles.toml"


@dataclass(frozen=True)
class WalkProfile:
    """How a person walks.

    Attributes
    ----------
    name
        Profile name (``planning``, ``adult``, ``elderly``, ``wheelchair`` or a user's).
    speed_m_s
        Flat-ground speed, metres per second.
    stairs_factor
        Time multiplier on the horizontal length of ``highway=steps`` (dimensionless, ≥ 1 in practice).
    steps_passable
        False removes steps from the network (wheelchair).
    source
        Where ``speed_m_s`` comes from.
    """

    name: str
    speed_m_s: float
    stairs_factor: float = 2.5
    steps_passable: bool = True
    source: str = ""


@dataclass(frozen=True)
class SlopeModel:
    """Tobler's hiking function ``v = a·exp(−b·|s + c|)`` km/h and its limits (see ``walk_profiles.toml`` [slope]).

    Attributes
    ----------
    tobler_a, tobler_b, tobler_c
        Tobler's constants (6 km/h, 3.5, 0.05; Tobler 1993). Only ``b`` and ``c`` matter after normalisation.
    max_abs_slope
        Slopes (rise/run, dimensionless) beyond ± this are clamped to it.
    sample_spacing_m
        Maximum spacing of DEM samples along an edge, metres.
    """

    tobler_a: float = 6.0
    tobler_b: float = 3.5
    tobler_c: float = 0.05
    max_abs_slope: float = 0.35
    sample_spacing_m: float = 30.0

    def speed_ratio(self, slope: np.ndarray | float) -> np.ndarray:
        """Tobler speed at signed slope ``s`` divided by Tobler speed on flat ground (1 at ``s = 0``).

        ``s`` is clamped to ``±max_abs_slope`` first. Equal to ``exp(−b·|s + c|) / exp(−b·c)``.
        """
        s = np.clip(np.asarray(slope, dtype=np.float64), -self.max_abs_slope, self.max_abs_slope)
        return np.exp(-self.tobler_b * np.abs(s + self.tobler_c)) / math.exp(-self.tobler_b * self.tobler_c)


def _profiles_text(path: str | Path | None) -> tuple[str, str]:
    if path is None:
        return resources.files("lifecircle").joinpath("data", _PROFILES_RESOURCE).read_text(encoding="utf-8"), _PROFILES_RESOURCE
    p = Path(path)
    if not p.is_file():
        raise LifecircleInputError(f"Walking-profile file '{p}' does not exist. Give a TOML file like lifecircle/data/{_PROFILES_RESOURCE}.")
    return p.read_text(encoding="utf-8"), str(p)


def _parse_toml(path: str | Path | None) -> tuple[dict, str]:
    text, where = _profiles_text(path)
    try:
        return tomllib.loads(text), where
    except tomllib.TOMLDecodeError as exc:
        raise LifecircleInputError(f"Walking-profile file '{where}' is not valid TOML: {exc}. Fix the syntax.") from exc


def load_walk_profiles(path: str | Path | None = None) -> dict[str, WalkProfile]:
    """Read walking profiles from a TOML file (default: the package's ``data/walk_profiles.toml``).

    Each table other than ``[slope]`` is a profile with ``speed_m_s`` (metres per second, required), ``stairs_factor``
    (default 2.5), ``steps_passable`` (default true) and ``source``.

    Raises
    ------
    LifecircleInputError
        The file is missing, not TOML, or a profile has no positive ``speed_m_s`` or a negative ``stairs_factor``.
    """
    data, where = _parse_toml(path)
    profiles: dict[str, WalkProfile] = {}
    for name, table in data.items():
        if name == "slope" or not isinstance(table, dict):
            continue
        speed = table.get("speed_m_s")
        if not isinstance(speed, (int, float)) or isinstance(speed, bool) or not speed > 0:
            raise LifecircleInputError(f"Walking profile [{name}] in '{where}' needs speed_m_s, a positive number of metres per second (got {speed!r}).")
        factor = table.get("stairs_factor", 2.5)
        if not isinstance(factor, (int, float)) or isinstance(factor, bool) or not factor > 0:
            raise LifecircleInputError(f"Walking profile [{name}] in '{where}': stairs_factor must be a positive number (got {factor!r}).")
        passable = table.get("steps_passable", True)
        if not isinstance(passable, bool):
            raise LifecircleInputError(f"Walking profile [{name}] in '{where}': steps_passable must be true or false (got {passable!r}).")
        profiles[name] = WalkProfile(name, float(speed), float(factor), passable, str(table.get("source", "")))
    if not profiles:
        raise LifecircleInputError(f"'{where}' defines no walking profile; add a table such as [planning] with speed_m_s = 1.0.")
    return profiles


def load_slope_model(path: str | Path | None = None) -> SlopeModel:
    """The ``[slope]`` table of the profile file (defaults for missing keys)."""
    data, _ = _parse_toml(path)
    table = data.get("slope", {})
    fields = {k: float(v) for k, v in table.items() if k in SlopeModel.__dataclass_fields__}
    return SlopeModel(**fields)


def get_walk_profile(profile: str | WalkProfile, path: str | Path | None = None) -> WalkProfile:
    """Resolve a profile name (or pass a :class:`WalkProfile` through); unknown names raise with the known ones."""
    if isinstance(profile, WalkProfile):
        return profile
    profiles = load_walk_profiles(path)
    if profile not in profiles:
        raise LifecircleInputError(f"Unknown walking profile '{profile}'. Choose one of: {', '.join(sorted(profiles))}.")
    return profiles[profile]


def flat_equivalent_m(seg_length_m: np.ndarray, seg_slope: np.ndarray, slope: SlopeModel) -> float:
    """Flat-ground metres that take as long as walking sub-segments of lengths ``seg_length_m`` (metres) at signed
    slopes ``seg_slope`` (rise/run): ``Σ L_i / g(s_i)`` with ``g`` :meth:`SlopeModel.speed_ratio`."""
    return float(np.sum(np.asarray(seg_length_m, dtype=np.float64) / slope.speed_ratio(seg_slope)))


def edge_times(edges, profile: str | WalkProfile) -> np.ndarray:
    """Seconds to walk each directed edge under ``profile``.

    ``net.edges["time_s"] = edge_times(net, "elderly")`` re-times a built network for another profile (slope effects
    included, since ``flat_equiv_m`` does not depend on the speed). Wheelchair: Tobler is a walking model; on a DEM
    it is applied to wheelchair users too, as the best available approximation (uphill slower), which is optimistic
    for steep downhill.

    Parameters
    ----------
    edges
        A :class:`~lifecircle.network.model.WalkNetwork` or its edge frame with ``length_m`` (metres) and ``steps`` (bool); ``flat_equiv_m`` (metres, per direction, from the
        DEM) is used for non-steps edges when present, else ``length_m``.
    profile
        A :class:`WalkProfile` or the name of a packaged one.

    Returns
    -------
    numpy.ndarray
        float64 seconds; ``inf`` for steps when the profile cannot pass them.
    """
    prof = get_walk_profile(profile)
    edges = getattr(edges, "edges", edges)
    length = edges["length_m"].to_numpy(np.float64)
    steps = edges["steps"].to_numpy(bool) if "steps" in edges else np.zeros(len(edges), bool)
    flat = edges["flat_equiv_m"].to_numpy(np.float64) if "flat_equiv_m" in edges else length
    flat = np.where(np.isnan(flat), length, flat)
    stairs = length * prof.stairs_factor if prof.steps_passable else np.full(len(edges), np.inf)
    return np.where(steps, stairs, flat) / prof.speed_m_s
