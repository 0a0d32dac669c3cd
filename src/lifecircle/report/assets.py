"""What every offline page of lifecircle embeds: the bundled Leaflet (control images inlined), the shared
stylesheet and script templates, and JSON data made safe for a ``<script>`` element."""

from __future__ import annotations

import base64
import json
import re
from importlib import resources
from typing import Any

_LEAFLET_IMAGE = re.compile(r"url\(images/([\w-]+\.png)\)")


def script_json(obj: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: every ``<`` is written ``\\u003c`` (still valid JSON),
    so no ``</script>`` or ``<!--`` can end or alter the element."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c")


def vendor_text(name: str) -> str:
    """A file of the bundled Leaflet (``report/vendor/leaflet``)."""
    return resources.files("lifecircle.report").joinpath("vendor", "leaflet", name).read_text(encoding="utf-8")


def template_text(name: str) -> str:
    """A file of ``report/templates`` (CSS, JS, Jinja templates)."""
    return resources.files("lifecircle.report").joinpath("templates", name).read_text(encoding="utf-8")


def leaflet_css() -> str:
    """Leaflet's stylesheet with its control images inlined as data URIs (no file or network request)."""
    images = resources.files("lifecircle.report").joinpath("vendor", "leaflet", "images")

    def inline(m: re.Match[str]) -> str:
        png = images.joinpath(m.group(1))
        if not png.is_file():
            return "none"
        return f"url(data:image/png;base64,{base64.b64encode(png.read_bytes()).decode('ascii')})"

    return _LEAFLET_IMAGE.sub(inline, vendor_text("leaflet.css"))
