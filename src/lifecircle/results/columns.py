"""Names of the per-category columns of a results folder's ``homes.parquet``.

For every facility category ``c``:

* ``t_<c>`` — walking time to the nearest facility of ``c``, seconds (+inf when none is reachable);
* ``f_<c>`` — that facility's id (empty when none);
* ``d_<c>`` — network distance to the nearest one, metres (only for categories an indicator measures that way);
* ``r_<c>`` — straight-line distance to the nearest one, metres (likewise).

Each threshold kind of an indicator profile reads one of these columns (:data:`PREFIX_OF_KIND`).
"""

from __future__ import annotations

from collections.abc import Iterable

TIME_PREFIX = "t_"
FACILITY_PREFIX = "f_"
DISTANCE_PREFIX = "d_"
RADIUS_PREFIX = "r_"

#: Threshold kind of an indicator → the prefix of the column it reads.
PREFIX_OF_KIND = {
    "walk_time_s": TIME_PREFIX,
    "network_distance_m": DISTANCE_PREFIX,
    "straight_radius_m": RADIUS_PREFIX,
}


def time_column(category: str) -> str:
    """``t_<category>``: walking seconds to the nearest facility of ``category``."""
    return TIME_PREFIX + category


def facility_column(category: str) -> str:
    """``f_<category>``: the id of the nearest facility of ``category``."""
    return FACILITY_PREFIX + category


def distance_column(category: str) -> str:
    """``d_<category>``: network metres to the nearest facility of ``category``."""
    return DISTANCE_PREFIX + category


def radius_column(category: str) -> str:
    """``r_<category>``: straight-line metres to the nearest facility of ``category``."""
    return RADIUS_PREFIX + category


def value_column(category: str, threshold_kind: str) -> str:
    """The column an indicator of ``threshold_kind`` (``walk_time_s``, ``network_distance_m``,
    ``straight_radius_m``) compares with its threshold for ``category``."""
    return PREFIX_OF_KIND[threshold_kind] + category


def categories_in(columns: Iterable[object], prefix: str = TIME_PREFIX) -> list[str]:
    """The categories that have a ``<prefix><category>`` column among ``columns``, in column order."""
    return [c[len(prefix):] for c in columns if isinstance(c, str) and c.startswith(prefix) and len(c) > len(prefix)]
