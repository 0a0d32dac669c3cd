"""Build ``report.html`` from a results folder: one self-contained file a planning committee opens offline.

The page holds the indicator table against targets, an interactive Leaflet map (canvas renderer, vector layers
only, no tiles), inline SVG charts and a Chinese/English switch. Leaflet and all data are inlined: the file makes no
request of any kind.
"""

from __future__ import annotations

import math
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import jinja2
import numpy as np
import pandas as pd

from lifecircle.atomic import write_text_atomic
from lifecircle.errors import LifecircleInputError
from lifecircle.points.categories import category_catalogue
from lifecircle.report import charts, mapdata
from lifecircle.report.areanames import grid_note_needed, readable_area_names, reading_order
from lifecircle.report.assets import leaflet_css, script_json, template_text, vendor_text
from lifecircle.report.completeness import Completeness, data_completeness, facility_counts
from lifecircle.report.denominators import (
    LinkedIndicator,
    by_label,
    class_shares,
    home_weights,
    linked_indicators,
    main_denominator,
    share_of_label,
)
from lifecircle.report.i18n import LANGUAGES, STRINGS, bilingual_html, formatted, label, strings_for_script
from lifecircle.report.inputs import ReportInputs, read_results
from lifecircle.report.plans import plan_tables, plans_layer
from lifecircle.report.tables import (
    WHOLE_AREA,
    AreaTable,
    area_table,
    bibliography,
    indicator_rows,
    is_share,
    marks_html,
    rows_by_profile,
    value_text,
)
from lifecircle.results.columns import time_column
from lifecircle.results.folder import RunRecord
from lifecircle.sources import load_sources

if TYPE_CHECKING:
    from lifecircle.indicators import Profile

#: Name of the report inside a results folder.
REPORT_NAME = "report.html"

#: Upper ends (seconds) of the map's walking-time classes: 5, 10, 15 minutes, the life-circle tiers of
#: GB 50180-2018 (clauses 2.0.2–2.0.4; source gb50180-2018). Above the last: "> 15 min".
TIME_CLASS_LIMITS_S = tuple(60 * m for m in charts.TIER_MINUTES)
#: Colours of the classes ≤5, 5–10, 10–15, >15 min (ColorBrewer RdYlBu, 4 classes: colour-blind safe) and of
#: unreachable homes (dark grey, told apart by lightness).
TIME_CLASS_COLORS = ("#2c7bb6", "#abd9e9", "#fdae61", "#d7191c")
UNREACHABLE_COLOR = "#3d3d3d"

#: Largest number of sub-areas listed in the per-area table (more, e.g. a fine H3 grid, stay on the map only).
AREA_TABLE_MAX_ROWS = 300

#: Attribution shown when the run read OpenStreetMap data but run.json names no attribution.



def build_report(results_dir: str | os.PathLike[str], out_path: str | os.PathLike[str] | None = None,
                 lang: str = "zh") -> Path:
    """Write the HTML report of a results folder.

    Parameters
    ----------
    results_dir
        A results folder written by ``lifecircle assess`` / ``lifecircle demo`` (schema: ``docs/outputs.md``).
    out_path
        Where to write; default ``<results_dir>/report.html``. Written to a temporary name, then renamed, so an
        interrupted build never leaves a half-written report.
    lang
        Language shown on opening, ``"zh"`` or ``"en"``; the page switches between both.

    Returns
    -------
    pathlib.Path
        The report written.

    Raises
    ------
    LifecircleInputError
        When ``lang`` is unknown, or the folder lacks a required file or column (the message names it).
    """
    if lang not in LANGUAGES:
        raise LifecircleInputError(f"Report language '{lang}' is not available; use one of: {', '.join(LANGUAGES)}.")
    inputs = read_results(Path(results_dir))
    html = render_report(inputs, lang=lang)
    out = Path(out_path) if out_path is not None else inputs.results_dir / REPORT_NAME
    return write_text_atomic(html, out)


def _profile(profile_id: str, run: RunRecord) -> Profile | None:
    """The indicator profile ``profile_id``: a built-in one, or a user TOML named in ``run.json``; None if unknown."""
    from lifecircle.indicators import load_profile

    candidates = [profile_id] + [p for p in run.profile_names if p.lower().endswith(".toml")]
    for candidate in candidates:
        try:
            p = load_profile(candidate)
        except (LifecircleInputError, OSError, ValueError):
            continue
        if p.id == profile_id:
            return p
    return None


def profile_title(profile_id: str, run: RunRecord) -> tuple[str, str] | None:
    """(zh, en) name of an indicator profile: a built-in one, or a user TOML named in ``run.json``; None if unknown."""
    p = _profile(profile_id, run)
    return (p.name_zh, p.name_en) if p is not None else None


def profile_sources(profile_id: str, run: RunRecord) -> tuple[str, ...]:
    """Bibliography keys the profile as a whole cites (``()`` when the profile is unknown)."""
    p = _profile(profile_id, run)
    return tuple(p.sources) if p is not None else ()


def render_report(inputs: ReportInputs, lang: str = "zh") -> str:
    """The report's HTML text for already-read inputs."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("lifecircle.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals.update(t=label, bi=bilingual_html, tf=formatted, by=by_label, strings=STRINGS)
    env.filters["marks"] = marks_html
    names = {c.id: (c.name_zh, c.name_en) for c in category_catalogue().values()}
    rows = indicator_rows(inputs.indicators, names)
    by_profile = rows_by_profile(rows)
    profile_keys = {p: profile_sources(p, inputs.run) for p in by_profile}
    cited = bibliography(rows, [k for keys in profile_keys.values() for k in keys])
    categories = inputs.categories
    completeness = report_completeness(inputs, names)
    links = category_links(inputs)
    default = default_category(inputs)
    weights = {c.id: category_weights(inputs, links, c.id) for c in categories}
    context = {
        "lang": lang,
        "meta": run_metadata(inputs),
        "completeness": completeness,
        "missing_data": {(a.profile, a.indicator) for m in completeness.missing for a in m.indicators},
        "summary": _summary(inputs),
        "profiles": by_profile,
        "profile_titles": {p: profile_title(p, inputs.run) for p in by_profile},
        "profile_sources": profile_keys,
        "bibliography": cited,
        "cite_number": {s.key: n for n, s in cited},
        "sources": load_sources(),
        "categories": categories,
        "default_category": default,
        "default_area_key": links[default].key if default in links
        and any(a["key"] == links[default].key for a in _area_indicators(inputs)) else "",
        "cdf_svgs": [
            (charts.distribution_svg(inputs.homes[time_column(c.id)].to_numpy(np.float64), weights[c.id][0], c.name_zh,
                                     c.name_en), share_of_label(weights[c.id][1]))
            for c in categories
        ],
        "weight_is_population": all(w[1] != "homes" for w in weights.values()),
        "bar_svgs": {p: charts.coverage_bars_svg(r) for p, r in rows_by_profile(rows).items()
                     if any(x.is_share and not math.isnan(x.value) for x in r)},
        "has_bars": any(r.is_share and not math.isnan(r.value) for r in rows),
        "area_indicators": _area_indicators(inputs),
        "has_areas": inputs.areas is not None and len(inputs.areas) > 0,
        "area_table": _area_table(inputs),
        "grid_note": inputs.areas is not None and grid_note_needed(_area_ids_names(inputs.areas)[0]),
        "has_gaps": inputs.gaps is not None and len(inputs.gaps) > 0,
        "plans": plan_tables(inputs, names),
        "leaflet_css": leaflet_css(),
        "leaflet_js": vendor_text("leaflet.js"),
        "report_css": template_text("report.css"),
        "report_js": template_text("report.js"),
        "data_json": script_json(map_data(inputs)),
        "generated": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"),
    }
    return env.get_template("report.html.j2").render(**context)


def report_completeness(inputs: ReportInputs, names: dict[str, tuple[str, str]]) -> Completeness:
    """The data-completeness panel's content (:mod:`lifecircle.report.completeness`)."""
    return data_completeness(inputs.indicators, facility_counts(inputs.facilities, inputs.run), inputs.run, names)


def category_links(inputs: ReportInputs) -> dict[str, LinkedIndicator]:
    """Each map category's indicator (:func:`lifecircle.report.denominators.linked_indicators`)."""
    return linked_indicators(inputs.indicators, [c.id for c in inputs.categories])


def category_weights(inputs: ReportInputs, links: dict[str, LinkedIndicator], category: str) -> tuple[np.ndarray, str]:
    """Weights of the homes in the shares of ``category`` on the map and charts, and their denominator kind: the
    denominator of the category's indicator, else the one most indicators use."""
    link = links.get(category)
    kind = link.denominator_kind if link is not None else main_denominator(inputs.indicators)
    return home_weights(inputs.homes, kind)


def legend_data(inputs: ReportInputs, links: dict[str, LinkedIndicator]) -> dict[str, dict[str, Any]]:
    """Per category, what the map legend states: the shares of the walking-time classes (≤ 5, 5–10, 10–15,
    > 15 min, unreachable) over the category's denominator, formatted as the indicator table formats shares, the
    denominator's heading, and the category's indicator with its study-area value."""
    out: dict[str, dict[str, Any]] = {}
    for c in inputs.categories:
        w, kind = category_weights(inputs, links, c.id)
        zh, en = share_of_label(kind)
        link = links.get(c.id)
        out[c.id] = {
            "shares": class_shares(inputs.homes[time_column(c.id)].to_numpy(np.float64), w, TIME_CLASS_LIMITS_S),
            "share_of": {"zh": zh, "en": en},
            "indicator": None if link is None else {
                "key": link.key, "zh": link.name_zh, "en": link.name_en, "value": link.value_text,
                "by": dict(zip(("zh", "en"), by_label(link.denominator_kind)))},
        }
    return out


def default_category(inputs: ReportInputs) -> str | None:
    """The category the map opens on: the first (in ``categories.csv`` order) that some home can reach."""
    for c in inputs.categories:
        if np.isfinite(inputs.homes[time_column(c.id)].to_numpy(np.float64)).any():
            return c.id
    return inputs.categories[0].id if inputs.categories else None


def map_data(inputs: ReportInputs) -> dict[str, Any]:
    """Everything ``report.js`` draws, as one JSON-ready dict (see :mod:`lifecircle.report.mapdata`)."""
    cat_ids = [c.id for c in inputs.categories]
    fac = inputs.facilities
    links = category_links(inputs)
    return {
        "strings": strings_for_script(),
        "classes": {
            "limits_s": list(TIME_CLASS_LIMITS_S),
            "colors": list(TIME_CLASS_COLORS),
            "unreachable": UNREACHABLE_COLOR,
            "keys": ["bin_5", "bin_10", "bin_15", "bin_over"],
        },
        "categories": [
            {"id": c.id, "zh": c.name_zh, "en": c.name_en,
             "n_facilities": int((fac["category"].astype(str) == c.id).sum())}
            for c in inputs.categories
        ],
        "network": mapdata.network_layer(inputs.edges),
        "homes": mapdata.homes_layer(inputs.homes, cat_ids),
        "facilities": mapdata.facilities_layer(fac, cat_ids),
        "areas": _areas_geojson(inputs),
        "area_indicators": _area_indicators(inputs),
        "links": {c: link.key for c, link in links.items()},
        "legend": legend_data(inputs, links),
        "gaps": _gaps_geojson(inputs),
        "plans": plans_layer(inputs),
        "bounds": mapdata.bounds_wgs84(_extent_layer(inputs)),
        "attribution": " · ".join(run_metadata(inputs)["attribution"]),
    }


def _extent_layer(inputs: ReportInputs) -> gpd.GeoDataFrame:
    """The homes and facilities together (the map opens on them), or the network when there are none."""
    points = [g for g in (inputs.homes, inputs.facilities) if len(g)]
    if not points:
        return inputs.edges
    return gpd.GeoDataFrame(geometry=pd.concat([g.geometry for g in points], ignore_index=True), crs=inputs.crs)


def run_metadata(inputs: ReportInputs) -> dict[str, Any]:
    """The header's facts from ``run.json``."""
    run = inputs.run
    profiles = run.profiles or list(dict.fromkeys(inputs.indicators["profile"].astype(str)))
    speed = run.network.get("speed_m_s")
    stairs = run.network.get("stairs_factor")
    return {
        "study_area": run.study_name,
        "created": run.created.replace("T", " ")[:16],
        "profiles": [str(p) for p in profiles],
        "walk_profile": run.walk_profile,
        "walk_speed": f"{float(str(speed)):.2g} m/s" if _is_number(speed) else "",
        "stairs_factor": f"×{float(str(stairs)):g}" if _is_number(stairs) else "",
        "slope_from_dem": "dem" in run.inputs,
        "crs": inputs.crs,
        "attribution": [str(a) for a in run.attribution],
        "inputs": _inputs_table(run.inputs),
        "versions": {str(k): str(v) for k, v in run.versions.items()},
        "timings": [(str(k), f"{float(v):.1f}") for k, v in run.timings_s.items() if _is_number(v)],
    }


def _summary(inputs: ReportInputs) -> list[tuple[str, str]]:
    """(label key, formatted figure) of the header's key numbers."""
    pop = pd.to_numeric(inputs.homes["population"], errors="coerce").fillna(0.0).sum()
    km = mapdata.undirected_edges(inputs.edges)["length_m"].sum() / 1000.0
    return [
        ("homes", f"{len(inputs.homes):,}"),
        ("population", f"{pop:,.0f}"),
        ("facilities", f"{len(inputs.facilities):,}"),
        ("network_length", f"{km:,.1f} km"),
    ]


def _area_indicators(inputs: ReportInputs) -> list[dict[str, Any]]:
    """Indicators reported per sub-area: ``{"key": "profile|indicator", "zh", "en", "share", "by": {"zh", "en"}}``
    (``by``: what the values divide by)."""
    if inputs.areas is None:
        return []
    ind = inputs.indicators
    per_area = ind[ind["area"].astype(str) != WHOLE_AREA]
    out = []
    for (profile, indicator), grp in per_area.groupby(["profile", "indicator"], sort=False):
        first = grp.iloc[0]
        zh = first.get("name_zh") if isinstance(first.get("name_zh"), str) else indicator
        en = first.get("name_en") if isinstance(first.get("name_en"), str) else indicator
        share = all(is_share(float(v), first.get("unit"), first.get("threshold_kind")) for v in grp["value"].dropna())
        kind = first.get("denominator_kind")
        by_zh, by_en = by_label(str(kind), share) if isinstance(kind, str) and kind else ("", "")
        out.append({"key": f"{profile}|{indicator}", "zh": f"{zh}（{profile}）", "en": f"{en} ({profile})", "share": share,
                    "by": {"zh": by_zh, "en": by_en}})
    return out


def _area_ids_names(areas: gpd.GeoDataFrame) -> tuple[list[str], list[tuple[str, str]]]:
    """Each sub-area's id (``area_id``, else ``id``, else its position) and (zh, en) name: ``name`` when it is not
    the id, else one made readable (:func:`lifecircle.report.areanames.readable_area_names`)."""
    id_col = "area_id" if "area_id" in areas.columns else ("id" if "id" in areas.columns else None)
    ids = areas[id_col].astype(str).tolist() if id_col else [str(i) for i in range(len(areas))]
    names = [str(n) if pd.notna(n) else i for i, n in zip(ids, areas["name"])] if "name" in areas.columns else ids
    return ids, readable_area_names(ids, names)


def _area_table(inputs: ReportInputs) -> AreaTable | None:
    """The per-sub-area table, when there are sub-areas with values and not more than :data:`AREA_TABLE_MAX_ROWS`."""
    if inputs.areas is None or not 0 < len(inputs.areas) <= AREA_TABLE_MAX_ROWS:
        return None
    ids, names = _area_ids_names(inputs.areas)
    order = reading_order(ids)
    table = area_table(inputs.indicators, [ids[k] for k in order], [names[k] for k in order])
    return table if table.columns else None


def _areas_geojson(inputs: ReportInputs) -> dict[str, Any] | None:
    areas = inputs.areas
    if areas is None or len(areas) == 0:
        return None
    ids, names = _area_ids_names(areas)
    ind = inputs.indicators
    per_area = ind[ind["area"].astype(str) != WHOLE_AREA]
    values: dict[str, dict[str, float | None]] = {}
    texts: dict[str, dict[str, str]] = {}
    for r in per_area.to_dict("records"):
        v = float(r["value"]) if pd.notna(r["value"]) else None
        key = f"{r['profile']}|{r['indicator']}"
        values.setdefault(str(r["area"]), {})[key] = v
        texts.setdefault(str(r["area"]), {})[key] = value_text(math.nan if v is None else v, r.get("unit"),
                                                                r.get("threshold_kind"))
    props = [{"id": i, "name": n[1], "zh": n[0], "en": n[1], "v": values.get(i, {}), "t": texts.get(i, {})}
             for i, n in zip(ids, names)]
    return mapdata.polygons_geojson(areas, props)


def _gaps_geojson(inputs: ReportInputs) -> dict[str, Any] | None:
    """Gap polygons with their indicator's names, population (people) and categories (``indicators.csv``
    ``categories``, ``+``-separated), so the map shows the gaps of the selected category."""
    gaps = inputs.gaps
    if gaps is None or len(gaps) == 0:
        return None
    ind = inputs.indicators.drop_duplicates("indicator").set_index("indicator")
    props = []
    for r in gaps.drop(columns="geometry").to_dict("records"):
        code = str(r.get("indicator", ""))
        zh = ind["name_zh"].get(code) if "name_zh" in ind.columns and code in ind.index else None
        en = ind["name_en"].get(code) if "name_en" in ind.columns and code in ind.index else None
        cats = ind["categories"].get(code) if "categories" in ind.columns and code in ind.index else None
        pop = pd.to_numeric(r.get("population"), errors="coerce")
        props.append({"indicator": code, "zh": zh if isinstance(zh, str) else code, "en": en if isinstance(en, str) else code,
                      "population": None if pd.isna(pop) else round(float(pop), 1),
                      "categories": [c for c in cats.split("+") if c] if isinstance(cats, str) else []})
    return mapdata.polygons_geojson(gaps, props)


def _inputs_table(inputs: Any) -> list[dict[str, str]]:
    """run.json ``inputs`` (a dict name → {path, sha256} or a list of such dicts) as table rows."""
    rows = []
    items = inputs.items() if isinstance(inputs, dict) else enumerate(inputs or [])
    for name, info in items:
        if isinstance(info, dict):
            path = str(info.get("path", info.get("file", "")))
            rows.append({"name": str(info.get("name", name)), "file": Path(path).name if path else "",
                         "sha256": str(info.get("sha256", ""))})
        else:
            rows.append({"name": str(name), "file": Path(str(info)).name, "sha256": ""})
    return rows


def _is_number(x: Any) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


__all__ = ["build_report", "render_report", "map_data", "run_metadata", "REPORT_NAME", "STRINGS"]
