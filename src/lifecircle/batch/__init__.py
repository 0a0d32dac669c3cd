"""Many areas and huge ones: ``lifecircle batch`` and ``assess --tile-km`` on Dask distributed.

* :mod:`lifecircle.batch.halo` — how far beyond an area the data must reach for exact border times;
* :mod:`lifecircle.batch.areas` — the areas layer, checked;
* :mod:`lifecircle.batch.cut` — every area cut from one big OpenStreetMap file in two reads;
* :mod:`lifecircle.batch.task` — one area as one task (the ordinary assess job), with its finished record;
* :mod:`lifecircle.batch.cluster` — the Dask client (embedded LocalCluster or a running scheduler);
* :mod:`lifecircle.batch.runner` — the batch: resumable, retried, safe to stop;
* :mod:`lifecircle.batch.summary` — summary.csv, summary.gpkg, report.html across areas;
* :mod:`lifecircle.batch.tiling` — one huge area split into tiles and stitched.
"""

from lifecircle.batch.halo import Halo, halo_for
from lifecircle.batch.runner import BatchConfig, BatchResult, run_batch

__all__ = ["BatchConfig", "BatchResult", "Halo", "halo_for", "run_batch"]
