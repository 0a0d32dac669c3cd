"""``lifecircle scenario``: evaluate a plan against a finished run and write the before/after indicators.

The command works standalone and attached to the main CLI (``main.add_command(scenario)``). User errors print one
paragraph and exit with status 2.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lifecircle.errors import LifecircleInputError

_err = Console(stderr=True, soft_wrap=True)
EXIT_BAD_INPUT = 2


def _read(path: Path | None, coords: str, crs: str | None):
    if path is None:
        return None
    from lifecircle.layers import read_layer

    return read_layer(path, crs=crs, coords=coords, to_crs="EPSG:4326")


def _fmt(value: float, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{100 * value:.1f}%" if unit == "share" else f"{value:.3f}"


def _table(comparison, name: str) -> Table:
    table = Table(title=f"Scenario '{name}': indicators of the whole area, before → after")
    for col, just in (("profile", "left"), ("indicator", "left"), ("before", "right"), ("after", "right"), ("change", "right")):
        table.add_column(col, justify=just)
    rows = comparison.loc[comparison["area"] == "ALL"]
    for r in rows.itertuples(index=False):
        change = r.after - r.before if not (math.isnan(r.after) or math.isnan(r.before)) else math.nan
        if r.unit == "share" and not math.isnan(change):
            text = f"{100 * change:+.1f} pts"
        else:
            text = "–" if math.isnan(change) else f"{change:+.3f}"
        style = "green" if change > 1e-12 and r.unit == "share" else ("red" if change < -1e-12 and r.unit == "share" else "")
        table.add_row(r.profile, f"{r.indicator} {r.name_zh}", _fmt(r.before, r.unit), _fmt(r.after, r.unit),
                      f"[{style}]{text}[/]" if style else text)
    return table


def _write_gaps_and_areas(stage, outcome, res) -> None:
    """The plan's gap areas (recomputed from the homes after it) and the run's sub-area polygons (unchanged)."""
    import shutil

    import geopandas as gpd
    import pandas as pd

    from lifecircle.indicators import load_profile
    from lifecircle.planning.gaps import indicator_gaps

    profiles = [load_profile(p) for p in res.profiles]
    gaps = pd.concat([indicator_gaps(outcome.homes, p).assign(profile=p.id) for p in profiles], ignore_index=True)
    if len(gaps):
        stage.write_parquet(gpd.GeoDataFrame(gaps, geometry="geometry", crs=outcome.network.crs), "gaps.parquet")
    for name in ("areas.parquet", "unsnapped.parquet"):
        if (res.folder / name).is_file():
            shutil.copy2(res.folder / name, stage.path(name))


def _inputs(paths: dict[str, Path | None]) -> dict:
    from lifecircle.results import sha256_of

    return {k: {"path": str(p.resolve()), "sha256": sha256_of(p)} for k, p in paths.items() if p is not None}


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.argument("results_dir", type=click.Path(path_type=Path))
@click.option("--add", "add_path", type=click.Path(path_type=Path),
              help="Facilities to add: points with a 'category' column (or use --add-category), optional id, name, capacity.")
@click.option("--add-category", help="Category id of every added facility (lifecircle/data/categories.csv), instead of a column.")
@click.option("--remove", "remove_ids", multiple=True,
              help="Id of a facility of the run to remove (facilities.parquet 'id'); repeat, or separate ids by commas.")
@click.option("--link", "link_path", type=click.Path(path_type=Path),
              help="New network links (lines): footbridges, elevators, stairs; optional highway, time_s, oneway columns.")
@click.option("--link-snap", "link_snap_m", type=float, default=25.0, show_default=True,
              help="Metres within which each end of a link must lie from an existing walkway.")
@click.option("--name", "name", default="scenario", show_default=True, help="Name of the plan.")
@click.option("--coords", type=click.Choice(["wgs84", "gcj02", "bd09"]), default="wgs84", show_default=True,
              help="Coordinate system of lon/lat in --add/--link: gcj02 for Amap/Tencent, bd09 for Baidu exports.")
@click.option("--crs", "layer_crs", help="CRS of --add/--link layers that carry none, e.g. EPSG:4490.")
@click.option("--recompute", type=click.Choice(["incremental", "full"]), default="incremental", show_default=True,
              help="Search again only what the plan affects, or rerun every walking time.")
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="Folder to write the scenario's results into.")
@click.option("--report", is_flag=True, help="Also build report.html of the situation after the plan.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars and no table.")
@click.pass_context
def scenario(ctx: click.Context, results_dir: Path, add_path: Path | None, add_category: str | None, remove_ids: tuple[str, ...],
             link_path: Path | None, link_snap_m: float, name: str, coords: str, layer_crs: str | None, recompute: str,
             out: Path, report: bool, quiet: bool) -> None:
    """Evaluate a plan against a finished run: every indicator before and after.

    \b
      lifecircle scenario results --add clinics.csv --add-category health_station --out plan-a
      lifecircle scenario results --remove w123 --remove n456 --out closures
      lifecircle scenario results --link footbridge.geojson --out bridge

    Writes into --out: comparison.csv (profile, indicator, area, before, after, change...), homes.parquet,
    facilities.parquet, indicators.csv (after), gaps.parquet (after), the network, run.json and scenario.json
    (inputs with SHA-256); with --report also report.html. The folder is itself a results folder: a further
    scenario can start from it.
    """
    try:
        _run(results_dir, add_path, add_category, remove_ids, link_path, link_snap_m, name, coords, layer_crs,
             recompute, out, report, quiet)
    except LifecircleInputError as exc:
        _err.print(f"[bold red]Error:[/] {escape(str(exc))}", highlight=False)
        ctx.exit(EXIT_BAD_INPUT)


def _run(results_dir, add_path, add_category, remove_ids, link_path, link_snap_m, name, coords, layer_crs, recompute,
         out, report, quiet) -> None:
    from lifecircle.io import save_network
    from lifecircle.progress import Steps
    from lifecircle.results import staged_results
    from lifecircle.scenarios import Scenario, evaluate_scenario, load_results

    if add_category is not None and add_path is None:
        raise LifecircleInputError("--add-category gives the category of the facilities of --add; give --add FILE too.")
    removes = tuple(i.strip() for r in remove_ids for i in r.split(",") if i.strip())
    if out.exists() and not out.is_dir():
        raise LifecircleInputError(f"The output '{out}' exists and is not a folder; choose another --out.")
    if out.resolve() == Path(results_dir).resolve():
        raise LifecircleInputError("--out must not be the run's own results folder: the scenario would overwrite the run.")
    with Steps(quiet=quiet) as steps:
        with steps.step("Reading the run and the plan"):
            res = load_results(results_dir)
            sc = Scenario(name=name, add_facilities=_read(add_path, coords, layer_crs), remove_facilities=removes,
                          add_links=_read(link_path, coords, layer_crs), add_category=add_category, link_snap_m=link_snap_m)
            if sc.is_empty():
                raise LifecircleInputError("The plan changes nothing: give --add FILE, --remove ID or --link FILE.")
        with steps.step(f"Recomputing walking times and indicators ({recompute})"):
            outcome = evaluate_scenario(res, sc, recompute=recompute)
        with steps.step("Writing results"), staged_results(out) as stage:
            save_network(outcome.network, stage.staging)
            stage.write_parquet(outcome.homes, "homes.parquet")
            stage.write_parquet(outcome.facilities, "facilities.parquet")
            outcome.indicators_after.to_csv(stage.path("indicators.csv"), index=False)
            outcome.comparison.to_csv(stage.path("comparison.csv"), index=False)
            described = {
                "name": name,
                "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "base_run": str(Path(results_dir).resolve()),
                "inputs": _inputs({"add": add_path, "link": link_path,
                                   "base_run.json": Path(results_dir) / "run.json",
                                   "base_facilities": Path(results_dir) / "facilities.parquet"}),
                "add_category": add_category,
                "removed": list(removes),
                "added_ids": sorted(set(outcome.facilities["id"]) - set(res.facilities["id"])),
                "coords": coords,
                "crs": layer_crs,
                "link_snap_m": link_snap_m,
                "recomputed": outcome.recomputed,
            }
            stage.write_json(described, "scenario.json")
            _write_gaps_and_areas(stage, outcome, res)
            run_info = dict(res.run)
            run_info["scenario"] = described
            run_info["network"] = outcome.network.meta
            counts = dict(run_info.get("counts") or {})
            counts.update(nodes=outcome.network.n_nodes, edges=outcome.network.n_edges, facilities=len(outcome.facilities),
                          facilities_by_category=outcome.facilities.groupby("category")["id"].nunique().to_dict())
            run_info["counts"] = counts
            stage.write_json(run_info, "run.json")
            if report:
                from lifecircle.report import build_report

                build_report(stage.staging, out_path=stage.path("report.html"))
    if not quiet:
        Console().print(_table(outcome.comparison, name))
    click.echo(str(out))


if __name__ == "__main__":  # pragma: no cover
    scenario()
