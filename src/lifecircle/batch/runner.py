"""``lifecircle batch``: many areas, one task each, on Dask distributed; resumable and safe to stop.

Steps: check the areas (:mod:`lifecircle.batch.areas`) → derive the halo (:mod:`lifecircle.batch.halo`) → cut every
area from the big OpenStreetMap file in two reads (:mod:`lifecircle.batch.cut`) → submit one task per unfinished area
(:func:`lifecircle.batch.task.run_area`, retried by the scheduler when a worker dies) → the cross-area summary
(:mod:`lifecircle.batch.summary`).

A batch folder holds ``areas/<id>/`` (one ordinary results folder per area), ``state/<id>.json`` (an area's
fingerprint, written when it finished), ``cuts/`` (the areas' extracts), ``batch.json``, ``summary.csv``,
``summary.gpkg`` and ``report.html``. A rerun skips every area whose state matches its fingerprint.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import shapely
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

import lifecircle
from lifecircle.atomic import write_text_atomic
from lifecircle.batch.areas import Areas, read_areas
from lifecircle.batch.cluster import dask_client
from lifecircle.batch.cut import cut_areas, halo_polygons
from lifecircle.batch.halo import Halo, halo_for
from lifecircle.batch.task import AreaTask, fingerprint, is_finished, run_area
from lifecircle.errors import LifecircleInputError
from lifecircle.progress import Steps

BATCH_FILE = "batch.json"
CUTS_DIR = "cuts"


@dataclass
class BatchConfig:
    """A batch run. ``areas`` is the polygon layer, ``osm`` the big OpenStreetMap file, ``out`` the batch folder;
    the other fields are those of ``assess`` shared by every area, plus the cluster (``scheduler`` address or
    ``workers`` of the embedded LocalCluster) and ``retries`` (times a task whose worker died is run again)."""

    areas: Path
    osm: Path
    out: Path
    id_column: str | None = None
    name_column: str | None = None
    dem: Path | None = None
    facilities: Path | None = None
    facility_category: str | None = None
    homes: Path | None = None
    population: Path | None = None
    population_column: str | None = None
    m2_per_person: str = "cn-urban"
    unspecified_buildings_as_homes: bool = False
    default_levels: float | None = None
    profiles: tuple[str, ...] = ("cn-health-check",)
    walk_profile: str = "planning"
    snap_max_m: float = 200.0
    denominator: str | None = None
    layer_crs: str | None = None
    scheduler: str | None = None
    workers: int | None = None
    retries: int = 2
    targets: Path | None = None

    def shared(self, areas: Areas, halo: Halo) -> dict[str, Any]:
        """The AssessConfig keyword arguments every area shares."""
        keep = ("facilities", "facility_category", "homes", "population", "population_column", "m2_per_person",
                "unspecified_buildings_as_homes", "walk_profile", "snap_max_m", "denominator", "dem", "default_levels")
        out: dict[str, Any] = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self).items() if k in keep}
        out["profiles"] = list(self.profiles)
        out["crs"] = areas.crs
        out["exact_within"] = dict(halo.limits)
        return out


@dataclass
class BatchResult:
    """What a batch did: area ids finished now, skipped (finished before), failed (id → message)."""

    out: Path
    finished: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    dashboard: str | None = None
    seconds: float = 0.0


def _validate(cfg: BatchConfig) -> None:
    from lifecircle.network.osm import check_osm_path

    check_osm_path(cfg.osm)
    for name in ("dem", "facilities", "homes", "population", "targets"):
        p = getattr(cfg, name)
        if p is not None and not Path(p).is_file():
            raise LifecircleInputError(f"The {name} input '{p}' does not exist or is a folder. Check the path.")
    if cfg.out.exists() and not cfg.out.is_dir():
        raise LifecircleInputError(f"The output '{cfg.out}' exists and is not a folder; choose another --out.")
    if cfg.snap_max_m <= 0:
        raise LifecircleInputError(f"--snap-max must be a positive distance in metres, got {cfg.snap_max_m}.")
    if cfg.retries < 0:
        raise LifecircleInputError(f"--retries must be 0 or more, got {cfg.retries}.")


def region_default_levels(osm: Path, unspecified_as_homes: bool) -> float:
    """Storeys given to homes whose ``building:levels`` is unmapped: the median over the mapped homes of the whole
    file, as a run over the whole region takes it (one area's own median would differ from area to area)."""
    import numpy as np

    from lifecircle.points.homes import homes_from_osm

    try:
        levels = homes_from_osm(osm, unspecified_as_homes=unspecified_as_homes)["levels"].to_numpy(np.float64)
    except LifecircleInputError:
        return 1.0
    mapped = levels[np.isfinite(levels) & (levels > 0)]
    return float(np.median(mapped)) if len(mapped) else 1.0


def prepare(cfg: BatchConfig, steps: Steps | None = None) -> tuple[Areas, Halo, list[AreaTask]]:
    """Check the inputs, cut the areas and return the tasks (finished ones included). A bad input raises before
    anything is written, and a batch folder this call created is removed again when the cut fails."""
    _validate(cfg)
    from lifecircle.indicators import load_profile

    for p in cfg.profiles:
        load_profile(p)
    areas = read_areas(cfg.areas, cfg.id_column, cfg.name_column, cfg.layer_crs)
    halo = halo_for(cfg.profiles, cfg.walk_profile, cfg.dem is not None, cfg.snap_max_m)
    if cfg.default_levels is None and cfg.homes is None and cfg.population_column is None:
        cfg.default_levels = region_default_levels(cfg.osm, cfg.unspecified_buildings_as_homes)
    created = not cfg.out.exists()
    try:
        if steps is not None:
            with steps.step(f"Cutting {len(areas.frame)} areas from {cfg.osm.name} (halo {halo.width_m:,.0f} m)") as update:
                cut = cut_areas(cfg.osm, areas.frame, areas.crs, halo.width_m, cfg.out / CUTS_DIR, cfg.walk_profile,
                                progress=lambda _s, f: update(f))
        else:
            cut = cut_areas(cfg.osm, areas.frame, areas.crs, halo.width_m, cfg.out / CUTS_DIR, cfg.walk_profile)
    except BaseException:
        if created:
            shutil.rmtree(cfg.out, ignore_errors=True)
        raise
    halos = halo_polygons(areas.frame, areas.crs, halo.width_m)
    shared = cfg.shared(areas, halo)
    tasks = []
    for (aid, name, geom), hgeom in zip(areas.frame[["area_id", "name", "geometry"]].itertuples(index=False), halos, strict=True):
        t = AreaTask(area_id=aid, name=name, polygon_wkb=shapely.to_wkb(geom), halo_wkb=shapely.to_wkb(hgeom),
                     osm=str(cut.files[aid]), batch_dir=str(cfg.out), config=shared)
        tasks.append(AreaTask(**{**asdict(t), "fingerprint": fingerprint(t, lifecircle.__version__)}))
    return areas, halo, tasks


def run_batch(cfg: BatchConfig, quiet: bool = False, client: Any = None) -> BatchResult:
    """Run the batch (see the module docstring). ``client``: an existing ``distributed.Client`` (else one is made
    from ``cfg.scheduler`` / ``cfg.workers``). Ctrl-C cancels the running tasks and keeps the finished areas."""
    from lifecircle.batch.summary import write_summary

    start = time.perf_counter()
    console = Console(stderr=True)
    targets = None
    if cfg.targets is not None:
        from lifecircle.monitor.targets import read_targets

        targets = read_targets(cfg.targets)
    if cfg.scheduler and client is None:
        with dask_client(cfg.scheduler, cfg.workers) as joined:  # an unreachable scheduler fails before any write
            return run_batch(cfg, quiet=quiet, client=joined)
    with Steps(quiet=quiet, console=console) as steps:
        areas, halo, tasks = prepare(cfg, steps)
    result = BatchResult(out=cfg.out)
    if areas.repaired and not quiet:
        console.print(f"[yellow]Note:[/] repaired invalid polygons of areas {', '.join(areas.repaired)} (shapely make_valid).")
    todo = [t for t in tasks if not is_finished(t)]
    result.skipped = [t.area_id for t in tasks if is_finished(t)]
    if todo:
        if client is not None:
            _run_tasks(client, todo, cfg, result, quiet, console)
        else:
            with dask_client(cfg.scheduler, cfg.workers) as own:
                _run_tasks(own, todo, cfg, result, quiet, console)
    done = [t for t in tasks if is_finished(t)]
    result.seconds = round(time.perf_counter() - start, 3)
    write_summary(cfg.out, areas, done, halo, targets)
    record = {"areas": [t.area_id for t in tasks], "finished": result.finished, "skipped": result.skipped,
              "failed": result.failed, "halo": asdict(halo) | {"width_m": halo.width_m}, "crs": areas.crs,
              "repaired_areas": list(areas.repaired), "osm": str(Path(cfg.osm).resolve()),
              "parameters": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(cfg).items()},
              "seconds": result.seconds, "lifecircle": lifecircle.__version__}
    write_text_atomic(json.dumps(record, indent=2, ensure_ascii=False, default=str), cfg.out / BATCH_FILE)
    return result


def _run_tasks(client: Any, todo: list[AreaTask], cfg: BatchConfig, result: BatchResult, quiet: bool,
               console: Console) -> None:
    from distributed import as_completed

    link = getattr(client, "dashboard_link", None)
    result.dashboard = link
    if link and not quiet:
        console.print(f"Dask dashboard: {link}")
    futures = {client.submit(run_area, t, key=f"lifecircle-area-{t.area_id}-{t.fingerprint[:12]}", pure=False,
                             retries=cfg.retries): t for t in todo}
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=console, disable=quiet)
    try:
        with bar:
            job = bar.add_task(f"Areas ({len(futures)} to run)", total=len(futures))
            for fut in as_completed(list(futures)):
                t = futures[fut]
                try:
                    fut.result()
                    result.finished.append(t.area_id)
                except LifecircleInputError as exc:
                    result.failed[t.area_id] = str(exc)
                except Exception as exc:  # a task the scheduler gave up on (KilledWorker) or a failure in one area
                    result.failed[t.area_id] = f"{type(exc).__name__}: {exc}"
                bar.advance(job)
    except KeyboardInterrupt:
        client.cancel(list(futures))
        raise
