"""The homes as the indicators read them: plain arrays made once per homes frame and sub-area split.

The indicator computation reads, per home, engine columns (``t_<c>`` seconds, ``d_<c>`` / ``r_<c>`` metres, +inf
when unreachable), the denominators (``population`` people, ``area_m2`` / ``floor_area_m2`` m²), age-group people,
and the sub-area each home lies in. :class:`HomeArrays` holds them as numpy arrays with the sub-areas as integer codes,
so indicators are sums over codes (``np.bincount``) rather than selections and groupings of a (Geo)DataFrame; a
scenario that changes a few engine columns swaps only those arrays (:meth:`HomeArrays.with_columns`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from lifecircle.errors import LifecircleInputError
from lifecircle.indicators.areas import ALL_AREAS, assign_areas


def engine_array(values: np.ndarray | pd.Series) -> np.ndarray:
    """An engine column (seconds or metres) as indicators read it: float64, NaN counted as unreachable (+inf)."""
    arr = np.asarray(values, dtype=np.float64)
    return np.where(np.isnan(arr), np.inf, arr)


@dataclass(frozen=True)
class AreaSplit:
    """Which area each home counts in.

    Attributes
    ----------
    names
        Area labels: ``"ALL"`` (the whole study area, code 0) then the sub-area ids in sorted order (codes 1..k).
    codes
        Per home, the code of its sub-area (int64), −1 when it lies in none (it then counts in ``ALL`` only).
    members
        Per code, the rows of the homes counted in that area in ascending order (code 0: every home).
    """

    names: tuple[str, ...]
    codes: np.ndarray
    members: tuple[np.ndarray, ...]

    @classmethod
    def of(cls, homes: pd.DataFrame, areas=None, area_id_column: str = "id") -> AreaSplit:
        """The split of ``homes`` by ``areas`` (as :func:`lifecircle.indicators.areas.assign_areas` takes it)."""
        area_ids = assign_areas(homes, areas, area_id_column)
        names = [ALL_AREAS]
        codes = np.full(len(homes), -1, dtype=np.int64)
        if area_ids is not None:
            labels = area_ids.to_numpy(dtype=object)
            present = np.array([v is not None for v in labels], dtype=bool)
            uniq = sorted({v for v in labels if v is not None})
            index = {v: i + 1 for i, v in enumerate(uniq)}
            codes[present] = [index[v] for v in labels[present]]
            names += uniq
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(names) + 1))
        members = [np.arange(len(homes))] + [order[bounds[k]:bounds[k + 1]] for k in range(1, len(names))]
        return cls(tuple(names), codes, tuple(members))

    @property
    def n_areas(self) -> int:
        return len(self.names)

    def sums(self, values: np.ndarray) -> np.ndarray:
        """Per area, the sum of ``values`` (one per home, any unit) over its homes; ``ALL`` sums every home."""
        inside = self.codes >= 0
        out = np.bincount(self.codes[inside], weights=values[inside], minlength=self.n_areas).astype(float)
        out[0] = float(values.sum())
        return out


@dataclass(frozen=True)
class HomeArrays:
    """The homes' columns that indicators read, as arrays (one value per home, in the frame's row order).

    Attributes
    ----------
    n
        Number of homes.
    columns
        Column name → float64 array: engine columns (``t_``/``d_``/``r_``..., NaN read as +inf, see
        :func:`engine_array`) and the other numeric columns asked for (denominators, age groups) as they are.
    areas
        The sub-area split (:class:`AreaSplit`).
    """

    n: int
    columns: Mapping[str, np.ndarray]
    areas: AreaSplit
    _absent: dict[str, bool] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, homes: pd.DataFrame, engine_columns: Iterable[str], other_columns: Iterable[str] = (),
           areas=None, area_id_column: str = "id", split: AreaSplit | None = None) -> HomeArrays:
        """The arrays of ``homes``: ``engine_columns`` (seconds or metres) and ``other_columns`` (taken as floats);
        columns the frame lacks are left out. ``split`` reuses an area split made for the same homes."""
        cols: dict[str, np.ndarray] = {}
        for c in dict.fromkeys(engine_columns):
            if c in homes.columns:
                cols[c] = engine_array(homes[c].to_numpy())
        for c in dict.fromkeys(other_columns):
            if c in homes.columns and c not in cols:
                cols[c] = homes[c].to_numpy(dtype=np.float64)
        for a in cols.values():
            a.flags.writeable = False
        return cls(len(homes), cols, split if split is not None else AreaSplit.of(homes, areas, area_id_column))

    def column(self, name: str) -> np.ndarray:
        """One column; a clear error when the homes lack it."""
        try:
            return self.columns[name]
        except KeyError:
            raise LifecircleInputError(
                f"homes lack column {name}; the engine must compute it for this profile "
                "(see lifecircle.indicators.required_columns).") from None

    def nearest(self, names: Iterable[str]) -> np.ndarray:
        """Per home, the minimum of the engine columns ``names`` (nearest of any, seconds or metres; +inf if none)."""
        arrays = [self.column(c) for c in names]
        if not arrays:
            return np.full(self.n, np.inf)
        if len(arrays) == 1:
            return arrays[0]
        return np.minimum.reduce(arrays)

    def absent(self, name: str) -> bool:
        """True when no home reaches anything in engine column ``name`` (none of it finite) and there are homes."""
        if name not in self._absent:
            self._absent[name] = self.n > 0 and not bool(np.isfinite(self.column(name)).any())
        return self._absent[name]

    def changed(self, columns: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Of the engine ``columns`` given (name → values per home), those that differ from these arrays, prepared
        as :func:`engine_array`; names these arrays do not hold are ignored."""
        out: dict[str, np.ndarray] = {}
        for name, values in columns.items():
            if name not in self.columns:
                continue
            arr = engine_array(values)
            if len(arr) != self.n:
                raise LifecircleInputError(f"column {name} has {len(arr)} values for {self.n} homes.")
            if not np.array_equal(arr, self.columns[name]):
                arr.flags.writeable = False
                out[name] = arr
        return out

    def with_columns(self, columns: Mapping[str, np.ndarray]) -> HomeArrays:
        """The same homes with the given columns (prepared arrays, e.g. from :meth:`changed`) replaced."""
        return replace(self, columns={**self.columns, **columns}, _absent={})
