"""The ``lifecircle plan`` command: where new facilities of a category should go (:mod:`lifecircle.jobs.plan`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console

from lifecircle.cli.errors import Command

_err = Console(stderr=True)


@click.command(cls=Command, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.argument("results_dir", type=click.Path(path_type=Path))
@click.option("--category", required=True, help="Category id of the new facilities (lifecircle/data/categories.csv), e.g. elderly_care.")
@click.option("--profile", help="Profile whose indicator gives the threshold (default: the run's profiles).")
@click.option("--indicator", help="Coverage indicator giving the threshold, e.g. elderly_care_5min (default: the first one of the category).")
@click.option("--threshold-min", type=float, help="Walking-time threshold in minutes, instead of the indicator's.")
@click.option("--sites", type=int, help="Maximal covering: this many new sites covering the most people.")
@click.option("--target-rate", type=float, help="Set covering: the fewest new sites so this share (0-1] of people is covered.")
@click.option("--p-median", "p_median", type=int, help="p-median: this many new sites minimising people's walking time.")
@click.option("--weight", type=click.Choice(["population", "land", "floor"]),
              help="What each home counts with: people, residential land area or floor area (default: the "
                   "denominator of the indicator being improved, as in indicators.csv).")
@click.option("--candidates", type=click.Path(path_type=Path), help="Layer of available parcels (points or polygons); default every network node.")
@click.option("--every-kth-node", type=int, default=1, show_default=True, help="With node candidates, keep every k-th node (faster).")
@click.option("--method", type=click.Choice(["auto", "exact", "greedy"]), default="auto", show_default=True,
              help="exact = HiGHS MIP, greedy = lazy greedy with a bound; auto picks by instance size.")
@click.option("--time-limit", "time_limit_s", type=float, default=60.0, show_default=True, help="Seconds the solver may spend.")
@click.option("--capacity-column", help="Column of --candidates: people a site can serve at most.")
@click.option("--snap-max", "snap_max_m", type=float, default=200.0, show_default=True,
              help="Parcels farther than this (metres) from the network are left out.")
@click.option("--out", type=click.Path(path_type=Path), help="Plan folder (default RESULTS_DIR/plan-CATEGORY).")
@click.option("--no-report", is_flag=True, help="Do not rebuild RESULTS_DIR/report.html with the plan.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
def plan(results_dir: Path, category: str, profile: str | None, indicator: str | None, threshold_min: float | None,
         sites: int | None, target_rate: float | None, p_median: int | None, weight: str | None,
         candidates: Path | None, every_kth_node: int, method: str, time_limit_s: float,
         capacity_column: str | None, snap_max_m: float,
         out: Path | None, no_report: bool, quiet: bool) -> None:
    """Where new facilities of a CATEGORY should go, on the results folder of an assessment.

    \b
    Examples:
      lifecircle plan results --category elderly_care --sites 3
      lifecircle plan results --category health_station --target-rate 0.9 --candidates parcels.gpkg
      lifecircle plan results --category primary_school --p-median 2 --every-kth-node 5

    Homes already within the threshold of an existing facility count as covered. Homes count with the denominator of
    the indicator being improved (residential land area for the city health check, people for point homes), or
    --weight. Writes sites.parquet, candidates.parquet, plan.json (objective, bound, gap, what ran) and
    comparison.csv (every indicator before and after).
    """
    from lifecircle.jobs.plan import PlanOptions
    from lifecircle.jobs.plan import plan as run_plan

    opts = PlanOptions(category=category, sites=sites, target_rate=target_rate, p_median=p_median, weight=weight,
                       profile=profile, indicator=indicator, threshold_min=threshold_min, candidates=candidates,
                       every_kth_node=every_kth_node, method=method, time_limit_s=time_limit_s,
                       capacity_column=capacity_column, snap_max_m=snap_max_m, out=out, update_report=not no_report)
    res = run_plan(results_dir, opts, quiet=quiet)
    if not quiet:
        for line in plan_lines(res.summary, category):
            _err.print(line, highlight=False)
    click.echo(str(res.out))


def plan_lines(s: dict[str, Any], category: str) -> list[str]:
    """The plan in planning words, from ``plan.json`` (the same words and numbers as the report's plan section)."""
    from lifecircle.report.i18n import STRINGS
    from lifecircle.report.plans import headline
    from lifecircle.report.plans import share_text as pct

    den = str(s.get("coverage_denominator", "population"))
    what = STRINGS.get(f"plan_what_{den}", (den, den))[1]
    lines = [f"[green]Done.[/] {category}: {headline(s, int(s['n_sites']))[1]}."]
    share = f"share of {what}"
    lines.append(f"Coverage ({share}): {pct(s.get('coverage_rate_before'))} → {pct(s.get('coverage_rate_after'))}"
                 + (" served within the sites' capacities; "
                    f"{pct(s.get('coverage_rate_after_uncapacitated'))} within reach without capacity limits"
                    if s.get("capacitated") and s.get("problem") != "pmedian" else "") + ".")
    if s.get("newly_covered_people") is not None:
        extra = "" if den == "population" else f" ({s['newly_covered']:,.0f} {s['weight']['unit']})"
        served = "served" if s.get("capacitated") else "newly within reach"
        lines.append(f"People {served}: {s['newly_covered_people']:,.0f}{extra}.")
    if s.get("problem") == "pmedian" and s.get("mean_cost_before") is not None \
            and s.get("mean_cost_after") is not None:
        unit = "min" if s.get("threshold_kind") == "walk_time_s" else "m"
        scale = 60.0 if unit == "min" else 1.0
        lines.append("Average walk (homes beyond the threshold counted at it): "
                     f"{s['mean_cost_before'] / scale:.1f} → {s['mean_cost_after'] / scale:.1f} {unit}.")
    proof = ("proven optimal" if s.get("proven_optimal")
             else f"not proven optimal, within {_fmt_gap(s.get('gap'))} of the best")
    lines.append(f"Solver: asked {s.get('method')}; ran {', '.join(s.get('method_ran', [])) or '—'}; plan from "
                 f"{s.get('solution_from')}; {proof}.")
    for note in s.get("notes", []):
        lines.append(f"  note: {note}")
    return lines


def _fmt_gap(x: Any) -> str:
    return f"{100 * x:.2f} %" if isinstance(x, (int, float)) else str(x)
