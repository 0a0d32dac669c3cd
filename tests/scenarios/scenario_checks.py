"""Checks shared by the real-data scenario tests: the full-recomputation reference and the comparison with it."""

from __future__ import annotations

import numpy as np

from lifecircle import engine
from lifecircle.accessibility import walking_columns
from lifecircle.indicators import load_profile
from lifecircle.indicators.table import indicator_table
from lifecircle.network.model import SnappedPoints

COLS = ("t_", "d_", "r_")


def _snapped(frame):
    return SnappedPoints(frame=frame, unsnapped=frame.iloc[:0])


def reference(res, facilities, net=None, homes=None):
    """The engine and indicator steps of a run (pipeline.walking_columns + indicator_table) on changed inputs."""
    profiles = [load_profile(p) for p in res.profiles]
    net = net if net is not None else res.network
    homes = homes if homes is not None else res.homes
    frame = walking_columns(net, _snapped(homes), _snapped(facilities), profiles)
    return frame, indicator_table(frame, profiles, res.areas)


def _time_to(net, homes, facilities, rows, ids):
    """Seconds from home row i to the facility with id ids[k], one pair at a time."""
    g = engine.Graph.from_network(net, weight="time_s")
    fac = facilities.set_index(facilities["id"].astype(str))
    out = []
    for i, fid in zip(rows, ids, strict=True):
        f = fac.loc[[fid]].iloc[:1]
        r = engine.nearest(g, engine.Points(*_snapped(homes.iloc[[i]]).arrays("access_s")),
                           engine.Points(*_snapped(f).arrays("access_s")), np.zeros(1, np.int64), 1)
        out.append(float(r.time[0, 0]))
    return np.array(out)


def assert_same_as_full(out, ref_homes, ref_ind, facilities, net):
    """Times to 1e-9 s, facility ids up to ties (both named facilities at the same time), every indicator to 1e-9."""
    for col in [c for c in ref_homes.columns if c.startswith(COLS)]:
        np.testing.assert_allclose(out.homes[col].to_numpy(np.float64), ref_homes[col].to_numpy(np.float64),
                                   rtol=0, atol=1e-9, err_msg=col)
    for col in [c for c in ref_homes.columns if c.startswith("f_")]:
        a, b = out.homes[col].astype(str).to_numpy(), ref_homes[col].astype(str).to_numpy()
        rows = np.flatnonzero(a != b)
        if len(rows):  # ties only: both named facilities at the home's time
            t = ref_homes[f"t_{col[2:]}"].to_numpy()[rows]
            np.testing.assert_allclose(_time_to(net, out.homes, facilities, rows, a[rows]), t, atol=1e-9, err_msg=col)
            np.testing.assert_allclose(_time_to(net, out.homes, facilities, rows, b[rows]), t, atol=1e-9, err_msg=col)
    keys = ["profile", "indicator", "area"]
    got = out.indicators_after.set_index(keys).sort_index()
    want = ref_ind.set_index(keys).sort_index()
    assert got.index.equals(want.index)
    for col in ("value", "numerator", "denominator"):
        np.testing.assert_allclose(got[col].to_numpy(np.float64), want[col].to_numpy(np.float64), atol=1e-9, err_msg=col)
