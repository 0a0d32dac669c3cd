"""Chinese web-map coordinates: GCJ-02 (Amap/高德, Tencent, Google China) and BD-09 (Baidu/百度) ↔ WGS-84.

GCJ-02 is WGS-84 plus a deterministic, position-dependent offset of a few hundred metres, published nowhere
officially but reproduced identically by every open-source implementation (the "Krasovsky-ellipsoid offset
formulas"). BD-09 is a further rotation/scaling of GCJ-02 that Baidu applies.

SOURCE: the formulas as implemented in the open-source libraries eviltransform
(github.com/googollee/eviltransform, ``python/eviltransform/__init__.py``) and coordtransform
(github.com/wandergis/coordtransform, ``index.js``); the ellipsoid constants are those of the Krasovsky 1940
ellipsoid (semi-major axis 6 378 245 m, first eccentricity squared 0.00669342162296594323). Reference pairs from
those libraries' tests are checked in ``tests/points/test_coords.py``.

Outside China the offset is not applied (GCJ-02 = WGS-84), with China taken as the box used by those libraries:
longitude 72.004–137.8347° E, latitude 0.8293–55.8271° N. The inverse transforms (GCJ-02 → WGS-84, BD-09 → GCJ-02)
have no closed form: they are solved by fixed-point iteration to better than 1e-9° (about 0.1 mm), not the
one-step approximation (1–2 m error) many libraries use.

All functions are vectorised: they take scalars or numpy arrays of longitudes and latitudes in degrees and return
``(lon, lat)`` arrays of the same shape.
"""

from __future__ import annotations

import numpy as np

#: Krasovsky 1940 ellipsoid semi-major axis (metres) and first eccentricity squared, as used by the GCJ-02 formulas.
_KRASOVSKY_A_M = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
#: Baidu's BD-09 constant: π·3000/180 (radians per degree, scaled), and its fixed shift in degrees.
_BD_X_PI = np.pi * 3000.0 / 180.0
_BD_DLON_DEG = 0.0065
_BD_DLAT_DEG = 0.006
#: The "China" box outside which GCJ-02 equals WGS-84 (degrees), as in eviltransform / coordtransform.
_CHINA_LON_DEG = (72.004, 137.8347)
_CHINA_LAT_DEG = (0.8293, 55.8271)
#: Convergence of the iterative inverses (degrees; 1e-9° ≈ 0.1 mm) and the iteration cap.
_INVERSE_TOL_DEG = 1e-9
_INVERSE_MAX_ITER = 50

#: Coordinate systems :func:`to_wgs84` understands.
COORDINATE_SYSTEMS = ("wgs84", "gcj02", "bd09")


def _as_arrays(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    lon_a, lat_a = np.broadcast_arrays(lon_a, lat_a)
    return lon_a.copy(), lat_a.copy()


def in_china(lon, lat) -> np.ndarray:
    """Boolean array: True where (``lon``, ``lat``) (degrees) lies in the box where the GCJ-02 offset applies."""
    lon_a, lat_a = _as_arrays(lon, lat)
    return (
        (lon_a >= _CHINA_LON_DEG[0]) & (lon_a <= _CHINA_LON_DEG[1]) & (lat_a >= _CHINA_LAT_DEG[0]) & (lat_a <= _CHINA_LAT_DEG[1])
    )


def _gcj_offset_deg(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The GCJ-02 offset (dlon, dlat) in degrees at WGS-84 (lon, lat) degrees, ignoring the China box."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = (
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
        + common
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
        + common
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_KRASOVSKY_A_M * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_KRASOVSKY_A_M / sqrt_magic * np.cos(rad_lat) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 → GCJ-02 (degrees in, degrees out); unchanged outside China."""
    lon_a, lat_a = _as_arrays(lon, lat)
    inside = in_china(lon_a, lat_a)
    if inside.any():
        dlon, dlat = _gcj_offset_deg(lon_a[inside], lat_a[inside])
        lon_a[inside] += dlon
        lat_a[inside] += dlat
    return lon_a, lat_a


def gcj02_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → WGS-84 (degrees), solved by iteration to < 1e-9°; unchanged outside China.

    Fixed-point iteration ``w ← w − (wgs84_to_gcj02(w) − g)`` starting from ``w = g``: the offset's derivative
    is about 1e-5, so each step gains about five digits and two or three steps converge.
    """
    g_lon, g_lat = _as_arrays(lon, lat)
    inside = in_china(g_lon, g_lat)
    out_lon, out_lat = g_lon.copy(), g_lat.copy()
    if not inside.any():
        return out_lon, out_lat
    gi_lon, gi_lat = g_lon[inside], g_lat[inside]
    w_lon, w_lat = gi_lon.copy(), gi_lat.copy()
    for _ in range(_INVERSE_MAX_ITER):
        dlon, dlat = _gcj_offset_deg(w_lon, w_lat)
        err_lon = w_lon + dlon - gi_lon
        err_lat = w_lat + dlat - gi_lat
        w_lon = w_lon - err_lon
        w_lat = w_lat - err_lat
        if np.all(np.abs(err_lon) < _INVERSE_TOL_DEG) and np.all(np.abs(err_lat) < _INVERSE_TOL_DEG):
            break
    out_lon[inside], out_lat[inside] = w_lon, w_lat
    return out_lon, out_lat


def gcj02_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → BD-09 (degrees). Applied everywhere, as coordtransform does (eviltransform leaves points outside
    China unchanged; BD-09 data outside China are rare enough that the difference does not matter here)."""
    x, y = _as_arrays(lon, lat)
    z = np.hypot(x, y) + 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _BD_X_PI)
    return z * np.cos(theta) + _BD_DLON_DEG, z * np.sin(theta) + _BD_DLAT_DEG


def bd09_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → GCJ-02 (degrees), solved by iteration to < 1e-9° from the usual one-step inverse."""
    b_lon, b_lat = _as_arrays(lon, lat)
    x = b_lon - _BD_DLON_DEG
    y = b_lat - _BD_DLAT_DEG
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _BD_X_PI)
    g_lon, g_lat = z * np.cos(theta), z * np.sin(theta)
    for _ in range(_INVERSE_MAX_ITER):
        f_lon, f_lat = gcj02_to_bd09(g_lon, g_lat)
        err_lon, err_lat = f_lon - b_lon, f_lat - b_lat
        g_lon, g_lat = g_lon - err_lon, g_lat - err_lat
        if np.all(np.abs(err_lon) < _INVERSE_TOL_DEG) and np.all(np.abs(err_lat) < _INVERSE_TOL_DEG):
            break
    return g_lon, g_lat


def wgs84_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 → BD-09 (degrees), through GCJ-02."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → WGS-84 (degrees), through GCJ-02, both inverses iterated."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def to_wgs84(lon, lat, coords: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert longitudes/latitudes (degrees) in ``coords`` (``"wgs84"``, ``"gcj02"`` or ``"bd09"``) to WGS-84.

    Raises ``ValueError`` for an unknown ``coords``; callers facing the user turn it into a
    :class:`~lifecircle.errors.LifecircleInputError`.
    """
    key = coords.lower().replace("-", "").replace("_", "")
    if key == "wgs84":
        return _as_arrays(lon, lat)
    if key == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if key == "bd09":
        return bd09_to_wgs84(lon, lat)
    raise ValueError(f"unknown coordinate system {coords!r}; expected one of {', '.join(COORDINATE_SYSTEMS)}")
