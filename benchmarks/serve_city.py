"""A results folder of the synthetic city for the workspace benchmarks: the city of ``benchmarks/batch_city_pbf.py``
(a jittered street grid written as ``.osm.pbf``) assessed by ``lifecircle assess`` like a real district, so a
``lifecircle serve`` process can load it.

    python benchmarks/serve_city.py OUT_DIR [--nodes 100000] [--areas grid:1000]

``--nodes`` is the number of street junctions (the side of the grid is its square root; the network builder keeps
about that many nodes); junctions are 50 m apart, one residential building every 3 × 3 blocks (about ``nodes / 9``
homes). The run uses the profiles ``cn-health-check`` and ``cn-gb50180``, as the Yuzhong benchmark does; the results
folder is ``OUT_DIR/run`` (printed with the counts and the wall time of the assessment, seconds).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from batch_city_pbf import write_city  # noqa: E402

#: Profiles of the run (as for the Yuzhong run of docs/benchmarks.md).
PROFILES = ("cn-health-check", "cn-gb50180")


def city_run(out: Path, nodes: int = 100_000, areas: str = "grid:1000") -> dict:
    """Write the city of about ``nodes`` junctions to ``out/city.osm.pbf`` and assess it into ``out/run``; returns
    the counts written, the results folder and the assessment's wall time (seconds)."""
    from lifecircle.jobs.assess import AssessConfig, run

    out.mkdir(parents=True, exist_ok=True)
    pbf = out / "city.osm.pbf"
    side = math.isqrt(nodes - 1) + 1
    counts = write_city(pbf, n=side)
    start = time.perf_counter()
    cfg = AssessConfig(out=out / "run", osm=pbf, profiles=PROFILES, areas=areas, study_area="synthetic city")
    results = run(cfg, quiet=True)
    return {"side": side, **counts, "results": str(results), "assess_s": round(time.perf_counter() - start, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--nodes", type=int, default=100_000, help="Street junctions of the city.")
    ap.add_argument("--areas", default="grid:1000", help="Sub-areas of the run (as lifecircle assess --areas).")
    a = ap.parse_args()
    print(json.dumps(city_run(a.out, a.nodes, a.areas), indent=2))


if __name__ == "__main__":
    main()
