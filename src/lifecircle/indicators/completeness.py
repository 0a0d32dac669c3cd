"""Which indicators the input data cannot support: categories with no facility, and the indicators they zero.

An indicator whose categories have no facility at all reads 0 % — true of the data, not of the city (OpenStreetMap
in China rarely maps clinics, kindergartens or elderly care). :func:`empty_categories` names those categories and,
per profile, the indicators they zero, so a run can warn before anyone reads the rates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from lifecircle.indicators.profiles import Profile, load_profile
from lifecircle.points.categories import category_catalogue


@dataclass
class EmptyCategories:
    """Categories the profiles use that have no facility, and the indicator ids they zero, per profile."""

    categories: list[str] = field(default_factory=list)
    indicators: dict[str, list[str]] = field(default_factory=dict)
    #: (profile id, indicator id) → the empty categories that zero it.
    zeroed_by: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)

    def warnings(self, hint: str) -> list[str]:
        """One sentence per empty category, naming the indicators it zeroes and ending with ``hint``."""
        cat = category_catalogue()
        out = []
        for c in self.categories:
            hit = [f"{p} {i}" for p, ids in self.indicators.items() for i in ids if c in self.zeroed_by.get((p, i), ())]
            name = f"'{c}' ({cat[c].name_zh})" if c in cat else f"'{c}'"
            out.append(f"No facility of category {name} in the data: {', '.join(hit) or 'no indicator'} "
                       f"read 0 % because of it. {hint}")
        return out



def empty_categories(profiles: Iterable[str | Profile], facilities_by_category: Mapping[str, int]) -> EmptyCategories:
    """The categories of ``profiles``' indicators with no facility (``facilities_by_category[c]`` 0 or absent), and
    the indicators they zero: a coverage indicator all of whose categories are empty, and every composite / f15 /
    gini indicator with such an element (its elements must all be reached)."""
    report = EmptyCategories()
    empty: list[str] = []
    for p in profiles:
        prof = load_profile(p)
        zeroed: dict[str, tuple[str, ...]] = {}
        for ind in prof.indicators:
            if ind.kind == "coverage":
                missing = tuple(c for c in ind.categories if not facilities_by_category.get(c))
                if len(missing) == len(ind.categories):
                    zeroed[ind.id] = missing
                    empty += [c for c in missing if c not in empty]
        for ind in prof.indicators:
            if ind.kind != "coverage":
                causes = tuple(c for e in ind.elements for c in zeroed.get(e, ()))
                if causes:
                    zeroed[ind.id] = tuple(dict.fromkeys(causes))
        if zeroed:
            report.indicators[prof.id] = list(zeroed)
            report.zeroed_by.update({(prof.id, i): cats for i, cats in zeroed.items()})
    report.categories = empty
    return report
