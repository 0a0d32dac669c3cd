"""The report's plan section and map layer, in planning words: what the new sites achieve for the indicator they
improve (the same numbers as ``plan.json``, ``comparison.csv`` and the terminal), each site named by its parcel or
nearest street, whole people, average walks in minutes; the solver's details in a collapsible line."""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np

from lifecircle.report.i18n import STRINGS
from lifecircle.report.inputs import ReportInputs

#: Denominators a plan may weigh homes with (``plan.json`` ``coverage_denominator``).
_DENOMINATORS = ("population", "residential_land_area", "floor_area")


def _num(x: Any) -> float:
    """``x`` as a float (NaN when it is not a number)."""
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def _is_number(x: Any) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def share_text(x: Any) -> str:
    """A share (0–1) as the report, the terminal and ``lifecircle plan`` show it: one decimal, e.g. ``51.5 %``."""
    return f"{100 * _num(x):.1f} %" if _is_number(x) else "—"


def whole(x: Any) -> str:
    """A count of people (or m²) as a whole number with thousands separators, or ``—``."""
    return f"{_num(x):,.0f}" if _is_number(x) else "—"


def _technical_number(x: Any, unit: str = "") -> str:
    if not _is_number(x):
        return "—"
    return f"{_num(x):,.1f}{(' ' + unit) if unit else ''}"


def _pair(key: str, **fields: Any) -> tuple[str, str]:
    zh, en = STRINGS[key]
    return zh.format(**fields), en.format(**fields)


def _within(info: dict[str, Any]) -> tuple[str, str]:
    thr = info.get("threshold")
    if not _is_number(thr):
        return "—", "—"
    if str(info.get("threshold_kind", "")) == "walk_time_s":
        return _pair("plan_within_walk", n=f"{_num(thr) / 60:g}")
    return _pair("plan_within_network", n=f"{_num(thr):g}")


def _what(info: dict[str, Any]) -> tuple[str, str]:
    den = str(info.get("coverage_denominator") or "population")
    return STRINGS[f"plan_what_{den}"] if den in _DENOMINATORS else (den, den)


def headline(info: dict[str, Any], n_sites: int) -> tuple[str, str]:
    """(zh, en) of what the plan does, e.g. "3 new sites that reach the most residential land within a 5-minute
    walk"."""
    problem = str(info.get("problem") or "mclp")
    key = f"plan_headline_{problem}" if f"plan_headline_{problem}" in STRINGS else "plan_headline_mclp"
    if n_sites == 1 and f"{key}_one" in STRINGS:
        key = f"{key}_one"
    wz, we = _within(info)
    hz, he = _what(info)
    params = info.get("parameters")
    target = params.get("target_rate") if isinstance(params, dict) else None
    tz, te = (share_text(target), share_text(target)) if _is_number(target) else ("目标", "the target")
    zh = STRINGS[key][0].format(n=n_sites, within=wz, what=hz, target=tz)
    en = STRINGS[key][1].format(n=n_sites, within=we, what=he, target=te)
    return zh, en


def site_names(sites: gpd.GeoDataFrame) -> list[tuple[str, str]]:
    """(zh, en) name of each site: the parcel's own name, "near <street>" (the nearest named street), else its id."""
    out = []
    for i, r in enumerate(sites.drop(columns=sites.geometry.name).to_dict("records")):
        name, street = str(r.get("name") or "").strip(), str(r.get("street") or "").strip()
        ident = str(r.get("site_id", r.get("candidate_id", i + 1)))
        if name and name != street:
            out.append((name, name))
        elif street:
            out.append(_pair("plan_site_near", street=street))
        else:
            out.append((ident, ident))
    return out


def _lonlat(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    if len(gdf) == 0:
        return np.zeros(0), np.zeros(0)
    w = gdf.geometry.to_crs("EPSG:4326")
    return np.round(w.x.to_numpy(np.float64), 5), np.round(w.y.to_numpy(np.float64), 5)


def _people(r: dict[str, Any]) -> Any:
    return r.get("newly_covered_people", r.get("newly_covered"))


def plan_tables(inputs: ReportInputs, names: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
    """Each plan of ``lifecircle plan`` as the report shows it: a headline, the coverage of its indicator before →
    after (with its denominator), the people newly within reach, one row per site (order, name, people, lon/lat), and
    the solver's details (model, method asked / ran / kept, objective, bound, gap, status)."""
    out = []
    for plan in inputs.plans:
        info = plan.info
        cat = str(info.get("category") or (plan.sites["category"].iloc[0] if "category" in plan.sites.columns
                                           and len(plan.sites) else ""))
        zh, en = names.get(cat, (cat, cat))
        unit = str(info.get("objective_unit", ""))
        lon, lat = _lonlat(plan.sites)
        rows = []
        for i, (r, (nz, ne)) in enumerate(zip(plan.sites.drop(columns=plan.sites.geometry.name).to_dict("records"),
                                              site_names(plan.sites))):
            rows.append({"order": int(r.get("order", i + 1)),
                         "id": str(r.get("site_id", r.get("candidate_id", i + 1))),
                         "name_zh": nz, "name_en": ne,
                         "people": whole(_people(r)),
                         "lonlat": f"{lon[i]:.5f}, {lat[i]:.5f}"})
        hz, he = headline(info, len(rows))
        wz, we = _what(info)
        capacity = None
        if info.get("capacitated") and _is_number(info.get("coverage_rate_after_uncapacitated")):
            capacity = _pair("plan_rate_capacity", rate=share_text(info["coverage_rate_after_uncapacitated"]))
        mean = None
        if _is_number(info.get("mean_cost_before")) and _is_number(info.get("mean_cost_after")) \
                and str(info.get("problem")) == "pmedian":
            walk = str(info.get("threshold_kind", "")) == "walk_time_s"
            scale, u = (60.0, ("分钟", "min")) if walk else (1.0, ("米", "m"))
            b, a = _num(info["mean_cost_before"]) / scale, _num(info["mean_cost_after"]) / scale
            mean = (f"{b:.1f} → {a:.1f} {u[0]}", f"{b:.1f} → {a:.1f} {u[1]}")
        gap = info.get("gap")
        proof = (STRINGS["plan_proven"] if info.get("proven_optimal") or info.get("status") == "optimal"
                 else _pair("plan_not_proven", gap=f"{100 * _num(gap):.2f} %" if _is_number(gap) else "—"))
        ran = info.get("method_ran")
        thr = info.get("threshold")
        out.append({
            "name": plan.name, "category_zh": zh, "category_en": en,
            "threshold": (f"{_num(thr) / 60:g} min" if str(info.get("threshold_kind", "")) == "walk_time_s"
                          else f"{_num(thr):g} m") if _is_number(thr) else "—",
            "headline_zh": hz, "headline_en": he,
            "rate_of_zh": _pair("plan_rate_of", what=wz)[0], "rate_of_en": _pair("plan_rate_of", what=we)[1],
            "rate_before": share_text(info.get("coverage_rate_before")),
            "rate_after": share_text(info.get("coverage_rate_after")),
            "capacity_zh": capacity[0] if capacity else "", "capacity_en": capacity[1] if capacity else "",
            "people": whole(info.get("newly_covered_people")),
            "people_served": bool(info.get("capacitated")),
            "mean_walk": mean,
            "proof_zh": proof[0], "proof_en": proof[1],
            "problem": str(info.get("problem", "")),
            "method": " / ".join([str(info.get("method", "")),
                                  ", ".join(str(x) for x in ran) if isinstance(ran, list) else "",
                                  str(info.get("solution_from", ""))]).strip(" /"),
            "status": str(info.get("status", "")),
            "objective": _technical_number(info.get("objective"), unit),
            "bound": _technical_number(info.get("bound"), unit),
            "gap": f"{100 * _num(gap):.2f} %" if _is_number(gap) else "—",
            "rows": rows,
        })
    return out


def plans_layer(inputs: ReportInputs) -> list[dict[str, Any]]:
    """The plans' sites for the map: ``[{"name", "category", "sites": [{"lat", "lon", "order", "id", "zh", "en",
    "people"}]}]`` (degrees WGS-84; ``zh``/``en`` the site's name; ``people`` whole people newly within reach)."""
    out = []
    for plan in inputs.plans:
        lon, lat = _lonlat(plan.sites)
        sites = plan.sites.drop(columns=plan.sites.geometry.name).to_dict("records")
        cat = plan.info.get("category") or (sites[0].get("category") if sites else "")
        out.append({"name": plan.name, "category": str(cat or ""), "sites": [
            {"lat": float(lat[i]), "lon": float(lon[i]), "order": int(r.get("order", i + 1)),
             "id": str(r.get("site_id", r.get("candidate_id", i + 1))), "zh": nz, "en": ne,
             "people": round(_num(_people(r))) if _is_number(_people(r)) else None}
            for i, (r, (nz, ne)) in enumerate(zip(sites, site_names(plan.sites)))]})
    return out
