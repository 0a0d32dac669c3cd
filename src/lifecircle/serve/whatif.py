"""Live what-if: a plan sent by the browser (facilities added, moved or removed, footbridge / stair / elevator links
drawn on the map, all in WGS-84 degrees) turned into a :class:`lifecircle.scenarios.Scenario`, evaluated by the
incremental scenario engine on the run held in memory, and the answer shaped for the page: every indicator before →
after and the homes whose walking time changed."""

from __future__ import annotations

import math
import time
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point

from lifecircle.errors import LifecircleInputError
from lifecircle.points.categories import known_categories
from lifecircle.results.columns import time_column
from lifecircle.scenarios import Scenario, ScenarioOutcome, evaluate_scenario
from lifecircle.serve.workspace import RunView

#: Most facilities (added + moved), removals and links one plan may hold.
MAX_PLAN_ITEMS = 50
#: Most changed homes listed in one answer.
MAX_CHANGED_HOMES = 5000
#: Link kinds a planner may draw, with the OSM ``highway`` value they become.
LINK_KINDS = {"footbridge": "footway", "stairs": "steps", "elevator": "elevator", "footway": "footway"}


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise LifecircleInputError(f"{what} must be a number (degrees), got {value!r}.")
    return float(value)


def _point(item: Any, where: str) -> Point:
    if not isinstance(item, dict):
        raise LifecircleInputError(f"{where} must be an object with lon and lat.")
    return Point(_number(item.get("lon"), f"{where}: lon"), _number(item.get("lat"), f"{where}: lat"))


def _text(value: Any, what: str, max_chars: int = 120) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > max_chars:
        raise LifecircleInputError(f"{what} must be a text of at most {max_chars} characters.")
    return value.strip()


def parse_plan(run: RunView, body: dict[str, Any]) -> Scenario:
    """The scenario of a plan sent as JSON::

        {"name": "...", "add": [{"category", "lon", "lat", "name"?}], "move": [{"id", "lon", "lat"}],
         "remove": ["facility id", ...], "links": [{"kind": "footbridge|stairs|elevator", "from": {"lon", "lat"},
         "to": {"lon", "lat"}, "time_s"?}]}

    Every point must lie inside the run's study area (:meth:`RunView.study_area`).

    Raises
    ------
    LifecircleInputError
        A malformed plan, an unknown category or facility id, a point outside the study area, an empty plan.
    """
    if not isinstance(body, dict):
        raise LifecircleInputError("The plan must be a JSON object.")
    res = run.results()
    area = run.study_area()
    add, move, remove, links = (body.get(k) or [] for k in ("add", "move", "remove", "links"))
    for k, v in (("add", add), ("move", move), ("remove", remove), ("links", links)):
        if not isinstance(v, list) or len(v) > MAX_PLAN_ITEMS:
            raise LifecircleInputError(f"'{k}' must be a list of at most {MAX_PLAN_ITEMS} items.")
    categories = set(known_categories())
    rows: list[dict[str, Any]] = []
    points: list[Point] = []

    def inside(p: Point, where: str) -> None:
        if not shapely.covers(area, p):
            minx, miny, maxx, maxy = area.bounds
            raise LifecircleInputError(
                f"{where} ({p.x:.6f}, {p.y:.6f}) is outside the study area of run '{run.key}' (lon {minx:.4f}.."
                f"{maxx:.4f}, lat {miny:.4f}..{maxy:.4f}); place it inside the area.")

    for i, item in enumerate(add):
        p = _point(item, f"add[{i}]")
        inside(p, f"Added facility {i + 1}")
        cat = item.get("category")
        if cat not in categories:
            raise LifecircleInputError(f"add[{i}]: '{cat}' is not a facility category; use one of "
                                       f"{', '.join(sorted(categories))}.")
        rows.append({"category": cat, "name": _text(item.get("name"), f"add[{i}].name")})
        points.append(p)
    ids = res.facilities["id"].astype(str)
    removed = [str(r) for r in remove if isinstance(r, (str, int))]
    if len(removed) != len(remove):
        raise LifecircleInputError("'remove' must list facility ids (text).")
    for i, item in enumerate(move):
        p = _point(item, f"move[{i}]")
        inside(p, f"Moved facility {i + 1}")
        fid = str(item.get("id"))
        cats = res.facilities.loc[ids == fid, "category"].astype(str).unique()
        if not len(cats):
            raise LifecircleInputError(f"move[{i}]: the run has no facility '{fid}'.")
        removed.append(fid)
        for c in cats:
            rows.append({"category": c, "name": "", "id": fid if len(cats) == 1 else f"{fid}-{c}"})
            points.append(p)
    link_rows: list[dict[str, Any]] = []
    lines: list[LineString] = []
    for i, item in enumerate(links):
        if not isinstance(item, dict):
            raise LifecircleInputError(f"links[{i}] must be an object with kind, from and to.")
        a, b = _point(item.get("from"), f"links[{i}].from"), _point(item.get("to"), f"links[{i}].to")
        inside(a, f"Link {i + 1} start")
        inside(b, f"Link {i + 1} end")
        kind = item.get("kind", "footbridge")
        if kind not in LINK_KINDS:
            raise LifecircleInputError(f"links[{i}]: kind '{kind}' is not one of {', '.join(LINK_KINDS)}.")
        attrs: dict[str, Any] = {"highway": LINK_KINDS[kind], "name": kind}
        if item.get("time_s") is not None:
            attrs["time_s"] = _number(item.get("time_s"), f"links[{i}].time_s")
        link_rows.append(attrs)
        lines.append(LineString([a, b]))
    added = None
    if rows:
        frame = pd.DataFrame(rows)
        if "id" in frame.columns and frame["id"].isna().any():
            frame["id"] = [v if isinstance(v, str) else f"whatif-{k + 1}" for k, v in enumerate(frame["id"])]
        added = gpd.GeoDataFrame(frame, geometry=points, crs=4326)
    add_links = gpd.GeoDataFrame(pd.DataFrame(link_rows), geometry=lines, crs=4326) if lines else None
    sc = Scenario(name=_text(body.get("name"), "name") or "what-if", add_facilities=added,
                  remove_facilities=tuple(dict.fromkeys(removed)), add_links=add_links)
    if sc.is_empty():
        raise LifecircleInputError("The plan changes nothing: add, move or remove a facility, or draw a link.")
    return sc


def _homes_wgs84(run: RunView) -> tuple[np.ndarray, np.ndarray]:
    def make() -> tuple[np.ndarray, np.ndarray]:
        homes = run.results().homes
        geoms = homes.geometry if (homes.geom_type == "Point").all() else homes.geometry.representative_point()
        wgs = gpd.GeoSeries(geoms.to_numpy(), crs=homes.crs).to_crs(4326)
        return wgs.x.to_numpy(), wgs.y.to_numpy()
    result: tuple[np.ndarray, np.ndarray] = run.cached("homes_wgs84", make)
    return result


def json_values(values: np.ndarray | pd.Series) -> list[Any]:
    """One column as JSON values: numbers as floats (NaN and ±inf → null), texts as they are (missing → null)."""
    arr = np.asarray(values)
    if arr.dtype.kind == "f":
        out = arr.astype(object)
        out[~np.isfinite(arr)] = None
        return out.tolist()
    if arr.dtype.kind in "iub":
        return arr.tolist()
    out = arr.astype(object)
    missing = pd.isna(out)
    if missing.any():
        out[missing] = None
    return out.tolist()


def comparison_rows(comparison: pd.DataFrame) -> list[dict[str, Any]]:
    """The comparison table as JSON rows (NaN → null)."""
    keys = [str(c) for c in comparison.columns]
    columns = [json_values(comparison[c].to_numpy()) for c in comparison.columns]
    return [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]


def changed_homes(run: RunView, outcome: ScenarioOutcome) -> dict[str, Any]:
    """Per category whose walking times changed: the homes that changed (WGS-84 ``lon``/``lat``, ``before`` and
    ``after`` seconds, null when unreachable), at most :data:`MAX_CHANGED_HOMES` per category, and their count."""
    before = run.results().homes
    after = outcome.homes
    if len(after) != len(before):  # pragma: no cover - scenarios keep the homes
        raise RuntimeError("the scenario changed the number of homes")
    lon, lat = _homes_wgs84(run)
    out: dict[str, Any] = {}
    for col in [c for c in before.columns if c.startswith("t_")]:
        category = col[2:]
        assert time_column(category) == col
        tb = before[col].to_numpy(np.float64)
        ta = after[col].to_numpy(np.float64)
        if np.array_equal(tb, ta, equal_nan=True):
            continue
        both_nan = np.isnan(tb) & np.isnan(ta)
        diff = ~both_nan & ~(np.isclose(tb, ta, rtol=0, atol=1e-6) | (np.isinf(tb) & np.isinf(ta)))
        rows = np.flatnonzero(diff)
        if not len(rows):
            continue
        shown = rows[:MAX_CHANGED_HOMES]
        out[category] = {
            "n": len(rows),
            "lon": np.round(lon[shown], 6).tolist(), "lat": np.round(lat[shown], 6).tolist(),
            "before": json_values(tb[shown]), "after": json_values(ta[shown]),
        }
    return out


def evaluate(run: RunView, sc: Scenario) -> tuple[ScenarioOutcome, dict[str, Any]]:
    """Evaluate ``sc`` on the run (incremental engine, one evaluation at a time per run) and the page's answer:
    ``comparison`` rows, ``changed_homes``, ``recomputed`` and ``elapsed_ms`` (server time, milliseconds)."""
    start = time.perf_counter()
    with run.lock:
        outcome = evaluate_scenario(run.results(), sc, recompute="incremental")
        answer: dict[str, Any] = {
            "name": sc.name,
            "comparison": comparison_rows(outcome.comparison),
            "changed_homes": changed_homes(run, outcome),
            "recomputed": {k: v for k, v in outcome.recomputed.items() if k != "homes_searched_after_removal"},
        }
    answer["elapsed_ms"] = round((time.perf_counter() - start) * 1000.0, 1)
    return outcome, answer
