"""Names of sub-areas a reader can use: a polygon's own name, grid cells by row and column, H3 cells shortened.

Sub-area ids come from :func:`lifecircle.indicators.areas.assign_areas`: ``grid<S>_<ix>_<iy>`` for a square grid of
``S`` metres (``ix`` / ``iy`` = floor(x / S), floor(y / S) in the run's metric CRS), the 15-hex-digit H3 index for
``h3:<res>``, or the polygons' own id.
"""

from __future__ import annotations

import os
import re

_GRID = re.compile(r"^grid(?P<size>[0-9.]+)_(?P<ix>-?\d+)_(?P<iy>-?\d+)$")
_H3 = re.compile(r"^[0-9a-f]{15}$")
#: Fewest hex digits kept of a shortened H3 index.
H3_MIN_DIGITS = 4


def readable_area_names(ids: list[str], names: list[str]) -> list[tuple[str, str]]:
    """(zh, en) name of each sub-area.

    * a name other than the id is kept (the same in both languages);
    * grid cells: "网格 3-5" / "Grid 3-5" — row 3 counted from the northernmost cell, column 5 from the westernmost;
    * H3 cells: "H3 …2a1c" — the digits that tell the cells apart (the prefix and the ``f`` padding all share
      dropped);
    * anything else: the id.
    """
    grid = [_GRID.match(i) for i in ids]
    ix = [int(m["ix"]) for m in grid if m]
    iy = [int(m["iy"]) for m in grid if m]
    h3_short = _h3_suffixes([i for i in ids if _H3.match(i)])
    out = []
    for aid, name, m in zip(ids, names, grid):
        if name and name != aid:
            out.append((name, name))
        elif m:
            row, col = max(iy) - int(m["iy"]) + 1, int(m["ix"]) - min(ix) + 1
            out.append((f"网格 {row}-{col}", f"Grid {row}-{col}"))
        elif aid in h3_short:
            out.append((f"H3 …{h3_short[aid]}", f"H3 …{h3_short[aid]}"))
        else:
            out.append((aid, aid))
    return out


def reading_order(ids: list[str]) -> list[int]:
    """Positions of ``ids`` in the order a table lists them: grid cells by row from the north, then column from
    the west; other sub-areas after them, in their own order."""
    grid = [_GRID.match(i) for i in ids]

    def key(k: int) -> tuple[int, int, int]:
        m = grid[k]
        return (0, -int(m["iy"]), int(m["ix"])) if m else (1, k, 0)

    return sorted(range(len(ids)), key=key)


def grid_note_needed(ids: list[str]) -> bool:
    """Whether any id is a grid cell (the report then says how rows and columns are counted)."""
    return any(_GRID.match(i) for i in ids)


def _h3_suffixes(cells: list[str]) -> dict[str, str]:
    """The digits of each H3 index that tell it apart from the others: without the prefix and the (``f``-padded)
    suffix all share, at least :data:`H3_MIN_DIGITS` digits. A single cell keeps its whole index."""
    unique = list(dict.fromkeys(cells))
    if len(unique) < 2:
        return {c: c for c in unique}
    head = len(os.path.commonprefix(unique))
    tail = len(os.path.commonprefix([c[::-1] for c in unique]))
    out = {}
    for c in unique:
        end = len(c) - tail
        out[c] = c[max(0, min(head, end - H3_MIN_DIGITS)):end]
    return out
