"""The HTML report a planning committee reads: ``build_report(results_dir)`` writes ``report.html``.

Modules: :mod:`~lifecircle.report.inputs` reads the results folder, :mod:`~lifecircle.report.tables` formats the
indicator table, :mod:`~lifecircle.report.charts` draws the SVG charts, :mod:`~lifecircle.report.mapdata` packs the
map layers, :mod:`~lifecircle.report.i18n` holds the Chinese/English labels and :mod:`~lifecircle.report.build`
puts them into ``templates/report.html.j2`` with the vendored Leaflet (``vendor/leaflet``).
"""

from lifecircle.report.build import REPORT_NAME, build_report

__all__ = ["build_report", "REPORT_NAME"]
