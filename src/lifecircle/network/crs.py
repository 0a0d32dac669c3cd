"""Choose the metric projected CRS a study area is measured in: lengths in metres, never degrees."""

from __future__ import annotations

import math

from pyproj import CRS

#: CGCS2000 3-degree Gauss-Krüger zones without zone prefix: EPSG:4534 is central meridian 75°E, each next code +3°,
#: up to EPSG:4554 at 135°E (the EPSG registry names them "CGCS2000 / 3-degree Gauss-Kruger CM <lon>E").
_CGCS2000_GK3_FIRST_EPSG = 4534
_CGCS2000_GK3_FIRST_CM_DEG = 75
_CGCS2000_GK3_LAST_CM_DEG = 135

#: Rough mainland-China box (degrees) in which the CGCS2000 Gauss-Krüger zone is chosen, as Chinese plans use.
_CHINA_LON = (73.0, 136.0)
_CHINA_LAT = (17.0, 54.0)


def metric_crs_for(lon: float, lat: float) -> str:
    """A projected CRS in metres for a study area centred at ``lon``, ``lat`` (WGS-84 degrees).

    In China: the CGCS2000 3-degree Gauss-Krüger zone whose central meridian is nearest (what Chinese planning
    data use). Elsewhere: the WGS-84 UTM zone (EPSG:326xx north, 327xx south). Scale error within a zone is
    below 0.1 %, so network lengths stay within the 1 % tolerance of geodesic lengths.
    """
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise ValueError(f"({lon}, {lat}) is not a WGS-84 longitude/latitude")
    if _CHINA_LON[0] <= lon <= _CHINA_LON[1] and _CHINA_LAT[0] <= lat <= _CHINA_LAT[1]:
        cm = min(max(3 * round(lon / 3), _CGCS2000_GK3_FIRST_CM_DEG), _CGCS2000_GK3_LAST_CM_DEG)
        return f"EPSG:{_CGCS2000_GK3_FIRST_EPSG + (cm - _CGCS2000_GK3_FIRST_CM_DEG) // 3}"
    zone = min(int(math.floor((lon + 180.0) / 6.0)) + 1, 60)
    return f"EPSG:{(32600 if lat >= 0 else 32700) + zone}"


def is_metric(crs: str | CRS) -> bool:
    """True when ``crs`` is projected with metre axes."""
    c = CRS.from_user_input(crs)
    return bool(c.is_projected and all(a.unit_name in ("metre", "meter") for a in c.axis_info))
