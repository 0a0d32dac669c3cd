"""Plan implementation monitoring: a DuckDB store of runs, indicator values, targets and the project
ledger (一张清单), with import of CSV/XLSX lists and a status view per target and per responsible unit.

Public API::

    from lifecircle.monitor import open_store, init_store, record_run, import_ledger, import_targets
    from lifecircle.monitor import target_status, unit_status, late_projects, project_states
    from lifecircle.monitor import attribute_runs, evaluate_planned, unit_gains, build_monitoring_report
"""

from lifecircle.monitor.attribution import (
    Attribution,
    PlannedScenario,
    attribute_runs,
    evaluate_planned,
    leave_one_out,
    measured_change,
    unit_gains,
)
from lifecircle.monitor.evaluate import default_evaluator, scenarios_evaluator
from lifecircle.monitor.ledger import LedgerImport, import_ledger, read_ledger
from lifecircle.monitor.record import RecordedRun, record_run
from lifecircle.monitor.report import build_monitoring_report
from lifecircle.monitor.status import late_projects, project_states, render_status, target_status, unit_status
from lifecircle.monitor.store import DEFAULT_STORE, SCHEMA_VERSION, MonitorStore, init_store, open_store
from lifecircle.monitor.targets import TargetImport, import_targets, parse_period, read_targets

__all__ = [
    "DEFAULT_STORE", "SCHEMA_VERSION", "Attribution", "LedgerImport", "MonitorStore", "PlannedScenario",
    "RecordedRun", "TargetImport", "attribute_runs", "build_monitoring_report",
    "default_evaluator", "evaluate_planned", "import_ledger", "import_targets", "init_store", "late_projects",
    "leave_one_out", "measured_change", "open_store", "parse_period", "project_states", "read_ledger",
    "read_targets", "record_run", "render_status", "scenarios_evaluator", "target_status", "unit_gains",
    "unit_status",
]
