"""``lifecircle scenario``: evaluate a plan against a finished run and write the before/after indicators.

The command parses the options and reads the plan's layers; :mod:`lifecircle.jobs.scenario` does the work.
"""

from __future__ import annotations

import math
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from lifecircle.cli.errors import Command
from lifecircle.errors import LifecircleInputError


def _read(path: Path | None, coords: str, crs: str | None):
    if path is None:
        return None
    from lifecircle.points.layers import read_layer

    return read_layer(path, crs=crs, coords=coords, to_crs="EPSG:4326")


def _fmt(value: float, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{100 * value:.1f}%" if unit == "share" else f"{value:.3f}"


def _table(comparison, name: str) -> Table:
    table = Table(title=f"Scenario '{name}': indicators of the whole area, before → after")
    for col in ("profile", "indicator"):
        table.add_column(col, justify="left")
    for col in ("before", "after", "change"):
        table.add_column(col, justify="right")
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


@click.command(cls=Command, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
def scenario(results_dir: Path, add_path: Path | None, add_category: str | None, remove_ids: tuple[str, ...],
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
    _run(results_dir, add_path, add_category, remove_ids, link_path, link_snap_m, name, coords, layer_crs,
         recompute, out, report, quiet)


def _run(results_dir, add_path, add_category, remove_ids, link_path, link_snap_m, name, coords, layer_crs, recompute,
         out, report, quiet) -> None:
    from lifecircle.jobs.scenario import ScenarioJob, run_scenario
    from lifecircle.scenarios import Scenario

    if add_category is not None and add_path is None:
        raise LifecircleInputError("--add-category gives the category of the facilities of --add; give --add FILE too.")
    removes = tuple(i.strip() for r in remove_ids for i in r.split(",") if i.strip())
    sc = Scenario(name=name, add_facilities=_read(add_path, coords, layer_crs), remove_facilities=removes,
                  add_links=_read(link_path, coords, layer_crs), add_category=add_category, link_snap_m=link_snap_m)
    job = ScenarioJob(results_dir=Path(results_dir), out=Path(out), scenario=sc,
                      inputs={"add": add_path, "link": link_path}, coords=coords, layer_crs=layer_crs,
                      recompute=recompute, report=report)
    outcome = run_scenario(job, quiet=quiet)
    if not quiet:
        Console().print(_table(outcome.comparison, name))
    click.echo(str(out))
