"""The demo workspace of ``lifecircle serve --demo``: the demo run (embedded Helsinki extract) recorded in a fresh
store, a small project list of four responsible units placed at real homes of the run, targets for the health-check
coverage, and one account per role with a random password (printed once)."""

from __future__ import annotations

import csv
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from lifecircle.monitor.ledger import import_ledger
from lifecircle.monitor.record import record_run
from lifecircle.monitor.store import init_store
from lifecircle.monitor.targets import import_targets
from lifecircle.progress import Steps
from lifecircle.results.folder import ResultsFolder
from lifecircle.serve.accounts import add_user

#: The demo's responsible units: (unit, category its projects build, project name).
DEMO_UNITS = (
    ("区教委 District Education Commission", "kindergarten", "社区幼儿园 Community kindergarten"),
    ("区卫健委 District Health Commission", "health_station", "社区卫生服务站 Health station"),
    ("区民政局 District Civil Affairs Bureau", "elderly_care", "养老服务站 Elderly-care station"),
    ("解放碑街道 Jiefangbei Subdistrict", "park", "口袋公园 Pocket park"),
)


@dataclass(frozen=True)
class DemoWorkspace:
    """Where the demo put things, and the accounts made (user name → password)."""

    store: Path
    results: Path
    accounts: dict[str, str]


def _ledger(results: Path, path: Path, today: date) -> None:
    homes = ResultsFolder(results).homes()
    pts = homes.geometry.representative_point().to_crs(4326)
    rng = np.random.default_rng(15)
    picks = rng.choice(len(pts), size=2 * len(DEMO_UNITS), replace=False)
    rows = []
    for k, (unit, category, name) in enumerate(DEMO_UNITS):
        for j in range(2):
            p = pts.iloc[int(picks[2 * k + j])]
            late = j == 0
            rows.append({
                "project_id": f"P{today.year}-{2 * k + j + 1:03d}", "name": f"{name} {j + 1}", "category": category,
                "lon": f"{p.x:.6f}", "lat": f"{p.y:.6f}", "coords": "wgs84", "address": "", "capacity": "",
                "responsible_unit": unit, "planned_start": f"{today.year - 1}-03-01",
                "planned_completion": f"{today.year - 1}-12-31" if late else f"{today.year + 1}-06-30",
                "actual_completion": "", "status": "under_construction" if late else "planned", "cost_10k_cny": "",
                "note": ""})
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _targets(path: Path, today: date) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["indicator", "profile", "area", "value", "period", "direction", "source_document"])
        for indicator, value in (("life_circle_15min", "100%"), ("health_15min", "95%"), ("elderly_care_5min", "80%")):
            w.writerow([indicator, "cn-health-check", "ALL", value, str(today.year + 1), "at_least",
                        "Demo targets (replace with the district's implementation programme)"])


def make_demo(folder: Path, quiet: bool = False) -> DemoWorkspace:
    """Build the demo workspace in ``folder`` (a new, empty folder); returns where it is and its accounts."""
    from lifecircle.jobs.assess import demo_config, run

    folder.mkdir(parents=True, exist_ok=True)
    results = run(demo_config(folder / "run"), quiet=quiet)
    store_path = folder / "lifecircle.duckdb"
    today = date.today()
    accounts = {"admin": secrets.token_urlsafe(12), "viewer": secrets.token_urlsafe(12)}
    with Steps(quiet=quiet) as steps, steps.step("Preparing the demo workspace"), init_store(store_path) as store:
        record_run(store, results)
        _ledger(results, folder / "projects.csv", today)
        _targets(folder / "targets.csv", today)
        import_ledger(store, folder / "projects.csv")
        import_targets(store, folder / "targets.csv")
        add_user(store, "admin", "admin", accounts["admin"], by="demo")
        add_user(store, "viewer", "viewer", accounts["viewer"], by="demo")
        for k, (unit, _, _) in enumerate(DEMO_UNITS):
            name = f"unit{k + 1}"
            accounts[name] = secrets.token_urlsafe(12)
            add_user(store, name, "editor", accounts[name], unit=unit, by="demo")
    return DemoWorkspace(store_path, results, accounts)
