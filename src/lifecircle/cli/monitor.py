"""``lifecircle monitor``: the record of plan implementation (runs, targets, the project list) and its status.

Every command takes ``--store PATH`` (default ``./lifecircle.duckdb``, or the
``LIFECIRCLE_STORE`` environment variable). User errors print one paragraph and exit with status 2.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from lifecircle.cli.errors import CommandGroup
from lifecircle.errors import LifecircleInputError
from lifecircle.monitor.store import DEFAULT_STORE, SCHEMA_VERSION, init_store, open_store
from lifecircle.monitor.tabular import parse_date

_err = Console(stderr=True, soft_wrap=True)  # messages are not cut into 80-column lines


def _store_option(f):
    return click.option(
        "--store", "store_path", type=click.Path(path_type=Path), default=DEFAULT_STORE, show_default=True,
        envvar="LIFECIRCLE_STORE", help="The monitoring store (a DuckDB file) in your project folder.",
    )(f)


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError as exc:
        raise LifecircleInputError(f"{option}: {exc}.") from exc


@click.group(cls=CommandGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
def monitor() -> None:
    """Monitor plan implementation over time: targets, the annual project list (一张清单), responsible units.

    \b
      lifecircle monitor init                       create ./lifecircle.duckdb
      lifecircle monitor record RESULTS_DIR         store a finished 'assess' run
      lifecircle monitor targets import FILE        targets (CSV/XLSX; template: targets_template.csv)
      lifecircle monitor projects import FILE       the project list (template: ledger_template.csv)
      lifecircle monitor status                     targets vs latest values; projects done/late per unit
      lifecircle monitor attribute [RUN_A RUN_B]    coverage gain of each project completed between two runs
      lifecircle monitor report --out DIR           the monitoring section as one HTML page (zh/en)
      lifecircle monitor templates --out DIR        the templates: CSV (English/Chinese headers), XLSX (Chinese)

    The columns are described in docs/monitoring.md.
    """


@monitor.command()
@_store_option
def init(store_path: Path) -> None:
    """Create the monitoring store (or upgrade an existing one to the current schema)."""
    existed = store_path.exists()
    with init_store(store_path) as store:
        version = store.schema_version
    verb = "Opened" if existed else "Created"
    _err.print(f"{verb} the monitoring store {store_path} (schema version {version} of {SCHEMA_VERSION}).")
    click.echo(str(store_path))


@monitor.command()
@click.argument("results_dir", type=click.Path(path_type=Path))
@click.option("--data-date", help="Date the run's data describes (YYYY-MM-DD); default the run's creation date.")
@click.option("--attribute", "then_attribute", is_flag=True,
              help="Then attribute the change since the previous run to the projects completed in between, and "
                   "evaluate the whole list built on this run (as 'lifecircle monitor attribute').")
@_store_option
def record(results_dir: Path, data_date: str | None, then_attribute: bool, store_path: Path) -> None:
    """Store a finished 'lifecircle assess' results folder (or every finished area of a 'lifecircle batch' folder,
    one run each): its inputs, parameters and indicator values."""
    from lifecircle.monitor.record import batch_area_folders, record_batch, record_run

    when = _date(data_date, "--data-date")
    if batch_area_folders(results_dir) is not None:
        with open_store(store_path) as store:
            runs = record_batch(store, results_dir, data_date=when)
        for r in runs:
            _err.print(f"{'Recorded' if r.new else 'Already recorded:'} run {r.run_id} ({r.study_area}).")
            click.echo(str(r.run_id))
        return
    with open_store(store_path) as store:
        r = record_run(store, results_dir, data_date=when)
        for w in r.warnings:
            _err.print(f"[yellow]Warning:[/] {escape(w)}")
        if r.new:
            _err.print(f"Recorded run {r.run_id} ({r.study_area or 'study area'}, data of {r.data_date}): "
                       f"{r.n_indicator_values} indicator values, {r.n_facilities} facilities.")
        else:
            _err.print(f"This run is already recorded as run {r.run_id}; nothing was written.")
        if then_attribute:
            _attribute_previous(store, r.run_id)
    click.echo(str(r.run_id))


#: What to do when fewer than two runs are recorded (attribution compares two).
ONE_RUN_HINT = ("attribution compares two recorded runs. Record a second run after projects on the list are "
                "completed: 'lifecircle monitor record RESULTS_DIR --attribute' records and attributes it.")


def _attribute_previous(store, run_id: int) -> None:
    """Attribute the change from the run before ``run_id`` (in data-date order) to ``run_id`` when there is one, and
    evaluate the whole list built on ``run_id``: what 'lifecircle monitor attribute' does."""
    from lifecircle.monitor.attribution import MATCH_RADIUS_M, previous_run_id

    before = previous_run_id(store, run_id)
    if before is None:
        _err.print(f"No earlier run: nothing to attribute yet; {ONE_RUN_HINT}")
    else:
        _attribute(store, before, run_id, MATCH_RADIUS_M)
    _planned(store, run_id, None, MATCH_RADIUS_M)


def _attribute(store, run_before: int, run_after: int, radius: float) -> None:
    from lifecircle.monitor.attribution import attribute_runs

    att = attribute_runs(store, run_before, run_after, match_radius_m=radius)
    n_added = int(att.projects["facility_id"].isna().sum())
    _err.print(f"Attributed {len(att.projects)} project(s) completed between run {run_before} and run "
               f"{run_after}" + (f"; {n_added} not in the later run's data (added in the scenarios)"
                                 if n_added else "") + ".")
    if att.skipped:
        _err.print(f"[yellow]Warning:[/] no coordinates, not evaluated: {escape(', '.join(att.skipped))}.")


def _planned(store, run_id: int, due_by: date | None, radius: float) -> None:
    from lifecircle.monitor.attribution import evaluate_planned

    pl = evaluate_planned(store, run_id, due_by=due_by, match_radius_m=radius)
    _err.print(f"Everything on the list built: {len(pl.projects)} project(s) added to run {pl.run_id}.")
    if pl.skipped:
        _err.print(f"[yellow]Warning:[/] no coordinates, not in the scenario: {escape(', '.join(pl.skipped))}.")


@monitor.group()
def projects() -> None:
    """The project list (一张清单): facilities to build, with responsible unit, dates and status."""


@projects.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--coords", type=click.Choice(["wgs84", "gcj02", "bd09"]), default="wgs84", show_default=True,
              help="Coordinate system of lon/lat for rows without a coords cell: gcj02 for Amap/Tencent, "
                   "bd09 for Baidu.")
@click.option("--boundary", type=click.Path(path_type=Path),
              help="Study-area polygon; default the boundary of the latest recorded run (if it had one).")
@click.option("--sheet", help="XLSX sheet name (default the first sheet with the template's headers).")
@_store_option
def projects_import(file: Path, coords: str, boundary: Path | None, sheet: str | None, store_path: Path) -> None:
    """Import the project list FILE (CSV or XLSX); the whole file or nothing (every bad row is listed)."""
    from lifecircle.monitor.ledger import import_ledger

    with open_store(store_path) as store:
        r = import_ledger(store, file, coords=coords, boundary_path=boundary, sheet=sheet)
    _err.print(f"Imported {r.n_rows} project(s) from {file.name}: {r.n_added} new, {r.n_updated} updated "
               f"(import {r.import_id}).")


@monitor.group()
def targets() -> None:
    """Targets per indicator, area and year or quarter, with their source document."""


@targets.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--sheet", help="XLSX sheet name (default the first sheet with the template's headers).")
@_store_option
def targets_import(file: Path, sheet: str | None, store_path: Path) -> None:
    """Import the target list FILE (CSV or XLSX); the whole file or nothing (every bad row is listed)."""
    from lifecircle.monitor.targets import import_targets

    with open_store(store_path) as store:
        r = import_targets(store, file, sheet=sheet)
    _err.print(f"Imported {r.n_rows} target(s) from {file.name}: {r.n_added} new, {r.n_replaced} replaced "
               f"(import {r.import_id}).")


@monitor.command()
@click.option("--as-of", "as_of", help="Date to judge against (YYYY-MM-DD); default today.")
@click.option("--width", type=int, default=None, help="Table width in characters (default the terminal's).")
@_store_option
def status(as_of: str | None, width: int | None, store_path: Path) -> None:
    """Each target against the latest recorded value; projects done and late per responsible unit."""
    from lifecircle.monitor.status import render_status

    when = _date(as_of, "--as-of") or date.today()
    with open_store(store_path, read_only=True) as store:
        render_status(store, when, Console(width=width) if width else None)


@monitor.command()
@click.argument("run_before", type=int, required=False)
@click.argument("run_after", type=int, required=False)
@click.option("--match-radius", type=float, default=None,
              help="Metres within which a facility of the later run is taken as a project's (default 100).")
@click.option("--planned/--no-planned", default=True, show_default=True,
              help="Also evaluate the whole list built on the later run.")
@click.option("--due-by", help="With --planned: only projects planned to be completed by this date (YYYY-MM-DD).")
@click.option("--width", type=int, default=None, help="Table width in characters (default the terminal's).")
@_store_option
def attribute(run_before: int | None, run_after: int | None, match_radius: float | None, planned: bool,
              due_by: str | None, width: int | None, store_path: Path) -> None:
    """Coverage gain of each project completed between RUN_BEFORE and RUN_AFTER (default: the two latest runs).

    Each project's gain is the coverage lost on the later run without it (leave-one-out); what no single project
    can claim (overlaps) is the joint remainder; the parts sum to the change of all of them. Stored in the store.
    """
    from lifecircle.monitor.attribution import MATCH_RADIUS_M, latest_run_id, previous_run_id
    from lifecircle.monitor.status import render_attribution

    radius = MATCH_RADIUS_M if match_radius is None else match_radius
    when = _date(due_by, "--due-by")
    with open_store(store_path) as store:
        if (run_before is None) != (run_after is None):
            raise LifecircleInputError("Give both runs (RUN_BEFORE RUN_AFTER), or neither for the two latest runs.")
        if run_before is None or run_after is None:
            run_after = latest_run_id(store)
            run_before = previous_run_id(store, run_after)
            if run_before is None:
                raise LifecircleInputError(f"Only one run is recorded: {ONE_RUN_HINT}")
        _attribute(store, run_before, run_after, radius)
        if planned:
            _planned(store, run_after, when, radius)
        render_attribution(store, Console(width=width) if width else Console())


@monitor.command("report")
@click.option("--out", "out", type=click.Path(path_type=Path), required=True,
              help="Folder to write monitoring.html into.")
@click.option("--as-of", "as_of", help="Date to judge against (YYYY-MM-DD); default today.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language shown on opening (the page switches).")
@_store_option
def report_cmd(out: Path, as_of: str | None, lang: str, store_path: Path) -> None:
    """Write the monitoring section (targets over time, projects map, units, attribution) as one HTML page."""
    from lifecircle.monitor.report import build_monitoring_report

    when = _date(as_of, "--as-of") or date.today()
    with open_store(store_path, read_only=True) as store:
        path = build_monitoring_report(store, out, as_of=when, lang=lang)
    _err.print(f"Wrote {path}")
    click.echo(str(path))


@monitor.command()
@click.option("--out", "out", type=click.Path(path_type=Path), default=Path("."), show_default=True,
              help="Folder to write the templates into.")
def templates(out: Path) -> None:
    """Write the project-list and target templates: CSV (English and Chinese headers) and Excel (Chinese headers:
    项目清单.xlsx, 目标.xlsx)."""
    from lifecircle.monitor.templates import write_templates

    for path in write_templates(out):
        click.echo(str(path))
