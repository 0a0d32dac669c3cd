"""``lifecircle batch``: run many areas (districts, 街道, cities) cut from one big OpenStreetMap file, on Dask.

The command parses the options; :mod:`lifecircle.batch` does the work.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from lifecircle.cli.errors import EXIT_INTERRUPTED, Command

_err = Console(stderr=True)


def cluster_options(f):
    """``--scheduler``, ``--workers`` and ``--retries``, shared with ``assess --tile-km``."""
    f = click.option("--retries", type=int, default=2, show_default=True,
                     help="Times a task is run again when its worker process dies.")(f)
    f = click.option("--workers", type=int, help="Worker processes of the embedded Dask LocalCluster (default: the machine's cores).")(f)
    f = click.option("--scheduler", help="Join a running Dask cluster at this address (tcp://HOST:8786) instead of starting one here.")(f)
    return f


@click.command(cls=Command)
@click.argument("areas", type=click.Path(path_type=Path))
@click.option("--osm", type=click.Path(path_type=Path), required=True, help="The big OpenStreetMap file (.osm.pbf) every area is cut from.")
@click.option("--id-column", help="Column of AREAS holding each area's id (default: id, code, area_id, adcode...).")
@click.option("--name-column", help="Column of AREAS holding each area's name (default: name, name_zh...).")
@click.option("--dem", type=click.Path(path_type=Path), help="Elevation GeoTIFF covering the areas: slope changes walking times (Tobler).")
@click.option("--facilities", type=click.Path(path_type=Path), help="Your facilities layer (instead of OSM's), cut per area.")
@click.option("--facility-category", help="One category id for every row of --facilities.")
@click.option("--homes", type=click.Path(path_type=Path), help="Your homes layer (instead of OSM's buildings), cut per area.")
@click.option("--population", type=click.Path(path_type=Path), help="Population grid (GeoTIFF or polygon layer).")
@click.option("--population-column", help="Column of --homes (or of a polygon --population grid) holding people.")
@click.option("--m2-per-person", default="cn-urban", show_default=True, help="Floor area per resident (m²) or an id of floor_area_per_person.csv.")
@click.option("--unspecified-buildings-as-homes", is_flag=True, help="Count OSM buildings of unmapped use as homes.")
@click.option("--default-levels", type=float, help="Storeys of homes whose building:levels is unmapped (default: the median over the whole file's homes).")
@click.option("--profile", "profiles", multiple=True, default=("cn-health-check",), show_default=True, help="Indicator profile name or TOML file; repeat for several.")
@click.option("--walk-profile", default="planning", show_default=True, help="Walking speed profile: planning, adult, elderly, wheelchair.")
@click.option("--snap-max", "snap_max_m", type=float, default=200.0, show_default=True, help="Snapping distance, metres.")
@click.option("--denominator", type=click.Choice(["residential_land_area", "floor_area", "population"]), help="Denominator of coverage rates.")
@click.option("--crs", "layer_crs", help="CRS of layers that carry none (e.g. EPSG:4490).")
@click.option("--targets", type=click.Path(path_type=Path), help="Targets (CSV/XLSX as for 'monitor targets') shown beside each indicator in report.html.")
@cluster_options
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Batch folder to write (rerun with the same one to resume).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
def batch(quiet: bool, **kwargs) -> None:
    """Run every area of AREAS (a polygon layer with an id column) as one task on Dask distributed.

    \b
    Each area is cut from --osm with a halo derived from the walking model, so walking times up to the largest
    threshold are exact at its border; each writes OUT/areas/<id>/ (an ordinary results folder). OUT/summary.csv,
    OUT/summary.gpkg and OUT/report.html compare the areas. A rerun skips finished areas; Ctrl-C keeps them.
    """
    from lifecircle.batch import BatchConfig, run_batch

    kwargs["profiles"] = tuple(kwargs["profiles"])
    cfg = BatchConfig(**kwargs)
    try:
        result = run_batch(cfg, quiet=quiet)
    except KeyboardInterrupt:
        done = len(list((cfg.out / "state").glob("*.json"))) if (cfg.out / "state").is_dir() else 0
        _err.print(f"[yellow]Stopped.[/] {done} finished area(s) kept in {cfg.out}; rerun the same command to finish the rest.")
        raise SystemExit(EXIT_INTERRUPTED) from None
    if not quiet:
        _err.print(f"[green]Done.[/] {len(result.finished)} area(s) run, {len(result.skipped)} already finished, "
                   f"{len(result.failed)} failed; open {cfg.out / 'report.html'}")
        for aid, msg in result.failed.items():
            _err.print(f"[red]Area {aid} failed:[/] {msg}")
    click.echo(str(cfg.out))
