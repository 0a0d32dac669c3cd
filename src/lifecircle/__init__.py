"""lifecircle: plan, measure and monitor the 15-minute community life circle on real walking networks.

The package reads like the pipeline: data in (``osm``, ``features``, ``layers``, ``coords``) → walking network
(``network``, ``walking``, ``elevation``, ``snapping``) → accessibility engine (``engine``) → indicators
(``indicators``) → outputs (``report``, ``cli``).
"""

__version__ = "0.1.0"
