"""Plan implementation monitoring (issue 7): a DuckDB store of runs, indicator values, targets and the project
ledger (一张清单), with import of CSV/XLSX lists and a status view per target and per responsible unit.

Public API::

    from lifecircle.monitor import open_store, init_store, record_run, import_ledger, import_targets
    from lifecircle.monitor import target_status, unit_status, late_projects
    from lifecircle.monitor.cli import monitor   # the click group
"""

from lifecircle.monitor.ledger import LedgerImport, import_ledger, read_ledger
from lifecircle.monitor.record import RecordedRun, record_run
from lifecircle.monitor.status import late_projects, render_status, target_status, unit_status
from lifecircle.monitor.store import DEFAULT_STORE, SCHEMA_VERSION, MonitorStore, init_store, open_store
from lifecircle.monitor.targets import TargetImport, import_targets, parse_period, read_targets

__all__ = [
    "DEFAULT_STORE", "SCHEMA_VERSION", "LedgerImport", "MonitorStore", "RecordedRun", "TargetImport",
    "import_ledger", "import_targets", "init_store", "late_projects", "open_store", "parse_period", "read_ledger",
    "read_targets", "record_run", "render_status", "target_status", "unit_status",
]
