"""One area of a batch as one task: the ordinary ``assess`` job on the area's cut, homes restricted to the area.

:func:`run_area` runs on a Dask worker. It writes ``<batch>/areas/<id>/`` through the assess job (so the folder is
published whole or not at all) and then the area's record ``<batch>/state/<id>.json`` (atomically): an area is
finished exactly when that record exists with the fingerprint of its inputs and parameters. A worker that dies
mid-task leaves at most a staging folder (``.<id>.partial-*``), which the retried task removes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely

from lifecircle.atomic import write_text_atomic
from lifecircle.jobs.assess import AssessConfig, run
from lifecircle.results.staging import sha256_of

#: Sub-folders of a batch folder.
AREAS_DIR = "areas"
STATE_DIR = "state"
WORK_DIR = "work"


@dataclass(frozen=True)
class AreaTask:
    """What a worker needs to run one area (plain data: it travels to the worker by pickle).

    Attributes
    ----------
    area_id, name
        The area's id (its folder name) and name.
    polygon_wkb
        The area's polygon, WGS-84, as WKB.
    halo_wkb
        The area grown by the halo, WGS-84, as WKB (user layers are cut to it).
    osm
        The area's cut ``.osm.pbf``.
    batch_dir
        The batch folder.
    config
        Keyword arguments of :class:`~lifecircle.jobs.assess.AssessConfig` shared by every area (profiles, walking
        profile, DEM, population, user layers, ``crs``, ``exact_within``...).
    fingerprint
        SHA-256 of everything the result depends on (see :func:`fingerprint`).
    """

    area_id: str
    name: str
    polygon_wkb: bytes
    halo_wkb: bytes
    osm: str
    batch_dir: str
    config: dict[str, Any] = field(default_factory=dict)
    fingerprint: str = ""

    @property
    def out(self) -> Path:
        return Path(self.batch_dir) / AREAS_DIR / self.area_id

    @property
    def state(self) -> Path:
        return Path(self.batch_dir) / STATE_DIR / f"{self.area_id}.json"

    @property
    def work(self) -> Path:
        return Path(self.batch_dir) / WORK_DIR / self.area_id


def fingerprint(task: AreaTask, version: str) -> str:
    """SHA-256 of the area's cut file, polygon, the shared parameters and the input files they name, and the
    lifecircle ``version``: equal fingerprints give equal results."""
    h = hashlib.sha256()
    h.update(sha256_of(task.osm).encode())
    h.update(task.polygon_wkb)
    h.update(json.dumps(task.config, sort_keys=True, default=str).encode())
    for key in ("dem", "population", "facilities", "homes"):
        if task.config.get(key):
            h.update(sha256_of(task.config[key]).encode())
    h.update(version.encode())
    return h.hexdigest()


def is_finished(task: AreaTask) -> bool:
    """True when the area's record exists with the task's fingerprint (and its folder with its run.json)."""
    if not task.state.exists() or not (task.out / "run.json").exists():
        return False
    try:
        return json.loads(task.state.read_text(encoding="utf-8")).get("fingerprint") == task.fingerprint
    except (OSError, ValueError):
        return False


def _cut_layer(path: str, keep: shapely.Geometry, out: Path, predicate: str) -> Path:
    from lifecircle.points.layers import read_layer

    layer = read_layer(path)
    inside = layer.geometry.intersects(keep) if predicate == "intersects" else layer.geometry.within(keep)
    out.parent.mkdir(parents=True, exist_ok=True)
    gpd.GeoDataFrame(layer.loc[inside.to_numpy()]).to_file(out, driver="GPKG")
    return out


def run_area(task: AreaTask) -> dict[str, Any]:
    """Run the area (see the module docstring); returns its record (area id, seconds, counts)."""
    start = time.perf_counter()
    for stale in task.out.parent.glob(f".{task.area_id}.partial-*"):
        shutil.rmtree(stale, ignore_errors=True)
    task.state.unlink(missing_ok=True)
    work = task.work
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    polygon = shapely.from_wkb(task.polygon_wkb)
    halo = shapely.from_wkb(task.halo_wkb)
    area_file = work / "area.geojson"
    gpd.GeoDataFrame({"area_id": [task.area_id]}, geometry=[polygon], crs="EPSG:4326").to_file(area_file, driver="GeoJSON")
    cfg = dict(task.config)
    if cfg.get("facilities"):
        cfg["facilities"] = _cut_layer(cfg["facilities"], halo, work / "facilities.gpkg", "intersects")
    if cfg.get("homes"):
        cfg["homes"] = _cut_layer(cfg["homes"], halo, work / "homes.gpkg", "intersects")
    for key in ("dem", "population"):
        if cfg.get(key):
            cfg[key] = Path(cfg[key])
    cfg["profiles"] = tuple(cfg.get("profiles", ("cn-health-check",)))
    config = AssessConfig(out=task.out, osm=Path(task.osm), home_area=area_file, components="all",
                          study_area=task.name, **cfg)
    run(config, quiet=True)
    record = {"area_id": task.area_id, "name": task.name, "fingerprint": task.fingerprint,
              "seconds": round(time.perf_counter() - start, 3), "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    write_text_atomic(json.dumps(record, indent=2, ensure_ascii=False), task.state)
    return record


def task_dict(task: AreaTask) -> dict[str, Any]:
    """The task as plain data (for logs)."""
    d = asdict(task)
    d.pop("polygon_wkb")
    d.pop("halo_wkb")
    return d
