"""The line chart of monthly trends: one point per month (13 months on the steering pages), up
to three series (the establishment, the national median…), a value axis from 0."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.utils.html import escape

from insertion.core.charts.base import (
    NOT_COMPUTABLE_STATE,
    SECRET_STATE,
    SMALL_SIZE,
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
    marker,
    open_svg,
    t,
)
from insertion.core.charts.numbers import (
    PERCENT,
    format_number,
    format_tick,
    month_label,
    nice_ticks,
)
from insertion.core.charts.palette import GRID_COLOUR, INKS, MUTED_COLOUR, pattern_defs
from insertion.core.frise.scales import SHORT_MONTHS
from insertion.core.frise.text import number

MAX_LINE_SERIES = 3
PLOT_LEFT = 76  # the value labels end here, right-aligned
PLOT_RIGHT = 884
PLOT_H = 240
PARTLY_SECRET_H = 14  # the hatched strip of a month where some lines only are hidden
AXIS_H = 46  # two lines under the axis: the month, and the year on January and the first


def line_chart(
    title: str,
    months: Sequence[datetime.date],
    series: Sequence[Series],
    *,
    unit: str = "%",
    svg_id: str | None = None,
) -> Chart:
    """One line per series over ``months`` (the first day of each, in order), its points marked
    each with its own shape. A hidden month is hatched across the plot (along the axis when
    some lines only are hidden) and breaks the line; a
    value that cannot be computed breaks it too."""
    check_series(series)
    if len(series) > MAX_LINE_SERIES:
        raise ValueError(f"De 1 à {MAX_LINE_SERIES} séries.")
    months = list(months)
    grid = [s.cells(len(months)) for s in series]
    svg_id = chart_id(svg_id, "line", title, months, unit, list(series))
    any_secret = any(cell.state == SECRET_STATE for cells in grid for cell in cells)
    summary = _summary(months, series, grid, unit)
    table = Table(
        ("Mois", *(s.label for s in series)),
        tuple(
            Row(month_label(month), tuple(cells[index].text(unit) for cells in grid))
            for index, month in enumerate(months)
        ),
    )

    high = max((cell.value for cells in grid for cell in cells if cell.shown), default=0)
    ticks, decimals = nice_ticks(high, unit=unit)
    out_legend, top = legend(svg_id, [s.label for s in series], kind="line", secret=any_secret)
    top += 8  # room for the top tick's label
    bottom = top + PLOT_H
    slot = (PLOT_RIGHT - PLOT_LEFT) / max(len(months), 1)

    def x_at(index: int) -> float:
        return PLOT_LEFT + (index + 0.5) * slot

    def y_at(value: float) -> float:
        return bottom - value / ticks[-1] * PLOT_H

    out = open_svg(svg_id, bottom + AXIS_H, title, summary, "line")
    out += pattern_defs(svg_id, 0, any_secret)
    out += out_legend
    for index, month in enumerate(months):  # a hidden month: hatched across the plot
        hidden = [
            clean(s.label)
            for s, cells in zip(series, grid, strict=True)
            if cells[index].state == SECRET_STATE
        ]
        if hidden:
            # Every line hidden: the whole month is hatched; some of them only: a strip along
            # the axis (the others' points stay readable above it).
            height = PLOT_H if len(hidden) == len(series) else PARTLY_SECRET_H
            words = f"{month_label(month)} : secret statistique ({listing(hidden)})"
            out.append(
                f'<rect x="{number(PLOT_LEFT + index * slot + 2)}" '
                f'y="{number(top + PLOT_H - height)}" width="{number(slot - 4)}" '
                f'height="{height}" fill="url(#{svg_id}-secret)" '
                f'opacity="0.5" class="insertion-chart__secret"><title>{t(words)}</title></rect>'
            )
    for tick in ticks:
        y = number(y_at(tick))
        out.append(
            f'<line x1="{PLOT_LEFT}" y1="{y}" x2="{PLOT_RIGHT}" y2="{y}" '
            f'stroke="{MUTED_COLOUR if tick == 0 else GRID_COLOUR}" '
            f'stroke-width="{1.5 if tick == 0 else 1}"/>'
        )
        out.append(
            f'<text x="{PLOT_LEFT - 8}" y="{number(y_at(tick) + 4)}" text-anchor="end" '
            f'font-size="{SMALL_SIZE}" fill="{MUTED_COLOUR}">'
            f"{escape(format_tick(tick, unit, decimals))}</text>"
        )
    for index, month in enumerate(months):
        x = number(x_at(index))
        out.append(
            f'<line x1="{x}" y1="{bottom}" x2="{x}" y2="{bottom + 5}" stroke="{MUTED_COLOUR}"/>'
        )
        out.append(
            f'<text x="{x}" y="{bottom + 19}" text-anchor="middle" font-size="{SMALL_SIZE}" '
            f'fill="{MUTED_COLOUR}">{SHORT_MONTHS[month.month - 1]}</text>'
        )
        if index == 0 or month.month == 1:
            out.append(
                f'<text x="{x}" y="{bottom + 35}" text-anchor="middle" font-size="{SMALL_SIZE}" '
                f'fill="{MUTED_COLOUR}">{month.year}</text>'
            )
    for index, (s, cells) in enumerate(zip(series, grid, strict=True)):
        out += _line(index, s, cells, months, unit, x_at, y_at)
    out.append("</svg>")
    return Chart(svg_id, clean(title), join(out), summary, table)


def _line(index, s, cells, months, unit, x_at, y_at) -> list[str]:
    ink = INKS[index]
    dash = f' stroke-dasharray="{ink.dash}"' if ink.dash else ""
    out = [f'<g class="insertion-chart__line" data-series="{index}">']
    # Runs of consecutive known months: a hidden or incomputable month breaks the line.
    run: list[str] = []
    for position, cell in enumerate([*cells, None]):
        if cell is not None and cell.shown:
            run.append(f"{number(x_at(position))},{number(y_at(cell.value))}")
            continue
        if len(run) > 1:
            out.append(
                f'<polyline points="{" ".join(run)}" fill="none" stroke="{ink.colour}" '
                f'stroke-width="2.5" stroke-linejoin="round"{dash}/>'
            )
        run = []
    for position, cell in enumerate(cells):
        if cell.shown:
            words = f"{clean(s.label)}, {month_label(months[position])} : {cell.text(unit)}"
            out.append(
                f'<g data-month="{months[position]:%Y-%m}"><title>{t(words)}</title>'
                f"{marker(ink.marker, x_at(position), y_at(cell.value), ink.colour)}</g>"
            )
    return [*out, "</g>"]


def _difference(first: float, last: float, unit: str) -> str:
    change = round(last - first, 1)
    if change == 0:
        return "stable"
    size = format_number(abs(change))
    words = (
        f"{size} point{'s' if abs(change) >= 2 else ''}"
        if unit == PERCENT
        else f"{size} {unit}".strip()
    )
    return f"en {'hausse' if change > 0 else 'baisse'} de {words}"


def _summary(months, series, grid, unit) -> str:
    sentences = []
    for s, cells in zip(series, grid, strict=True):
        known = [(position, cell) for position, cell in enumerate(cells) if cell.shown]
        label = clean(s.label)
        if not known:
            sentences.append(f"{label} : aucune valeur connue.")
            continue
        (first_at, first), (last_at, last) = known[0], known[-1]
        # Ties go to the earliest month.
        high = max(known, key=lambda pair: pair[1].value)
        low = min(known, key=lambda pair: pair[1].value)
        sentence = f"{label} : {last.text(unit)} en {month_label(months[last_at])}"
        if last_at > first_at:
            span = last_at - first_at + 1
            sentence += (
                f", {_difference(first.value, last.value, unit)} sur {span} mois "
                f"(depuis {first.text(unit)} en {month_label(months[first_at])})"
            )
        if high[1].value != low[1].value:
            sentence += (
                f" ; au plus haut {high[1].text(unit)} en {month_label(months[high[0]])}, "
                f"au plus bas {low[1].text(unit)} en {month_label(months[low[0]])}"
            )
        sentences.append(sentence + ".")
        for state, words in (
            (SECRET_STATE, "secret statistique"),
            (NOT_COMPUTABLE_STATE, "non calculable"),
        ):
            missing = [
                month_label(months[p]) for p, cell in enumerate(cells) if cell.state == state
            ]
            if missing:
                sentences.append(f"{label}, {words} : {listing(missing)}.")
    return " ".join(sentences) if months else "Aucune donnée."
