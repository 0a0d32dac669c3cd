"""Distance-decay access: the sum over reachable facilities of a weight that falls with walking cost.

Decay shapes (SOURCE: Kwan 1998, "Space-time and integral measures of individual accessibility", Geographical
Analysis 30(3) — step, linear, negative exponential and Gaussian impedance functions; Gaussian as used for E2SFCA by
Dai 2010, Health & Place 16(5)): with cost ``t`` and ``scale`` ``s`` (both seconds or both metres), up to ``cutoff``:

* ``step``: 1;
* ``linear``: max(0, 1 − t/s);
* ``exponential``: exp(−t/s);
* ``gaussian``: exp(−½ (t/s)²).

Beyond ``cutoff`` the weight is 0 (facilities farther away are not searched).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lifecircle.engine.catchment import run_catchments
from lifecircle.engine.graph import Graph, Points
from lifecircle.engine.kernels import MODE_ORIGIN_SUM
from lifecircle.engine.prepare import check_categories, per_point
from lifecircle.errors import LifecircleInputError

#: Decay kinds, in the order of the kernel codes (lifecircle.engine.kernels.STEP ... GAUSSIAN).
DECAY_KINDS = ("step", "linear", "exponential", "gaussian")


@dataclass(frozen=True)
class Decay:
    """A distance-decay function: ``kind`` (one of :data:`DECAY_KINDS`), ``scale`` and ``cutoff`` (seconds or metres).

    ``step`` needs ``cutoff`` (its scale is unused); ``linear`` needs ``scale`` (cutoff defaults to it);
    ``exponential`` and ``gaussian`` need both (``cutoff=float("inf")`` searches the whole network from each facility).
    """

    kind: str
    scale: float | None = None
    cutoff: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in DECAY_KINDS:
            raise LifecircleInputError(f"Decay kind must be one of {DECAY_KINDS}, got {self.kind!r}.")
        if self.kind != "step" and (self.scale is None or not np.isfinite(self.scale) or self.scale <= 0):
            raise LifecircleInputError(f"Decay '{self.kind}' needs a finite scale > 0 (seconds or metres), got {self.scale!r}.")
        if self.kind == "linear" and self.cutoff is None and self.scale is not None:
            object.__setattr__(self, "cutoff", float(self.scale))
        if self.cutoff is None or np.isnan(self.cutoff) or self.cutoff < 0:
            raise LifecircleInputError(
                f"Decay '{self.kind}' needs a cutoff >= 0 (the largest cost searched, seconds or metres), got {self.cutoff!r}."
            )

    @property
    def code(self) -> int:
        return DECAY_KINDS.index(self.kind)

    def weight(self, t) -> np.ndarray:
        """Weights of costs ``t`` (array), 0 beyond the cutoff — the same formulas as the compiled kernel."""
        t = np.asarray(t, dtype=np.float64)
        if self.kind == "step":
            w = np.ones_like(t)
        elif self.kind == "linear":
            w = np.maximum(0.0, 1.0 - t / self.scale)
        elif self.kind == "exponential":
            w = np.exp(-t / self.scale)
        else:
            w = np.exp(-0.5 * (t / self.scale) ** 2)
        return np.where(t <= self.cutoff, w, 0.0)


def decay_access(g: Graph, origins: Points, facilities: Points, category, n_categories: int, decay: Decay,
                 weight=None) -> np.ndarray:
    """Per origin and category, the sum of ``weight[f]·decay(cost(o → f))`` over facilities within the cutoff.

    ``weight`` defaults to 1 per facility (a decayed count). Returns (n_origins, C) float64.
    """
    if not isinstance(decay, Decay):
        raise LifecircleInputError("decay must be a lifecircle.engine.Decay, e.g. Decay('gaussian', scale=600, cutoff=1800).")
    cat = check_categories(category, len(facilities), n_categories)
    w = per_point("weight", weight, len(facilities), default=1.0)
    assert decay.cutoff is not None  # Decay checks it is set
    got = run_catchments(g, origins, facilities, cat, int(n_categories), w, sums=MODE_ORIGIN_SUM, kind=decay.code,
                         scale=decay.scale or 1.0, cutoff=decay.cutoff)
    assert got.sums is not None
    return got.sums
