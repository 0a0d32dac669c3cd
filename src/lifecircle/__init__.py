"""lifecircle: plan, measure and monitor the 15-minute community life circle on real walking networks.

The package reads like the pipeline, each layer importing only the layers before it:

* :mod:`lifecircle.network` — walking network from OpenStreetMap or the user's line layer, walking-time model
  (profiles, stairs, Tobler slope), elevation, CRS choice, network files;
* :mod:`lifecircle.points` — facilities and homes (OSM, the user's layers, coordinate systems), the category
  catalogue, snapping onto the network;
* :mod:`lifecircle.results` — the results folder: its files, ``run.json`` and column names, staged writing;
* :mod:`lifecircle.engine` — the compiled accessibility engine (exact walking times, counts, decay, 2SFCA,
  isochrones); :mod:`lifecircle.accessibility` turns its answers into the homes' walking columns;
* :mod:`lifecircle.indicators` — standards as data: profiles, coverage rates, distributions, gaps;
* :mod:`lifecircle.planning` and :mod:`lifecircle.scenarios` — new sites and what-if scenarios;
* :mod:`lifecircle.report` and :mod:`lifecircle.monitor` — the committee report and plan monitoring;
* :mod:`lifecircle.jobs` — the jobs a command runs (assess, scenario, plan), and :mod:`lifecircle.cli`.
"""

__version__ = "0.2.0"
