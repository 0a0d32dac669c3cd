"""Standards as data: indicator profiles (TOML) and the coverage rates, distributions and inequality they define.

>>> from lifecircle.indicators import load_profile, compute_indicators
>>> p = load_profile("cn-health-check")          # or the path of a user TOML (may ``extends`` a built-in)
>>> df = compute_indicators(homes, p, areas="grid:500")  # doctest: +SKIP

:mod:`lifecircle.accessibility` computes, per home, the ``t_``/``d_``/``r_`` columns that :func:`required_columns`
names; this package only reads them. :func:`indicator_table` is the table of a run (``indicators.csv``);
:func:`indicator_gaps` groups each indicator's uncovered homes into ranked gap areas.
"""

from lifecircle.indicators.areas import ALL_AREAS, area_polygons, assign_areas
from lifecircle.indicators.coverage import RESULT_COLUMNS, compute_indicators, uncovered_homes
from lifecircle.indicators.distribution import (
    access_distribution,
    bruno_access_time,
    weighted_gini,
    weighted_quantile,
)
from lifecircle.indicators.gaps import gap_areas, gap_labels, indicator_gaps
from lifecircle.indicators.profiles import (
    COMPOSITE_RULES,
    DENOMINATORS,
    THRESHOLD_KINDS,
    Indicator,
    Profile,
    list_profiles,
    load_profile,
    required_columns,
    validate_profile,
)
from lifecircle.indicators.table import choose_denominator, indicator_table

__all__ = [
    "ALL_AREAS",
    "COMPOSITE_RULES",
    "DENOMINATORS",
    "RESULT_COLUMNS",
    "THRESHOLD_KINDS",
    "Indicator",
    "Profile",
    "access_distribution",
    "area_polygons",
    "assign_areas",
    "bruno_access_time",
    "choose_denominator",
    "compute_indicators",
    "gap_areas",
    "gap_labels",
    "indicator_gaps",
    "indicator_table",
    "list_profiles",
    "load_profile",
    "required_columns",
    "uncovered_homes",
    "validate_profile",
    "weighted_gini",
    "weighted_quantile",
]
