"""GCJ-02 / BD-09 ↔ WGS-84 against published reference coordinates (to 1 m) and round trips (to 1e-7°)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from lifecircle.points.coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_china,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

GEOD = Geod(ellps="WGS84")

# (lon, lat) pairs published in open-source libraries' tests:
# eviltransform (github.com/googollee/eviltransform, python/test.py): WGS-84 → GCJ-02 (Shanghai, Shenzhen, Beijing).
EVILTRANSFORM_WGS_GCJ = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
]
# coordtransform (github.com/wandergis/coordtransform, test/app.js), all from input (116.404, 39.915):
COORDTRANSFORM = {
    "wgs84_to_gcj02": (116.41024449916938, 39.91640428150164),
    "gcj02_to_bd09": (116.41036949371029, 39.92133699351021),
    "bd09_to_gcj02": (116.39762729119315, 39.90865673957631),
}
# gcoord (github.com/hujiulong/gcoord, test/fixtures/china-cities.json): WGS-84, GCJ-02, BD-09 of city centres
# (驻马店, 那曲, 沈阳, 泸州, 酒泉, 钦州), and test/unit/crs/BD09.spec.ts: BD-09 (123, 45) → GCJ-02, WGS-84.
GCOORD_CITIES = [
    ((114.0164322, 33.0133556), (114.022306, 33.0115324), (114.0287781, 33.0176697)),
    ((92.0499619, 31.4784436), (92.0512438, 31.4762063), (92.0576832, 31.4824421)),
    ((123.4253306, 41.8032629), (123.4314787, 41.8057023), (123.438095, 41.8114013)),
    ((105.4386655, 28.8748404), (105.4422659, 28.871815), (105.4487888, 28.8776874)),
    ((98.4937175, 39.7319946), (98.4943595, 39.7328234), (98.5008441, 39.7388949)),
    ((108.6503952, 21.9828281), (108.6541485, 21.9799392), (108.6607283, 21.9856319)),
]
GCOORD_BD_123_45 = {"gcj": (122.99363304, 44.99365430), "wgs": (122.98762210, 44.99171540)}


def metres(a, b) -> float:
    return float(GEOD.inv(float(a[0]), float(a[1]), float(b[0]), float(b[1]))[2])


@pytest.mark.parametrize("wgs, gcj", EVILTRANSFORM_WGS_GCJ)
def test_eviltransform_reference_pairs(wgs, gcj):
    assert metres(wgs84_to_gcj02(*wgs), gcj) < 0.01
    assert metres(gcj02_to_wgs84(*gcj), wgs) < 0.01  # the iterated inverse, not the 1-2 m one-step approximation


def test_coordtransform_reference_values():
    assert metres(wgs84_to_gcj02(116.404, 39.915), COORDTRANSFORM["wgs84_to_gcj02"]) < 0.01
    assert metres(gcj02_to_bd09(116.404, 39.915), COORDTRANSFORM["gcj02_to_bd09"]) < 0.01
    assert metres(bd09_to_gcj02(116.404, 39.915), COORDTRANSFORM["bd09_to_gcj02"]) < 0.1


@pytest.mark.parametrize("wgs, gcj, bd", GCOORD_CITIES)
def test_gcoord_city_references_within_1_m(wgs, gcj, bd):
    assert metres(wgs84_to_gcj02(*wgs), gcj) < 1.0
    assert metres(gcj02_to_wgs84(*gcj), wgs) < 1.0
    assert metres(gcj02_to_bd09(*gcj), bd) < 1.0
    assert metres(bd09_to_gcj02(*bd), gcj) < 1.0
    assert metres(bd09_to_wgs84(*bd), wgs) < 1.0
    assert metres(wgs84_to_bd09(*wgs), bd) < 1.0


def test_gcoord_bd09_spec():
    assert metres(bd09_to_gcj02(123, 45), GCOORD_BD_123_45["gcj"]) < 1.0
    assert metres(bd09_to_wgs84(123, 45), GCOORD_BD_123_45["wgs"]) < 1.0


def test_vectorised_over_arrays():
    wgs = np.array([c[0] for c in GCOORD_CITIES])
    lon, lat = wgs84_to_gcj02(wgs[:, 0], wgs[:, 1])
    assert lon.shape == (len(GCOORD_CITIES),)
    for i, (_, gcj, _) in enumerate(GCOORD_CITIES):
        assert metres((lon[i], lat[i]), gcj) < 1.0


def test_outside_china_gcj02_equals_wgs84():
    lon = np.array([24.94, -74.0, 139.7, 100.5])  # Helsinki, New York, Tokyo (east of the box), a point at sea
    lat = np.array([60.17, 40.7, 35.7, 0.5])  # (100.5 E, 0.5 N) is south of the box
    assert not in_china(lon, lat).any()
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    assert np.array_equal(g_lon, lon) and np.array_equal(g_lat, lat)
    w_lon, w_lat = gcj02_to_wgs84(lon, lat)
    assert np.array_equal(w_lon, lon) and np.array_equal(w_lat, lat)


def test_to_wgs84_dispatch():
    gcj = GCOORD_CITIES[0][1]
    assert metres(to_wgs84(*gcj, "gcj02"), GCOORD_CITIES[0][0]) < 1.0
    assert metres(to_wgs84(*GCOORD_CITIES[0][2], "BD-09"), GCOORD_CITIES[0][0]) < 1.0
    assert to_wgs84(1.0, 2.0, "wgs84") == (1.0, 2.0)
    with pytest.raises(ValueError, match="unknown coordinate system"):
        to_wgs84(1.0, 2.0, "mars")


@settings(max_examples=200, deadline=None)
@given(st.floats(73.0, 135.0), st.floats(18.0, 53.5))
def test_round_trips_inside_china(lon, lat):
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert abs(back[0] - lon) < 1e-7 and abs(back[1] - lat) < 1e-7
    back = bd09_to_gcj02(*gcj02_to_bd09(lon, lat))
    assert abs(back[0] - lon) < 1e-7 and abs(back[1] - lat) < 1e-7
    back = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert abs(back[0] - lon) < 1e-7 and abs(back[1] - lat) < 1e-7
    assert metres(wgs84_to_gcj02(lon, lat), (lon, lat)) < 1500.0  # the offset is a few hundred metres at most


def test_offset_in_yuzhong_is_hundreds_of_metres():
    # Jiefangbei, Yuzhong, Chongqing: an Amap export plotted unconverted would sit hundreds of metres off
    assert 100.0 < metres(wgs84_to_gcj02(106.5775, 29.5570), (106.5775, 29.5570)) < 1000.0


def test_poles_and_far_away_points_pass_through_quietly():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow / divide-by-zero from evaluating the offset out of its domain
        lon, lat = gcj02_to_wgs84([0.0, 180.0, -74.0], [90.0, -90.0, 40.7])
        assert lon.tolist() == [0.0, 180.0, -74.0] and lat.tolist() == [90.0, -90.0, 40.7]
        lon, lat = wgs84_to_bd09([0.0], [90.0])
        assert np.isfinite(lon).all() and np.isfinite(lat).all()
