"""Charts of the steering statistics (issue 15), drawn on the server as accessible SVG, like the
frise (insertion/core/frise): no JavaScript, no chart library, the same SVG in the page and in
the PDF.

``bar_chart`` (categories, series stacked) and ``line_chart`` (monthly trends) give a ``Chart``:
its ``svg``, a ``summary`` in French sentences (highest and lowest, the trend), and its
``table`` (every figure), which ``templates/includes/_chart.html`` shows together::

    chart = bar_chart("Freins par catégorie", ["Logement", "Santé"],
                      [Series("Personnes concernées", [42.0, None], counts=[84, 0])])
    {% include "includes/_chart.html" with chart=chart %}

A figure hidden by the statistical secrecy is ``SECRET`` (or a count of ``None``): it is never
drawn, least of all as 0, and reads « secret »; a rate without denominator reads « non
calculable ». Colours and patterns: ``palette.py``; numbers in French: ``numbers.py``.
"""

from insertion.core.charts.bars import bar_chart
from insertion.core.charts.base import SECRET, Chart, Row, Series, Table
from insertion.core.charts.lines import line_chart
from insertion.core.charts.numbers import format_number, format_value, month_label, nice_ticks

__all__ = [
    "SECRET",
    "Chart",
    "Row",
    "Series",
    "Table",
    "bar_chart",
    "format_number",
    "format_value",
    "line_chart",
    "month_label",
    "nice_ticks",
]
