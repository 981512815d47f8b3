"""Statistical process control for improvement work: pure Python, no Django, no database.

The portal's Django side (``collaboratives.measures.charts`` and ``.chart_cards``) reads teams'
measure values from the database and hands plain numbers and dates to this package; nothing here
knows about models, settings, templates or translation, so it can be tested, reused and extended
(control charts come next) on its own. Its tests (``spc/tests``) run without Django settings:
``python -m pytest -p no:django -c spc/tests/pytest.ini spc`` (``make test`` does).

Public API
----------

``spc.runchart`` -- the run-chart rules (Perla, Provost & Murray 2011):

- ``analyse(values, *, baseline_points=None, baseline_median=None, segments=(),
  astronomical=(), direction_better=None) -> RunChartAnalysis``: medians per phase and the
  signals of the four rules (shift, trend, too few or too many runs, astronomical point).
- ``RunChartAnalysis`` (``segments``, ``signals``, ``signals_by_rule(rule)``, ...),
  ``SegmentAnalysis``, ``Signal``, ``RunsResult``; the enums ``Rule``, ``Side``, ``Direction``,
  ``Assessment``, ``MedianBasis``, ``RunsOutcome``.
- The rules' building blocks and tables: ``find_shifts``, ``find_trends``, ``count_runs``,
  ``runs_limits``, ``swed_eisenhart_limits``, ``RUNS_LIMITS``, ``SHIFT_LENGTH``,
  ``TREND_LENGTH``, ``MIN_USEFUL_OBSERVATIONS``.

``spc.svg`` -- the drawing:

- ``render_svg(*, title, points, analysis=None, goal=None, annotations=(), unit="", width=720,
  height=320, chart_id=None, phase_labels=(), show_title=True) -> str``: an accessible inline
  ``<svg role="img">`` run chart, with every text XML-escaped by the standard library and no
  inline style or script (the portal's Content-Security-Policy allows neither).
- ``data_table_rows(*, points, analysis=None, annotations=(), unit="", phase_labels=())
  -> list[DataTableRow]``: the rows of the screen-reader table shown under a chart.
- ``format_value(value, unit="", *, decimals=None) -> str``: 18.5%, 1,204, 3.2.
- ``COLOURS``: the Okabe-Ito palette the charts draw with.

The names most callers need are re-exported here: ``from spc import analyse, render_svg``.

Rules of the house: this package imports nothing of the project and no Django (an
import-linter contract in ``pyproject.toml`` and ``spc/tests/test_purity.py`` check it); texts
it writes are plain English strings and numbers are formatted with the standard library.
"""

from spc.runchart import (
    Assessment,
    Rule,
    RunChartAnalysis,
    Side,
    Signal,
    analyse,
)
from spc.svg import DataTableRow, data_table_rows, format_value, render_svg

__all__ = [
    "Assessment",
    "DataTableRow",
    "Rule",
    "RunChartAnalysis",
    "Side",
    "Signal",
    "analyse",
    "data_table_rows",
    "format_value",
    "render_svg",
]
