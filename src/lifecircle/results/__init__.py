"""The results folder of a run: its files, ``run.json`` and column names (:mod:`~lifecircle.results.folder`,
:mod:`~lifecircle.results.columns`), and staged writing (:mod:`~lifecircle.results.writer`).

>>> folder = ResultsFolder("demo-out", need=FOR_SCENARIO)      # doctest: +SKIP
>>> folder.run.profiles, folder.homes(), folder.indicators()     # doctest: +SKIP
"""

from lifecircle.results.folder import (
    FOR_RECORD,
    FOR_REPORT,
    FOR_SCENARIO,
    RESULT_FILES,
    RUN_SCHEMA_VERSION,
    FileSpec,
    ResultsFolder,
    RunRecord,
    read_indicator_table,
)
from lifecircle.results.staging import StagedFolder, sha256_of, staged_results
from lifecircle.results.writer import ResultsWriter, input_record, write_results

__all__ = [
    "FOR_RECORD",
    "FOR_REPORT",
    "FOR_SCENARIO",
    "RESULT_FILES",
    "RUN_SCHEMA_VERSION",
    "FileSpec",
    "ResultsFolder",
    "ResultsWriter",
    "RunRecord",
    "StagedFolder",
    "input_record",
    "read_indicator_table",
    "sha256_of",
    "staged_results",
    "write_results",
]
