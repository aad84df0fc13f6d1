"""The horizontal bar chart: one bar per category, its series stacked (levels of a barrier,
kinds of release…), the value written at the end of the bar."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape

from insertion.core.charts.base import (
    FONT_SIZE,
    HIDDEN_WORD,
    NOT_COMPUTABLE_STATE,
    SECRET_STATE,
    SMALL_SIZE,
    SWATCH,
    Chart,
    Row,
    Series,
    Table,
    chart_id,
    check_series,
    clean,
    join,
    legend,
    listing,
    open_svg,
    t,
)
from insertion.core.charts.numbers import format_tick, format_value, nice_ticks
from insertion.core.charts.palette import (
    GRID_COLOUR,
    HIDDEN_COLOUR,
    MUTED_COLOUR,
    TEXT_COLOUR,
    fill,
    pattern_defs,
)
from insertion.core.frise.text import number, text_width, wrap

LABEL_LEFT = 12
LABEL_RIGHT = 250  # category labels end here, right-aligned against the bars
PLOT_LEFT = 260
PLOT_RIGHT = 740  # the value at a bar's end runs into the margin
ROW_H = 40
BAR_H = 22
AXIS_H = 34
LINE_STEP = 15


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    unit: str = "%",
    category_header: str = "Catégorie",
    svg_id: str | None = None,
) -> Chart:
    """Horizontal bars, one per category, its series (up to four) stacked in order. ``unit``:
    "%" for rates (0 to 100), "" for counts, or a word written after the number ("jours")."""
    check_series(series)
    categories = [clean(category) for category in categories]
    grid = [s.cells(len(categories)) for s in series]  # grid[series][category]
    svg_id = chart_id(svg_id, "bar", title, categories, unit, list(series))
    rows = list(zip(*grid, strict=True)) if categories else []
    any_secret = any(cell.state == SECRET_STATE for row in rows for cell in row)
    summary = _summary(categories, series, grid, unit)
    table = Table(
        (category_header, *(s.label for s in series)),
        tuple(
            Row(category, tuple(cell.text(unit) for cell in row))
            for category, row in zip(categories, rows, strict=True)
        ),
    )

    totals = [sum(cell.value for cell in row if cell.shown) for row in rows]
    ticks, decimals = nice_ticks(max(totals, default=0), unit=unit)
    scale = (PLOT_RIGHT - PLOT_LEFT) / ticks[-1]
    out_legend, top = [], 12
    if len(series) > 1 or any_secret:
        out_legend, top = legend(svg_id, [s.label for s in series], kind="bar", secret=any_secret)
    bottom = top + len(rows) * ROW_H
    out = open_svg(svg_id, bottom + AXIS_H, title, summary, "bar")
    out += pattern_defs(svg_id, len(series), any_secret)
    out += out_legend
    for tick in ticks:  # the grid behind the bars, its labels under them
        x = number(PLOT_LEFT + tick * scale)
        out.append(
            f'<line x1="{x}" y1="{top}" x2="{x}" y2="{number(bottom)}" stroke="{GRID_COLOUR}" '
            'stroke-width="1"/>'
        )
        out.append(
            f'<text x="{x}" y="{number(bottom + 20)}" text-anchor="middle" '
            f'font-size="{SMALL_SIZE}" fill="{MUTED_COLOUR}">'
            f"{escape(format_tick(tick, unit, decimals))}</text>"
        )
    for index, (category, row) in enumerate(zip(categories, rows, strict=True)):
        out += _bar(svg_id, category, row, series, unit, top + index * ROW_H, scale)
    out.append(
        f'<line x1="{PLOT_LEFT}" y1="{top}" x2="{PLOT_LEFT}" y2="{number(bottom)}" '
        f'stroke="{MUTED_COLOUR}" stroke-width="1.5"/>'
    )
    out.append("</svg>")
    return Chart(svg_id, clean(title), join(out), summary, table)


def _bar(svg_id, category, row, series, unit, row_y, scale) -> list[str]:
    mid = row_y + ROW_H / 2
    lines = wrap(category, LABEL_RIGHT - LABEL_LEFT, FONT_SIZE)
    first = mid + 5 - (len(lines) - 1) * LINE_STEP / 2
    out = ['<g class="insertion-chart__bar">']
    out += [
        f'<text x="{LABEL_RIGHT}" y="{number(first + n * LINE_STEP)}" text-anchor="end">'
        f"{escape(line)}</text>"
        for n, line in enumerate(lines)
    ]
    x = PLOT_LEFT
    for index, cell in enumerate(row):
        if not cell.shown or cell.value <= 0:
            continue
        width = cell.value * scale
        label = f"{category} — {series[index].label} : {cell.text(unit)}"
        out.append(
            f'<rect x="{number(x)}" y="{number(mid - BAR_H / 2)}" width="{number(width)}" '
            f'height="{BAR_H}" fill="{fill(svg_id, index)}" data-series="{index}" '
            f'data-value="{number(cell.value)}"><title>{t(label)}</title></rect>'
        )
        x += width
    # At the end of the bar, its value: the sum of the stacked ones, « secret » for what is
    # hidden (a hatched square, never a bar of 0), « non calculable » when nothing is.
    x += 6
    shown = [cell for cell in row if cell.shown]
    words = []
    if len(row) == 1 and shown:
        words.append(shown[0].text(unit))
    elif shown:
        words.append(format_value(sum(cell.value for cell in shown), unit))
    if any(cell.state == SECRET_STATE for cell in row):
        if words:
            words.append("+")
        text = " ".join(words)
        if text:
            out.append(f'<text x="{number(x)}" y="{number(mid + 5)}">{escape(text)}</text>')
            x += text_width(text, FONT_SIZE) + 6
        out.append(
            f'<rect x="{number(x)}" y="{number(mid - SWATCH / 2)}" width="{SWATCH}" '
            f'height="{SWATCH}" fill="url(#{svg_id}-secret)" stroke="{HIDDEN_COLOUR}" '
            'class="insertion-chart__secret"/>'
        )
        out.append(
            f'<text x="{number(x + SWATCH + 5)}" y="{number(mid + 5)}" fill="{HIDDEN_COLOUR}" '
            f'font-style="italic">{HIDDEN_WORD}</text>'
        )
    elif words:
        out.append(
            f'<text x="{number(x)}" y="{number(mid + 5)}" fill="{TEXT_COLOUR}">'
            f"{escape(words[0])}</text>"
        )
    else:
        out.append(
            f'<text x="{number(x)}" y="{number(mid + 5)}" fill="{MUTED_COLOUR}" '
            'font-style="italic">non calculable</text>'
        )
    return [*out, "</g>"]


def _summary(categories, series, grid, unit) -> str:
    if not categories:
        return "Aucune donnée."
    sentences = []
    for s, cells in zip(series, grid, strict=True):
        shown = [(cell, category) for cell, category in zip(cells, categories, strict=True)]
        shown = [(cell, category) for cell, category in shown if cell.shown]
        prefix = f"{clean(s.label)} : " if len(series) > 1 else ""
        if not shown:
            continue
        if len(shown) == 1:
            cell, category = shown[0]
            sentences.append(f"{prefix}seule valeur connue : {category}, {cell.text(unit)}.")
            continue
        # Ties go to the first category in the given order.
        high = max(shown, key=lambda pair: pair[0].value)
        low = min(shown, key=lambda pair: pair[0].value)
        sentences.append(
            f"{prefix}le plus élevé : {high[1]}, {high[0].text(unit)} ; "
            f"le plus bas : {low[1]}, {low[0].text(unit)}."
        )
    for state, words in (
        (SECRET_STATE, "Secret statistique"),
        (NOT_COMPUTABLE_STATE, "Non calculable"),
    ):
        places = [
            category if len(series) == 1 else f"{category} ({clean(s.label)})"
            for category, row in zip(categories, zip(*grid, strict=True), strict=True)
            for s, cell in zip(series, row, strict=True)
            if cell.state == state
        ]
        if places:
            sentences.append(f"{words} : {listing(places)}.")
    text = " ".join(sentences) or "Aucune valeur connue."
    return text[0].upper() + text[1:]
