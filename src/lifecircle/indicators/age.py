"""Coverage of the age group an indicator serves, beside the standard's denominator.

An indicator may name the group it serves (profile key ``age_group``: kindergarten 3-5, primary school 6-11, middle
school 12-14, elderly care 60+). When the homes carry that group's people (column ``age_3_5``, ``age_60plus``... of
:func:`lifecircle.points.population.age_column`), :func:`add_age_coverage` adds to each row of the indicator table:

* ``age_group`` — the group served;
* ``age_numerator`` / ``age_denominator`` — people of that group whose home is covered / all people of that group
  (in the row's area);
* ``age_value`` — their ratio (0-1).

Elderly care served by 60+ falls back to 65+ when only 65+ is given (the note says so); where the group is absent
the columns stay empty and the standard's rate (``value``) is the one to read.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from lifecircle.indicators.areas import ALL_AREAS, assign_areas
from lifecircle.indicators.distribution import group_times
from lifecircle.indicators.profiles import THRESHOLD_KINDS, Profile, load_profile
from lifecircle.points.population import age_column as _column

#: Columns :func:`add_age_coverage` adds to the indicator table.
AGE_COLUMNS = ("age_group", "age_value", "age_numerator", "age_denominator")
_FALLBACK = {"60+": "65+", "65+": "60+"}


def add_age_coverage(table: pd.DataFrame, homes: pd.DataFrame, profiles, areas=None,
                     area_id_column: str = "id") -> pd.DataFrame:
    """``table`` (rows of :func:`lifecircle.indicators.coverage.compute_indicators`) with :data:`AGE_COLUMNS`;
    ``areas`` and ``area_id_column`` as the table was computed with."""
    out = table.copy()
    out["age_group"] = ""
    for c in AGE_COLUMNS[1:]:
        out[c] = math.nan
    area_ids = assign_areas(homes, areas, area_id_column) if areas is not None else None
    labels = area_ids.to_numpy(dtype=object) if area_ids is not None else np.full(len(homes), None, dtype=object)
    for p in profiles:
        prof: Profile = load_profile(p)
        for ind in prof.indicators:
            if not ind.age_group:
                continue
            group = ind.age_group
            if _column(group) not in homes.columns and _FALLBACK.get(group) and _column(_FALLBACK[group]) in homes.columns:
                group = _FALLBACK[group]
            rows = (out["profile"] == prof.id) & (out["indicator"] == ind.id)
            if _column(group) not in homes.columns:
                out.loc[rows, "age_group"] = ind.age_group
                continue
            people = homes[_column(group)].to_numpy(dtype=float)
            covered = group_times(homes, ind.categories, THRESHOLD_KINDS[ind.threshold_kind]) <= ind.threshold
            frame = pd.DataFrame({"area": labels, "den": people, "num": np.where(covered, people, 0.0)})
            sums = frame.dropna(subset=["area"]).groupby("area")[["num", "den"]].sum()
            sums.loc[ALL_AREAS] = [float(frame["num"].sum()), float(frame["den"].sum())]
            for idx in out.index[rows.to_numpy()]:
                area = out.at[idx, "area"]
                num, den = (float(v) for v in sums.loc[area, ["num", "den"]]) if area in sums.index else (0.0, 0.0)
                out.at[idx, "age_group"] = group
                out.at[idx, "age_numerator"] = num
                out.at[idx, "age_denominator"] = den
                out.at[idx, "age_value"] = num / den if den > 0 else math.nan
                if group != ind.age_group:
                    out.at[idx, "note"] = "; ".join(filter(None, [str(out.at[idx, "note"] or ""),
                                                                  f"age group {ind.age_group} not given: {group} used"]))
    return out
